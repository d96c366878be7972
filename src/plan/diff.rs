//! The per-function three-way diff and the ordering of its steps. It reads
//! the function only through [`Observed`], so a saved plan's steps can be
//! derived again from the configuration and what the plan saw.

use std::collections::BTreeSet;

use super::request;
use super::{
    Action, AttributeChange, Cause, FunctionPlan, Observed, Operation, Planned, Records, SENSITIVE,
    Step,
};
use crate::model::{
    ARN_PATH, AttrValue, Configuration, DesiredFunction, ENVIRONMENT_PREFIX, Live, MODE_PATH,
    Qualifier, Recorded, RuntimeVersionArn, Salt, StoredValue, UpdateRuntimeOn, attribute,
    is_sensitive,
};

/// What the diff needs besides the three inputs.
pub struct Context<'a> {
    pub salt: &'a Salt,
    pub today: jiff::civil::Date,
    /// The lineage of the state that claims the functions it manages
    /// (`None`: `settings { claim_functions = false }`).
    pub claim_as: Option<&'a str>,
}

pub struct FunctionInput<'a> {
    pub desired: &'a DesiredFunction,
    pub recorded: Option<&'a Recorded>,
    pub observed: &'a Observed,
}

/// The live value at an attribute path (runtime management included).
pub fn live_value(live: &Live, path: &str) -> Option<AttrValue> {
    match path {
        MODE_PATH => Some(AttrValue::String(
            live.runtime_management.update_runtime_on.to_string(),
        )),
        ARN_PATH => live
            .runtime_management
            .runtime_version_arn
            .as_ref()
            .map(|a| AttrValue::String(a.to_string())),
        _ => live.configuration.get(path),
    }
}

/// The runtime management rtm will ask for, after an expired pin is
/// replaced by Auto.
struct EffectiveMode {
    mode: UpdateRuntimeOn,
    arn: Option<RuntimeVersionArn>,
    pin_expired: Option<jiff::civil::Date>,
}

fn effective_mode(desired: &DesiredFunction, today: jiff::civil::Date) -> Option<EffectiveMode> {
    let rm = desired.runtime_management.as_ref()?;
    if rm.update_runtime_on == UpdateRuntimeOn::Manual
        && let Some(until) = rm.pin_until
        && until < today
    {
        return Some(EffectiveMode {
            mode: UpdateRuntimeOn::Auto,
            arn: None,
            pin_expired: Some(until),
        });
    }
    Some(EffectiveMode {
        mode: rm.update_runtime_on,
        arn: if rm.update_runtime_on == UpdateRuntimeOn::Manual {
            rm.runtime_version_arn.clone()
        } else {
            None
        },
        pin_expired: None,
    })
}

/// The desired value per managed path, in display order.
fn desired_values(
    desired: &DesiredFunction,
    mode: Option<&EffectiveMode>,
    observed: &Observed,
) -> Vec<(String, Option<AttrValue>)> {
    let mut out: Vec<(String, Option<AttrValue>)> = Vec::new();
    if let Some(m) = mode {
        out.push((
            MODE_PATH.into(),
            Some(AttrValue::String(m.mode.to_string())),
        ));
        out.push((
            ARN_PATH.into(),
            m.arn.as_ref().map(|a| AttrValue::String(a.to_string())),
        ));
    }
    for (path, value) in desired.configuration.attributes() {
        out.push((path, Some(value)));
    }
    // The environment map is managed whole: a live variable the config does
    // not name is to be removed.
    if let Some(want) = &desired.configuration.environment {
        for path in observed.attributes.keys() {
            if let Some(name) = path.strip_prefix(ENVIRONMENT_PREFIX)
                && !want.contains_key(name)
            {
                out.push((path.clone(), None));
            }
        }
    }
    out
}

fn cause_of(
    path: &str,
    desired: Option<&AttrValue>,
    recorded: Option<&Recorded>,
    salt: &Salt,
    mode_cause: Option<Cause>,
) -> Cause {
    if (path == MODE_PATH || path == ARN_PATH)
        && let Some(c) = mode_cause
    {
        return c;
    }
    let Some(recorded) = recorded else {
        return Cause::Config;
    };
    match (recorded.last_applied.get(path), desired) {
        (Some(last), Some(want)) if salt.matches(last, want) => Cause::Drift,
        // Absent from the config and never applied, while rtm did manage
        // this map: someone added it outside rtm.
        (None, None)
            if path.starts_with(ENVIRONMENT_PREFIX)
                && recorded
                    .last_applied
                    .keys()
                    .any(|k| k.starts_with(ENVIRONMENT_PREFIX)) =>
        {
            Cause::Drift
        }
        // The ARN is only set in Manual; an absent one was applied when the
        // mode was applied as something else.
        (None, None) if path == ARN_PATH && recorded.last_applied.contains_key(MODE_PATH) => {
            Cause::Drift
        }
        _ => Cause::Config,
    }
}

fn shown(path: &str, value: Option<AttrValue>) -> Option<AttrValue> {
    if is_sensitive(path) {
        value.map(|_| AttrValue::String(SENSITIVE.into()))
    } else {
        value
    }
}

