//! A Lambda emulator subprocess (`rtm sim serve`) and a real aws-sdk-lambda
//! client to seed and inspect it, for tests that drive rtm against it.

#![allow(dead_code)]

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime, UpdateRuntimeOn};

use super::sim::SimProcess;

pub const ROLE: &str = "arn:aws:iam::123456789012:role/lambda";

/// The emulator, killed on drop (a [`SimProcess`] with plan/apply helpers).
pub struct Emulator {
    process: SimProcess,
    pub url: String,
}

impl Emulator {
    /// Starts `rtm sim serve` on a free port with fast updates, plus `extra` flags.
    pub fn start(extra: &[&str]) -> Emulator {
        let process = SimProcess::start(extra);
        Emulator {
            url: process.url.clone(),
            process,
        }
    }

    /// Kills the emulator (SIGKILL): Lambda stops answering.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// An SDK client that retries like rtm's users' tools do.
    pub async fn client(&self) -> Client {
        super::sim::sdk(&self.url, true).await
    }

    /// The arguments that point rtm at this emulator.
    pub fn rtm_args(&self) -> Vec<String> {
        vec![
            "--endpoint-url".into(),
            self.url.clone(),
            "--region".into(),
            "us-east-1".into(),
        ]
    }

    /// `rtm sim SUBCOMMAND --endpoint URL ARGS`.
    pub fn admin(&self, args: &[&str]) -> super::Output {
        let mut all: Vec<String> = vec![
            "sim".into(),
            args[0].into(),
            "--endpoint".into(),
            self.url.clone(),
        ];
        all.extend(args[1..].iter().map(|s| s.to_string()));
        super::run_in(std::path::Path::new("."), &all, &[], None)
    }
}

/// Environment for rtm runs against the emulator (fixed credentials).
pub fn aws_env() -> Vec<(String, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID".into(), "test".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ]
}

/// Creates a Zip function and waits until it is Active.
pub async fn create(client: &Client, name: &str, runtime: &str) {
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::from(runtime))
        .handler("app.handler")
        .role(ROLE)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(b"PK\x05\x06fake".to_vec()))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "create {name}: {}",
                aws_sdk_lambda::error::DisplayErrorContext(&e)
            )
        });
    wait_active(client, name).await;
}

/// Waits until the function is Active and not updating.
pub async fn wait_active(client: &Client, name: &str) {
    for _ in 0..200 {
        let c = client
            .get_function()
            .function_name(name)
            .send()
            .await
            .expect("get_function");
        let conf = c.configuration().expect("configuration");
        let active = conf.state().map(|s| s.as_str()) == Some("Active");
        let updating = conf.last_update_status().map(|s| s.as_str()) == Some("InProgress");
        if active && !updating {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{name} never became Active");
}

/// The function's running runtime version ARN.
pub async fn running_arn(client: &Client, name: &str) -> String {
    configuration(client, name)
        .await
        .runtime_version_config()
        .and_then(|r| r.runtime_version_arn())
        .expect("RuntimeVersionArn")
        .to_string()
}

pub async fn put_mode(client: &Client, name: &str, qualifier: &str, mode: &str, arn: Option<&str>) {
    client
        .put_runtime_management_config()
        .function_name(name)
        .qualifier(qualifier)
        .update_runtime_on(UpdateRuntimeOn::from(mode))
        .set_runtime_version_arn(arn.map(str::to_string))
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "put mode {name}: {}",
                aws_sdk_lambda::error::DisplayErrorContext(&e)
            )
        });
}

/// (mode, pinned ARN) of a version.
pub async fn mode(client: &Client, name: &str, qualifier: &str) -> (String, Option<String>) {
    let out = client
        .get_runtime_management_config()
        .function_name(name)
        .qualifier(qualifier)
        .send()
        .await
        .expect("get_runtime_management_config");
    (
        out.update_runtime_on()
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
        out.runtime_version_arn().map(str::to_string),
    )
}

pub async fn configuration(
    client: &Client,
    name: &str,
) -> aws_sdk_lambda::types::FunctionConfiguration {
    client
        .get_function()
        .function_name(name)
        .send()
        .await
        .expect("get_function")
        .configuration()
        .expect("configuration")
        .clone()
}

pub async fn set_memory(client: &Client, name: &str, memory: i32) {
    client
        .update_function_configuration()
        .function_name(name)
        .memory_size(memory)
        .send()
        .await
        .expect("update_function_configuration");
    wait_active(client, name).await;
}

/// Changes a function's memory out of band, as a person would: with the AWS
/// CLI.
pub async fn set_memory_by_hand(em: &Emulator, client: &Client, name: &str, memory: i32) {
    let out = super::sim::aws_lambda(
        &em.url,
        &[
            "update-function-configuration",
            "--function-name",
            name,
            "--memory-size",
            &memory.to_string(),
        ],
    );
    assert_eq!(
        out.code, 0,
        "aws lambda update-function-configuration: {}",
        out.stderr
    );
    wait_active(client, name).await;
}
