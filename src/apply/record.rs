//! What apply writes to state after each step, after each function, and
//! for functions already in sync.

use crate::model::{
    Address, AttrValue, Configuration, DesiredFunction, ENVIRONMENT_PREFIX, Live, Recorded,
    UpdateRuntimeOn,
};
use crate::plan::{FunctionPlan, PutRuntimeManagementConfigRequest};
use crate::state::{Error, Store};

const MODE_PATH: &str = "runtime_management.update_runtime_on";
const ARN_PATH: &str = "runtime_management.runtime_version_arn";

fn base(
    store: &Store,
    address: &Address,
    d: &DesiredFunction,
    fp: &FunctionPlan,
) -> Result<Recorded, Error> {
    let mut r = store.get(address)?.unwrap_or_default();
    r.function_name = d.function.api_name();
    r.function_arn = Some(fp.function_arn.clone());
    r.qualifier = d.qualifier;
    Ok(r)
}

fn set_mode(
    r: &mut Recorded,
    store: &Store,
    mode: UpdateRuntimeOn,
    arn: Option<&crate::model::RuntimeVersionArn>,
    now: jiff::Timestamp,
) {
    let salt = store.salt();
    r.last_applied.insert(
        MODE_PATH.into(),
        salt.store(MODE_PATH, &AttrValue::String(mode.to_string())),
    );
    match arn {
        Some(a) => {
            r.last_applied.insert(
                ARN_PATH.into(),
                salt.store(ARN_PATH, &AttrValue::String(a.to_string())),
            );
        }
        None => {
            r.last_applied.remove(ARN_PATH);
        }
    }
    if mode == UpdateRuntimeOn::Manual {
        r.manual_since.get_or_insert(now);
    } else {
        r.manual_since = None;
    }
}

fn set_configuration(r: &mut Recorded, store: &Store, changes: &Configuration) {
    let salt = store.salt();
    if changes.environment.is_some() {
        r.last_applied
            .retain(|k, _| !k.starts_with(ENVIRONMENT_PREFIX));
    }
    for (path, value) in changes.attributes() {
        r.last_applied
            .insert(path.clone(), salt.store(&path, &value));
    }
}

/// Refreshes the live snapshot: managed values, RevisionId, runtime version.
fn observe(
    r: &mut Recorded,
    store: &Store,
    d: &DesiredFunction,
    live: &Live,
    now: jiff::Timestamp,
) {
    let salt = store.salt();
    r.live.clear();
    for (path, _) in d.configuration.attributes() {
        if let Some(v) = live.configuration.get(&path) {
            r.live.insert(path.clone(), salt.store(&path, &v));
        }
    }
    r.live.insert(
        MODE_PATH.into(),
        AttrValue::String(live.runtime_management.update_runtime_on.to_string()).into_stored(),
    );
    if let Some(a) = &live.runtime_management.runtime_version_arn {
        r.live.insert(
            ARN_PATH.into(),
            AttrValue::String(a.to_string()).into_stored(),
        );
    }
    r.revision_id = Some(live.revision_id.clone());
    r.refreshed_at = Some(now);
    if let Some(arn) = &live.running_runtime_version_arn {
        r.observe_runtime_version(arn, now);
    }
}

trait IntoStored {
    fn into_stored(self) -> crate::model::StoredValue;
}
impl IntoStored for AttrValue {
    fn into_stored(self) -> crate::model::StoredValue {
        crate::model::StoredValue::Plain(self)
    }
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
    if let Some(arn) = &live.running_runtime_version_arn {
        r.observe_runtime_version(arn, now);
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

/// After one step succeeded.
pub fn step_done(
    store: &Store,
    d: &DesiredFunction,
    fp: &FunctionPlan,
    live: &Live,
    put: Option<&PutRuntimeManagementConfigRequest>,
    update: Option<&Configuration>,
    now: jiff::Timestamp,
) -> Result<(), Error> {
    let mut r = base(store, &fp.address, d, fp)?;
    if let Some(p) = put {
        set_mode(
            &mut r,
            store,
            p.update_runtime_on,
            p.runtime_version_arn.as_ref(),
            now,
        );
    }
    if let Some(c) = update {
        set_configuration(&mut r, store, c);
    }
    observe(&mut r, store, d, live, now);
    store.put(&fp.address, &r)?;
    Ok(())
}

/// After every step of a function succeeded: everything desired is now the
/// last applied value, including what needed no change.
pub fn function_done(
    store: &Store,
    d: &DesiredFunction,
    fp: &FunctionPlan,
    live: &Live,
    now: jiff::Timestamp,
) -> Result<(), Error> {
    in_sync_with(store, d, fp, Some(live), now)
}

/// For a function the plan found in sync.
pub fn in_sync(
    store: &Store,
    d: &DesiredFunction,
    fp: &FunctionPlan,
    now: jiff::Timestamp,
) -> Result<(), Error> {
    in_sync_with(store, d, fp, None, now)
}

fn in_sync_with(
    store: &Store,
    d: &DesiredFunction,
    fp: &FunctionPlan,
    live: Option<&Live>,
    now: jiff::Timestamp,
) -> Result<(), Error> {
    let before = store.get(&fp.address)?;
    let mut r = base(store, &fp.address, d, fp)?;
    if let Some(rm) = &d.runtime_management {
        // An expired pin is applied as Auto; record what was applied.
        let expired = rm
            .pin_until
            .is_some_and(|u| u < now.to_zoned(jiff::tz::TimeZone::UTC).date());
        if rm.update_runtime_on == UpdateRuntimeOn::Manual && !expired {
            set_mode(
                &mut r,
                store,
                UpdateRuntimeOn::Manual,
                rm.runtime_version_arn.as_ref(),
                now,
            );
        } else if rm.update_runtime_on == UpdateRuntimeOn::Manual {
            set_mode(&mut r, store, UpdateRuntimeOn::Auto, None, now);
        } else {
            set_mode(&mut r, store, rm.update_runtime_on, None, now);
        }
    }
    set_configuration(&mut r, store, &d.configuration);
    match live {
        Some(live) => observe(&mut r, store, d, live, now),
        // In sync at plan time: the plan carries what it ran on.
        None => {
            if let Some(arn) = &fp.running_runtime_version_arn {
                r.observe_runtime_version(arn, now);
            }
        }
    }
    // Nothing new: no write, so the serial (and saved plans) stay valid.
    let unchanged = before.as_ref().is_some_and(|b| {
        b.last_applied == r.last_applied
            && b.function_name == r.function_name
            && b.current_runtime_version().map(|v| &v.arn)
                == r.current_runtime_version().map(|v| &v.arn)
            && live.is_none()
    });
    if !unchanged {
        store.put(&fp.address, &r)?;
    }
    Ok(())
}
