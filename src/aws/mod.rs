//! A thin layer over aws-sdk-lambda: the reads plan and drift need, the two
//! writes apply makes, the wait for an update to finish, and the paging
//! import needs; all under a client-side rate limit matched to Lambda's
//! quotas, with our own bounded retries (so Retry-After is honoured and 409s
//! during an update are waited out). Errors are mapped to one type carrying
//! the API's error code and message.
//!
//! It knows nothing of plans or state: it turns `model` values into requests
//! and responses into `model` values.

mod convert;
mod fleet;
mod limits;
mod response_body;
mod sdk_config;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::types::UpdateRuntimeOn as SdkUpdateRuntimeOn;

pub use fleet::{AccountSpec, Fleet, Target};
pub use limits::RateLimits;
pub(crate) use sdk_config::base_config;

use crate::model::{
    FunctionRef, Live, LiveRuntimeManagement, Qualifier, RuntimeVersionArn, UpdateRuntimeOn,
};
use response_body::ResponseBody;

/// How to reach Lambda.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// AWS_PROFILE, which aws-config reads itself: only to name the profile
    /// `--endpoint-url` is written into (see [`profile_files`]).
    pub env_profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Use fixed test credentials (the sandbox emulator ignores signatures).
    pub static_credentials: bool,
    /// Multiplies the client-side rate limits (for an emulator run with
    /// `--quota-scale`); 1.0 matches Lambda.
    pub rate_scale: f64,
}

/// An API error, reduced to what rtm decides on and reports.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation}: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct Error {
    pub operation: &'static str,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
    /// The request got no answer at all (connection refused, DNS, timeout),
    /// even after retries: every other call would fare the same.
    pub unanswered: bool,
}

impl Error {
    /// An error rtm finds itself, with no HTTP exchange behind it.
    fn local(operation: &'static str, message: String) -> Error {
        Error {
            operation,
            status: None,
            code: None,
            message,
            unanswered: false,
        }
    }
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404) || self.code.as_deref() == Some("ResourceNotFoundException")
    }
    pub fn is_precondition_failed(&self) -> bool {
        self.status == Some(412) || self.code.as_deref() == Some("PreconditionFailedException")
    }
    pub fn is_conflict(&self) -> bool {
        self.status == Some(409) || self.code.as_deref() == Some("ResourceConflictException")
    }
    fn is_throttle(&self) -> bool {
        self.status == Some(429)
            || matches!(
                self.code.as_deref(),
                Some("TooManyRequestsException" | "ThrottlingException" | "Throttling")
            )
    }
    fn is_transient(&self) -> bool {
        // No status at all: the request never got an answer (connection
        // reset, timeout): worth another try.
        self.status.is_none_or(|s| s >= 500)
    }
}

/// Counters a benchmark prints: calls by operation, throttles, retries.
#[derive(Debug, Default)]
pub struct Stats {
    counters: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>>,
    throttled: AtomicU64,
    retries: AtomicU64,
}

impl Stats {
    fn count(&self, operation: &'static str) {
        if let Ok(mut c) = self.counters.lock() {
            *c.entry(operation).or_default() += 1;
        }
    }
    pub fn calls(&self) -> std::collections::BTreeMap<&'static str, u64> {
        self.counters.lock().map(|c| c.clone()).unwrap_or_default()
    }
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
}

/// Bounds of our own retry loop.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// How long to keep retrying a 409 (update in progress).
    pub conflict_budget: Duration,
    /// No new attempt after a transient failure (no answer, a 5xx) starts
    /// this long after the first: an endpoint that never answers fails a
    /// run in well under 30 s, not after 8 attempts of a full timeout each.
    pub transient_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            conflict_budget: Duration::from_secs(300),
            transient_budget: Duration::from_secs(15),
        }
    }
}

/// A Lambda client with rate limits, retries and counters.
#[derive(Clone)]
pub struct Lambda {
    client: Client,
    limits: Arc<RateLimits>,
    retry: RetryPolicy,
    stats: Arc<Stats>,
    region: String,
    /// The endpoint calls go to, for errors that got no answer.
    endpoint: String,
}

/// Where the update-wait stands after polling.
#[derive(Debug, Clone)]
pub enum UpdateOutcome {
    Successful(Box<Live>),
    Failed {
        reason_code: Option<String>,
        reason: Option<String>,
    },
    TimedOut,
}

