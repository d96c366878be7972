//! The plan: a pure three-way diff of desired (config), last applied (state)
//! and live (Lambda) into a serializable `Plan` value whose ordered steps
//! are everything apply will do. Renderers, the plan file and apply only
//! consume it (after Terraform's `internal/plans`).
//!
//! Nothing here does I/O or reads a clock: the caller passes `today`/`now`.

mod diff;
pub mod drift;
mod file;
mod observed;
pub mod report;
mod request;
mod verify;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

pub use diff::{Context, FunctionInput, diff_function};
pub use file::{FileError, MAX_PLAN_FILE_BYTES, read_plan_file, write_plan_file};
pub use observed::Observed;
pub use request::Request;
pub use verify::verify_saved;

use crate::model::{
    Address, AttrValue, Desired, Live, Qualifier, Recorded, RuntimeVersionArn, Salt,
    UpdateRuntimeOn,
};

/// The plan format version; saved plans of another version are refused.
/// 2: steps carry their exact request and what they record; functions carry
/// what the plan observed.
pub const FORMAT_VERSION: u32 = 2;

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
    /// The default region (of functions whose configuration names none).
    pub region: String,
    /// The account each account block's credentials reached when planned
    /// (`default` for the default credentials): a saved plan is refused if
    /// they now reach another.
    #[serde(default)]
    pub accounts: BTreeMap<String, String>,
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
    /// Functions apply will claim for this state (tag rtm:lineage).
    pub fn claim_count(&self) -> usize {
        self.functions.iter().filter(|f| f.claim.is_some()).count()
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
    /// The account block (`None`: the default credentials), and the account
    /// id and region the function is in (from its ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub account_id: String,
    pub region: String,
    pub action: Action,
    pub attributes: Vec<AttributeChange>,
    pub steps: Vec<Step>,
    /// What the plan saw: apply re-reads and refuses to write if any of it
    /// changed, and re-derives a saved plan's steps from it.
    pub observed: Observed,
    /// TagResource claiming the function for this state, when no state
    /// has: apply makes it before any other step (not a change of the
    /// function's settings, so not counted as one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Step>,
    /// What state records as last applied once every step succeeded (or,
    /// for a function in sync, at once): everything the configuration asks.
    pub record: Records,
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

/// The API operations a plan uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Operation {
    PutRuntimeManagementConfig,
    UpdateFunctionConfiguration,
    TagResource,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::PutRuntimeManagementConfig => "PutRuntimeManagementConfig",
            Operation::UpdateFunctionConfiguration => "UpdateFunctionConfiguration",
            Operation::TagResource => "TagResource",
        }
    }
}

/// One API call of the plan: its exact request, and what state records
/// once it succeeded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub operation: Operation,
    pub request: Request,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The waiter apply runs after the call (`FunctionUpdatedV2`: GetFunction
    /// until LastUpdateStatus is Successful).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<String>,
    pub records: Records,
}

impl Step {
    pub fn operation(&self) -> &'static str {
        self.operation.as_str()
    }

    /// The mode a PutRuntimeManagementConfig sets.
    pub fn mode(&self) -> Option<UpdateRuntimeOn> {
        (self.operation == Operation::PutRuntimeManagementConfig)
            .then(|| {
                self.request
                    .body
                    .get("UpdateRuntimeOn")?
                    .as_str()?
                    .parse()
                    .ok()
            })
            .flatten()
    }

    /// The runtime version a PutRuntimeManagementConfig pins.
    pub fn pinned(&self) -> Option<RuntimeVersionArn> {
        let arn = self.request.body.get("RuntimeVersionArn")?.as_str()?;
        RuntimeVersionArn::parse(arn).ok()
    }

    /// `PutRuntimeManagementConfig(Manual)`, for one-line summaries.
    pub fn label(&self) -> String {
        match self.mode() {
            Some(mode) => format!("{}({mode})", self.operation()),
            None => self.operation().to_string(),
        }
    }
}

/// A value state will record as last applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Planned {
    Value(AttrValue),
    /// A sensitive value: the plan holds none; apply hashes the
    /// configuration's value with the state's salt.
    Sensitive,
}

/// Changes to a state record's last-applied values.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Records {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, Planned>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// The environment is managed whole: forget variables not in `set`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replace_environment: bool,
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
    let mut hasher = Sha256::new();
    // Into the hasher directly. `Desired` is plain data (maps with string
    // keys), so serialising it does not fail; were it ever to, the hash must
    // still cover the whole desired state, never quietly be that of nothing
    // (or of half of it): hash its Debug form, deterministic as well.
    if serde_json::to_writer(HashWriter(&mut hasher), desired).is_err() {
        hasher = Sha256::new();
        hasher.update(b"debug:");
        hasher.update(format!("{desired:?}").as_bytes());
    }
    hex::encode(hasher.finalize())
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

/// The customer's side of the shared-responsibility model, as plan
/// warnings: a policy threshold the function crosses (a stale
/// FunctionUpdate, a long pin, an old image, a deprecated runtime), and a
/// configuration that moves it to a runtime past its deprecation date.
fn policy_warnings(
    desired: &crate::model::DesiredFunction,
    recorded: Option<&Recorded>,
    live: &Live,
    policy: &crate::model::Policy,
    now: jiff::Timestamp,
) -> Vec<PlanDiagnostic> {
    let r = report::classify(
        &report::ReportInput::declared(desired, live, recorded),
        policy,
        now,
    );
    let warn = |message: String| PlanDiagnostic {
        severity: Severity::Warning,
        address: Some(desired.address.clone()),
        message,
    };
    let mut out: Vec<PlanDiagnostic> = r
        .violations
        .iter()
        // The pin's own expiry is planned (back to Auto), not a warning;
        // nor is a deprecated runtime the configuration is moving off.
        .filter(|v| v.kind != "pin_expired")
        .filter(|v| {
            v.kind != "deprecated_runtime"
                || desired
                    .configuration
                    .runtime()
                    .is_none_or(|want| Some(want) == live.configuration.runtime())
        })
        .map(|v| warn(format!("past policy: {}", v.message)))
        .collect();
    if let Some(want) = desired.configuration.runtime()
        && Some(want) != live.configuration.runtime()
        && let Some(date) = crate::model::deprecation_date(want, &policy.runtime_deprecations)
        && date < now.to_zoned(jiff::tz::TimeZone::UTC).date()
    {
        out.push(warn(format!(
            "this change moves the function to {want}, deprecated since {date}: it gets no more security patches"
        )));
    }
    out
}

/// Computes the plan. Pure: the same input always gives the same plan.
pub fn build(input: &BuildInput<'_>) -> Plan {
    let ctx = Context {
        salt: input.salt,
        today: input.today,
        claim_as: input
            .desired
            .settings
            .claims()
            .then_some(input.state_lineage.as_str()),
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
        let observed = Observed::of(live, input.salt, input.now);
        diagnostics.extend(policy_warnings(
            desired,
            recorded,
            live,
            &input.desired.policy,
            input.now,
        ));
        match diff_function(
            &FunctionInput {
                desired,
                recorded,
                observed: &observed,
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
        accounts: BTreeMap::new(),
        targets: input.targets.to_vec(),
        functions,
        runtime_versions,
        diagnostics,
    }
}

#[cfg(test)]
mod tests;
