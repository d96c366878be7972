//! A saved plan is applied only if its steps follow from the configuration.
//! The checksum catches an edit; this catches an edit whose checksum was
//! recomputed: every function's plan is derived again from the current
//! configuration (whose hash must match the plan's), the state records the
//! plan was made against (the serial must match) and the values the plan
//! observed, and must come out the same. Apply then re-reads live and
//! refuses any function whose observed values no longer hold, so what runs
//! follows from the configuration and live as they are.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Context, FunctionInput, FunctionPlan, Plan, Step, diff_function};
use crate::model::{Address, Desired, Recorded, Salt};

/// `Err` says, for the first function whose plan does not follow, what
/// differs: `function.x: MemorySize 3008, configuration asks 640`.
pub fn verify_saved(
    plan: &Plan,
    desired: &Desired,
    records: &BTreeMap<Address, Recorded>,
    salt: &Salt,
) -> Result<(), String> {
    let today = plan.created_at.to_zoned(jiff::tz::TimeZone::UTC).date();
    let ctx = Context {
        salt,
        today,
        claim_as: desired
            .settings
            .claims()
            .then_some(plan.state_lineage.as_str()),
    };
    for saved in &plan.functions {
        let address = &saved.address;
        let Some(d) = desired.functions.get(address) else {
            return Err(format!("{address}: not declared in the configuration"));
        };
        let again = diff_function(
            &FunctionInput {
                desired: d,
                recorded: records.get(address),
                observed: &saved.observed,
            },
            &ctx,
        )
        .map_err(|e| format!("{address}: {e}"))?;
        if let Some(why) = difference(saved, &again) {
            return Err(format!("{address}: {why}"));
        }
    }
    Ok(())
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => "nothing".into(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// The first member of a request body that differs.
fn body_difference(saved: &Value, derived: &Value) -> Option<String> {
    let (Value::Object(s), Value::Object(d)) = (saved, derived) else {
        return (saved != derived).then(|| "its request body".to_string());
    };
    let keys: std::collections::BTreeSet<&String> = s.keys().chain(d.keys()).collect();
    keys.into_iter().find_map(|k| {
        (s.get(k) != d.get(k)).then(|| {
            format!(
                "{k} {}, configuration asks {}",
                shown(s.get(k)),
                shown(d.get(k))
            )
        })
    })
}

fn step_difference(saved: &Step, derived: &Step) -> Option<String> {
    if saved.operation != derived.operation {
        return Some(format!(
            "{}, configuration asks {}",
            saved.label(),
            derived.label()
        ));
    }
    if let Some(why) = body_difference(&saved.request.body, &derived.request.body) {
        return Some(why);
    }
    if saved.request != derived.request {
        return Some(format!(
            "{} to {} {}, configuration asks {} {}",
            saved.label(),
            saved.request.method,
            saved.request.path,
            derived.request.method,
            derived.request.path
        ));
    }
    (saved != derived).then(|| format!("{} records other values in state", saved.label()))
}

fn difference(saved: &FunctionPlan, derived: &FunctionPlan) -> Option<String> {
    for (i, s) in saved.steps.iter().enumerate() {
        match derived.steps.get(i) {
            None => {
                return Some(format!("{}, configuration asks no such step", s.label()));
            }
            Some(d) => {
                if let Some(why) = step_difference(s, d) {
                    return Some(why);
                }
            }
        }
    }
    if let Some(d) = derived.steps.get(saved.steps.len()) {
        return Some(format!("no {}, configuration asks for it", d.label()));
    }
    if saved.record != derived.record {
        return Some("it records other values in state than the configuration asks".into());
    }
    (saved != derived).then(|| "its changes are not the ones the configuration asks".into())
}
