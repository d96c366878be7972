//! The function operations, one async function each: CreateFunction,
//! GetFunction, GetFunctionConfiguration, UpdateFunctionConfiguration,
//! ListFunctions and DeleteFunction. Each checks its request, applies
//! Lambda's rules to the records under the store lock, writes through and
//! renders the response. Errors are `ApiError`s, made into responses in
//! `protocol` only; it must not touch sled or build error responses.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::emulator::Sim;
use super::inputs::{
    CREATE_BODY_LIMIT, CreateFunctionInput, Q, UpdateFunctionConfigurationInput, apply_settings,
    check_tags, code_of, function_write, parse_input, publish_to_unsupported, qualified_target,
    query, read_body, validate_settings,
};
use super::lookups::{
    existing, latest_runtime_version, not_found, ready_for_change, require_latest, resolve,
};
use super::names::{FunctionRef, NameShape, Place, Qualifier};
use super::paging::{decode_marker, max_items, page_response};
use super::protocol::{ApiError, Reply, Violations, json_response};
use super::records::{
    Config, FunctionRecord, InFlight, LastUpdate, RuntimeManagement, UpdateRuntimeOn,
    VersionRecord, last_modified_now, new_revision_id, now_ms,
};
use super::request_shapes;
use super::responses::{self, View};
use super::settling::{read_settled, service, settle_all};
use super::shapes::check_text;
use super::versions::published_copy;

/// CreateFunction: `POST /2015-03-31/functions`, 201.
pub async fn create_function(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    body: Body,
) -> Reply {
    let bytes = read_body(body, CREATE_BODY_LIMIT, "CreateFunction").await?;
    let mut v = Violations::default();
    let input: CreateFunctionInput = parse_input(&bytes, &request_shapes::CREATE_FUNCTION, &mut v)?;
    let raw_name = input.function_name.clone().unwrap_or_default();
    let package_type = input.package_type.clone().unwrap_or_else(|| "Zip".into());
    let architectures = input
        .architectures
        .clone()
        .unwrap_or_else(|| vec!["x86_64".into()]);
    validate_settings(&input.settings)?;
    v.into_result()?;
    if let Some(arn) = &input.code_signing_config_arn {
        // The emulator serves no code-signing configurations, so none exists.
        return Err(ApiError::CodeSigningConfigNotFound(format!(
            "Code signing configuration not found: {arn}"
        )));
    }
    if input.publish_to.is_some() {
        return Err(publish_to_unsupported());
    }
    let f = place.parse(&raw_name, None, NameShape::Plain)?;
    if f.name.chars().count() > 64 {
        return Err(ApiError::InvalidParameterValue(format!(
            "1 validation error detected: Value '{}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64",
            f.name
        )));
    }
    if f.qualifier.is_some() {
        return Err(ApiError::InvalidParameterValue(format!(
            "The function name {raw_name} is invalid: a qualifier is not allowed when creating a function."
        )));
    }
    let image = package_type == "Image";
    let s = &input.settings;
    if image && (s.runtime.is_some() || s.handler.is_some()) {
        return Err(ApiError::InvalidParameterValue(
            "Runtime and Handler are not supported for functions created with container images."
                .into(),
        ));
    }
    if !image && (s.runtime.is_none() || s.handler.is_none()) {
        return Err(ApiError::InvalidParameterValue(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.".into(),
        ));
    }
    let code = code_of(input.code.unwrap_or_default(), image)?;
    let architecture = architectures
        .into_iter()
        .next()
        .unwrap_or_else(|| "x86_64".into());
    let mut config = Config::lambda_defaults(architecture);
    config.nested.tenancy_config = input.tenancy_config;
    apply_settings(&mut config, input.settings);
    let publish = input.publish.unwrap_or(false);
    let tags = input.tags.unwrap_or_default();
    check_tags(&tags)?;

    let delay = sim.settings().update_delay;
    let mut locked = sim.store.lock();
    if locked.memory.functions.contains_key(&place.key(&f.name)) {
        return Err(ApiError::ResourceConflict(format!(
            "Function already exist: {}",
            f.name
        )));
    }
    let runtime_version = match &config.runtime {
        Some(rt) if !image => {
            latest_runtime_version(&locked.memory, &place.region, rt, &config.architecture)
        }
        _ => None,
    };
    let latest = VersionRecord {
        version: "$LATEST".into(),
        config,
        code,
        revision_id: new_revision_id(),
        last_modified: last_modified_now(),
        runtime_management: RuntimeManagement::default(),
        runtime_version,
        state: "Pending".into(),
        last_update: None,
    };
    let mut record = FunctionRecord {
        account: place.account.clone(),
        region: place.region.clone(),
        name: f.name.clone(),
        latest,
        versions: BTreeMap::new(),
        last_version: 0,
        aliases: BTreeMap::new(),
        tags,
        in_flight: Some(InFlight::Create {
            completes_at_ms: now_ms().saturating_add(millis(delay)),
        }),
    };
    let mut shown = record.latest.clone();
    if publish {
        let version = published_copy(&record.latest, 1, None);
        record.versions.insert(1, version);
        record.last_version = 1;
        shown.version = "1".into();
    }
    let arn = place.function_arn(&record.name);
    let body = responses::configuration(&record, &shown, &arn, View::Full);
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::CREATED, &body))
}

