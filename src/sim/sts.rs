//! The slice of STS the emulator serves on its own port, so that clients can
//! reach other accounts as they do on AWS: AssumeRole, AssumeRoleWithWebIdentity
//! (unsigned, as CI's OIDC flow calls it) and GetCallerIdentity, in STS's
//! Query protocol (`POST /` with `Action=...&Version=2011-06-15`, a form
//! body) with XML answers and STS's XML errors, as botocore's sts model
//! describes them. Credentials it issues map to the role's account in
//! `identity`. It must not touch Lambda's data.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine;

use super::emulator::Sim;
use super::identity::{Caller, Principal, Refusal, percent_decode, request_scope, role_id};
use super::protocol::Violations;
use super::shapes::{Pattern, Shape, Text, check_text};

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// STS operations the emulator does not serve (botocore 1.43's sts model).
const UNSERVED: &[&str] = &[
    "AssumeRoleWithSAML",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetSessionToken",
    "GetWebIdentityToken",
];

/// An STS error, answered as `<ErrorResponse><Error><Type>..</Type><Code>..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl StsError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> StsError {
        StsError {
            status,
            code,
            message: message.into(),
        }
    }

    fn validation(message: String) -> StsError {
        StsError::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    fn response(&self, request_id: &str) -> Response {
        let kind = if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        };
        let body = format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
            self.code,
            xml(&self.message)
        );
        xml_response(self.status, body, request_id)
    }
}

impl From<Refusal> for StsError {
    fn from(r: Refusal) -> StsError {
        match r {
            // As STS answers a credential scoped to a region it does not know.
            Refusal::UnservedRegion(region) => StsError::new(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                format!("Credential should be scoped to a valid region, not '{region}'. "),
            ),
            Refusal::Expired => StsError::new(
                StatusCode::BAD_REQUEST,
                "ExpiredTokenException",
                "The security token included in the request is expired",
            ),
        }
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    response
}

/// `<{Action}Response><{Action}Result>{result}</..><ResponseMetadata>..`.
fn answer(action: &str, result: &str, request_id: &str) -> Response {
    xml_response(
        StatusCode::OK,
        format!(
            "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
        ),
        request_id,
    )
}

/// The parameters of a Query request: the query string, then the form body.
fn parameters(uri: &Uri, body: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let form = String::from_utf8_lossy(body);
    for source in [uri.query().unwrap_or_default(), form.as_ref()] {
        for pair in source.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.insert(percent_decode(k, true), percent_decode(v, true));
        }
    }
    out
}

/// `POST /` (and `GET /?Action=...`): one STS operation.
pub async fn serve(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let params = parameters(&uri, &body);
    let action = params.get("Action").map(String::as_str).unwrap_or_default();
    tracing::debug!(action, "sts request");
    let result = run(&sim, action, &params, &headers, &uri);
    match result {
        Ok(result) => answer(action, &result, &request_id),
        Err(e) => e.response(&request_id),
    }
}

