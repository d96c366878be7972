//! What the emulator remembers about a function: its `$LATEST`, published
//! versions, aliases, runtime management per version, and an update in
//! flight; plus the state transitions that happen with time (Pending ->
//! Active, InProgress -> Successful or Failed). These are the emulator's own
//! types, serialized into sled; they must not know about HTTP.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalogue::RuntimeVersion;

/// The version-specific settings of a function, as Lambda reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub role: String,
    pub description: String,
    pub timeout: i64,
    pub memory_size: i64,
    pub environment: Option<BTreeMap<String, String>>,
    pub architecture: String,
    pub ephemeral_storage: i64,
    pub tracing_mode: String,
    pub layers: Vec<String>,
    pub kms_key_arn: Option<String>,
    /// The structured settings. Stores written before they were typed hold
    /// them, in the same JSON, under `passthrough`.
    #[serde(default, alias = "passthrough")]
    pub nested: NestedSettings,
}

/// The structured settings of a version, typed as Lambda's model types
/// them; in JSON (as requests send them and sled keeps them) they use
/// Lambda's member names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NestedSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_config: Option<DeadLetterConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_system_configs: Vec<FileSystemConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_config: Option<ImageConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snap_start: Option<SnapStart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_config: Option<LoggingConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durable_config: Option<DurableConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenancy_config: Option<TenancyConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcConfig {
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_allowed_for_dual_stack: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetterConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_arn: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FileSystemConfig {
    // Required by the shape: a body without them never gets this far.
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub local_mount_path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapStart {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_on: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DurableConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_period_in_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_timeout: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TenancyConfig {
    #[serde(default)]
    pub tenant_isolation_mode: String,
}

/// An alias's weighted routing: extra version number -> weight (0..1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoutingConfig {
    #[serde(default)]
    pub additional_version_weights: BTreeMap<String, f64>,
}

impl Config {
    /// What CreateFunction gives a function for every setting it is not
    /// sent (3 s, 128 MB, 512 MB of /tmp, tracing PassThrough, ...).
    pub fn lambda_defaults(architecture: String) -> Config {
        Config {
            runtime: None,
            handler: None,
            role: String::new(),
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            environment: None,
            architecture,
            ephemeral_storage: 512,
            tracing_mode: "PassThrough".into(),
            layers: Vec::new(),
            kms_key_arn: None,
            nested: NestedSettings::default(),
        }
    }
}

/// The deployment package, stored as given (the emulator runs nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Code {
    pub package_type: String,
    /// base64 of the SHA-256 of the package (or of the image URI).
    pub sha256: String,
    pub size: i64,
    pub s3_bucket: Option<String>,
    pub s3_key: Option<String>,
    pub s3_object_version: Option<String>,
    pub image_uri: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpdateRuntimeOn {
    Auto,
    FunctionUpdate,
    Manual,
}

impl UpdateRuntimeOn {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateRuntimeOn::Auto => "Auto",
            UpdateRuntimeOn::FunctionUpdate => "FunctionUpdate",
            UpdateRuntimeOn::Manual => "Manual",
        }
    }

    pub fn parse(s: &str) -> Option<UpdateRuntimeOn> {
        match s {
            "Auto" => Some(UpdateRuntimeOn::Auto),
            "FunctionUpdate" => Some(UpdateRuntimeOn::FunctionUpdate),
            "Manual" => Some(UpdateRuntimeOn::Manual),
            _ => None,
        }
    }
}

/// The runtime management configuration of one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeManagement {
    pub update_runtime_on: UpdateRuntimeOn,
    /// Set only in Manual.
    pub runtime_version_arn: Option<String>,
}

impl Default for RuntimeManagement {
    fn default() -> Self {
        RuntimeManagement {
            update_runtime_on: UpdateRuntimeOn::Auto,
            runtime_version_arn: None,
        }
    }
}

/// `LastUpdateStatus` and its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastUpdate {
    pub status: String,
    pub reason: Option<String>,
    pub reason_code: Option<String>,
}

impl LastUpdate {
    pub fn successful() -> LastUpdate {
        LastUpdate {
            status: "Successful".into(),
            reason: None,
            reason_code: None,
        }
    }
}