/// A stored observation as shown: its value, or `(sensitive)`.
fn shown_stored(path: &str, value: Option<StoredValue>) -> Option<AttrValue> {
    match value? {
        StoredValue::Plain(v) => shown(path, Some(v)),
        StoredValue::Hashed { .. } => Some(AttrValue::String(SENSITIVE.into())),
    }
}

/// How state records a desired value: in clear, or (a secret) by reference
/// to the configuration, hashed by apply.
fn planned(path: &str, value: &AttrValue) -> Planned {
    if is_sensitive(path) {
        Planned::Sensitive
    } else {
        Planned::Value(value.clone())
    }
}

fn mode_records(mode: UpdateRuntimeOn, arn: Option<&RuntimeVersionArn>) -> Records {
    let mut r = Records::default();
    r.set.insert(
        MODE_PATH.into(),
        Planned::Value(AttrValue::String(mode.to_string())),
    );
    match arn {
        Some(a) => {
            r.set.insert(
                ARN_PATH.into(),
                Planned::Value(AttrValue::String(a.to_string())),
            );
        }
        None => r.remove.push(ARN_PATH.into()),
    }
    r
}

fn put_step(
    function_name: &str,
    qualifier: Qualifier,
    mode: UpdateRuntimeOn,
    arn: Option<&RuntimeVersionArn>,
    purpose: Option<String>,
) -> Step {
    let arn = if mode == UpdateRuntimeOn::Manual {
        arn
    } else {
        None
    };
    Step {
        operation: Operation::PutRuntimeManagementConfig,
        request: request::put_runtime_management(function_name, qualifier, mode, arn),
        purpose,
        wait: None,
        records: mode_records(mode, arn),
    }
}

fn update_step(
    function_name: &str,
    desired: &Configuration,
    changed: &BTreeSet<String>,
    observed: &Observed,
) -> Step {
    let mut records = Records::default();
    for path in request::sent_paths(desired, changed) {
        if let Some(v) = desired.get(&path) {
            records.set.insert(path.clone(), planned(&path, &v));
        }
    }
    records.replace_environment = request::sends_environment(desired, changed);
    Step {
        operation: Operation::UpdateFunctionConfiguration,
        request: request::update_function_configuration(function_name, desired, changed, observed),
        purpose: None,
        wait: Some("FunctionUpdatedV2".into()),
        records,
    }
}

/// Everything the configuration asks of the function, as state records it
/// once applied.
fn final_record(desired: &DesiredFunction, mode: Option<&EffectiveMode>) -> Records {
    let mut r = match mode {
        Some(m) => mode_records(m.mode, m.arn.as_ref()),
        None => Records::default(),
    };
    for (path, value) in desired.configuration.attributes() {
        r.set.insert(path.clone(), planned(&path, &value));
    }
    r.replace_environment = desired.configuration.environment.is_some();
    r
}

/// A pin whose runtime version state has seen on another runtime or
/// architecture than the function will run: Lambda would refuse it at
/// apply, after other steps ran.
fn foreign_pin(
    desired: &DesiredFunction,
    mode: Option<&EffectiveMode>,
    recorded: Option<&Recorded>,
    observed: &Observed,
) -> Option<String> {
    let arn = mode?.arn.as_ref()?;
    let seen = recorded?
        .runtime_versions
        .iter()
        .rev()
        .find(|v| &v.arn == arn)?;
    let runtime = desired.configuration.runtime().or(observed.runtime())?;
    let (seen_runtime, seen_arch) = (seen.runtime.as_deref()?, seen.architecture.as_deref()?);
    (seen_runtime != runtime || seen_arch != observed.architecture).then(|| {
        format!(
            "the pinned runtime version {} was seen on {seen_runtime} ({seen_arch}), but the function will run {runtime} ({}): a runtime version belongs to one runtime and architecture; pin a version of {runtime} (rtm rollback {} --to previous, or --to ARN) or remove the pin",
            arn.short(),
            observed.architecture,
            desired.address
        )
    })
}