impl Lambda {
    /// A client of one account (its SDK config and resolved credentials)
    /// in one region, with its own rate limiter pair.
    pub(crate) fn from_config(
        sdk: &aws_config::SdkConfig,
        credentials: aws_sdk_lambda::config::SharedCredentialsProvider,
        region: &str,
        opts: &ConnectOptions,
    ) -> Lambda {
        let scale = if opts.rate_scale > 0.0 {
            opts.rate_scale
        } else {
            1.0
        };
        let config = aws_sdk_lambda::config::Builder::from(sdk)
            .credentials_provider(credentials)
            .region(aws_config::Region::new(region.to_string()))
            .build();
        // The configured endpoint (--endpoint-url, AWS_ENDPOINT_URL*), else
        // Lambda's regional one, to name in an error that got no answer.
        let endpoint = sdk
            .endpoint_url()
            .map(str::to_string)
            .unwrap_or_else(|| format!("https://lambda.{region}.amazonaws.com"));
        Lambda {
            client: Client::from_conf(config),
            limits: Arc::new(RateLimits::lambda(scale)),
            retry: RetryPolicy::default(),
            stats: Arc::new(Stats::default()),
            region: region.to_string(),
            endpoint,
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Lambda {
        self.retry = retry;
        self
    }

    /// Runs one API call under the rate limit, retrying throttles, 5xx and
    /// (when `retry_conflicts`) 409s with backoff and jitter.
    async fn call<T, F, Fut>(
        &self,
        operation: &'static str,
        retry_conflicts: bool,
        f: F,
    ) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, (Error, Option<Duration>)>>,
    {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            self.limits.acquire(operation).await;
            self.stats.count(operation);
            attempt += 1;
            let (mut err, retry_after) = match f().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if err.unanswered && !err.message.contains(&self.endpoint) {
                err.message = format!("no answer from {}: {}", self.endpoint, err.message);
            }
            let retryable = if err.is_throttle() {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                self.limits.throttled(operation);
                // Throttles are the service pacing us, not a failure: allow
                // more of them than other transient errors.
                attempt < self.retry.max_attempts * 2
            } else if err.is_conflict() && retry_conflicts {
                started.elapsed() < self.retry.conflict_budget
            } else if err.is_transient() {
                attempt < self.retry.max_attempts && started.elapsed() < self.retry.transient_budget
            } else {
                false
            };
            if !retryable {
                return Err(err);
            }
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            let backoff = self.backoff(attempt);
            let delay = retry_after.map_or(backoff, |ra| ra.max(backoff / 2));
            tracing::debug!(operation, attempt, ?delay, error = %err, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .retry
            .base_delay
            .saturating_mul(1u32 << attempt.min(16).saturating_sub(1))
            .min(self.retry.max_delay);
        // Full jitter, so many functions throttled at once do not retry in step.
        let jitter: f64 = rand::random_range(0.5..1.0);
        exp.mul_f64(jitter)
    }

    /// GetFunction and GetRuntimeManagementConfig for the version, together:
    /// exactly two calls per function, one from each quota bucket.
    pub async fn read(&self, function: &FunctionRef, qualifier: Qualifier) -> Result<Live, Error> {
        // The two reads come from different quota buckets: send them at once.
        let (live, rm) = tokio::join!(
            self.get_function(function, qualifier),
            self.get_runtime_management(function, qualifier)
        );
        let mut live = live?;
        live.runtime_management = match rm {
            Ok(rm) => rm,
            // A container image has no runtime management: Lambda refuses
            // the read. It is what the image's own runtime gives it.
            Err(_) if live.package_type == "Image" => LiveRuntimeManagement {
                update_runtime_on: UpdateRuntimeOn::Auto,
                runtime_version_arn: None,
            },
            Err(e) => return Err(e),
        };
        Ok(live)
    }

    /// GetFunction alone (the runtime management fields are left as Auto).
    pub async fn get_function(
        &self,
        function: &FunctionRef,
        qualifier: Qualifier,
    ) -> Result<Live, Error> {
        let name = function.api_name();
        let (out, body) = self
            .call("GetFunction", false, || {
                let body = ResponseBody::default();
                let sent = self
                    .client
                    .get_function()
                    .function_name(&name)
                    .qualifier(qualifier.to_string())
                    .customize()
                    .interceptor(body.clone())
                    .send();
                async move { sent.await.map(|out| (out, body)) }.map_err_sdk("GetFunction")
            })
            .await?;
        let no_configuration =
            || Error::local("GetFunction", "the response has no Configuration".into());
        let conf = out.configuration().ok_or_else(no_configuration)?;
        let raw = body.json("GetFunction")?;
        let raw_conf = raw.get("Configuration").ok_or_else(no_configuration)?;
        let mut live = convert::live_from_configuration(conf, raw_conf, qualifier)
            .map_err(|why| Error::local("GetFunction", why))?;
        if let Some(tags) = out.tags() {
            live.tags = tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        }
        Ok(live)
    }

    /// TagResource on a function (its unqualified ARN).
    pub async fn tag_resource(
        &self,
        function_arn: &str,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), Error> {
        self.call("TagResource", true, || {
            self.client
                .tag_resource()
                .resource(function_arn)
                .set_tags(Some(
                    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                ))
                .send()
                .map_err_sdk("TagResource")
        })
        .await
        .map(|_| ())
    }

    pub async fn get_runtime_management(
        &self,
        function: &FunctionRef,
        qualifier: Qualifier,
    ) -> Result<LiveRuntimeManagement, Error> {
        let name = function.api_name();
        let out = self
            .call("GetRuntimeManagementConfig", false, || {
                self.client
                    .get_runtime_management_config()
                    .function_name(&name)
                    .qualifier(qualifier.to_string())
                    .send()
                    .map_err_sdk("GetRuntimeManagementConfig")
            })
            .await?;
        Ok(LiveRuntimeManagement {
            update_runtime_on: out
                .update_runtime_on()
                .and_then(convert::mode_from_sdk)
                .unwrap_or(UpdateRuntimeOn::Auto),
            runtime_version_arn: out
                .runtime_version_arn()
                .and_then(|a| RuntimeVersionArn::parse(a).ok()),
        })
    }

    pub async fn put_runtime_management(
        &self,
        function: &FunctionRef,
        qualifier: Qualifier,
        mode: UpdateRuntimeOn,
        arn: Option<&RuntimeVersionArn>,
    ) -> Result<LiveRuntimeManagement, Error> {
        let name = function.api_name();
        let out = self
            .call("PutRuntimeManagementConfig", true, || {
                self.client
                    .put_runtime_management_config()
                    .function_name(&name)
                    .qualifier(qualifier.to_string())
                    .update_runtime_on(SdkUpdateRuntimeOn::from(mode.as_str()))
                    .set_runtime_version_arn(arn.map(|a| a.to_string()))
                    .send()
                    .map_err_sdk("PutRuntimeManagementConfig")
            })
            .await?;
        Ok(LiveRuntimeManagement {
            update_runtime_on: convert::mode_from_sdk(out.update_runtime_on()).unwrap_or(mode),
            runtime_version_arn: out
                .runtime_version_arn()
                .and_then(|a| RuntimeVersionArn::parse(a).ok()),
        })
    }

    /// UpdateFunctionConfiguration of $LATEST with exactly `body` (a plan
    /// step's request body, secrets filled in) as the request body: the SDK
    /// signs and sends it, the plan decided every byte of it.
    pub async fn update_configuration(
        &self,
        function: &FunctionRef,
        body: &serde_json::Value,
    ) -> Result<(), Error> {
        let name = function.api_name();
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::local(
                "UpdateFunctionConfiguration",
                format!("cannot encode the request: {e}"),
            )
        })?;
        self.call("UpdateFunctionConfiguration", true, || {
            let bytes = bytes.clone();
            self.client
                .update_function_configuration()
                .function_name(&name)
                .customize()
                // Before signing, so the signature covers these bytes.
                .mutate_request(move |req| {
                    let len = bytes.len().to_string();
                    *req.body_mut() = aws_sdk_lambda::primitives::SdkBody::from(bytes.clone());
                    req.headers_mut().insert("content-length", len);
                })
                .send()
                .map_err_sdk("UpdateFunctionConfiguration")
        })
        .await
        .map(|_| ())
    }

    /// Polls GetFunction until LastUpdateStatus leaves InProgress, like the
    /// `function_updated_v2` waiter (1 s apart by default), up to `timeout`.
    pub async fn wait_updated(
        &self,
        function: &FunctionRef,
        poll: Duration,
        timeout: Duration,
    ) -> Result<UpdateOutcome, Error> {
        let deadline = Instant::now() + timeout;
        let mut delay = Duration::from_millis(150);
        loop {
            let live = self.get_function(function, Qualifier::Latest).await?;
            match live.last_update_status.as_deref() {
                Some("Successful") | None => return Ok(UpdateOutcome::Successful(Box::new(live))),
                Some("Failed") => {
                    return Ok(UpdateOutcome::Failed {
                        reason_code: live.last_update_status_reason_code.clone(),
                        reason: None,
                    });
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Ok(UpdateOutcome::TimedOut);
            }
            // Most updates finish in well under a second: poll early, then
            // back off to the waiter's interval.
            tokio::time::sleep(delay.min(poll)).await;
            delay = delay.saturating_mul(2);
        }
    }
}

/// Maps an SDK error to ours, with the Retry-After header when there is one.
trait MapSdkError<T> {
    fn map_err_sdk(
        self,
        operation: &'static str,
    ) -> impl std::future::Future<Output = Result<T, (Error, Option<Duration>)>>;
}

impl<T, E, Fut> MapSdkError<T> for Fut
where
    Fut: std::future::Future<Output = Result<T, SdkError<E>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    async fn map_err_sdk(self, operation: &'static str) -> Result<T, (Error, Option<Duration>)> {
        self.await
            .map_err(|e| convert::error_from_sdk(operation, e))
    }
}

/// One function version to read.
#[derive(Debug, Clone)]
pub struct ReadItem<K> {
    pub key: K,
    pub function: FunctionRef,
    pub qualifier: Qualifier,
}

impl Lambda {
    /// Reads many function versions concurrently, at most `parallelism` at
    /// a time, under the shared rate limits. Results come back by key; an
    /// error that got no answer at all (Lambda unreachable) ends the whole
    /// read instead.
    pub async fn read_many<K>(
        &self,
        items: Vec<ReadItem<K>>,
        parallelism: usize,
    ) -> Result<std::collections::BTreeMap<K, Result<Live, Error>>, Error>
    where
        K: Ord + Clone + Send + 'static,
    {
        use futures_util::StreamExt;
        let mut reads = futures_util::stream::iter(items.into_iter().map(|item| {
            let me = self.clone();
            async move {
                let result = me.read(&item.function, item.qualifier).await;
                (item.key, result)
            }
        }))
        .buffer_unordered(parallelism.max(1));
        let mut out = std::collections::BTreeMap::new();
        while let Some((key, result)) = reads.next().await {
            match result {
                // Lambda cannot be reached: stop here rather than wait out
                // the retries of every remaining function.
                Err(e) if e.unanswered => return Err(e),
                result => out.insert(key, result),
            };
        }
        Ok(out)
    }
}

impl Lambda {
    /// Every function's $LATEST configuration (ListFunctions, 50 a page).
    /// ListFunctions carries no RuntimeVersionConfig and no runtime
    /// management; callers read those per function as they need.
    pub async fn list_functions(&self) -> Result<Vec<Live>, Error> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let m = marker.clone();
            let (page, body) = self
                .call("ListFunctions", false, || {
                    let body = ResponseBody::default();
                    let sent = self
                        .client
                        .list_functions()
                        .set_marker(m.clone())
                        .max_items(50)
                        .customize()
                        .interceptor(body.clone())
                        .send();
                    async move { sent.await.map(|page| (page, body)) }.map_err_sdk("ListFunctions")
                })
                .await?;
            let raw = body.json("ListFunctions")?;
            let raw_functions = raw
                .get("Functions")
                .and_then(|f| f.as_array())
                .map_or(&[][..], Vec::as_slice);
            if raw_functions.len() != page.functions().len() {
                return Err(Error::local(
                    "ListFunctions",
                    "the response's Functions are not the ones the SDK read".into(),
                ));
            }
            for (f, raw) in page.functions().iter().zip(raw_functions) {
                out.push(
                    convert::live_from_configuration(f, raw, Qualifier::Latest)
                        .map_err(|why| Error::local("ListFunctions", why))?,
                );
            }
            match page.next_marker() {
                Some(next) if !next.is_empty() && Some(next) != marker.as_deref() => {
                    marker = Some(next.to_string());
                }
                _ => return Ok(out),
            }
        }
    }
}
