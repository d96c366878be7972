//! Conversions between aws-sdk-lambda's types and rtm's model.

use std::time::Duration;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::types as sdk;

use super::Error;
use crate::model::{
    Configuration, FileSystemConfig, ImageConfig, Live, LiveRuntimeManagement, LoggingConfig,
    Qualifier, RuntimeVersionArn, UpdateRuntimeOn, VpcConfig,
};

pub fn mode_from_sdk(mode: &sdk::UpdateRuntimeOn) -> Option<UpdateRuntimeOn> {
    mode.as_str().parse().ok()
}

pub fn error_from_sdk<E>(operation: &'static str, e: SdkError<E>) -> (Error, Option<Duration>)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let raw = e.raw_response();
    let status = raw.map(|r| r.status().as_u16());
    let retry_after = raw.and_then(|r| {
        let headers = r.headers();
        if let Some(ms) = headers
            .get("x-amz-retry-after")
            .and_then(|v| v.parse::<u64>().ok())
        {
            return Some(Duration::from_millis(ms));
        }
        headers
            .get("retry-after")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(60.0)))
    });
    let unanswered = matches!(e, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_));
    let code = e.code().map(str::to_string);
    let message = match e.message() {
        Some(m) => m.to_string(),
        None => error_chain(&e),
    };
    (
        Error {
            operation,
            status,
            code,
            message,
            unanswered,
        },
        retry_after,
    )
}

/// A credentials error for a person: the service's code and message when a
/// call behind it (STS AssumeRole) failed, else its causes on one line
/// (without the SDK's Debug dump of the service error).
pub fn credentials_error(e: &(dyn std::error::Error + 'static)) -> String {
    let chain = error_chain(e);
    static SERVICE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"code: "([^"]+)", message: "([^"]*)""#).expect("static regex")
    });
    match SERVICE.captures(&chain) {
        Some(c) => format!("{}: {}", &c[1], &c[2]),
        None => chain,
    }
}

/// An error and its causes on one line, each cause once ("dispatch failure:
/// io error: dns error: ..."), without the SDK's Debug dump of the request.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Reads every field rtm can manage from a FunctionConfiguration, filling
/// the API's defaults for absent ones so that "unset" compares equal to what
/// a user would write for it (an empty description, no layers, ...).
pub fn live_from_configuration(c: &sdk::FunctionConfiguration, qualifier: Qualifier) -> Live {
    let arn = c.function_arn().unwrap_or_default();
    // GetFunction with a qualifier answers with the qualified ARN.
    let function_arn = strip_qualifier(arn);
    let string = |v: Option<&str>| Some(v.unwrap_or_default().to_string());
    let configuration = Configuration {
        runtime: c.runtime().map(|r| r.as_str().to_string()),
        handler: c.handler().map(str::to_string),
        memory_size: c.memory_size().map(i64::from),
        timeout: c.timeout().map(i64::from),
        description: string(c.description()),
        role: c.role().map(str::to_string),
        layers: Some(
            c.layers()
                .iter()
                .filter_map(|l| l.arn().map(str::to_string))
                .collect(),
        ),
        kms_key_arn: string(c.kms_key_arn()),
        environment: Some(
            c.environment()
                .and_then(|e| e.variables())
                .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        ),
        ephemeral_storage_size: Some(c.ephemeral_storage().map_or(512, |e| i64::from(e.size()))),
        tracing_mode: Some(
            c.tracing_config()
                .and_then(|t| t.mode())
                .map_or("PassThrough", |m| m.as_str())
                .to_string(),
        ),
        logging_config: Some(LoggingConfig {
            log_format: c
                .logging_config()
                .and_then(|l| l.log_format())
                .map(|v| v.as_str().to_string()),
            application_log_level: c
                .logging_config()
                .and_then(|l| l.application_log_level())
                .map(|v| v.as_str().to_string()),
            system_log_level: c
                .logging_config()
                .and_then(|l| l.system_log_level())
                .map(|v| v.as_str().to_string()),
            log_group: c
                .logging_config()
                .and_then(|l| l.log_group())
                .map(str::to_string),
        }),
        vpc_config: Some(VpcConfig {
            subnet_ids: Some(
                c.vpc_config()
                    .map(|v| v.subnet_ids().to_vec())
                    .unwrap_or_default(),
            ),
            security_group_ids: Some(
                c.vpc_config()
                    .map(|v| v.security_group_ids().to_vec())
                    .unwrap_or_default(),
            ),
            ipv6_allowed_for_dual_stack: Some(
                c.vpc_config()
                    .and_then(|v| v.ipv6_allowed_for_dual_stack())
                    .unwrap_or(false),
            ),
        }),
        dead_letter_target_arn: string(c.dead_letter_config().and_then(|d| d.target_arn())),
        file_system_config: Some(
            c.file_system_configs()
                .first()
                .map(|f| FileSystemConfig {
                    arn: Some(f.arn().to_string()),
                    local_mount_path: Some(f.local_mount_path().to_string()),
                })
                .unwrap_or(FileSystemConfig {
                    arn: Some(String::new()),
                    local_mount_path: Some(String::new()),
                }),
        ),
        image_config: Some({
            let ic = c.image_config_response().and_then(|r| r.image_config());
            ImageConfig {
                command: Some(ic.map(|i| i.command().to_vec()).unwrap_or_default()),
                entry_point: Some(ic.map(|i| i.entry_point().to_vec()).unwrap_or_default()),
                working_directory: string(ic.and_then(|i| i.working_directory())),
            }
        }),
        snap_start_apply_on: Some(
            c.snap_start()
                .and_then(|s| s.apply_on())
                .map_or("None", |a| a.as_str())
                .to_string(),
        ),
    };
    Live {
        function_arn,
        qualifier,
        revision_id: c.revision_id().unwrap_or_default().to_string(),
        package_type: c.package_type().map_or("Zip", |p| p.as_str()).to_string(),
        architecture: c
            .architectures()
            .first()
            .map_or("x86_64", |a| a.as_str())
            .to_string(),
        last_update_status: c.last_update_status().map(|s| s.as_str().to_string()),
        last_modified: c.last_modified().map(str::to_string),
        last_update_status_reason_code: c
            .last_update_status_reason_code()
            .map(|s| s.as_str().to_string()),
        configuration,
        running_runtime_version_arn: c
            .runtime_version_config()
            .and_then(|r| r.runtime_version_arn())
            .and_then(|a| RuntimeVersionArn::parse(a).ok()),
        runtime_management: LiveRuntimeManagement {
            update_runtime_on: UpdateRuntimeOn::Auto,
            runtime_version_arn: None,
        },
        tags: Default::default(),
    }
}

/// `arn:...:function:name:7` -> `arn:...:function:name`.
pub fn strip_qualifier(arn: &str) -> String {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() == 8 && parts[5] == "function" {
        parts[..7].join(":")
    } else {
        arn.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_version_qualifiers_only() {
        assert_eq!(
            strip_qualifier("arn:aws:lambda:us-east-1:123456789012:function:f:7"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
        assert_eq!(
            strip_qualifier("arn:aws:lambda:us-east-1:123456789012:function:f"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
    }
}
