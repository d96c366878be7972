//! The state records rtm writes, one function per kind: what apply records
//! after a step and after a function (from the plan's `Records`, never from
//! the configuration), and what drift records of an observation. Import
//! records through `applied` too.

use std::collections::BTreeMap;

use crate::model::{
    ATTRIBUTES, AttrValue, DesiredFunction, ENVIRONMENT_PREFIX, Kind, Live, MODE_PATH, Recorded,
    Salt, UpdateRuntimeOn,
};
use crate::plan::{FunctionPlan, Planned, Records};
use crate::state::{Error, Store};

/// A record's values could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    State(#[from] Error),
    /// The plan records a sensitive value the configuration does not hold
    /// (the plan was made from another configuration).
    #[error("the configuration sets no environment variable {0} (the plan does)")]
    MissingSecret(String),
}

/// Applies planned last-applied values to a record. Secrets are hashed
/// from `environment` (the configuration's values) with the state's salt.
fn apply_records(
    r: &mut Recorded,
    records: &Records,
    environment: Option<&BTreeMap<String, String>>,
    salt: &Salt,
    now: jiff::Timestamp,
) -> Result<(), RecordError> {
    if records.replace_environment {
        r.last_applied
            .retain(|k, _| !k.starts_with(ENVIRONMENT_PREFIX));
    }
    for path in &records.remove {
        r.last_applied.remove(path);
    }
    for (path, planned) in &records.set {
        let value = match planned {
            Planned::Value(v) => v.clone(),
            Planned::Sensitive => {
                let name = path.strip_prefix(ENVIRONMENT_PREFIX).unwrap_or(path);
                let v = environment
                    .and_then(|vars| vars.get(name))
                    .ok_or_else(|| RecordError::MissingSecret(name.to_string()))?;
                AttrValue::String(v.clone())
            }
        };
        r.last_applied
            .insert(path.clone(), salt.store(path, &value));
    }
    match records.set.get(MODE_PATH) {
        Some(Planned::Value(AttrValue::String(m))) if m == UpdateRuntimeOn::Manual.as_str() => {
            r.manual_since.get_or_insert(now);
        }
        Some(_) => r.manual_since = None,
        None => {}
    }
    Ok(())
}

/// Refreshes what the record saw of live: managed values, RevisionId and
/// the runtime version it runs.
fn observe(r: &mut Recorded, salt: &Salt, live: &Live, now: jiff::Timestamp) {
    r.live.clear();
    for a in ATTRIBUTES.iter().filter(|a| a.kind != Kind::Map) {
        if r.last_applied.contains_key(a.path)
            && let Some(v) = live.configuration.get(a.path)
        {
            r.live.insert(a.path.to_string(), salt.store(a.path, &v));
        }
    }
    r.live.insert(
        MODE_PATH.into(),
        salt.store(
            MODE_PATH,
            &AttrValue::String(live.runtime_management.update_runtime_on.to_string()),
        ),
    );
    r.revision_id = Some(live.revision_id.clone());
    r.refreshed_at = Some(now);
    if let Some(seen) = live.sighting() {
        r.observe_runtime_version(seen, now);
    }
}

fn base(store: &Store, fp: &FunctionPlan) -> Result<Recorded, Error> {
    let mut r = store.get(&fp.address)?.unwrap_or_default();
    r.function_name = fp.function_name.clone();
    r.function_arn = Some(fp.function_arn.clone());
    r.qualifier = fp.qualifier;
    r.account = fp.account.clone();
    r.account_id = Some(fp.account_id.clone());
    r.region = Some(fp.region.clone());
    Ok(r)
}

/// After one step succeeded: what the step records, and live as it is now.
pub fn step_done(
    store: &Store,
    fp: &FunctionPlan,
    records: &Records,
    live: &Live,
    environment: Option<&BTreeMap<String, String>>,
    now: jiff::Timestamp,
) -> Result<(), RecordError> {
    let mut r = base(store, fp)?;
    apply_records(&mut r, records, environment, store.salt(), now)?;
    observe(&mut r, store.salt(), live, now);
    store.put(&fp.address, &r)?;
    Ok(())
}

