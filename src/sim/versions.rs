//! The version and alias operations, one async function each:
//! PublishVersion, ListVersionsByFunction, CreateAlias, GetAlias and
//! ListAliases, and what a published version copies from `$LATEST`. Errors
//! are `ApiError`s, made into responses in `protocol` only; it must not
//! touch sled or build error responses.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::Value;

use super::emulator::Sim;
use super::inputs::{
    CreateAliasInput, PublishVersionInput, Q, function_write, path_name, publish_to_unsupported,
    query,
};
use super::lookups::{existing, ready_for_change, require_latest};
use super::names::{NameShape, Place, Qualifier};
use super::paging::{decode_marker, max_items, page_response};
use super::protocol::{ApiError, Reply, Violations, json_response};
use super::records::{
    AliasRecord, LastUpdate, RuntimeManagement, VersionRecord, last_modified_now, new_revision_id,
};
use super::request_shapes;
use super::responses::{self, View};
use super::settling::service;
use super::shapes::check_text;

/// A published version: a snapshot of `$LATEST` (config, code and the
/// runtime version it runs), with its own RevisionId. Its runtime management
/// starts as Auto, Lambda's default for every version.
pub fn published_copy(
    latest: &VersionRecord,
    number: u64,
    description: Option<String>,
) -> VersionRecord {
    let mut v = latest.clone();
    v.version = number.to_string();
    v.revision_id = new_revision_id();
    v.last_modified = last_modified_now();
    v.runtime_management = RuntimeManagement::default();
    v.state = "Active".into();
    v.last_update = Some(LastUpdate::successful());
    if let Some(d) = description {
        v.config.description = d;
    }
    v
}

/// PublishVersion: `POST /2015-03-31/functions/{FunctionName}/versions`, 201.
pub async fn publish_version(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Reply {
    let (f, input, v): (_, PublishVersionInput, _) = function_write(
        &place,
        path,
        body,
        "PublishVersion",
        &request_shapes::PUBLISH_VERSION,
    )
    .await?;
    v.into_result()?;
    require_latest(&place, &f)?;
    if input.publish_to.is_some() {
        return Err(publish_to_unsupported());
    }

    let mut locked = sim.store.lock();
    let mut record = existing(&place, &mut locked, &f)?;
    ready_for_change(&place, &record, input.revision_id.as_deref())?;
    if let Some(sha) = &input.code_sha256
        && *sha != record.latest.code.sha256
    {
        return Err(ApiError::InvalidParameterValue(format!(
            "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
            record.latest.code.sha256
        )));
    }
    if let Some(newest) = record.newest_version() {
        let mut a = newest.config.clone();
        let mut b = record.latest.config.clone();
        a.description.clear();
        b.description.clear();
        if a == b && newest.code == record.latest.code {
            // Nothing changed since the last version: Lambda returns it again.
            let arn = place.qualified_arn(&record.name, &newest.version);
            let body = responses::configuration(&record, newest, &arn, View::Full);
            return Ok(json_response(StatusCode::CREATED, &body));
        }
    }
    let number = record.last_version + 1;
    let version = published_copy(&record.latest, number, input.description);
    record.last_version = number;
    record.latest.revision_id = new_revision_id();
    let arn = place.qualified_arn(&record.name, &number.to_string());
    let body = responses::configuration(&record, &version, &arn, View::Full);
    record.versions.insert(number, version);
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::CREATED, &body))
}

/// ListVersionsByFunction: `GET /2015-03-31/functions/{FunctionName}/versions`.
pub async fn list_versions_by_function(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let q = query(q)?;
    let f = place.parse(&path_name(path)?, None, NameShape::Namespaced)?;
    let max = max_items(&q)?;
    let marker = decode_marker(&q)?;
    let mut locked = sim.store.lock();
    let record = existing(&place, &mut locked, &f)?;
    drop(locked);
    let mut items = vec![(
        String::from("\u{0}"),
        responses::configuration(
            &record,
            &record.latest,
            &place.qualified_arn(&record.name, "$LATEST"),
            View::ListItem,
        ),
    )];
    for (n, v) in &record.versions {
        items.push((
            format!("\u{1}{n:020}"),
            responses::configuration(
                &record,
                v,
                &place.qualified_arn(&record.name, &n.to_string()),
                View::ListItem,
            ),
        ));
    }
    Ok(page_response("Versions", items, marker.as_deref(), max))
}