/// `$LATEST` or one published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// `$LATEST` or the version number.
    pub version: String,
    pub config: Config,
    pub code: Code,
    pub revision_id: String,
    pub last_modified: String,
    pub runtime_management: RuntimeManagement,
    /// The runtime version in use; None for Image functions.
    pub runtime_version: Option<RuntimeVersion>,
    /// `State`: Pending while being created, then Active.
    pub state: String,
    /// None until creation completes.
    pub last_update: Option<LastUpdate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasRecord {
    pub name: String,
    pub function_version: String,
    pub description: String,
    /// Stored, as Lambda's JSON, since before it was typed.
    pub routing_config: Option<RoutingConfig>,
    pub revision_id: String,
}

/// What happens when the time of an in-flight change has come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InFlight {
    /// CreateFunction: Pending -> Active.
    Create { completes_at_ms: u64 },
    /// UpdateFunctionConfiguration: InProgress -> Successful, or Failed with
    /// the previous configuration restored.
    Update {
        completes_at_ms: u64,
        previous_config: Box<Config>,
        previous_runtime_version: Option<RuntimeVersion>,
        fail: Option<InjectedFailure>,
    },
}

/// A failure the admin API asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InjectedFailure {
    pub reason_code: String,
    pub reason: String,
}

/// Where a function lives and its name: functions of one name in two
/// accounts or regions are two functions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionKey {
    pub account: String,
    pub region: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionRecord {
    /// The account and region it lives in; empty in stores written before
    /// the emulator served many (the store fills in its default place).
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    pub name: String,
    pub latest: VersionRecord,
    pub versions: BTreeMap<u64, VersionRecord>,
    /// The highest version number ever published; numbers are never reused.
    pub last_version: u64,
    pub aliases: BTreeMap<String, AliasRecord>,
    pub tags: BTreeMap<String, String>,
    pub in_flight: Option<InFlight>,
}

impl FunctionRecord {
    pub fn key(&self) -> FunctionKey {
        FunctionKey {
            account: self.account.clone(),
            region: self.region.clone(),
            name: self.name.clone(),
        }
    }

    /// Completes an in-flight change whose time has come. Returns whether
    /// anything changed (so the caller persists it).
    pub fn settle(&mut self, now_ms: u64) -> bool {
        match self.in_flight.take() {
            None => false,
            Some(InFlight::Create { completes_at_ms }) if now_ms >= completes_at_ms => {
                self.latest.state = "Active".into();
                self.latest.last_update = Some(LastUpdate::successful());
                self.latest.revision_id = new_revision_id();
                true
            }
            Some(InFlight::Update {
                completes_at_ms,
                previous_config,
                previous_runtime_version,
                fail,
            }) if now_ms >= completes_at_ms => {
                match fail {
                    None => self.latest.last_update = Some(LastUpdate::successful()),
                    Some(f) => {
                        self.latest.config = *previous_config;
                        self.latest.runtime_version = previous_runtime_version;
                        self.latest.last_update = Some(LastUpdate {
                            status: "Failed".into(),
                            reason: Some(f.reason),
                            reason_code: Some(f.reason_code),
                        });
                    }
                }
                self.latest.revision_id = new_revision_id();
                true
            }
            still_running => {
                self.in_flight = still_running;
                false
            }
        }
    }

    pub fn is_creating(&self) -> bool {
        matches!(self.in_flight, Some(InFlight::Create { .. }))
    }

    pub fn is_updating(&self) -> bool {
        matches!(self.in_flight, Some(InFlight::Update { .. }))
    }

    /// The published version the last publish made, if any still exists.
    pub fn newest_version(&self) -> Option<&VersionRecord> {
        self.versions.values().next_back()
    }
}

pub fn new_revision_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `LastModified` in Lambda's format: `2020-04-10T19:06:32.563+0000`.
pub fn last_modified_now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

/// Whether `s` is a `LastModified` in Lambda's format
/// (`2026-01-01T00:00:00.000+0000`) naming a real date and time.
pub fn is_last_modified(s: &str) -> bool {
    s.is_ascii()
        && s.len() == 28
        && s.ends_with("+0000")
        && s.as_bytes().get(19) == Some(&b'.')
        && s[20..23].bytes().all(|b| b.is_ascii_digit())
        && jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%S", &s[..19]).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_modified_is_lambdas_format_and_a_real_time() {
        assert!(is_last_modified("2026-01-01T00:00:00.000+0000"));
        assert!(is_last_modified(&last_modified_now()));
        for bad in [
            "2026-01-01T00:00:00+0000",
            "2026-02-30T00:00:00.000+0000",
            "2026-01-01T00:00:00.000Z",
            "2026-01-01T00:00:00.000+00:00",
            "2026-01-01T00:00:00.0é0+000",
        ] {
            assert!(!is_last_modified(bad), "{bad}");
        }
    }
}
