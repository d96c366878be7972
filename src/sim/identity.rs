//! Who a request comes from and where it is sent, as Lambda's regional
//! endpoints see it: the region from the SigV4 credential scope
//! (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`), the account from
//! the access key (keys given at start, credentials the emulator's STS
//! issued, else the default account), and the regions the emulator serves.
//! Signatures are not verified: the emulator trusts the scope it is given.
//! It must not know about functions or HTTP responses.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use axum::http::{HeaderMap, Uri, header};
use rand::Rng;

use super::names::Place;

/// The regions of the runtime-updates guide's "Supported Regions" list
/// (seed 003), served when no `--regions` are given.
pub const GUIDE_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-central-1",
    "eu-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "sa-east-1",
    "af-south-1",
    "me-south-1",
];

/// The credential scope of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

/// Reads the scope from an `Authorization: AWS4-HMAC-SHA256 Credential=...`
/// header value, or from a presigned URL's `X-Amz-Credential` value (already
/// percent-decoded). `None` for an unsigned request or a malformed scope.
pub fn scope_of(authorization: Option<&str>, presigned: Option<&str>) -> Option<Scope> {
    let credential = match authorization {
        Some(a) => {
            let start = a.find("Credential=")? + "Credential=".len();
            a[start..]
                .split([',', ' '])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
        None => presigned?.to_owned(),
    };
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [key, _date, region, service, "aws4_request"] if !key.is_empty() && !region.is_empty() => {
            Some(Scope {
                access_key: (*key).to_owned(),
                region: (*region).to_owned(),
                service: (*service).to_owned(),
            })
        }
        _ => None,
    }
}

/// The scope of a request: its `Authorization` header, or a presigned
/// URL's `X-Amz-Credential` parameter.
pub fn request_scope(headers: &HeaderMap, uri: &Uri) -> Option<Scope> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let presigned = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case("X-Amz-Credential"))
            .map(|(_, v)| percent_decode(v, false))
    });
    scope_of(authorization, presigned.as_deref())
}

/// Decodes `%XX` escapes (and `+` as a space in form data). Bytes that do
/// not form UTF-8 are replaced, as a lossy read of a malformed request.
pub fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let hex = |i: usize| {
        bytes
            .get(i)
            .and_then(|b| char::from(*b).to_digit(16))
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push(h * 16 + l);
                i += 3;
            }
            (b'+', _, _) if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A principal the emulator knows a key of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account: String,
    /// `arn:aws:iam::ACCOUNT:root`, or `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`.
    pub arn: String,
    /// `ACCOUNT` for the root, `AROA...:SESSION` for an assumed role.
    pub user_id: String,
}

/// Credentials the emulator's STS issued.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Seconds since the Unix epoch.
    pub expires_at: i64,
    pub principal: Principal,
}

/// Why a request's identity is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Signed for a region the emulator does not serve.
    UnservedRegion(String),
    /// An issued session whose time is up.
    Expired,
}

/// Who the emulator knows, and where it serves.
pub struct Identities {
    default: Place,
    /// Access key -> account, given at start.
    keys: HashMap<String, String>,
    regions: BTreeSet<String>,
    trust_any_account: bool,
    issued: Mutex<HashMap<String, Issued>>,
}

/// A request's identity once resolved.
#[derive(Debug, Clone)]
pub struct Caller {
    pub place: Place,
    pub principal: Principal,
    /// Whether the request was signed at all.
    pub signed: bool,
}

impl Identities {
    /// `keys` are (account, access key) pairs; `regions` the served ones (the
    /// default region is always served).
    pub fn new(
        default: Place,
        keys: &[(String, String)],
        regions: &[String],
        trust_any_account: bool,
    ) -> Identities {
        let mut served: BTreeSet<String> = regions.iter().cloned().collect();
        served.insert(default.region.clone());
        Identities {
            keys: keys
                .iter()
                .map(|(account, key)| (key.clone(), account.clone()))
                .collect(),
            default,
            regions: served,
            trust_any_account,
            issued: Mutex::new(HashMap::new()),
        }
    }

