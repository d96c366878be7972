//! Helpers for the emulator's tests: run `rtm sim serve` as a subprocess and
//! wait for its `SIM_READY` line, talk to it with the real aws-sdk-lambda
//! client, the AWS CLI, or raw HTTP/1.1 over a TcpStream.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::RTM;

/// A running `rtm sim serve`, killed on drop.
pub struct SimProcess {
    child: Child,
    pub url: String,
}

impl SimProcess {
    /// Starts `rtm sim serve --listen 127.0.0.1:0 ARGS` (with `--update-delay-ms 50` unless ARGS set it).
    pub fn start(args: &[&str]) -> SimProcess {
        let mut all = vec!["sim", "serve", "--listen", "127.0.0.1:0"];
        if !args.contains(&"--update-delay-ms") {
            all.extend_from_slice(&["--update-delay-ms", "50"]);
        }
        all.extend_from_slice(args);
        SimProcess::start_exact(&all)
    }

    /// Starts `rtm ARGS` and waits for `SIM_READY <url>` on the first stdout line.
    pub fn start_exact(args: &[&str]) -> SimProcess {
        let mut child = Command::new(RTM)
            .args(args)
            .env_remove("RTM_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn rtm sim serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read SIM_READY");
        let url = line
            .strip_prefix("SIM_READY ")
            .unwrap_or_else(|| panic!("first line is not SIM_READY: {line:?}"))
            .trim()
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        SimProcess { child, url }
    }

    /// Kills the server with SIGKILL (no chance to flush anything).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status code.
    pub fn terminate(&mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The real aws-sdk-lambda client against `url`, with static credentials
/// and the rustls-ring HTTP client; `retries` off when a test asserts on errors.
pub async fn sdk(url: &str, retries: bool) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(
        &sdk_config(url, retries, "us-east-1", static_credentials("test")).await,
    )
}

/// Static credentials with `access_key` (any secret: the emulator checks no signature).
pub fn static_credentials(access_key: &str) -> aws_sdk_lambda::config::SharedCredentialsProvider {
    aws_sdk_lambda::config::SharedCredentialsProvider::new(
        aws_sdk_lambda::config::Credentials::new(access_key, "secret", None, None, "static-test"),
    )
}

/// The SDK's shared config against `url`: `region`, `credentials`, the
/// rustls-ring HTTP client, and retries off unless asked for.
pub async fn sdk_config(
    url: &str,
    retries: bool,
    region: &str,
    credentials: aws_sdk_lambda::config::SharedCredentialsProvider,
) -> aws_config::SdkConfig {
    use aws_config::{BehaviorVersion, Region, retry::RetryConfig};
    use aws_smithy_http_client::{Builder, tls};
    let http = Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let retry = if retries {
        RetryConfig::standard()
            .with_max_attempts(5)
            .with_initial_backoff(Duration::from_millis(10))
    } else {
        RetryConfig::disabled()
    };
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .endpoint_url(url)
        .retry_config(retry)
        .http_client(http)
        .load()
        .await
}

/// A CreateFunction of a Zip function (an empty archive, `app.handler`),
/// through the SDK, ready to send.
pub fn zip_function(
    c: &aws_sdk_lambda::Client,
    name: impl Into<String>,
    runtime: aws_sdk_lambda::types::Runtime,
) -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder {
    c.create_function()
        .function_name(name)
        .runtime(runtime)
        .handler("app.handler")
        .role(ROLE)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(empty_zip()))
                .build(),
        )
}

/// The message of a failed SDK call that must be a 400
/// InvalidParameterValueException.
#[track_caller]
pub fn invalid_parameter<E: aws_sdk_lambda::error::ProvideErrorMetadata + std::fmt::Debug>(
    e: aws_sdk_lambda::error::SdkError<E, aws_sdk_lambda::config::http::HttpResponse>,
) -> String {
    let (status, code, message) = failure(e);
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidParameterValueException"),
        "{message}"
    );
    message
}

