//! Many accounts and regions: one Lambda client (with its own rate limiter
//! pair, as Lambda's quotas are per account and region) per account-region
//! a run touches, each account's credentials resolved once through
//! aws-config's own providers (profiles with `role_arn`/`source_profile`,
//! the STS assume-role provider, web identity), and checked with STS
//! GetCallerIdentity before any call to Lambda.

use std::collections::{BTreeMap, BTreeSet};

use aws_config::BehaviorVersion;
use aws_sdk_lambda::config::{ProvideCredentials, SharedCredentialsProvider};

use super::{ConnectOptions, Error, Lambda, ReadItem, convert};
use crate::model::Live;

/// How one `account` block reaches its account; `None` in a [`Target`] is
/// the default credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSpec {
    pub name: String,
    pub assume_role_arn: Option<String>,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    /// The account the credentials must reach, when the block says.
    pub account_id: Option<String>,
}

/// Where calls go: an account block (or the default credentials) and a region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub account: Option<String>,
    pub region: String,
}

impl Target {
    /// `account prod` or `default credentials`, for messages and headings.
    pub fn account_label(account: Option<&str>) -> String {
        account.map_or_else(|| "default credentials".into(), |a| format!("account {a}"))
    }
}

/// Every Lambda client of a run, by target.
pub struct Fleet {
    lambdas: BTreeMap<Target, Lambda>,
    account_ids: BTreeMap<Option<String>, String>,
    default_region: String,
}

impl Fleet {
    /// Resolves each account's credentials once (a failure names the
    /// account block), asks STS which account they reach, and builds a
    /// client per target. `targets` with an empty region use the default
    /// region (`--region`, `settings.region`, AWS_REGION).
    pub async fn connect(
        opts: &ConnectOptions,
        accounts: &[AccountSpec],
        targets: &BTreeSet<Target>,
    ) -> Result<Fleet, Error> {
        let base = super::base_config(opts, opts.profile.as_deref()).await;
        let default_region = base.region().map(|r| r.to_string());
        let mut by_account: BTreeMap<Option<String>, BTreeSet<String>> = BTreeMap::new();
        for t in targets {
            let region = if t.region.is_empty() {
                default_region.clone().ok_or_else(no_region)?
            } else {
                t.region.clone()
            };
            by_account
                .entry(t.account.clone())
                .or_default()
                .insert(region);
        }
        let mut lambdas = BTreeMap::new();
        let mut account_ids = BTreeMap::new();
        for (account, regions) in by_account {
            let spec = match &account {
                None => None,
                Some(name) => Some(accounts.iter().find(|a| &a.name == name).ok_or_else(|| {
                    Error::local(
                        "configure",
                        format!("no account block \"{name}\" is declared"),
                    )
                })?),
            };
            let label = Target::account_label(account.as_deref());
            let sdk = account_config(opts, &base, spec).await;
            let credentials = resolve(&sdk, opts, &label, spec).await?;
            // Asked in every region the run uses: a region the credentials
            // cannot use (not enabled, not served) fails here, once, before
            // any call to Lambda, not once per function.
            let answers = futures_util::future::join_all(
                regions
                    .iter()
                    .map(|region| caller_account(&sdk, &credentials, region, &label)),
            )
            .await;
            let mut id = String::new();
            for answer in answers {
                id = answer?;
            }
            if let Some(want) = spec.and_then(|s| s.account_id.as_deref())
                && want != id
            {
                return Err(Error::local(
                    "GetCallerIdentity",
                    format!(
                        "{label}: its credentials reach account {id}, but the block says account_id = \"{want}\"; nothing was read from or changed in Lambda"
                    ),
                ));
            }
            for region in regions {
                let lambda = Lambda::from_config(&sdk, credentials.clone(), &region, opts);
                lambdas.insert(
                    Target {
                        account: account.clone(),
                        region,
                    },
                    lambda,
                );
            }
            account_ids.insert(account, id);
        }
        Ok(Fleet {
            lambdas,
            account_ids,
            default_region: default_region.unwrap_or_default(),
        })
    }

    /// The client of a target (a function whose region is empty is in the
    /// default region).
    pub fn lambda(&self, account: Option<&str>, region: Option<&str>) -> Option<&Lambda> {
        let region = region
            .filter(|r| !r.is_empty())
            .unwrap_or(&self.default_region);
        self.lambdas.get(&Target {
            account: account.map(str::to_string),
            region: region.to_string(),
        })
    }

    pub fn targets(&self) -> impl Iterator<Item = (&Target, &Lambda)> {
        self.lambdas.iter()
    }

    /// The account id each account block's (or the default) credentials reach.
    pub fn account_ids(&self) -> &BTreeMap<Option<String>, String> {
        &self.account_ids
    }

    pub fn default_region(&self) -> &str {
        &self.default_region
    }

