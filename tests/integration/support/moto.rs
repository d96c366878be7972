//! moto's standalone server (`moto_server`, PyPI `moto[server]`) as the S3
//! store for the state backend's tests: a real S3 implementation nobody here
//! wrote, started on 127.0.0.1 on a free port, driven with `aws-sdk-s3`.

#![allow(dead_code)]

use std::io::BufRead;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running moto_server, killed on drop.
pub struct Moto {
    child: Child,
    pub url: String,
}

/// The bucket every test creates first.
pub const BUCKET: &str = "rtm-state";

impl Moto {
    /// Starts moto_server on a free port and waits for the line it prints
    /// when it listens (never a fixed sleep).
    pub fn start() -> Moto {
        let mut child = super::python::python3()
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start python3 -m moto.server ({e})"));
        let (tx, rx) = mpsc::channel::<String>();
        // Both streams are read to the end, so moto's request log never
        // fills a pipe and stalls it.
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(at) = line.find("Running on http://127.0.0.1:") {
                        break line[at + "Running on ".len()..].trim().to_string();
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "moto_server never said it was listening:\n{}",
                        seen.join("\n")
                    );
                }
            }
        };
        Moto { child, url }
    }

    /// Starts moto and creates [`BUCKET`] (versioned, so tests can count
    /// the writes made to an object).
    pub async fn with_bucket() -> Moto {
        let moto = Moto::start();
        let c = moto.client().await;
        c.create_bucket()
            .bucket(BUCKET)
            .send()
            .await
            .expect("create bucket");
        c.put_bucket_versioning()
            .bucket(BUCKET)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("enable versioning");
        moto
    }

    /// An S3 client for this server (fixed test credentials, path style).
    pub async fn client(&self) -> aws_sdk_s3::Client {
        use aws_smithy_http_client::{Builder, tls};
        let http = Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let creds = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "test");
        let config = aws_sdk_s3::config::Builder::new()
            .http_client(http)
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .endpoint_url(&self.url)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// The state location of `key` in [`BUCKET`] on this server.
    pub fn location(&self, key: &str) -> rtm::state::S3Location {
        rtm::state::S3Location {
            bucket: BUCKET.into(),
            key: key.into(),
            region: Some("us-east-1".into()),
            endpoint_url: Some(self.url.clone()),
            use_path_style: true,
            who: "tester".into(),
            static_credentials: true,
            ..Default::default()
        }
    }

    /// The `--backend-config` arguments for `key` in [`BUCKET`].
    pub fn backend_args(&self, key: &str) -> Vec<String> {
        [
            format!("bucket={BUCKET}"),
            format!("key={key}"),
            "region=us-east-1".into(),
            format!("endpoint_url={}", self.url),
            "use_path_style=true".into(),
        ]
        .into_iter()
        .flat_map(|kv| ["--backend-config".to_string(), kv])
        .collect()
    }

    /// The object's bytes, or `None` when it does not exist.
    pub async fn object(&self, key: &str) -> Option<Vec<u8>> {
        match self
            .client()
            .await
            .get_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Some(
                out.body
                    .collect()
                    .await
                    .expect("body")
                    .into_bytes()
                    .to_vec(),
            ),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => None,
            Err(e) => panic!("get {key}: {}", aws_sdk_s3::error::DisplayErrorContext(&e)),
        }
    }

    /// The object parsed as JSON (panics when it is missing).
    pub async fn json(&self, key: &str) -> serde_json::Value {
        let bytes = self
            .object(key)
            .await
            .unwrap_or_else(|| panic!("no object {key}"));
        serde_json::from_slice(&bytes).expect("JSON object")
    }

    /// Writes an object unconditionally (behind rtm's back).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) {
        self.client()
            .await
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .expect("put");
    }

    /// How many versions of the object were written.
    pub async fn versions(&self, key: &str) -> usize {
        let out = self
            .client()
            .await
            .list_object_versions()
            .bucket(BUCKET)
            .prefix(key)
            .send()
            .await
            .expect("list versions");
        out.versions()
            .iter()
            .filter(|v| v.key() == Some(key))
            .count()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
