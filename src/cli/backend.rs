//! Where the state lives: the local sled directory (`--state`, default
//! `DIR/state`), or S3 when a `backend "s3"` block or `--backend-config
//! bucket=...` says so. Parses and checks the backend settings; opens
//! nothing.

use super::GlobalArgs;
use crate::state::{Location, S3Location};

/// The `--backend-config` keys of the S3 backend.
const BACKEND_KEYS: &str = "bucket, key, region, profile, endpoint_url, use_path_style, encrypt";

/// Where the state is: S3 when the configuration has a `backend "s3"`
/// block or `--backend-config bucket=...` is given (each `--backend-config`
/// overriding the block's value), else the local directory (`--state`,
/// default `DIR/state`).
pub fn location(global: &GlobalArgs) -> Result<Location, crate::Error> {
    let block = crate::config::read_backend(&crate::config::LoadOptions::new(
        global.dir.clone(),
        global.today()?,
    ))?;
    if global.backend_config.is_empty() && block.is_none() {
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
    if let Some(b) = block {
        let text = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        loc.bucket = b.bucket.clone().unwrap_or_default();
        loc.key = b.key.clone().unwrap_or_default();
        loc.region = text(&b.region);
        loc.profile = text(&b.profile);
        loc.endpoint_url = text(&b.endpoint_url);
        loc.use_path_style = b.use_path_style.unwrap_or(false);
        loc.encrypt = b.encrypt.unwrap_or(false);
    }
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