fn run(
    sim: &Sim,
    action: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<String, StsError> {
    let now = jiff::Timestamp::now().as_second();
    let scope = request_scope(headers, uri);
    let caller = sim.identities.resolve(scope.as_ref(), now)?;
    match action {
        "GetCallerIdentity" => {
            signed(&caller)?;
            let p = &caller.principal;
            Ok(format!(
                "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
                xml(&p.arn),
                xml(&p.user_id),
                p.account
            ))
        }
        "AssumeRole" => {
            signed(&caller)?;
            let role = role_request(
                params,
                &[
                    ("ExternalId", &EXTERNAL_ID),
                    ("SourceIdentity", &SESSION_NAME),
                ],
            )?;
            if !sim.identities.trusts(&role.account) {
                return Err(StsError::new(
                    StatusCode::FORBIDDEN,
                    "AccessDenied",
                    format!(
                        "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                        caller.principal.arn, role.arn
                    ),
                ));
            }
            let mut out = assume(sim, &role, now);
            if let Some(source) = params.get("SourceIdentity") {
                out.push_str(&format!("<SourceIdentity>{}</SourceIdentity>", xml(source)));
            }
            Ok(out)
        }
        "AssumeRoleWithWebIdentity" => {
            let role = role_request(params, &[("ProviderId", &PROVIDER_ID)])?;
            let mut v = Violations::default();
            match params.get("WebIdentityToken") {
                None => v.add_null("webIdentityToken"),
                Some(t) => check_text(t, &WEB_IDENTITY_TOKEN, "webIdentityToken", &mut v),
            }
            if let Some(m) = v.into_message() {
                return Err(StsError::validation(m));
            }
            let token = Token::read(params.get("WebIdentityToken").map_or("", String::as_str));
            if let Some(exp) = token.expires
                && exp <= now
            {
                return Err(StsError::new(
                    StatusCode::BAD_REQUEST,
                    "ExpiredTokenException",
                    format!(
                        "Token expired: current date/time {} must be before the expiration date/time {}",
                        iso(now),
                        iso(exp)
                    ),
                ));
            }
            if !sim.identities.trusts(&role.account) {
                return Err(StsError::new(
                    StatusCode::FORBIDDEN,
                    "AccessDenied",
                    "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                ));
            }
            let mut out = assume(sim, &role, now);
            out.push_str(&format!(
                "<SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken><Provider>{}</Provider><Audience>{}</Audience>",
                xml(&token.subject),
                xml(&token.issuer),
                xml(&token.audience)
            ));
            Ok(out)
        }
        a if UNSERVED.contains(&a) => Err(StsError::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("The rtm Lambda emulator does not implement the STS {a} operation"),
        )),
        a => Err(StsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {a} for version 2011-06-15"),
        )),
    }
}

/// AssumeRole and GetCallerIdentity are signed calls.
fn signed(caller: &Caller) -> Result<(), StsError> {
    if caller.signed {
        Ok(())
    } else {
        Err(StsError::new(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        ))
    }
}

static SESSION_NAME_PATTERN: Pattern = Pattern::with(r"[\w+=,.@-]*", r"[a-zA-Z0-9_+=,.@-]*", None);
static EXTERNAL_ID_PATTERN: Pattern =
    Pattern::with(r"[\w+=,.@:\/-]*", r"[a-zA-Z0-9_+=,.@:/-]*", None);
static ROLE_ARN: Shape = Shape::String(Text {
    min: Some(20),
    max: Some(2048),
    ..Text::ANY
});
static SESSION_NAME: Shape = Shape::String(Text {
    min: Some(2),
    max: Some(64),
    pattern: Some(&SESSION_NAME_PATTERN),
    ..Text::ANY
});
static EXTERNAL_ID: Shape = Shape::String(Text {
    min: Some(2),
    max: Some(1224),
    pattern: Some(&EXTERNAL_ID_PATTERN),
    ..Text::ANY
});
static PROVIDER_ID: Shape = Shape::String(Text {
    min: Some(4),
    max: Some(2048),
    ..Text::ANY
});
static WEB_IDENTITY_TOKEN: Shape = Shape::String(Text {
    min: Some(4),
    max: Some(20_000),
    sensitive: true,
    ..Text::ANY
});
static DURATION: Shape = Shape::Integer {
    min: Some(900.0),
    max: Some(43_200.0),
};

/// What an AssumeRole* request asks for, checked.
struct RoleRequest {
    arn: String,
    account: String,
    name: String,
    session: String,
    duration: i64,
}

/// Checks `RoleArn`, `RoleSessionName`, `DurationSeconds` and the `extra`
/// parameters of an AssumeRole* call, as STS's validator words them.
fn role_request(
    params: &HashMap<String, String>,
    extra: &[(&str, &'static Shape)],
) -> Result<RoleRequest, StsError> {
    let mut v = Violations::default();
    let mut text = |name: &str, shape: &'static Shape, required: bool| {
        let member = super::shapes::camel(name);
        match params.get(name) {
            None if required => v.add_null(&member),
            None => {}
            Some(value) => check_text(value, shape, &member, &mut v),
        }
    };
    text("RoleArn", &ROLE_ARN, true);
    text("RoleSessionName", &SESSION_NAME, true);
    for (name, shape) in extra {
        text(name, shape, false);
    }
    let duration = match params.get("DurationSeconds") {
        None => 3600,
        Some(d) => match d.parse::<i64>() {
            Ok(n) => {
                super::shapes::check_number(n, &DURATION, "durationSeconds", &mut v);
                n
            }
            Err(_) => {
                v.add(d, "durationSeconds", "Member must be an integer");
                3600
            }
        },
    };
    if let Some(m) = v.into_message() {
        return Err(StsError::validation(m));
    }
    let arn = params.get("RoleArn").cloned().unwrap_or_default();
    let (account, name) = parse_role_arn(&arn).ok_or_else(|| {
        StsError::validation(format!(
            "{arn} is not a valid role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        ))
    })?;
    Ok(RoleRequest {
        account,
        name,
        session: params.get("RoleSessionName").cloned().unwrap_or_default(),
        duration,
        arn,
    })
}

/// `arn:aws:iam::ACCOUNT:role/[PATH/]NAME` -> (ACCOUNT, NAME).
fn parse_role_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    let ok = partition.starts_with("aws")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    ok.then(|| (account.to_owned(), name.to_owned()))
}

/// Issues the role's credentials; the `Credentials` and `AssumedRoleUser` XML.
fn assume(sim: &Sim, role: &RoleRequest, now: i64) -> String {
    let role_id = role_id(&role.arn);
    let principal = Principal {
        account: role.account.clone(),
        arn: format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            role.account, role.name, role.session
        ),
        user_id: format!("{role_id}:{}", role.session),
    };
    let issued = sim
        .identities
        .issue(principal.clone(), now.saturating_add(role.duration));
    format!(
        "<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>",
        issued.access_key_id,
        xml(&issued.secret_access_key),
        xml(&issued.session_token),
        iso(issued.expires_at),
        xml(&principal.user_id),
        xml(&principal.arn)
    )
}

/// ISO 8601 in UTC, as STS writes `Expiration`.
fn iso(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// What the emulator reads from a web identity token. It cannot verify
/// one (it knows no identity provider's keys): a JWT's claims are read
/// unverified, and any other token of a valid length is taken as is.
struct Token {
    subject: String,
    issuer: String,
    audience: String,
    expires: Option<i64>,
}

impl Token {
    fn read(token: &str) -> Token {
        let claims: serde_json::Value = token
            .split('.')
            .nth(1)
            .and_then(|p| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(p.trim_end_matches('='))
                    .ok()
            })
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let audience = match claims.get("aud") {
            Some(serde_json::Value::Array(a)) => {
                a.first().and_then(|v| v.as_str()).map(str::to_owned)
            }
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        Token {
            // The model's webIdentitySubjectType is 6..255 characters.
            subject: text("sub")
                .filter(|s| (6..=255).contains(&s.chars().count()))
                .unwrap_or_else(|| "emulator-web-identity".into()),
            issuer: text("iss")
                .map(|i| i.trim_start_matches("https://").to_owned())
                .unwrap_or_else(|| "emulator".into()),
            audience: audience.unwrap_or_else(|| "sts.amazonaws.com".into()),
            expires: claims.get("exp").and_then(serde_json::Value::as_i64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_name_an_account_and_a_role() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::111111111111:role/ci/deploy"),
            Some(("111111111111".into(), "deploy".into()))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::111111111111:user/x"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::1111:role/x"), None);
    }

    #[test]
    fn jwt_claims_are_read_and_other_tokens_taken_as_they_are() {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            br#"{"sub":"repo:acme/app:ref:refs/heads/main","iss":"https://token.actions.githubusercontent.com","aud":["sts.amazonaws.com"],"exp":1}"#,
        );
        let t = Token::read(&format!("h.{claims}.sig"));
        assert_eq!(t.subject, "repo:acme/app:ref:refs/heads/main");
        assert_eq!(t.issuer, "token.actions.githubusercontent.com");
        assert_eq!(t.expires, Some(1));
        let t = Token::read("opaque-token");
        assert_eq!(
            (t.expires, t.audience.as_str()),
            (None, "sts.amazonaws.com")
        );
    }

    #[test]
    fn errors_are_stss_xml() {
        let r = StsError::new(StatusCode::FORBIDDEN, "AccessDenied", "no <way>").response("id-1");
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}