    pub fn default_place(&self) -> &Place {
        &self.default
    }

    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.regions.iter().map(String::as_str)
    }

    /// Every account the emulator knows (the default one and those of keys).
    pub fn accounts(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.keys.values().cloned().collect();
        out.insert(self.default.account.clone());
        out
    }

    pub fn serves(&self, region: &str) -> bool {
        self.regions.contains(region)
    }

    /// Whether a role of `account` may be assumed.
    pub fn trusts(&self, account: &str) -> bool {
        self.trust_any_account || self.accounts().contains(account)
    }

    fn root(account: &str) -> Principal {
        Principal {
            account: account.to_owned(),
            arn: format!("arn:aws:iam::{account}:root"),
            user_id: account.to_owned(),
        }
    }

    /// The caller of a request with `scope` (`None`: unsigned), at `now`
    /// (seconds since the epoch).
    pub fn resolve(&self, scope: Option<&Scope>, now: i64) -> Result<Caller, Refusal> {
        let Some(scope) = scope else {
            return Ok(Caller {
                place: self.default.clone(),
                principal: Identities::root(&self.default.account),
                signed: false,
            });
        };
        let issued = self
            .issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&scope.access_key)
            .cloned();
        let (principal, known) = match (&issued, self.keys.get(&scope.access_key)) {
            (Some(i), _) if i.expires_at <= now => return Err(Refusal::Expired),
            (Some(i), _) => (i.principal.clone(), true),
            (None, Some(account)) => (Identities::root(account), true),
            (None, None) => (Identities::root(&self.default.account), false),
        };
        // Before the emulator served many regions it answered every request
        // for `--region`; a client with no known key signing for the SDK's
        // default us-east-1 still reaches it.
        let region = if !known && scope.region == "us-east-1" {
            self.default.region.clone()
        } else {
            scope.region.clone()
        };
        if !self.serves(&region) {
            return Err(Refusal::UnservedRegion(region));
        }
        Ok(Caller {
            place: Place {
                region,
                account: principal.account.clone(),
            },
            principal,
            signed: true,
        })
    }

    /// Issues temporary credentials for `principal`, valid until `expires_at`.
    pub fn issue(&self, principal: Principal, expires_at: i64) -> Issued {
        let issued = Issued {
            access_key_id: format!("ASIA{}", random_text(16, UPPER_ALNUM)),
            secret_access_key: random_text(40, BASE64ISH),
            session_token: random_text(356, BASE64ISH),
            expires_at,
            principal,
        };
        self.issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(issued.access_key_id.clone(), issued.clone());
        issued
    }
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64ISH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Random text of `len` characters from `alphabet`, as AWS's keys look.
pub fn random_text(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// A stable id for a role, as IAM's `AROA...` ids look.
pub fn role_id(role_arn: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(role_arn.as_bytes());
    let id: String = digest
        .iter()
        .take(17)
        .map(|b| char::from(UPPER_ALNUM[usize::from(*b) % UPPER_ALNUM.len()]))
        .collect();
    format!("AROA{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identities() -> Identities {
        Identities::new(
            Place {
                region: "us-east-1".into(),
                account: "123456789012".into(),
            },
            &[("111111111111".into(), "AKIDPROD".into())],
            &GUIDE_REGIONS
                .iter()
                .map(|r| (*r).to_owned())
                .collect::<Vec<_>>(),
            false,
        )
    }

    fn scope(key: &str, region: &str) -> Scope {
        scope_of(
            Some(&format!(
                "AWS4-HMAC-SHA256 Credential={key}/20261201/{region}/lambda/aws4_request, SignedHeaders=host, Signature=abc"
            )),
            None,
        )
        .expect("scope")
    }

    #[test]
    fn the_scope_names_the_key_region_and_service() {
        assert_eq!(
            scope("AKIDPROD", "eu-west-1"),
            Scope {
                access_key: "AKIDPROD".into(),
                region: "eu-west-1".into(),
                service: "lambda".into()
            }
        );
        assert_eq!(scope_of(Some("Bearer x"), None), None);
        assert_eq!(scope_of(None, None), None);
    }

    #[test]
    fn keys_map_to_accounts_and_regions_must_be_served() {
        let ids = identities();
        let c = ids
            .resolve(Some(&scope("AKIDPROD", "eu-west-1")), 0)
            .expect("ok");
        assert_eq!(
            (c.place.account.as_str(), c.place.region.as_str()),
            ("111111111111", "eu-west-1")
        );
        let c = ids
            .resolve(Some(&scope("other", "ap-southeast-2")), 0)
            .expect("ok");
        assert_eq!(c.place.account, "123456789012");
        assert_eq!(
            ids.resolve(Some(&scope("other", "xx-nowhere-1")), 0)
                .unwrap_err(),
            Refusal::UnservedRegion("xx-nowhere-1".into())
        );
        let c = ids.resolve(None, 0).expect("unsigned");
        assert_eq!(c.place.region, "us-east-1");
    }

    #[test]
    fn percent_escapes_decode_once() {
        assert_eq!(percent_decode("a%2Fb+c%zz%4", true), "a/b c%zz%4");
        assert_eq!(percent_decode("a+b", false), "a+b");
    }

    #[test]
    fn issued_keys_carry_their_account_until_they_expire() {
        let ids = identities();
        let issued = ids.issue(
            Principal {
                account: "222222222222".into(),
                arn: "arn:aws:sts::222222222222:assumed-role/r/s".into(),
                user_id: "AROAX:s".into(),
            },
            100,
        );
        assert!(issued.access_key_id.starts_with("ASIA") && issued.access_key_id.len() == 20);
        let s = scope(&issued.access_key_id, "us-east-1");
        assert_eq!(
            ids.resolve(Some(&s), 99).expect("ok").place.account,
            "222222222222"
        );
        assert_eq!(ids.resolve(Some(&s), 100).unwrap_err(), Refusal::Expired);
    }
}