/// Starts `rtm sim serve` with a seed of `functions` (JSON) that must be
/// refused: exit 1 and no SIM_READY. Returns stderr.
pub fn seed_refused(functions: &str) -> String {
    let seed = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(seed.path(), format!(r#"{{"Functions":{functions}}}"#)).expect("write");
    let out = super::Rtm::new()
        .args([
            "sim",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            seed.path().to_str().expect("utf-8"),
        ])
        .run()
        .expect_code(1);
    assert!(out.stdout.is_empty(), "no SIM_READY: {}", out.stdout);
    out.stderr
}

/// (HTTP status, error code, message) of a failed SDK call.
pub fn failure<E: aws_sdk_lambda::error::ProvideErrorMetadata + std::fmt::Debug>(
    e: aws_sdk_lambda::error::SdkError<E, aws_sdk_lambda::config::http::HttpResponse>,
) -> (u16, String, String) {
    let status = e.raw_response().map_or(0, |r| r.status().as_u16());
    let se = e
        .as_service_error()
        .unwrap_or_else(|| panic!("not a service error: {e:?}"));
    (
        status,
        se.code().unwrap_or_default().to_owned(),
        se.message().unwrap_or_default().to_owned(),
    )
}

/// A response read by `http`.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The error code from `x-amzn-ErrorType`.
    pub fn error_type(&self) -> &str {
        self.header("x-amzn-ErrorType").unwrap_or("")
    }
}

/// One raw HTTP/1.1 request (`Connection: close`); `body` bytes as given.
pub fn http(url: &str, method: &str, path: &str, body: &[u8]) -> HttpResponse {
    http_with_headers(url, method, path, &[], body)
}

pub fn http_with_headers(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let authority = url.strip_prefix("http://").expect("http url");
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    // A server may answer (e.g. 413) before reading a large body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// An admin call; panics unless it answers 2xx.
pub fn admin(url: &str, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let r = http(url, method, path, body.to_string().as_bytes());
    assert!((200..300).contains(&r.status), "{method} {path}: {r:?}");
    if r.body.trim().is_empty() {
        serde_json::Value::Null
    } else {
        r.json()
    }
}

/// The smallest valid zip archive (an empty one).
pub fn empty_zip() -> Vec<u8> {
    let mut z = b"PK\x05\x06".to_vec();
    z.extend_from_slice(&[0; 18]);
    z
}

pub const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-role";

/// A CreateFunction body for a Zip function, as raw JSON.
pub fn create_body(name: &str, runtime: &str) -> String {
    use base64::Engine;
    serde_json::json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Handler": "app.handler",
        "Role": ROLE,
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(empty_zip()) },
    })
    .to_string()
}

/// Creates a Zip function over raw HTTP and waits until it is Active.
pub fn create_function(url: &str, name: &str, runtime: &str) -> serde_json::Value {
    let r = http(
        url,
        "POST",
        "/2015-03-31/functions",
        create_body(name, runtime).as_bytes(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    wait_settled(url, name)
}

/// Polls GetFunctionConfiguration until the function is Active and not InProgress.
pub fn wait_settled(url: &str, name: &str) -> serde_json::Value {
    for _ in 0..500 {
        let r = http(
            url,
            "GET",
            &format!("/2015-03-31/functions/{name}/configuration"),
            b"",
        );
        assert_eq!(r.status, 200, "{r:?}");
        let c = r.json();
        if c["State"] == "Active" && c["LastUpdateStatus"] != "InProgress" {
            return c;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{name} never settled");
}

/// Runs `python3 -c SCRIPT ARGS` with no AWS profile or config file, and
/// reads the JSON it prints; panics with its stderr when it fails.
pub fn python_json(script: &str, args: &[&str]) -> serde_json::Value {
    let out = super::python::python3()
        .args(["-c", script])
        .args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Runs `aws lambda ARGS --endpoint-url URL --region us-east-1 --output json`.
pub fn aws_lambda(url: &str, args: &[&str]) -> super::Output {
    aws(url, "lambda", args, &[])
}

/// Runs `aws SERVICE ARGS --endpoint-url URL --output json` in us-east-1
/// with access key `test` (`env` may change either: `AWS_DEFAULT_REGION`,
/// `AWS_ACCESS_KEY_ID`, ...), and no profile or config file.
pub fn aws(url: &str, service: &str, args: &[&str], env: &[(&str, &str)]) -> super::Output {
    super::python::python3()
        .args(["-m", "awscli", service])
        .args(args)
        .args(["--endpoint-url", url, "--output", "json"])
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_REGION")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_PAGER", "")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_LAMBDA")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_SESSION_TOKEN")
        .envs(env.iter().copied())
        .output()
        .expect("run python3 -m awscli")
        .into()
}

/// Whether a directory holds a sled store.
pub fn has_store(dir: &Path) -> bool {
    dir.join("db").exists() || dir.join("conf").exists()
}
