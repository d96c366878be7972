//! The S3 requests the backend makes, and nothing else: connect, read the
//! state object, write it conditionally, take, read and remove the lock
//! object. Every write is conditional (`If-Match` on the ETag last read or
//! written, `If-None-Match: *` for an object that must not exist yet), so
//! a lost update is reported, never made.

use std::time::{Duration, Instant};

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use super::RemoteLock;
use crate::state::{Document, Error, LockSite, S3Location};

/// A connected S3 client and where the state lives.
pub(super) struct Conn {
    client: aws_sdk_s3::Client,
    pub loc: S3Location,
}

/// What an S3 request failed with, in the terms the backend acts on.
pub(super) enum Failed {
    /// 412 (or 409 ConditionalRequestConflict, or 404 for an `If-Match`
    /// on an object since deleted): the object is not the one expected.
    Precondition,
    /// The object does not exist.
    Missing,
    Other(String),
}

impl Failed {
    fn of<E>(e: &SdkError<E>) -> Failed
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let code = e
            .as_service_error()
            .and_then(|s| s.code())
            .map(str::to_string);
        match (status, code.as_deref()) {
            (Some(412), _) | (_, Some("PreconditionFailed" | "ConditionalRequestConflict")) => {
                Failed::Precondition
            }
            (_, Some("NoSuchKey")) | (Some(404), None) => Failed::Missing,
            _ => Failed::Other(describe(e, status, code.as_deref())),
        }
    }

    /// The error of a request that was to `action` (read, write, ...) `url`.
    pub fn into_error(self, action: &str, url: &str) -> Error {
        let message = match self {
            Failed::Precondition => "the object changed meanwhile".to_string(),
            Failed::Missing => "the object does not exist".to_string(),
            Failed::Other(m) => m,
        };
        Error::S3 {
            action: action.to_string(),
            url: url.to_string(),
            message,
        }
    }
}

/// An error and its causes on one line, each said once.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = s.source();
    }
    text
}

/// An actionable line for an S3 failure: what S3 said, and what to check.
fn describe<E>(e: &SdkError<E>, status: Option<u16>, code: Option<&str>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let said = match e.as_service_error().and_then(|s| s.message()) {
        Some(m) => format!("{}: {m}", code.unwrap_or("error")),
        None => chain(e),
    };
    let hint = match (status, code) {
        (_, Some("NoSuchBucket")) => {
            "; the bucket does not exist: create it, or check bucket and region in the backend configuration"
        }
        (Some(403), _)
        | (_, Some("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch")) => {
            "; check the credentials (profile) and the bucket policy: rtm needs s3:ListBucket on the bucket, s3:GetObject and s3:PutObject on the key, and s3:GetObject, s3:PutObject and s3:DeleteObject on the key's .lock"
        }
        (Some(301), _) | (_, Some("PermanentRedirect" | "AuthorizationHeaderMalformed")) => {
            "; the bucket is in another region: set region in the backend configuration"
        }
        (None, _) => "; no answer from the S3 endpoint: check endpoint_url and the network",
        _ => "",
    };
    format!("{said}{hint}")
}

