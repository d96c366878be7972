//! The seed file: a fleet of functions written straight into an empty store,
//! already Active, so a sandbox starts with something to manage. It is
//! applied only on first use of a data directory. It must not go through
//! HTTP, and must not overwrite anything.
//!
//! Format (JSON; every member but `FunctionName` optional):
//! ```json
//! { "Functions": [ {
//!     "FunctionName": "orders", "Count": 1,
//!     "Account": "123456789012", "Region": "us-east-1",
//!     "Runtime": "python3.12", "Handler": "app.handler",
//!     "Role": "arn:aws:iam::123456789012:role/lambda-role",
//!     "MemorySize": 128, "Timeout": 3, "Description": "",
//!     "Environment": { "STAGE": "prod" }, "Architecture": "x86_64",
//!     "PackageType": "Zip", "ImageUri": null, "Tags": {},
//!     "UpdateRuntimeOn": "Auto", "RuntimeVersion": "python:3.12.v15",
//!     "PublishedVersions": 2, "LastModified": "2026-01-01T00:00:00.000+0000" } ] }
//! ```
//! `Account` and `Region` default to the emulator's default account and
//! region (123456789012 and us-east-1 unless `--account`/`--region` say
//! otherwise); the region must be one the emulator serves.
//! `Count` > 1 makes `name-001` .. `name-NNN`. `RuntimeVersion` (a name like
//! `python:3.12.v15`, or a runtime version ARN) is the version the function
//! runs, and the pin when `UpdateRuntimeOn` is Manual (required then);
//! otherwise it runs the latest. `PublishedVersions` snapshots of `$LATEST`
//! are published (1..N), each in Auto on the same runtime version.
//! `LastModified` (Lambda's format) is when `$LATEST` and those versions were
//! last changed, so that a fleet can start stale; default: now.

use std::collections::BTreeMap;

use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::catalogue::{self, CatalogueKey};
use super::records::{
    Code, Config, FunctionRecord, LastUpdate, RuntimeManagement, UpdateRuntimeOn, VersionRecord,
    is_last_modified, last_modified_now, new_revision_id,
};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Seed {
    pub functions: Vec<SeedFunction>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SeedFunction {
    pub function_name: String,
    pub account: Option<String>,
    pub region: Option<String>,
    pub count: Option<u32>,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub role: Option<String>,
    pub memory_size: Option<i64>,
    pub timeout: Option<i64>,
    pub description: Option<String>,
    pub environment: Option<BTreeMap<String, String>>,
    pub architecture: Option<String>,
    pub package_type: Option<String>,
    pub image_uri: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub update_runtime_on: Option<String>,
    pub runtime_version: Option<String>,
    pub published_versions: Option<u64>,
    pub last_modified: Option<String>,
}

/// Builds the records a seed describes; `latest` gives the latest version
/// number of a catalogue key.
pub fn records(
    seed: Seed,
    region: &str,
    account: &str,
    serves: impl Fn(&str) -> bool,
    latest: impl Fn(&CatalogueKey) -> Option<u32>,
) -> Result<Vec<FunctionRecord>, String> {
    let mut out = Vec::new();
    for f in seed.functions {
        let account = f.account.as_deref().unwrap_or(account);
        let region = f.region.as_deref().unwrap_or(region);
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{}: Account {account} is not a 12-digit account id",
                f.function_name
            ));
        }
        if !serves(region) {
            return Err(format!(
                "{}: Region {region} is not a region the emulator serves",
                f.function_name
            ));
        }
        let count = f.count.unwrap_or(1);
        let names: Vec<String> = if count <= 1 {
            vec![f.function_name.clone()]
        } else {
            (1..=count)
                .map(|i| format!("{}-{i:03}", f.function_name))
                .collect()
        };
        for name in names {
            out.push(record(&f, name, region, account, &latest)?);
        }
    }
    Ok(out)
}

