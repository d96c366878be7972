//! The tagging operations, one async function each: TagResource
//! (`POST /2017-03-31/tags/{ARN}`, 204), UntagResource (`DELETE
//! /2017-03-31/tags/{ARN}?tagKeys=a&tagKeys=b`, 204) and ListTags (`GET
//! /2017-03-31/tags/{ARN}`, `{"Tags":{...}}`). Tags belong to a function, not
//! to a version or alias, and change neither its RevisionId nor its
//! LastModified (they are not part of its configuration). Errors are
//! `ApiError`s, made into responses in `protocol` only; it must not touch
//! sled or build error responses.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

use super::emulator::Sim;
use super::identity::percent_decode;
use super::inputs::{BODY_LIMIT, check_tags, parse_input, read_body};
use super::lookups::existing;
use super::names::{FunctionRef, NameShape, Place};
use super::protocol::{ApiError, Reply, Violations, json_response};
use super::request_shapes;
use super::settling::service;
use super::shapes::check_text;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagResourceInput {
    tags: Option<BTreeMap<String, String>>,
}

/// The function a `{Resource}` label names: a full, unqualified function ARN
/// of this account and region.
fn tagged_function(
    place: &Place,
    path: Result<Path<String>, PathRejection>,
) -> Result<FunctionRef, ApiError> {
    let arn = path.map(|Path(p)| p).map_err(|e| {
        ApiError::Validation(format!(
            "1 validation error detected: Value at 'resource' failed to satisfy constraint: {e}"
        ))
    })?;
    let mut v = Violations::default();
    check_text(&arn, &request_shapes::TAGGABLE_RESOURCE, "resource", &mut v);
    v.into_result()?;
    if !arn.contains(":function:") {
        // Code-signing configs, event source mappings and capacity providers
        // are taggable too, but the emulator serves none of them.
        return Err(ApiError::ResourceNotFound(format!(
            "Resource not found: {arn}"
        )));
    }
    let f = place.parse(&arn, None, NameShape::Plain)?;
    if f.qualifier.is_some() {
        // INFERRED: tags apply to the function, so a version or alias ARN is refused.
        return Err(ApiError::InvalidParameterValue(format!(
            "Tags are supported only on functions, not on versions or aliases: {arn}"
        )));
    }
    Ok(f)
}

/// TagResource: `POST /2017-03-31/tags/{ARN}`, 204.
pub async fn tag_resource(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Reply {
    let f = tagged_function(&place, path)?;
    let bytes = read_body(body, BODY_LIMIT, "TagResource").await?;
    let mut v = Violations::default();
    let input: TagResourceInput = parse_input(&bytes, &request_shapes::TAG_RESOURCE, &mut v)?;
    v.into_result()?;
    let mut locked = sim.store.lock();
    let mut record = existing(&place, &mut locked, &f)?;
    let mut tags = record.tags.clone();
    tags.extend(input.tags.unwrap_or_default());
    check_tags(&tags)?;
    record.tags = tags;
    locked.put_function(record).map_err(service)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// UntagResource: `DELETE /2017-03-31/tags/{ARN}?tagKeys=a&tagKeys=b`, 204.
pub async fn untag_resource(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    uri: Uri,
) -> Reply {
    let f = tagged_function(&place, path)?;
    let keys: Vec<String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k == "tagKeys")
        .map(|(_, v)| percent_decode(v, true))
        .collect();
    let mut v = Violations::default();
    if keys.is_empty() {
        v.add_null("tagKeys");
    }
    let listed = serde_json::Value::from(keys.clone());
    super::shapes::check_value(&listed, &request_shapes::TAG_KEYS, "tagKeys", &mut v);
    v.into_result()?;
    let mut locked = sim.store.lock();
    let mut record = existing(&place, &mut locked, &f)?;
    for key in &keys {
        record.tags.remove(key);
    }
    locked.put_function(record).map_err(service)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// ListTags: `GET /2017-03-31/tags/{ARN}`.
pub async fn list_tags(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
) -> Reply {
    let f = tagged_function(&place, path)?;
    let mut locked = sim.store.lock();
    let record = existing(&place, &mut locked, &f)?;
    drop(locked);
    Ok(json_response(
        StatusCode::OK,
        &json!({ "Tags": record.tags }),
    ))
}