/// After every step of a function succeeded, or for a function the plan
/// found in sync (`live` is then `None`: the plan's observation stands):
/// everything the configuration asks is now the last applied value.
pub fn function_done(
    store: &Store,
    fp: &FunctionPlan,
    live: Option<&Live>,
    environment: Option<&BTreeMap<String, String>>,
    now: jiff::Timestamp,
) -> Result<(), RecordError> {
    let before = store.get(&fp.address)?;
    let mut r = base(store, fp)?;
    apply_records(&mut r, &fp.record, environment, store.salt(), now)?;
    match live {
        Some(live) => observe(&mut r, store.salt(), live, now),
        None => {
            if let Some(seen) = fp.observed.sighting() {
                r.observe_runtime_version(seen, now);
            }
        }
    }
    // Nothing new: no write, so the serial (and saved plans) stay valid.
    let unchanged = live.is_none()
        && before.as_ref().is_some_and(|b| {
            b.last_applied == r.last_applied
                && b.function_name == r.function_name
                && b.current_runtime_version().map(|v| &v.arn)
                    == r.current_runtime_version().map(|v| &v.arn)
        });
    if !unchanged {
        store.put(&fp.address, &r)?;
    }
    Ok(())
}

/// What `rtm drift` records: an observation of live (runtime version,
/// RevisionId, when Manual began), never desired or last-applied values.
pub fn observation(
    store: &Store,
    d: &DesiredFunction,
    live: &Live,
    now: jiff::Timestamp,
) -> Result<(), Error> {
    let mut r = store.get(&d.address)?.unwrap_or_default();
    if r.function_name.is_empty() {
        r.function_name = d.function.api_name();
        r.qualifier = d.qualifier;
    }
    r.function_arn = Some(live.function_arn.clone());
    r.account = d.account.clone();
    (r.account_id, r.region) = arn_place(&live.function_arn);
    if let Some(seen) = live.sighting() {
        r.observe_runtime_version(seen, now);
    }
    if live.runtime_management.update_runtime_on == UpdateRuntimeOn::Manual {
        r.manual_since.get_or_insert(now);
    } else {
        r.manual_since = None;
    }
    r.revision_id = Some(live.revision_id.clone());
    r.refreshed_at = Some(now);
    store.put(&d.address, &r)?;
    Ok(())
}

/// The account id and region in a function ARN.
fn arn_place(arn: &str) -> (Option<String>, Option<String>) {
    let part = |i: usize| {
        arn.split(':')
            .nth(i)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    (part(4), part(3))
}

/// What `rtm import` records: the live values it declared, as applied.
pub fn imported(
    store: &Store,
    address: &crate::model::Address,
    account: Option<&str>,
    live: &Live,
    paths: &[&str],
    now: jiff::Timestamp,
) -> Result<(), Error> {
    let salt = store.salt();
    let mut r = Recorded {
        function_name: live
            .function_arn
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string(),
        function_arn: Some(live.function_arn.clone()),
        qualifier: live.qualifier,
        account: account.map(str::to_string),
        account_id: arn_place(&live.function_arn).0,
        region: arn_place(&live.function_arn).1,
        ..Recorded::default()
    };
    if live.package_type != "Image" {
        let rm = &live.runtime_management;
        r.last_applied.insert(
            MODE_PATH.into(),
            salt.store(
                MODE_PATH,
                &AttrValue::String(rm.update_runtime_on.to_string()),
            ),
        );
        if let (UpdateRuntimeOn::Manual, Some(arn)) =
            (rm.update_runtime_on, &rm.runtime_version_arn)
        {
            r.last_applied.insert(
                crate::model::ARN_PATH.into(),
                salt.store(crate::model::ARN_PATH, &AttrValue::String(arn.to_string())),
            );
            r.manual_since = Some(now);
        }
    }
    for path in paths {
        if let Some(v) = live.configuration.get(path) {
            r.last_applied
                .insert(path.to_string(), salt.store(path, &v));
        }
    }
    r.revision_id = Some(live.revision_id.clone());
    r.refreshed_at = Some(now);
    if let Some(seen) = live.sighting() {
        r.observe_runtime_version(seen, now);
    }
    store.put(address, &r)?;
    Ok(())
}
