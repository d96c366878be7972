//! The desired state: the configuration fully resolved (no variables, no
//! expressions, defaults merged), which is all the planner sees of it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Address, Configuration, FunctionRef, Qualifier, RuntimeVersionArn, UpdateRuntimeOn};

/// The whole desired state, fully resolved: no variables, no expressions,
/// defaults merged into each function. The planner sees nothing else of the
/// configuration files.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Desired {
    pub settings: Settings,
    pub policy: Policy,
    /// `account "NAME" { ... }` blocks, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, Account>,
    /// `backend "s3" { ... }`: where state lives. Not part of the config
    /// hash: a saved plan names its state by lineage and serial, which
    /// `rtm state migrate` keeps, so moving state leaves plans valid.
    #[serde(skip)]
    pub backend: Option<Backend>,
    /// Keyed by address, so iteration is in address order.
    pub functions: BTreeMap<Address, DesiredFunction>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    pub region: Option<String>,
    pub parallelism: Option<u32>,
    /// `claim_functions = false`: do not tag functions with the state that
    /// owns them (for users who may not call TagResource). Default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_functions: Option<bool>,
}

impl Settings {
    pub fn claims(&self) -> bool {
        self.claim_functions.unwrap_or(true)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Policy {
    pub allow_manual: bool,
    pub max_pin_days: Option<u32>,
    pub forbidden_runtimes: Vec<String>,
    /// FunctionUpdate functions must have been updated at most this long ago.
    pub max_function_update_age_days: Option<u32>,
    /// Container images must have been deployed at most this long ago.
    pub max_image_age_days: Option<u32>,
    /// Warn this long before a runtime's deprecation date.
    pub deprecation_warning_days: u32,
    /// The principals allowed to pin (the SCP's exceptions).
    pub manual_exception_roles: Vec<String>,
    /// Deprecation dates overriding rtm's table, by runtime identifier.
    pub runtime_deprecations: BTreeMap<String, jiff::civil::Date>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_manual: true,
            max_pin_days: None,
            forbidden_runtimes: Vec::new(),
            max_function_update_age_days: None,
            max_image_age_days: None,
            deprecation_warning_days: 90,
            manual_exception_roles: Vec::new(),
            runtime_deprecations: BTreeMap::new(),
        }
    }
}

/// How an `account` block reaches its AWS account. With neither a role nor
/// a profile, the default credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assume_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Checked with STS GetCallerIdentity before any call to Lambda.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The account's default region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// The `backend "s3"` block's settings, as written (literals).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backend {
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub use_path_style: Option<bool>,
    pub encrypt: Option<bool>,
}

/// One declared function instance.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DesiredFunction {
    pub address: Address,
    pub function: FunctionRef,
    pub qualifier: Qualifier,
    /// The `account` block it lives in (`None`: the default credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Its region: the function's `region`, else its account's, else
    /// `settings.region` (`None`: the run's default region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `None`: runtime management is not managed for this function (neither
    /// the block nor the defaults set it).
    pub runtime_management: Option<RuntimeManagement>,
    /// Only the fields written in the config (or in `defaults`) are set.
    pub configuration: Configuration,
    /// Where the `function` block starts, for messages and for `rollback`,
    /// which edits the file. Not part of the config hash: reformatting a file
    /// does not change what it asks for.
    #[serde(skip)]
    pub source: SourceLocation,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuntimeManagement {
    pub update_runtime_on: UpdateRuntimeOn,
    pub runtime_version_arn: Option<RuntimeVersionArn>,
    pub pin_until: Option<jiff::civil::Date>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Whether the block has `for_each` (its instances share one block).
    pub for_each: bool,
}