    /// Reads function versions on every target at once, each target at most
    /// `parallelism` at a time under its own limits. An error that got no
    /// answer ends the whole read, as [`Lambda::read_many`] does.
    pub async fn read_many<K>(
        &self,
        items: Vec<(Option<String>, Option<String>, ReadItem<K>)>,
        parallelism: usize,
    ) -> Result<BTreeMap<K, Result<Live, Error>>, Error>
    where
        K: Ord + Clone + Send + 'static,
    {
        let mut per_target: BTreeMap<Target, Vec<ReadItem<K>>> = BTreeMap::new();
        for (account, region, item) in items {
            let region = region
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| self.default_region.clone());
            per_target
                .entry(Target { account, region })
                .or_default()
                .push(item);
        }
        let reads = per_target.into_iter().map(|(target, items)| async move {
            match self.lambdas.get(&target) {
                Some(l) => l.read_many(items, parallelism).await,
                None => Err(Error::local(
                    "configure",
                    format!(
                        "no client for {} / {}",
                        Target::account_label(target.account.as_deref()),
                        target.region
                    ),
                )),
            }
        });
        let mut out = BTreeMap::new();
        for result in futures_util::future::join_all(reads).await {
            out.extend(result?);
        }
        Ok(out)
    }

    /// Calls by operation over every target, and the totals of throttles
    /// and retries.
    pub fn stats(&self) -> Vec<(&Target, &super::Stats)> {
        self.lambdas.iter().map(|(t, l)| (t, l.stats())).collect()
    }
}

fn no_region() -> Error {
    Error::local(
        "configure",
        "no AWS region: set `region` in the settings block, pass --region, or set AWS_REGION"
            .into(),
    )
}

/// The SDK config of one account: the base one, or its profile, with its
/// role assumed through aws-config's STS provider.
async fn account_config(
    opts: &ConnectOptions,
    base: &aws_config::SdkConfig,
    spec: Option<&AccountSpec>,
) -> aws_config::SdkConfig {
    let Some(spec) = spec else {
        return base.clone();
    };
    let sdk = match &spec.profile {
        // The profile's own credentials (its role_arn/source_profile chain
        // included), never the environment's: the block names the profile.
        Some(profile) => super::base_config(opts, Some(profile)).await,
        None => base.clone(),
    };
    let Some(role) = &spec.assume_role_arn else {
        return sdk;
    };
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(role.clone())
        .session_name(format!("rtm-{}", spec.name));
    if let Some(id) = &spec.external_id {
        builder = builder.external_id(id.clone());
    }
    let provider = builder.configure(&sdk).build().await;
    sdk.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Resolves an account's credentials once for the whole run.
async fn resolve(
    sdk: &aws_config::SdkConfig,
    opts: &ConnectOptions,
    label: &str,
    spec: Option<&AccountSpec>,
) -> Result<SharedCredentialsProvider, Error> {
    let provider = sdk
        .credentials_provider()
        .ok_or_else(|| Error::local("configure", format!("{label}: no credentials provider")))?;
    if opts.static_credentials {
        return Ok(provider);
    }
    let credentials = provider.provide_credentials().await.map_err(|e| {
        let e = super::convert::credentials_error(&e);
        let how = match spec {
            Some(s) if s.assume_role_arn.is_some() => format!(
                "cannot assume {}",
                s.assume_role_arn.as_deref().unwrap_or_default()
            ),
            Some(s) if s.profile.is_some() => format!(
                "cannot load the credentials of profile {}",
                s.profile.as_deref().unwrap_or_default()
            ),
            _ => "cannot load AWS credentials".into(),
        };
        let hint = if spec.is_none() {
            "; set AWS_PROFILE or pass --profile, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
        } else {
            ""
        };
        Error::local(
            "configure",
            format!(
                "{label}: {how} ({e}){hint}; nothing was read from or changed in Lambda"
            ),
        )
    })?;
    // Once: every client of the account shares these (an hour's worth for
    // an assumed role, far longer than a run's calls at Lambda's quotas).
    Ok(SharedCredentialsProvider::new(credentials))
}

/// The account the credentials reach (STS GetCallerIdentity).
async fn caller_account(
    sdk: &aws_config::SdkConfig,
    credentials: &SharedCredentialsProvider,
    region: &str,
    label: &str,
) -> Result<String, Error> {
    let config = aws_sdk_sts::config::Builder::from(sdk)
        .credentials_provider(credentials.clone())
        .region(aws_config::Region::new(region.to_string()))
        .behavior_version(BehaviorVersion::latest())
        .build();
    let endpoint = sdk.endpoint_url().map_or_else(
        || format!("https://sts.{region}.amazonaws.com"),
        str::to_string,
    );
    let out = aws_sdk_sts::Client::from_conf(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            let (mut e, _) = convert::error_from_sdk("GetCallerIdentity", e);
            e.message = format!(
                "{label}: cannot tell which account its credentials reach ({}{}){}",
                if e.unanswered {
                    format!("no answer from {endpoint}: ")
                } else {
                    String::new()
                },
                e.message,
                "; nothing was read from or changed in Lambda"
            );
            e
        })?;
    out.account().map(str::to_string).ok_or_else(|| {
        Error::local(
            "GetCallerIdentity",
            format!("{label}: STS answered without an account"),
        )
    })
}
