//! The plan: a pure three-way diff of desired (config), last applied (state)
//! and live (Lambda) into a serializable `Plan` value whose ordered steps
//! are everything apply will do. Renderers, the plan file and apply only
//! consume it (after Terraform's `internal/plans`).
//!
//! Nothing here does I/O or reads a clock: the caller passes `today`/`now`.

mod diff;
pub mod drift;
mod file;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

pub use diff::{Context, FunctionInput, diff_function};
pub use file::{FileError, read_plan_file, write_plan_file};

use crate::model::{
    Address, AttrValue, Configuration, Desired, Live, Qualifier, Recorded, RuntimeVersionArn, Salt,
    StoredValue, UpdateRuntimeOn,
};

/// The plan format version; saved plans of another version are refused.
pub const FORMAT_VERSION: u32 = 1;

/// What a sensitive value is shown as, everywhere.
pub const SENSITIVE: &str = "(sensitive)";

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub rtm_version: String,
    pub created_at: jiff::Timestamp,
    /// SHA-256 of the resolved desired state the plan was computed from.
    pub config_hash: String,
    pub state_lineage: String,
    pub state_serial: u64,
    pub region: String,
    /// The `--target` addresses the plan was limited to (empty: all).
    pub targets: Vec<Address>,
    /// Every address examined, changed or not, in address order.
    pub functions: Vec<FunctionPlan>,
    /// Runtime versions Lambda moved on its own (information, not changes).
    pub runtime_versions: Vec<RuntimeVersionNote>,
    pub diagnostics: Vec<PlanDiagnostic>,
}

impl Plan {
    pub fn changes(&self) -> impl Iterator<Item = &FunctionPlan> {
        self.functions.iter().filter(|f| f.action == Action::Update)
    }
    pub fn change_count(&self) -> usize {
        self.changes().count()
    }
    pub fn unchanged_count(&self) -> usize {
        self.functions
            .iter()
            .filter(|f| f.action == Action::NoOp)
            .count()
    }
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
    pub fn has_changes(&self) -> bool {
        self.change_count() > 0
    }
}

/// What happens to one function version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Update,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Update => "~",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Update => "update",
        }
    }
}

/// Why an attribute changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The configuration asks for something new.
    Config,
    /// Live changed outside rtm since the last apply; the config did not.
    Drift,
    /// A Manual pin is past its `pin_until`: back to Auto.
    PinExpired,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Config => "config",
            Cause::Drift => "drift",
            Cause::PinExpired => "pin_expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FunctionPlan {
    pub address: Address,
    /// The name as sent to the API (an ARN when the config wrote one).
    pub function_name: String,
    pub function_arn: String,
    pub qualifier: Qualifier,
    pub action: Action,
    pub attributes: Vec<AttributeChange>,
    pub steps: Vec<Step>,
    pub preconditions: Preconditions,
    /// The runtime version the function ran when planned
    /// (`RuntimeVersionConfig.RuntimeVersionArn`); apply records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_runtime_version_arn: Option<RuntimeVersionArn>,
    /// Explanations for a reviewer (why steps are ordered as they are, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One attribute whose live value will change.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AttributeChange {
    pub path: String,
    /// `None`: absent. Sensitive values are replaced by `(sensitive)`.
    pub before: Option<AttrValue>,
    pub after: Option<AttrValue>,
    pub cause: Cause,
    #[serde(default)]
    pub sensitive: bool,
    /// The value is lifted and set again for ordering (shown `-/+`).
    #[serde(default)]
    pub replace: bool,
    /// The last applied value, when the cause is drift (never sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied: Option<AttrValue>,
}

impl AttributeChange {
    pub fn symbol(&self) -> &'static str {
        match (&self.before, &self.after, self.replace) {
            (_, _, true) => "-/+",
            (None, Some(_), _) => "+",
            (Some(_), None, _) => "-",
            _ => "~",
        }
    }
}

