//! Completing what time has completed before a request reads or writes a
//! function: a create that is due turns Active, an update that is due turns
//! Successful or Failed, and the change is written through. It must not
//! decide anything a request asks for.

use super::protocol::ApiError;
use super::records::{FunctionKey, FunctionRecord, now_ms};
use super::store::Locked;

/// Takes the function out of memory after completing what time has
/// completed; the caller puts it back through `Locked::put_function`.
pub fn settled(
    locked: &mut Locked<'_>,
    key: &FunctionKey,
) -> Result<Option<FunctionRecord>, ApiError> {
    let Some(record) = locked.memory.functions.get(key) else {
        return Ok(None);
    };
    let mut record = record.clone();
    if record.settle(now_ms()) {
        locked.put_function(record.clone()).map_err(service)?;
    }
    Ok(Some(record))
}

/// Runs `f` on the function after completing what time has completed,
/// without copying it (the read path of GetFunction must stay cheap).
pub fn read_settled<T>(
    locked: &mut Locked<'_>,
    key: &FunctionKey,
    f: impl FnOnce(&FunctionRecord) -> T,
) -> Result<Option<T>, ApiError> {
    let in_flight = match locked.memory.functions.get(key) {
        None => return Ok(None),
        Some(r) => r.in_flight.is_some(),
    };
    if in_flight {
        settled(locked, key)?;
    }
    Ok(locked.memory.functions.get(key).map(f))
}

/// Settles every function (for the list operations and the rollout).
pub fn settle_all(locked: &mut Locked<'_>) -> Result<(), ApiError> {
    settle_all_at(locked, now_ms()).map(|_| ())
}

/// Settles every function as of `now` (ms since the epoch; `u64::MAX`
/// completes everything in flight); returns the names of those that changed.
pub fn settle_all_at(locked: &mut Locked<'_>, now: u64) -> Result<Vec<String>, ApiError> {
    let changed: Vec<FunctionRecord> = locked
        .memory
        .functions
        .values()
        .filter(|r| r.in_flight.is_some())
        .filter_map(|r| {
            let mut r = r.clone();
            r.settle(now).then_some(r)
        })
        .collect();
    let names = changed.iter().map(|r| r.name.clone()).collect();
    locked.put_functions(changed).map_err(service)?;
    Ok(names)
}

pub fn service(e: impl std::fmt::Display) -> ApiError {
    ApiError::Service(format!("The emulator's storage failed: {e}"))
}