/// Diffs one function version. `Err` is a message for a plan error at this
/// address (nothing can be planned for it).
pub fn diff_function(input: &FunctionInput<'_>, ctx: &Context<'_>) -> Result<FunctionPlan, String> {
    let FunctionInput {
        desired,
        recorded,
        observed,
    } = *input;
    let function_name = desired.function.api_name();
    let mode = effective_mode(desired, ctx.today);
    if mode.is_some() && observed.package_type == "Image" {
        return Err(format!(
            "{function_name} is a container image function (PackageType Image): Lambda has no runtime management for it; remove the runtime_management block (rebuild the image to patch its runtime)"
        ));
    }
    if !desired.qualifier.is_latest() && !desired.configuration.is_empty() {
        return Err(format!(
            "version {} of {function_name} is published and immutable: only its runtime_management can change",
            desired.qualifier
        ));
    }
    if let Some(why) = foreign_pin(desired, mode.as_ref(), recorded, observed) {
        return Err(why);
    }
    // One state owns a function: PutRuntimeManagementConfig takes no
    // RevisionId, so two states managing it would silently undo each other.
    let claim = match (ctx.claim_as, &observed.claim) {
        (Some(ours), Some(theirs)) if ours != theirs => {
            return Err(format!(
                "managed by another rtm state (lineage {}...); rtm import --take-over {} to move it here",
                theirs.get(..8).unwrap_or(theirs),
                desired.address
            ));
        }
        (Some(ours), None) => Some(Step {
            operation: Operation::TagResource,
            request: request::tag_resource(&observed.function_arn, ours),
            purpose: Some("claim the function for this state (tag rtm:lineage)".into()),
            wait: None,
            records: Records::default(),
        }),
        _ => None,
    };
    let mode_cause = mode
        .as_ref()
        .and_then(|m| m.pin_expired.map(|_| Cause::PinExpired));

    let mut attributes = Vec::new();
    let mut changed_paths = BTreeSet::new();
    for (path, want) in desired_values(desired, mode.as_ref(), observed) {
        let have = observed.value(&path);
        let same = match (&have, &want) {
            (Some(h), Some(w)) => ctx.salt.matches(h, w),
            (None, None) => true,
            _ => false,
        };
        if same {
            continue;
        }
        let cause = cause_of(&path, want.as_ref(), recorded, ctx.salt, mode_cause);
        let last_applied = match (cause, recorded.and_then(|r| r.last_applied.get(&path))) {
            (Cause::Drift, Some(StoredValue::Plain(v))) => Some(v.clone()),
            _ => None,
        };
        changed_paths.insert(path.clone());
        attributes.push(AttributeChange {
            sensitive: is_sensitive(&path),
            before: shown_stored(&path, have),
            after: shown(&path, want),
            cause,
            replace: false,
            last_applied,
            path,
        });
    }

    let live_mode = observed.update_runtime_on;
    let config_paths: BTreeSet<String> = changed_paths
        .iter()
        .filter(|p| p.starts_with("configuration."))
        .cloned()
        .collect();
    let mode_changes = changed_paths.contains(MODE_PATH) || changed_paths.contains(ARN_PATH);
    let blocked_by_pin = config_paths
        .iter()
        .any(|p| attribute(p).is_some_and(|a| a.blocked_by_manual));

    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let mut lifted = false;
    if let Some(m) = &mode {
        if blocked_by_pin && live_mode == UpdateRuntimeOn::Manual {
            // Lambda refuses a runtime change while $LATEST is Manual
            // ("Cannot change runtime identifier ..."): lift the pin first.
            let interim = if m.mode == UpdateRuntimeOn::Manual {
                lifted = true;
                UpdateRuntimeOn::FunctionUpdate
            } else {
                m.mode
            };
            steps.push(put_step(
                &function_name,
                desired.qualifier,
                interim,
                None,
                Some(
                    "lift the Manual pin: Lambda refuses a runtime change while $LATEST is Manual"
                        .into(),
                ),
            ));
            notes.push(if lifted {
                "while $LATEST is Manual its runtime cannot change, so the pin is lifted for the update and set again".into()
            } else {
                "while $LATEST is Manual its runtime cannot change, so the mode changes before the update".into()
            });
        } else if mode_changes && m.mode != UpdateRuntimeOn::Manual {
            steps.push(put_step(
                &function_name,
                desired.qualifier,
                m.mode,
                None,
                None,
            ));
        }
    }
    if !config_paths.is_empty() {
        steps.push(update_step(
            &function_name,
            &desired.configuration,
            &config_paths,
            observed,
        ));
    }
    if let Some(m) = &mode {
        if m.mode == UpdateRuntimeOn::Manual && (mode_changes || lifted) {
            steps.push(put_step(
                &function_name,
                desired.qualifier,
                UpdateRuntimeOn::Manual,
                m.arn.as_ref(),
                lifted.then(|| "set the pin again, on the new runtime's version".to_string()),
            ));
        }
        if lifted && !changed_paths.contains(MODE_PATH) {
            attributes.insert(
                0,
                AttributeChange {
                    path: MODE_PATH.into(),
                    before: Some(AttrValue::String("Manual".into())),
                    after: Some(AttrValue::String("Manual".into())),
                    cause: Cause::Config,
                    sensitive: false,
                    replace: true,
                    last_applied: None,
                },
            );
        }
        if let Some(until) = m.pin_expired {
            notes.push(format!(
                "the Manual pin expired on {until} (pin_until): back to Auto; remove the pin from the config or extend pin_until"
            ));
        }
    }
    if observed.update_in_progress() && !steps.is_empty() {
        notes
            .push("an update is in progress on this function; apply waits for it to finish".into());
    }

    Ok(FunctionPlan {
        address: desired.address.clone(),
        function_name,
        function_arn: observed.function_arn.clone(),
        qualifier: desired.qualifier,
        account: desired.account.clone(),
        account_id: observed.account_id().to_string(),
        region: observed.region().to_string(),
        action: if steps.is_empty() {
            Action::NoOp
        } else {
            Action::Update
        },
        attributes,
        steps,
        observed: observed.clone(),
        claim,
        record: final_record(desired, mode.as_ref()),
        notes,
    })
}