fn record(
    f: &SeedFunction,
    name: String,
    region: &str,
    account: &str,
    latest: &impl Fn(&CatalogueKey) -> Option<u32>,
) -> Result<FunctionRecord, String> {
    let image = f.package_type.as_deref() == Some("Image");
    let architecture = f.architecture.clone().unwrap_or_else(|| "x86_64".into());
    if !catalogue::ARCHITECTURES.contains(&architecture.as_str()) {
        return Err(format!("{name}: unknown Architecture {architecture}"));
    }
    let runtime = if image {
        None
    } else {
        let rt = f.runtime.clone().unwrap_or_else(|| "python3.12".into());
        if !catalogue::is_managed(&rt) {
            return Err(format!("{name}: {rt} is not a managed runtime"));
        }
        Some(rt)
    };
    let mode_name = f.update_runtime_on.as_deref().unwrap_or("Auto");
    let mode = UpdateRuntimeOn::parse(mode_name)
        .ok_or_else(|| format!("{name}: UpdateRuntimeOn must be Auto, FunctionUpdate or Manual"))?;
    let runtime_version = match &runtime {
        None => None,
        Some(rt) => {
            let key = CatalogueKey::new(rt, region, &architecture);
            let newest = latest(&key).ok_or_else(|| format!("{name}: no catalogue for {rt}"))?;
            Some(match &f.runtime_version {
                None => key.version(newest),
                Some(wanted) => (1..=newest)
                    .filter_map(|n| key.version(n))
                    .find(|v| v.name == *wanted || v.arn == *wanted),
            }
            .ok_or_else(|| {
                format!(
                    "{name}: runtime version {} is not in the catalogue of {rt} ({architecture})",
                    f.runtime_version.as_deref().unwrap_or("?")
                )
            })?)
        }
    };
    if mode == UpdateRuntimeOn::Manual && (f.runtime_version.is_none() || runtime_version.is_none())
    {
        return Err(format!("{name}: Manual needs a RuntimeVersion"));
    }
    let code = if image {
        let uri = f
            .image_uri
            .clone()
            .unwrap_or_else(|| format!("{account}.dkr.ecr.{region}.amazonaws.com/{name}:latest"));
        Code {
            package_type: "Image".into(),
            sha256: base64::engine::general_purpose::STANDARD
                .encode(Sha256::digest(uri.as_bytes())),
            size: 0,
            s3_bucket: None,
            s3_key: None,
            s3_object_version: None,
            image_uri: Some(uri),
        }
    } else {
        Code {
            package_type: "Zip".into(),
            sha256: base64::engine::general_purpose::STANDARD
                .encode(Sha256::digest(name.as_bytes())),
            size: 22,
            s3_bucket: None,
            s3_key: None,
            s3_object_version: None,
            image_uri: None,
        }
    };
    let defaults = Config::lambda_defaults(architecture);
    let config = Config {
        handler: if image {
            None
        } else {
            Some(f.handler.clone().unwrap_or_else(|| "app.handler".into()))
        },
        runtime,
        role: f
            .role
            .clone()
            .unwrap_or_else(|| format!("arn:aws:iam::{account}:role/lambda-role")),
        description: f.description.clone().unwrap_or_default(),
        timeout: f.timeout.unwrap_or(defaults.timeout),
        memory_size: f.memory_size.unwrap_or(defaults.memory_size),
        environment: f.environment.clone().filter(|e| !e.is_empty()),
        ..defaults
    };
    let last_modified = match &f.last_modified {
        None => last_modified_now(),
        Some(t) if is_last_modified(t) => t.clone(),
        Some(t) => {
            return Err(format!(
                "{name}: LastModified {t} is not Lambda's format, e.g. 2026-01-01T00:00:00.000+0000"
            ));
        }
    };
    let pinned = (mode == UpdateRuntimeOn::Manual)
        .then(|| runtime_version.as_ref().map(|v| v.arn.clone()))
        .flatten();
    let latest = VersionRecord {
        version: "$LATEST".into(),
        config,
        code,
        revision_id: new_revision_id(),
        last_modified,
        runtime_management: RuntimeManagement {
            update_runtime_on: mode,
            runtime_version_arn: pinned,
        },
        runtime_version,
        state: "Active".into(),
        last_update: Some(LastUpdate::successful()),
    };
    let published = f.published_versions.unwrap_or(0);
    let versions = (1..=published)
        .map(|n| {
            let mut v = latest.clone();
            v.version = n.to_string();
            v.revision_id = new_revision_id();
            v.runtime_management = RuntimeManagement::default();
            (n, v)
        })
        .collect();
    Ok(FunctionRecord {
        account: account.to_owned(),
        region: region.to_owned(),
        name,
        latest,
        versions,
        last_version: published,
        aliases: BTreeMap::new(),
        tags: f.tags.clone().unwrap_or_default(),
        in_flight: None,
    })
}
