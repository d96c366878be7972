//! Where the state lives: the local sled directory (`--state`, default
//! `DIR/state`), or S3 when a `backend "s3"` block or `--backend-config
//! bucket=...` says so. Parses and checks the backend settings; opens
//! nothing.

use super::GlobalArgs;
use crate::state::{Location, S3Location};

/// The `--backend-config` keys of the S3 backend.
const BACKEND_KEYS: &str = "bucket, key, region, profile, endpoint_url, use_path_style, encrypt";

/// Where the state is: S3 when `--backend-config bucket=...` is given, else
/// the local directory (`--state`, default `DIR/state`).
pub fn location(global: &GlobalArgs) -> Result<Location, crate::Error> {
    if global.backend_config.is_empty() {
        return Ok(Location::Local(global.state_dir()));
    }
    let usage = |m: String| crate::Error::Argument(format!("--backend-config: {m}"));
    let flag = |key: &str, value: &str| match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(usage(format!("{key} takes true or false, not {value:?}"))),
    };
    let mut loc = S3Location {
        who: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into()),
        local_state: Some(global.state_dir()),
        ..S3Location::default()
    };
    for pair in &global.backend_config {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(usage(format!(
                "{pair:?} is not KEY=VALUE (e.g. bucket=acme-rtm-state); the keys are {BACKEND_KEYS}"
            )));
        };
        let text = || (!value.is_empty()).then(|| value.to_string());
        match key.trim() {
            "bucket" => loc.bucket = value.to_string(),
            "key" => loc.key = value.to_string(),
            "region" => loc.region = text(),
            "profile" => loc.profile = text(),
            "endpoint_url" => loc.endpoint_url = text(),
            "use_path_style" => loc.use_path_style = flag("use_path_style", value)?,
            "encrypt" => loc.encrypt = flag("encrypt", value)?,
            other => {
                return Err(usage(format!(
                    "unknown key {other:?}; the S3 backend takes {BACKEND_KEYS}"
                )));
            }
        }
    }
    if loc.bucket.is_empty() {
        return Err(usage(
            "bucket=NAME is needed to keep state in S3 (with key=PATH)".into(),
        ));
    }
    if loc.key.is_empty() || loc.key.ends_with('/') {
        return Err(usage(format!(
            "key=PATH names the state object in {} (e.g. key=lambda/prod.rtmstate); it is needed and cannot end with /",
            loc.bucket
        )));
    }
    Ok(Location::S3(Box::new(loc)))
}