pub fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Renders the version `f` names with the ARN to show for it, without
/// copying the function (the read path of GetFunction must stay cheap).
fn read_version<T>(
    sim: &Sim,
    place: &Place,
    f: &FunctionRef,
    render: impl FnOnce(&FunctionRecord, &VersionRecord, &str) -> T,
) -> Result<T, ApiError> {
    let mut locked = sim.store.lock();
    read_settled(&mut locked, &place.key(&f.name), |record| {
        resolve(place, record, f).map(|(version, arn)| render(record, version, &arn))
    })?
    .ok_or_else(|| not_found(place, f))?
}

/// GetFunction: `GET /2015-03-31/functions/{FunctionName}`.
pub async fn get_function(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let f = qualified_target(&place, path, q, NameShape::Namespaced)?;
    let body = read_version(&sim, &place, &f, |record, version, arn| {
        let mut body = serde_json::Map::new();
        body.insert(
            "Configuration".into(),
            responses::configuration(record, version, arn, View::Full),
        );
        body.insert(
            "Code".into(),
            responses::code_location(&place, record, version),
        );
        if !record.tags.is_empty() {
            body.insert("Tags".into(), json!(record.tags));
        }
        Value::Object(body)
    })?;
    Ok(json_response(StatusCode::OK, &body))
}

/// GetFunctionConfiguration: `GET /2015-03-31/functions/{FunctionName}/configuration`.
pub async fn get_function_configuration(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let f = qualified_target(&place, path, q, NameShape::Namespaced)?;
    let body = read_version(&sim, &place, &f, |record, version, arn| {
        responses::configuration(record, version, arn, View::Full)
    })?;
    Ok(json_response(StatusCode::OK, &body))
}

/// UpdateFunctionConfiguration: `PUT /2015-03-31/functions/{FunctionName}/configuration`.
pub async fn update_function_configuration(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Reply {
    let (f, input, v): (_, UpdateFunctionConfigurationInput, _) = function_write(
        &place,
        path,
        body,
        "UpdateFunctionConfiguration",
        &request_shapes::UPDATE_FUNCTION_CONFIGURATION,
    )
    .await?;
    validate_settings(&input.settings)?;
    v.into_result()?;
    require_latest(&place, &f)?;

    let delay = sim.settings().update_delay;
    let mut locked = sim.store.lock();
    let mut record = existing(&place, &mut locked, &f)?;
    ready_for_change(&place, &record, input.revision_id.as_deref())?;
    let s = &input.settings;
    let image = record.latest.code.package_type == "Image";
    if image && (s.runtime.is_some() || s.handler.is_some()) {
        return Err(ApiError::InvalidParameterValue(
            "Runtime and Handler are not supported for functions with PackageType Image.".into(),
        ));
    }
    let manual = record.latest.runtime_management.update_runtime_on == UpdateRuntimeOn::Manual;
    if manual
        && let Some(rt) = &s.runtime
        && Some(rt) != record.latest.config.runtime.as_ref()
    {
        return Err(ApiError::InvalidParameterValue(
            "Cannot change runtime identifier when runtime management configuration is set to 'Manual'".into(),
        ));
    }
    let previous_config = record.latest.config.clone();
    let previous_runtime_version = record.latest.runtime_version.clone();
    apply_settings(&mut record.latest.config, input.settings);
    if !image && !manual {
        // Phase 1 of a rollout: an updated function picks up the latest version.
        if let Some(rt) = &record.latest.config.runtime {
            record.latest.runtime_version = latest_runtime_version(
                &locked.memory,
                &place.region,
                rt,
                &record.latest.config.architecture,
            );
        }
    }
    let fail = sim.take_injected_failure(&record.key());
    record.in_flight = Some(InFlight::Update {
        completes_at_ms: now_ms().saturating_add(millis(delay)),
        previous_config: Box::new(previous_config),
        previous_runtime_version,
        fail,
    });
    record.latest.last_update = Some(LastUpdate {
        status: "InProgress".into(),
        reason: Some("The function is being created.".into()),
        reason_code: Some("Creating".into()),
    });
    record.latest.revision_id = new_revision_id();
    record.latest.last_modified = last_modified_now();
    let arn = place.function_arn(&record.name);
    let body = responses::configuration(&record, &record.latest, &arn, View::Full);
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::OK, &body))
}