/// One API call of the plan, with its exact request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "operation")]
pub enum Step {
    PutRuntimeManagementConfig {
        request: PutRuntimeManagementConfigRequest,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purpose: Option<String>,
    },
    UpdateFunctionConfiguration {
        /// The request as sent (environment values shown as `(sensitive)`);
        /// `RevisionId` is the one seen at plan time.
        request: serde_json::Value,
        /// The fields set, for apply (environment values redacted; apply
        /// takes them from the configuration, whose hash the plan pins).
        changes: Box<Configuration>,
        /// Apply polls GetFunction until the update is Successful.
        wait: String,
    },
}

impl Step {
    pub fn operation(&self) -> &'static str {
        match self {
            Step::PutRuntimeManagementConfig { .. } => "PutRuntimeManagementConfig",
            Step::UpdateFunctionConfiguration { .. } => "UpdateFunctionConfiguration",
        }
    }

    /// `PutRuntimeManagementConfig(Manual)`, for one-line summaries.
    pub fn label(&self) -> String {
        match self {
            Step::PutRuntimeManagementConfig { request, .. } => {
                format!("PutRuntimeManagementConfig({})", request.update_runtime_on)
            }
            Step::UpdateFunctionConfiguration { .. } => "UpdateFunctionConfiguration".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRuntimeManagementConfigRequest {
    pub function_name: String,
    pub qualifier: Qualifier,
    pub update_runtime_on: UpdateRuntimeOn,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_version_arn: Option<RuntimeVersionArn>,
}

/// What live looked like when the plan was made; apply re-reads and refuses
/// to write if any of it changed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Preconditions {
    pub revision_id: String,
    pub update_runtime_on: UpdateRuntimeOn,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_version_arn: Option<RuntimeVersionArn>,
    /// Live values of the managed attributes (sensitive ones salted-hashed).
    #[serde(default)]
    pub attributes: BTreeMap<String, StoredValue>,
    /// An update was in progress at plan time: its completion changes the
    /// RevisionId again, so apply compares values, not the RevisionId.
    #[serde(default)]
    pub update_in_progress: bool,
}

impl Preconditions {
    /// The first difference between these preconditions and a fresh read,
    /// described for the user; `None` when nothing changed.
    pub fn first_difference(&self, live: &Live, salt: &Salt) -> Option<String> {
        if live.runtime_management.update_runtime_on != self.update_runtime_on {
            return Some(format!(
                "runtime_management.update_runtime_on was {} at plan time and is now {}",
                self.update_runtime_on, live.runtime_management.update_runtime_on
            ));
        }
        if live.runtime_management.runtime_version_arn != self.runtime_version_arn {
            return Some(format!(
                "runtime_management.runtime_version_arn was {} at plan time and is now {}",
                self.runtime_version_arn
                    .as_ref()
                    .map_or("(none)".into(), |a| a.short()),
                live.runtime_management
                    .runtime_version_arn
                    .as_ref()
                    .map_or("(none)".into(), |a| a.short())
            ));
        }
        for (path, seen) in &self.attributes {
            let now = diff::live_value(live, path);
            let same = match &now {
                Some(v) => salt.matches(seen, v),
                None => false,
            };
            if !same {
                let shown = if crate::model::is_sensitive(path) {
                    "changed".to_string()
                } else {
                    match (seen, &now) {
                        (StoredValue::Plain(old), Some(new)) => format!("was {old}, is now {new}"),
                        _ => "changed".to_string(),
                    }
                };
                return Some(format!("{path} {shown} outside rtm"));
            }
        }
        if live.revision_id != self.revision_id && !self.update_in_progress {
            return Some(format!(
                "RevisionId {} is now {}",
                short_id(&self.revision_id),
                short_id(&live.revision_id)
            ));
        }
        None
    }
}

fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// A runtime version Lambda moved a function to on its own.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RuntimeVersionNote {
    pub address: Address,
    pub function_name: String,
    pub update_runtime_on: UpdateRuntimeOn,
    pub previous: RuntimeVersionArn,
    pub current: RuntimeVersionArn,
    /// When the previous version was last seen.
    pub previous_seen: jiff::Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanDiagnostic {
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    pub message: String,
}

/// SHA-256 over the resolved desired state: a saved plan is stale when the
/// configuration (or a variable) now asks for anything else.
pub fn config_hash(desired: &Desired) -> String {
    let bytes = serde_json::to_vec(desired).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// Everything `build` needs; all of it already read.
pub struct BuildInput<'a> {
    pub desired: &'a Desired,
    pub records: &'a BTreeMap<Address, Recorded>,
    /// The live read per address; `Err` holds the message of a failed read.
    pub live: &'a BTreeMap<Address, Result<Live, String>>,
    pub targets: &'a [Address],
    pub salt: &'a Salt,
    pub today: jiff::civil::Date,
    pub now: jiff::Timestamp,
    pub state_lineage: String,
    pub state_serial: u64,
    pub region: String,
}

/// Whether `address` is selected by the targets (all when there are none).
pub fn is_targeted(address: &Address, targets: &[Address]) -> bool {
    targets.is_empty() || targets.iter().any(|t| address.matches_target(t))
}

/// The warning for state records no configuration block declares (a label
/// renamed, a block deleted): they would otherwise linger unseen.
pub fn orphan_warning(records: &BTreeMap<Address, Recorded>, desired: &Desired) -> Option<String> {
    let orphans: Vec<String> = records
        .keys()
        .filter(|a| !desired.functions.contains_key(a))
        .map(|a| a.to_string())
        .collect();
    (!orphans.is_empty()).then(|| {
        format!(
            "state has {} record{} not in the configuration: {}; rtm state rm or rtm state mv",
            orphans.len(),
            if orphans.len() == 1 { "" } else { "s" },
            orphans.join(", ")
        )
    })
}

/// Computes the plan. Pure: the same input always gives the same plan.
pub fn build(input: &BuildInput<'_>) -> Plan {
    let ctx = Context {
        salt: input.salt,
        today: input.today,
    };
    let mut functions = Vec::new();
    let mut runtime_versions = Vec::new();
    let mut diagnostics = Vec::new();
    if !input.targets.is_empty() {
        // As Terraform warns: a targeted plan leaves the rest unexamined.
        diagnostics.push(PlanDiagnostic {
            severity: Severity::Warning,
            address: None,
            message: format!(
                "targeting is in effect: only {} planned; the other functions were not read and may differ from the configuration (targeting is for exceptions, not routine use)",
                input
                    .targets
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if input.targets.len() == 1 { " is" } else { " are" }
            ),
        });
    }
    if let Some(message) = orphan_warning(input.records, input.desired) {
        diagnostics.push(PlanDiagnostic {
            severity: Severity::Warning,
            address: None,
            message,
        });
    }
    for (address, desired) in &input.desired.functions {
        if !is_targeted(address, input.targets) {
            continue;
        }
        let recorded = input.records.get(address);
        let live = match input.live.get(address) {
            Some(Ok(live)) => live,
            Some(Err(message)) => {
                diagnostics.push(PlanDiagnostic {
                    severity: Severity::Error,
                    address: Some(address.clone()),
                    message: message.clone(),
                });
                continue;
            }
            None => continue,
        };
        match diff_function(
            &FunctionInput {
                desired,
                recorded,
                live,
            },
            &ctx,
        ) {
            Ok(fp) => functions.push(fp),
            Err(message) => diagnostics.push(PlanDiagnostic {
                severity: Severity::Error,
                address: Some(address.clone()),
                message,
            }),
        }
        if let (Some(current), Some(last)) = (
            &live.running_runtime_version_arn,
            recorded.and_then(|r| r.current_runtime_version()),
        ) && &last.arn != current
            && live.runtime_management.update_runtime_on != UpdateRuntimeOn::Manual
        {
            runtime_versions.push(RuntimeVersionNote {
                address: address.clone(),
                function_name: desired.function.api_name(),
                update_runtime_on: live.runtime_management.update_runtime_on,
                previous: last.arn.clone(),
                current: current.clone(),
                previous_seen: last.last_seen,
            });
        }
    }
    Plan {
        format_version: FORMAT_VERSION,
        rtm_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: input.now,
        config_hash: config_hash(input.desired),
        state_lineage: input.state_lineage.clone(),
        state_serial: input.state_serial,
        region: input.region.clone(),
        targets: input.targets.to_vec(),
        functions,
        runtime_versions,
        diagnostics,
    }
}

#[cfg(test)]
mod tests;