/// CreateAlias: `POST /2015-03-31/functions/{FunctionName}/aliases`, 201.
pub async fn create_alias(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Reply {
    let (f, input, v): (_, CreateAliasInput, _) = function_write(
        &place,
        path,
        body,
        "CreateAlias",
        &request_shapes::CREATE_ALIAS,
    )
    .await?;
    v.into_result()?;
    let (Some(name), Some(function_version)) = (input.name, input.function_version) else {
        return Err(ApiError::Validation("1 validation error detected".into()));
    };
    let mut locked = sim.store.lock();
    let mut record = existing(&place, &mut locked, &f)?;
    let missing = match Qualifier::of(Some(&function_version)) {
        Qualifier::Version(n) => !record.versions.contains_key(&n),
        Qualifier::Latest => false,
        // `$LATEST.PUBLISHED`: only functions with a capacity provider have it.
        Qualifier::Alias(_) => true,
    };
    if missing {
        return Err(ApiError::ResourceNotFound(format!(
            "Function not found: {}",
            place.qualified_arn(&record.name, &function_version)
        )));
    }
    if record.aliases.contains_key(&name) {
        return Err(ApiError::ResourceConflict(format!(
            "Alias already exists: {}",
            place.qualified_arn(&record.name, &name)
        )));
    }
    let alias = AliasRecord {
        name: name.clone(),
        function_version,
        description: input.description.unwrap_or_default(),
        routing_config: input.routing_config,
        revision_id: new_revision_id(),
    };
    let body = responses::alias(&place, &record, &alias);
    record.aliases.insert(name, alias);
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::CREATED, &body))
}

/// GetAlias: `GET /2015-03-31/functions/{FunctionName}/aliases/{Name}`.
pub async fn get_alias(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Reply {
    let (raw, name) = path
        .map(|Path(p)| p)
        .map_err(|e| ApiError::Validation(format!("1 validation error detected: {e}")))?;
    let f = place.parse(&raw, None, NameShape::Plain)?;
    let mut v = Violations::default();
    check_text(&name, &request_shapes::ALIAS, "name", &mut v);
    v.into_result()?;
    let mut locked = sim.store.lock();
    let record = existing(&place, &mut locked, &f)?;
    drop(locked);
    let alias = record.aliases.get(&name).ok_or_else(|| {
        ApiError::ResourceNotFound(format!(
            "Cannot find alias arn: {}",
            place.qualified_arn(&record.name, &name)
        ))
    })?;
    Ok(json_response(
        StatusCode::OK,
        &responses::alias(&place, &record, alias),
    ))
}

/// ListAliases: `GET /2015-03-31/functions/{FunctionName}/aliases`.
pub async fn list_aliases(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let q = query(q)?;
    let f = place.parse(&path_name(path)?, None, NameShape::Plain)?;
    let max = max_items(&q)?;
    let marker = decode_marker(&q)?;
    let wanted = q.get("FunctionVersion");
    if let Some(fv) = wanted {
        let mut v = Violations::default();
        check_text(
            fv,
            &request_shapes::VERSION_WITH_LATEST_PUBLISHED,
            "functionVersion",
            &mut v,
        );
        v.into_result()?;
    }
    let mut locked = sim.store.lock();
    let record = existing(&place, &mut locked, &f)?;
    drop(locked);
    let items: Vec<(String, Value)> = record
        .aliases
        .values()
        .filter(|a| wanted.is_none_or(|w| *w == a.function_version))
        .map(|a| (a.name.clone(), responses::alias(&place, &record, a)))
        .collect();
    Ok(page_response("Aliases", items, marker.as_deref(), max))
}