impl Conn {
    /// A client for `loc`: the AWS config chain plus the location's region,
    /// profile and endpoint, on the same rustls-ring HTTP client as Lambda's.
    pub async fn connect(loc: &S3Location) -> Result<Conn, Error> {
        use aws_smithy_http_client::{Builder, tls};
        let http = Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(http)
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .operation_attempt_timeout(Duration::from_secs(10))
                    .operation_timeout(Duration::from_secs(30))
                    .build(),
            );
        if let Some(region) = &loc.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &loc.profile {
            loader = loader.profile_name(profile);
        }
        if loc.static_credentials {
            loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
                "rtm-test", "rtm-test", None, None, "rtm-test",
            ));
        }
        let sdk = loader.load().await;
        if sdk.region().is_none() {
            return Err(Error::S3Setup(format!(
                "no AWS region for the state bucket {}: set region in the backend configuration (--backend-config region=REGION) or AWS_REGION",
                loc.bucket
            )));
        }
        if let Some(provider) = sdk.credentials_provider() {
            use aws_sdk_s3::config::ProvideCredentials;
            provider.provide_credentials().await.map_err(|e| {
                Error::S3Setup(format!(
                    "cannot load AWS credentials for the state backend {} ({}); set profile in the backend configuration, set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`",
                    loc.url(),
                    chain(&e)
                ))
            })?;
        }
        let mut config = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(loc.use_path_style)
            // S3-compatible stores often reject the newer default checksums.
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            );
        if let Some(url) = &loc.endpoint_url {
            config = config.endpoint_url(url);
        }
        Ok(Conn {
            client: aws_sdk_s3::Client::from_conf(config.build()),
            loc: loc.clone(),
        })
    }

    /// The object's bytes and ETag, or `None` when it does not exist.
    pub async fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, Failed> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.loc.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                return match Failed::of(&e) {
                    Failed::Missing => Ok(None),
                    other => Err(other),
                };
            }
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| Failed::Other(format!("the object could not be read to the end: {e}")))?
            .into_bytes()
            .to_vec();
        Ok(Some((bytes, etag)))
    }

    /// Writes `bytes` to `key` if its ETag is still `expected` (`None`: if
    /// it does not exist yet); the new ETag.
    pub async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        expected: Option<&str>,
    ) -> Result<String, Failed> {
        let mut request = self
            .client
            .put_object()
            .bucket(&self.loc.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(bytes));
        request = match expected {
            Some(etag) => request.if_match(etag),
            None => request.if_none_match("*"),
        };
        if self.loc.encrypt {
            request =
                request.server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256);
        }
        let out = request.send().await.map_err(|e| Failed::of(&e))?;
        out.e_tag().map(str::to_string).ok_or_else(|| {
            Failed::Other(
                "the store answered a write without an ETag; rtm needs a store with conditional writes (If-Match)"
                    .into(),
            )
        })
    }

    /// Deletes `key` if its ETag is still `etag`.
    pub async fn delete(&self, key: &str, etag: &str) -> Result<(), Failed> {
        match self
            .client
            .delete_object()
            .bucket(&self.loc.bucket)
            .key(key)
            .if_match(etag)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => match Failed::of(&e) {
                Failed::Missing => Ok(()),
                other => Err(other),
            },
        }
    }

    /// The state document and its ETag, or `None` when there is none yet.
    pub async fn read_state(&self) -> Result<Option<(Document, String)>, Error> {
        let url = self.loc.url();
        match self.get(&self.loc.key).await {
            Ok(None) => Ok(None),
            Ok(Some((bytes, etag))) => Ok(Some((Document::parse(&bytes, &url)?, etag))),
            Err(e) => Err(e.into_error("read the state", &url)),
        }
    }

    /// The lock object and its ETag, or `None` when there is none.
    pub async fn read_lock(&self) -> Result<Option<(RemoteLock, String)>, Error> {
        let url = self.loc.lock_url();
        match self.get(&self.loc.lock_key()).await {
            Ok(None) => Ok(None),
            Ok(Some((bytes, etag))) => Ok(Some((RemoteLock::parse(&bytes), etag))),
            Err(e) => Err(e.into_error("read the lock", &url)),
        }
    }

    /// Creates the lock object, polling up to `timeout` while another run
    /// holds it; the ETag of the lock written.
    pub async fn lock(&self, mine: &RemoteLock, timeout: Duration) -> Result<String, Error> {
        let url = self.loc.lock_url();
        let body = serde_json::to_vec(mine).map_err(|e| Error::S3 {
            action: "take the lock".into(),
            url: url.clone(),
            message: e.to_string(),
        })?;
        let deadline = Instant::now() + timeout;
        loop {
            match self.put(&self.loc.lock_key(), body.clone(), None).await {
                Ok(etag) => return Ok(etag),
                Err(Failed::Precondition) => {}
                Err(e) => return Err(e.into_error("take the lock", &url)),
            }
            let Some((holder, etag)) = self.read_lock().await? else {
                continue; // released between the two requests
            };
            if holder.id == mine.id {
                // Our own write landed and its answer was lost (a retry).
                return Ok(etag);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Locked(
                    Box::new(holder.holder()),
                    LockSite::S3 {
                        url,
                        id: holder.id,
                        who: holder.who,
                    },
                ));
            }
            tokio::time::sleep(left.min(Duration::from_millis(500))).await;
        }
    }
}
