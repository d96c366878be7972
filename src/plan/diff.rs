//! The per-function three-way diff and the ordering of its steps.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Action, AttributeChange, Cause, FunctionPlan, Preconditions, PutRuntimeManagementConfigRequest,
    SENSITIVE, Step,
};
use crate::model::{
    AttrValue, Configuration, DesiredFunction, ENVIRONMENT_PREFIX, Live, Qualifier, Recorded,
    RuntimeVersionArn, Salt, UpdateRuntimeOn, is_sensitive,
};

pub const MODE_PATH: &str = "runtime_management.update_runtime_on";
pub const ARN_PATH: &str = "runtime_management.runtime_version_arn";

/// What the diff needs besides the three inputs.
pub struct Context<'a> {
    pub salt: &'a Salt,
    pub today: jiff::civil::Date,
}

pub struct FunctionInput<'a> {
    pub desired: &'a DesiredFunction,
    pub recorded: Option<&'a Recorded>,
    pub live: &'a Live,
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
    live: &Live,
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
    if let (Some(want), Some(have)) = (
        &desired.configuration.environment,
        &live.configuration.environment,
    ) {
        for name in have.keys().filter(|k| !want.contains_key(*k)) {
            out.push((format!("{ENVIRONMENT_PREFIX}{name}"), None));
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

/// The fields of `desired` at `paths`, for the update request. Environment
/// variables go whole when any of them changes.
fn project(desired: &Configuration, paths: &BTreeSet<String>) -> Configuration {
    let has = |p: &str| paths.contains(p);
    let prefix = |p: &str| paths.iter().any(|x| x.starts_with(p));
    let mut c = Configuration::default();
    if has("configuration.runtime") {
        c.runtime = desired.runtime.clone();
    }
    if has("configuration.handler") {
        c.handler = desired.handler.clone();
    }
    if has("configuration.memory_size") {
        c.memory_size = desired.memory_size;
    }
    if has("configuration.timeout") {
        c.timeout = desired.timeout;
    }
    if has("configuration.description") {
        c.description = desired.description.clone();
    }
    if has("configuration.role") {
        c.role = desired.role.clone();
    }
    if has("configuration.layers") {
        c.layers = desired.layers.clone();
    }
    if has("configuration.kms_key_arn") {
        c.kms_key_arn = desired.kms_key_arn.clone();
    }
    if prefix(ENVIRONMENT_PREFIX) {
        c.environment = desired.environment.clone();
    }
    if has("configuration.ephemeral_storage.size") {
        c.ephemeral_storage_size = desired.ephemeral_storage_size;
    }
    if has("configuration.tracing_config.mode") {
        c.tracing_mode = desired.tracing_mode.clone();
    }
    // Nested objects are sent whole; the request builder fills unmanaged
    // members from live. Managed members all go, changed or not.
    if prefix("configuration.logging_config.") {
        c.logging_config = desired.logging_config.clone();
    }
    if prefix("configuration.vpc_config.") {
        c.vpc_config = desired.vpc_config.clone();
    }
    if has("configuration.dead_letter_config.target_arn") {
        c.dead_letter_target_arn = desired.dead_letter_target_arn.clone();
    }
    if prefix("configuration.file_system_config.") {
        c.file_system_config = desired.file_system_config.clone();
    }
    if prefix("configuration.image_config.") {
        c.image_config = desired.image_config.clone();
    }
    if has("configuration.snap_start.apply_on") {
        c.snap_start_apply_on = desired.snap_start_apply_on.clone();
    }
    c
}

/// The request as it will be sent, in the API's member names, with
/// environment values redacted.
fn update_request_json(
    function_name: &str,
    revision_id: &str,
    c: &Configuration,
) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let mut m = Map::new();
    m.insert("FunctionName".into(), json!(function_name));
    m.insert("RevisionId".into(), json!(revision_id));
    let mut put = |k: &str, v: Value| {
        m.insert(k.into(), v);
    };
    if let Some(v) = &c.runtime {
        put("Runtime", json!(v));
    }
    if let Some(v) = &c.handler {
        put("Handler", json!(v));
    }
    if let Some(v) = c.memory_size {
        put("MemorySize", json!(v));
    }
    if let Some(v) = c.timeout {
        put("Timeout", json!(v));
    }
    if let Some(v) = &c.description {
        put("Description", json!(v));
    }
    if let Some(v) = &c.role {
        put("Role", json!(v));
    }
    if let Some(v) = &c.layers {
        put("Layers", json!(v));
    }
    if let Some(v) = &c.kms_key_arn {
        put("KMSKeyArn", json!(v));
    }
    if let Some(vars) = &c.environment {
        let redacted: BTreeMap<&String, &str> = vars.keys().map(|k| (k, SENSITIVE)).collect();
        put("Environment", json!({ "Variables": redacted }));
    }
    if let Some(v) = c.ephemeral_storage_size {
        put("EphemeralStorage", json!({ "Size": v }));
    }
    if let Some(v) = &c.tracing_mode {
        put("TracingConfig", json!({ "Mode": v }));
    }
    if let Some(l) = &c.logging_config {
        let mut o = Map::new();
        for (k, v) in [
            ("LogFormat", &l.log_format),
            ("ApplicationLogLevel", &l.application_log_level),
            ("SystemLogLevel", &l.system_log_level),
            ("LogGroup", &l.log_group),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        put("LoggingConfig", Value::Object(o));
    }
    if let Some(v) = &c.vpc_config {
        let mut o = Map::new();
        if let Some(s) = &v.subnet_ids {
            o.insert("SubnetIds".into(), json!(s));
        }
        if let Some(s) = &v.security_group_ids {
            o.insert("SecurityGroupIds".into(), json!(s));
        }
        if let Some(b) = v.ipv6_allowed_for_dual_stack {
            o.insert("Ipv6AllowedForDualStack".into(), json!(b));
        }
        put("VpcConfig", Value::Object(o));
    }
    if let Some(v) = &c.dead_letter_target_arn {
        put("DeadLetterConfig", json!({ "TargetArn": v }));
    }
    if let Some(f) = &c.file_system_config {
        put(
            "FileSystemConfigs",
            json!([{ "Arn": f.arn, "LocalMountPath": f.local_mount_path }]),
        );
    }
    if let Some(i) = &c.image_config {
        let mut o = Map::new();
        if let Some(v) = &i.command {
            o.insert("Command".into(), json!(v));
        }
        if let Some(v) = &i.entry_point {
            o.insert("EntryPoint".into(), json!(v));
        }
        if let Some(v) = &i.working_directory {
            o.insert("WorkingDirectory".into(), json!(v));
        }
        put("ImageConfig", Value::Object(o));
    }
    if let Some(v) = &c.snap_start_apply_on {
        put("SnapStart", json!({ "ApplyOn": v }));
    }
    Value::Object(m)
}

fn redact_environment(mut c: Configuration) -> Configuration {
    if let Some(vars) = c.environment.as_mut() {
        for v in vars.values_mut() {
            *v = SENSITIVE.into();
        }
    }
    c
}

fn put_step(
    function_name: &str,
    qualifier: Qualifier,
    mode: UpdateRuntimeOn,
    arn: Option<&RuntimeVersionArn>,
    purpose: Option<String>,
) -> Step {
    Step::PutRuntimeManagementConfig {
        request: PutRuntimeManagementConfigRequest {
            function_name: function_name.to_string(),
            qualifier,
            update_runtime_on: mode,
            runtime_version_arn: if mode == UpdateRuntimeOn::Manual {
                arn.cloned()
            } else {
                None
            },
        },
        purpose,
    }
}

/// Diffs one function version. `Err` is a message for a plan error at this
/// address (nothing can be planned for it).
pub fn diff_function(input: &FunctionInput<'_>, ctx: &Context<'_>) -> Result<FunctionPlan, String> {
    let FunctionInput {
        desired,
        recorded,
        live,
    } = *input;
    let function_name = desired.function.api_name();
    let mode = effective_mode(desired, ctx.today);
    if mode.is_some() && live.package_type == "Image" {
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
    let mode_cause = mode
        .as_ref()
        .and_then(|m| m.pin_expired.map(|_| Cause::PinExpired));

    let mut attributes = Vec::new();
    let mut changed_paths = BTreeSet::new();
    let mut precondition_values = BTreeMap::new();
    for (path, want) in desired_values(desired, mode.as_ref(), live) {
        let have = live_value(live, &path);
        if path != MODE_PATH
            && path != ARN_PATH
            && let Some(v) = &have
        {
            precondition_values.insert(path.clone(), ctx.salt.store(&path, v));
        }
        if want == have {
            continue;
        }
        let cause = cause_of(&path, want.as_ref(), recorded, ctx.salt, mode_cause);
        let last_applied = match (cause, recorded.and_then(|r| r.last_applied.get(&path))) {
            (Cause::Drift, Some(crate::model::StoredValue::Plain(v))) => Some(v.clone()),
            _ => None,
        };
        changed_paths.insert(path.clone());
        attributes.push(AttributeChange {
            sensitive: is_sensitive(&path),
            before: shown(&path, have),
            after: shown(&path, want),
            cause,
            replace: false,
            last_applied,
            path,
        });
    }

    let live_mode = live.runtime_management.update_runtime_on;
    let config_paths: BTreeSet<String> = changed_paths
        .iter()
        .filter(|p| p.starts_with("configuration."))
        .cloned()
        .collect();
    let mode_changes = changed_paths.contains(MODE_PATH) || changed_paths.contains(ARN_PATH);
    let runtime_changes = config_paths.contains("configuration.runtime");

    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let mut lifted = false;
    if let Some(m) = &mode {
        if runtime_changes && live_mode == UpdateRuntimeOn::Manual {
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
        let changes = project(&desired.configuration, &config_paths);
        steps.push(Step::UpdateFunctionConfiguration {
            request: update_request_json(&function_name, &live.revision_id, &changes),
            changes: Box::new(redact_environment(changes)),
            wait: "FunctionUpdatedV2".into(),
        });
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
    if live.last_update_status.as_deref() == Some("InProgress") && !steps.is_empty() {
        notes
            .push("an update is in progress on this function; apply waits for it to finish".into());
    }

    Ok(FunctionPlan {
        address: desired.address.clone(),
        function_name,
        function_arn: live.function_arn.clone(),
        qualifier: desired.qualifier,
        action: if steps.is_empty() {
            Action::NoOp
        } else {
            Action::Update
        },
        attributes,
        steps,
        preconditions: Preconditions {
            revision_id: live.revision_id.clone(),
            update_runtime_on: live_mode,
            runtime_version_arn: live.runtime_management.runtime_version_arn.clone(),
            attributes: precondition_values,
            update_in_progress: live.last_update_status.as_deref() == Some("InProgress"),
        },
        running_runtime_version_arn: live.running_runtime_version_arn.clone(),
        notes,
    })
}
