//! Finding what a request names: the version a qualifier resolves to (and
//! the ARN to show for it), whether a request may change it, the latest
//! runtime version of the catalogue; and Lambda's wording for a function
//! that is not there or is busy. It must not change anything.

use super::catalogue::{CatalogueKey, RuntimeVersion};
use super::names::{FunctionRef, Place, Qualifier};
use super::protocol::ApiError;
use super::records::{FunctionRecord, VersionRecord};
use super::settling::settled;
use super::store::{Locked, Memory};

pub fn not_found(place: &Place, f: &FunctionRef) -> ApiError {
    ApiError::ResourceNotFound(format!("Function not found: {}", place.arn_of(f)))
}

pub fn update_in_progress(place: &Place, name: &str) -> ApiError {
    ApiError::ResourceConflict(format!(
        "The operation cannot be performed at this time. An update is in progress for resource: {}",
        place.function_arn(name)
    ))
}

pub fn creating(place: &Place, name: &str) -> ApiError {
    ApiError::ResourceConflict(format!(
        "The operation cannot be performed at this time. The resource {} is currently in the following state: 'Pending'. StateReasonCode: 'Creating'",
        place.function_arn(name)
    ))
}

/// The latest runtime version for (runtime, architecture) in the emulator's region.
pub fn latest_runtime_version(
    memory: &Memory,
    region: &str,
    runtime: &str,
    architecture: &str,
) -> Option<RuntimeVersion> {
    let key = CatalogueKey::new(runtime, region, architecture);
    let latest = catalogue_latest(memory, &key)?;
    key.version(latest)
}

pub fn catalogue_latest(memory: &Memory, key: &CatalogueKey) -> Option<u32> {
    memory
        .catalogue
        .get(key)
        .copied()
        .or_else(|| key.initial_latest())
}

/// Resolves a read's qualifier to a version record and the ARN to show.
pub fn resolve<'r>(
    place: &Place,
    record: &'r FunctionRecord,
    f: &FunctionRef,
) -> Result<(&'r VersionRecord, String), ApiError> {
    match Qualifier::of(f.qualifier.as_deref()) {
        Qualifier::Latest => {
            let arn = match &f.qualifier {
                Some(q) => place.qualified_arn(&record.name, q),
                None => place.function_arn(&record.name),
            };
            Ok((&record.latest, arn))
        }
        Qualifier::Version(n) => record
            .versions
            .get(&n)
            .map(|v| (v, place.qualified_arn(&record.name, &n.to_string())))
            .ok_or_else(|| not_found(place, f)),
        Qualifier::Alias(a) => {
            let alias = record.aliases.get(&a).ok_or_else(|| not_found(place, f))?;
            let version = match Qualifier::of(Some(&alias.function_version)) {
                Qualifier::Version(n) => record.versions.get(&n),
                _ => Some(&record.latest),
            }
            .ok_or_else(|| not_found(place, f))?;
            Ok((version, place.qualified_arn(&record.name, &a)))
        }
    }
}

/// Only `$LATEST` can be changed or published from.
pub fn require_latest(place: &Place, f: &FunctionRef) -> Result<(), ApiError> {
    match Qualifier::of(f.qualifier.as_deref()) {
        Qualifier::Latest => Ok(()),
        _ => Err(ApiError::InvalidParameterValue(format!(
            "The function name {} is invalid: only $LATEST can be modified; published versions are immutable.",
            place.arn_of(f)
        ))),
    }
}

/// The function `f` names, settled, or Lambda's not-found error.
pub fn existing(
    place: &Place,
    locked: &mut Locked<'_>,
    f: &FunctionRef,
) -> Result<FunctionRecord, ApiError> {
    settled(locked, &place.key(&f.name))?.ok_or_else(|| not_found(place, f))
}

/// Whether `$LATEST` may change now: not while Pending or InProgress, and
/// only from the RevisionId the caller read, when it names one.
pub fn ready_for_change(
    place: &Place,
    record: &FunctionRecord,
    revision_id: Option<&str>,
) -> Result<(), ApiError> {
    if record.is_creating() {
        return Err(creating(place, &record.name));
    }
    if record.is_updating() {
        return Err(update_in_progress(place, &record.name));
    }
    match revision_id {
        Some(rev) if rev != record.latest.revision_id => Err(ApiError::PreconditionFailed),
        _ => Ok(()),
    }
}