/// ListFunctions: `GET /2015-03-31/functions`.
pub async fn list_functions(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    q: Q,
) -> Reply {
    let q = query(q)?;
    let mut v = Violations::default();
    if let Some(fv) = q.get("FunctionVersion") {
        check_text(
            fv,
            &request_shapes::FUNCTION_VERSION,
            "functionVersion",
            &mut v,
        );
    }
    if let Some(region) = q.get("MasterRegion") {
        check_text(
            region,
            &request_shapes::MASTER_REGION,
            "masterRegion",
            &mut v,
        );
    }
    v.into_result()?;
    let all = q.get("FunctionVersion").is_some_and(|fv| fv == "ALL");
    if q.contains_key("MasterRegion") && !all {
        return Err(ApiError::InvalidParameterValue(
            "MasterRegion requires FunctionVersion to be set to ALL.".into(),
        ));
    }
    let max = max_items(&q)?;
    let marker = decode_marker(&q)?;
    let mut locked = sim.store.lock();
    settle_all(&mut locked)?;
    let mut items: Vec<(String, Value)> = Vec::new();
    let here = locked
        .memory
        .functions
        .values()
        .filter(|r| r.account == place.account && r.region == place.region);
    for record in here {
        if all {
            // Keys sort $LATEST first, then versions by number.
            items.push((
                format!("{}\u{0}", record.name),
                responses::configuration(
                    record,
                    &record.latest,
                    &place.qualified_arn(&record.name, "$LATEST"),
                    View::ListItem,
                ),
            ));
            for (n, v) in &record.versions {
                items.push((
                    format!("{}\u{1}{n:020}", record.name),
                    responses::configuration(
                        record,
                        v,
                        &place.qualified_arn(&record.name, &n.to_string()),
                        View::ListItem,
                    ),
                ));
            }
        } else {
            items.push((
                record.name.clone(),
                responses::configuration(
                    record,
                    &record.latest,
                    &place.function_arn(&record.name),
                    View::ListItem,
                ),
            ));
        }
    }
    drop(locked);
    Ok(page_response("Functions", items, marker.as_deref(), max))
}

/// DeleteFunction: `DELETE /2015-03-31/functions/{FunctionName}`, 204.
pub async fn delete_function(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let f = qualified_target(&place, path, q, NameShape::Plain)?;
    let mut locked = sim.store.lock();
    let mut record = existing(&place, &mut locked, &f)?;
    match (
        f.qualifier.as_deref(),
        Qualifier::of(f.qualifier.as_deref()),
    ) {
        (None, _) => locked.remove_function(&record.key()).map_err(service)?,
        (Some(_), Qualifier::Latest) => {
            return Err(ApiError::InvalidParameterValue(
                "$LATEST version cannot be deleted without deleting the function.".into(),
            ));
        }
        (Some(_), Qualifier::Version(n)) => {
            if !record.versions.contains_key(&n) {
                return Err(not_found(&place, &f));
            }
            let users: Vec<&str> = record
                .aliases
                .values()
                .filter(|a| a.function_version == n.to_string())
                .map(|a| a.name.as_str())
                .collect();
            if !users.is_empty() {
                return Err(ApiError::ResourceConflict(format!(
                    "Unable to delete version because the following aliases reference it: [{}]",
                    users.join(", ")
                )));
            }
            record.versions.remove(&n);
            locked.put_function(record).map_err(service)?;
        }
        (Some(_), Qualifier::Alias(_)) => {
            return Err(ApiError::InvalidParameterValue(
                "Deletion of aliases is not supported through DeleteFunction; use DeleteAlias."
                    .into(),
            ));
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
