//! The runtime management operations, Get- and PutRuntimeManagementConfig:
//! which version they address (no aliases, no Image functions), and the
//! update mode and pinned runtime version of each version. Errors are
//! `ApiError`s, made into responses in `protocol` only; it must not touch
//! sled or build error responses.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;

use super::catalogue::CatalogueKey;
use super::emulator::Sim;
use super::inputs::{
    BODY_LIMIT, PutRuntimeManagementConfigInput, Q, parse_input, path_name, qualified_target,
    query, read_body,
};
use super::lookups::{catalogue_latest, existing, not_found, update_in_progress};
use super::names::{FunctionRef, NameShape, Place, Qualifier};
use super::protocol::{ApiError, Reply, Violations, json_response};
use super::records::{FunctionRecord, RuntimeManagement, UpdateRuntimeOn};
use super::request_shapes;
use super::responses;
use super::settling::service;

/// The version a runtime-management call addresses: aliases are refused,
/// Image functions have no runtime to manage.
pub fn runtime_management_target(
    place: &Place,
    record: &FunctionRecord,
    f: &FunctionRef,
) -> Result<Option<u64>, ApiError> {
    let number = match Qualifier::of(f.qualifier.as_deref()) {
        Qualifier::Latest => None,
        Qualifier::Version(n) => {
            if !record.versions.contains_key(&n) {
                return Err(not_found(place, f));
            }
            Some(n)
        }
        Qualifier::Alias(_) => {
            return Err(ApiError::InvalidParameterValue(format!(
                "The provided function name {} is invalid. Aliases are not allowed.",
                place.arn_of(f)
            )));
        }
    };
    // INFERRED (lambda-api.md 6.3: the answer is UNCONFIRMED): a container
    // image brings its own runtime, which Lambda never updates, so Put (and
    // Get, for the same reason) on an Image function is a 400
    // InvalidParameterValueException rather than a mode that means nothing.
    if record.latest.code.package_type == "Image" {
        return Err(ApiError::InvalidParameterValue(format!(
            "Runtime management configuration is not supported for {}: functions with PackageType Image have no managed runtime.",
            place.arn_of(f)
        )));
    }
    Ok(number)
}

/// GetRuntimeManagementConfig: `GET /2021-07-20/functions/{FunctionName}/runtime-management-config`.
pub async fn get_runtime_management_config(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let f = qualified_target(&place, path, q, NameShape::Namespaced)?;
    let mut locked = sim.store.lock();
    let record = existing(&place, &mut locked, &f)?;
    drop(locked);
    let number = runtime_management_target(&place, &record, &f)?;
    let version = match number {
        Some(n) => record
            .versions
            .get(&n)
            .ok_or_else(|| not_found(&place, &f))?,
        None => &record.latest,
    };
    Ok(json_response(
        StatusCode::OK,
        &responses::runtime_management(version, &place.arn_of(&f)),
    ))
}

/// PutRuntimeManagementConfig: `PUT /2021-07-20/functions/{FunctionName}/runtime-management-config`.
pub async fn put_runtime_management_config(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
    body: Body,
) -> Reply {
    let q = query(q)?;
    let raw = path_name(path)?;
    let bytes = read_body(body, BODY_LIMIT, "PutRuntimeManagementConfig").await?;
    let f = place.parse(
        &raw,
        q.get("Qualifier").map(String::as_str),
        NameShape::Namespaced,
    )?;
    let mut v = Violations::default();
    let input: PutRuntimeManagementConfigInput = parse_input(
        &bytes,
        &request_shapes::PUT_RUNTIME_MANAGEMENT_CONFIG,
        &mut v,
    )?;
    v.into_result()?;
    let Some(mode) = input
        .update_runtime_on
        .as_deref()
        .and_then(UpdateRuntimeOn::parse)
    else {
        return Err(ApiError::Validation("1 validation error detected".into()));
    };

    let mut locked = sim.store.lock();
    let mut record = existing(&place, &mut locked, &f)?;
    let number = runtime_management_target(&place, &record, &f)?;
    if record.is_updating() {
        return Err(update_in_progress(&place, &record.name));
    }
    let pinned = match (mode, input.runtime_version_arn) {
        (UpdateRuntimeOn::Manual, None) => {
            return Err(ApiError::InvalidParameterValue(
                "RuntimeVersionArn is required when UpdateRuntimeOn is set to Manual.".into(),
            ));
        }
        (UpdateRuntimeOn::Manual, Some(arn)) => Some(arn),
        (_, Some(_)) => {
            return Err(ApiError::InvalidParameterValue(format!(
                "RuntimeVersionArn can only be specified when UpdateRuntimeOn is set to Manual, not {}.",
                mode.as_str()
            )));
        }
        (_, None) => None,
    };
    let memory = &locked.memory;
    let version = match number {
        Some(n) => record
            .versions
            .get_mut(&n)
            .ok_or_else(|| not_found(&place, &f))?,
        None => &mut record.latest,
    };
    let pinned_version = match &pinned {
        None => None,
        Some(arn) => {
            let runtime = version.config.runtime.clone().unwrap_or_default();
            let key = CatalogueKey::new(&runtime, &place.region, &version.config.architecture);
            let found = catalogue_latest(memory, &key).and_then(|latest| key.find_arn(arn, latest));
            Some(found.ok_or_else(|| {
                ApiError::InvalidParameterValue(format!(
                    "The runtime version ARN {arn} is not a runtime version of {runtime} ({}) in {}.",
                    version.config.architecture, place.region
                ))
            })?)
        }
    };
    version.runtime_management = RuntimeManagement {
        update_runtime_on: mode,
        runtime_version_arn: pinned,
    };
    if let Some(rv) = pinned_version {
        version.runtime_version = Some(rv);
    }
    let body = responses::runtime_management(version, &place.arn_of(&f));
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::OK, &body))
}
