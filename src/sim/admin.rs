//! The emulator's admin API under `/_sim/` (outside Lambda's namespace, never
//! throttled): the runtime catalogue, releasing a runtime version (phase 1 of
//! a rollout), phase 2, fault settings, an injected failure for a function's
//! next update, and call statistics. It must not serve Lambda operations.
//!
//! Routes (JSON bodies, PascalCase members like Lambda's). `?account=` and
//! `?region=` narrow the calls about functions and statistics to one
//! account and/or region; without them they cover every one.
//! - `GET /_sim/health` -> `{"Region","Account","Regions","Accounts"}` (the defaults, and all served)
//! - `GET /_sim/runtimes[?Runtime=&Region=&Architecture=]` -> `{"Runtimes":[{Runtime,Region,Architecture,LatestVersion,Versions:[{Name,Number,Arn}]}]}`
//! - `POST /_sim/runtimes/release` `{"Runtime","Region"?,"Architecture"?}` -> `{"Released":[{Runtime,Region,Architecture,Name,Number,Arn}]}`
//! - `POST /_sim/rollout/phase2[?account=&region=]` `{"Runtime"?}` -> `{"Moved":[{Account,Region,FunctionName,Version,From,To}]}`
//! - `GET|PUT /_sim/faults` `{"ThrottleRate","ErrorRate","LatencyMs","UpdateDelayMs","Quotas","QuotaScale"}` (PUT: any subset)
//! - `POST /_sim/faults/fail-next-update[?account=&region=]` `{"FunctionName","ReasonCode"?,"Reason"?}` (default place unless named)
//! - `POST /_sim/settle` -> `{"Settled":[FunctionName...]}`: every create and update in flight completes now
//! - `POST /_sim/last-modified[?account=&region=]` `{"FunctionName","LastModified","Qualifier"?}` -> `{"FunctionArn","LastModified"}`: backdates (or sets) a version's `LastModified`, in Lambda's format
//! - `GET /_sim/requests[?account=&region=]` -> `{"Requests":[{Operation,Method,Path,Query,Body,Account,Region}]}`: the last 10,000 Lambda requests received, oldest first (bodies up to 256 KiB, as JSON); `DELETE` empties it
//! - `GET /_sim/stats[?account=&region=]` -> `{"Calls":{op:n},"TotalCalls","Throttled","ServiceErrors","Places":[{Account,Region}]}`; `DELETE /_sim/stats[?...]` resets them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::catalogue::{self, CatalogueKey};
use super::emulator::Sim;
use super::faults::PlaceFilter;
use super::lookups::{catalogue_latest, existing, latest_runtime_version, not_found};
use super::names::{NameShape, Place, Qualifier};
use super::protocol::{ApiError, Reply, json_response, parse_body};
use super::records::{
    FunctionRecord, InjectedFailure, UpdateRuntimeOn, VersionRecord, is_last_modified, now_ms,
};
use super::settling::settle_all_at;

pub fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/health", get(health))
        .route("/runtimes", get(runtimes))
        .route("/runtimes/release", post(release))
        .route("/rollout/phase2", post(phase2))
        .route("/faults", get(get_faults).put(put_faults))
        .route("/faults/fail-next-update", post(fail_next_update))
        .route("/settle", post(settle_now))
        .route("/last-modified", post(set_last_modified))
        .route("/stats", get(stats).delete(reset_stats))
        .route("/requests", get(requests).delete(clear_requests))
}

type Params = Query<HashMap<String, String>>;

/// The account-regions `?account=&region=` name (every one without them).
fn place_filter(q: &HashMap<String, String>) -> PlaceFilter {
    PlaceFilter {
        account: q.get("account").cloned(),
        region: q.get("region").cloned(),
    }
}

/// The one place `?account=&region=` name, the defaults filling the gaps.
fn one_place(sim: &Sim, q: &HashMap<String, String>) -> Place {
    let default = sim.default_place();
    Place {
        account: q
            .get("account")
            .cloned()
            .unwrap_or_else(|| default.account.clone()),
        region: q
            .get("region")
            .cloned()
            .unwrap_or_else(|| default.region.clone()),
    }
}

async fn health(State(sim): State<Arc<Sim>>) -> Response {
    let place = sim.default_place();
    json_response(
        StatusCode::OK,
        &json!({
            "Region": place.region,
            "Account": place.account,
            "Regions": sim.identities.regions().collect::<Vec<_>>(),
            "Accounts": sim.identities.accounts(),
        }),
    )
}

async fn runtimes(
    State(sim): State<Arc<Sim>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let region = q
        .get("Region")
        .cloned()
        .unwrap_or_else(|| sim.default_place().region.clone());
    let locked = sim.store.lock();
    let mut out = Vec::new();
    for runtime in catalogue::managed_runtimes() {
        if q.get("Runtime").is_some_and(|r| r != runtime) {
            continue;
        }
        for arch in catalogue::ARCHITECTURES {
            if q.get("Architecture").is_some_and(|a| a != arch) {
                continue;
            }
            let key = CatalogueKey::new(runtime, &region, arch);
            let Some(latest) = catalogue_latest(&locked.memory, &key) else {
                continue;
            };
            let versions: Vec<Value> = (1..=latest)
                .rev()
                .filter_map(|n| key.version(n))
                .map(|v| json!({ "Name": v.name, "Number": v.number, "Arn": v.arn }))
                .collect();
            out.push(json!({
                "Runtime": runtime,
                "Region": region,
                "Architecture": arch,
                "LatestVersion": latest,
                "Versions": versions,
            }));
        }
    }
    json_response(StatusCode::OK, &json!({ "Runtimes": out }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReleaseInput {
    runtime: String,
    region: Option<String>,
    architecture: Option<String>,
}

/// Releases a new latest runtime version: phase 1 of a rollout. Functions
/// in Auto or FunctionUpdate pick it up when they are created or updated.
async fn release(State(sim): State<Arc<Sim>>, body: Bytes) -> Reply {
    let input: ReleaseInput = parse_body(&body)?;
    if !catalogue::is_managed(&input.runtime) {
        return Err(ApiError::InvalidParameterValue(format!(
            "{} is not a managed runtime of the catalogue",
            input.runtime
        )));
    }
    let region = input
        .region
        .unwrap_or_else(|| sim.default_place().region.clone());
    let architectures: Vec<&str> = match &input.architecture {
        Some(a) if catalogue::ARCHITECTURES.contains(&a.as_str()) => vec![a.as_str()],
        Some(a) => {
            return Err(ApiError::InvalidParameterValue(format!(
                "{a} is not an architecture (x86_64, arm64)"
            )));
        }
        None => catalogue::ARCHITECTURES.to_vec(),
    };
    let mut locked = sim.store.lock();
    let mut released = Vec::new();
    for arch in architectures {
        let key = CatalogueKey::new(&input.runtime, &region, arch);
        let next = catalogue_latest(&locked.memory, &key).unwrap_or(0) + 1;
        let Some(v) = key.version(next) else { continue };
        locked
            .put_catalogue_latest(key, next)
            .map_err(|e| ApiError::Service(e.to_string()))?;
        released.push(json!({
            "Runtime": input.runtime, "Region": region, "Architecture": arch,
            "Name": v.name, "Number": v.number, "Arn": v.arn,
        }));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({ "Released": released }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Phase2Input {
    runtime: Option<String>,
}

/// Phase 2: every Auto version (`$LATEST` and published) not yet on the
/// latest runtime version moves to it. Manual and FunctionUpdate never move
/// here. RevisionId is unchanged: the function's configuration is not.
async fn phase2(State(sim): State<Arc<Sim>>, Query(q): Params, body: Bytes) -> Reply {
    let input: Phase2Input = parse_body(&body)?;
    let filter = place_filter(&q);
    let mut locked = sim.store.lock();
    let now = now_ms();
    let mut changed = Vec::new();
    let mut moved = Vec::new();
    let chosen = locked.memory.functions.values().filter(|r| {
        filter.matches(&Place {
            account: r.account.clone(),
            region: r.region.clone(),
        })
    });
    for record in chosen {
        let mut record: FunctionRecord = record.clone();
        let mut touched = record.settle(now);
        let (name, region) = (record.name.clone(), record.region.clone());
        let versions = std::iter::once(&mut record.latest).chain(record.versions.values_mut());
        for version in versions {
            if let Some((from, to)) =
                move_if_auto(&locked.memory, &region, version, input.runtime.as_deref())
            {
                moved.push(json!({
                    "Account": record.account, "Region": region,
                    "FunctionName": name, "Version": version.version, "From": from, "To": to,
                }));
                touched = true;
            }
        }
        if touched {
            changed.push(record);
        }
    }
    locked
        .put_functions(changed)
        .map_err(|e| ApiError::Service(e.to_string()))?;
    Ok(json_response(StatusCode::OK, &json!({ "Moved": moved })))
}

fn move_if_auto(
    memory: &super::store::Memory,
    region: &str,
    version: &mut VersionRecord,
    only: Option<&str>,
) -> Option<(String, String)> {
    if version.runtime_management.update_runtime_on != UpdateRuntimeOn::Auto {
        return None;
    }
    let runtime = version.config.runtime.as_deref()?;
    if only.is_some_and(|o| o != runtime) {
        return None;
    }
    let current = version.runtime_version.as_ref()?;
    let latest = latest_runtime_version(memory, region, runtime, &version.config.architecture)?;
    if latest.number <= current.number {
        return None;
    }
    let from = current.name.clone();
    let to = latest.name.clone();
    version.runtime_version = Some(latest);
    Some((from, to))
}

fn faults_body(sim: &Sim) -> Value {
    let s = sim.settings();
    json!({
        "ThrottleRate": s.throttle_rate,
        "ErrorRate": s.error_rate,
        "LatencyMs": s.latency.as_millis() as u64,
        "UpdateDelayMs": s.update_delay.as_millis() as u64,
        "Quotas": s.quotas,
        "QuotaScale": s.quota_scale,
    })
}

async fn get_faults(State(sim): State<Arc<Sim>>) -> Response {
    json_response(StatusCode::OK, &faults_body(&sim))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FaultsInput {
    throttle_rate: Option<f64>,
    error_rate: Option<f64>,
    latency_ms: Option<u64>,
    update_delay_ms: Option<u64>,
    quotas: Option<bool>,
    quota_scale: Option<f64>,
}

async fn put_faults(State(sim): State<Arc<Sim>>, body: Bytes) -> Reply {
    let input: FaultsInput = parse_body(&body)?;
    for (name, rate) in [
        ("ThrottleRate", input.throttle_rate),
        ("ErrorRate", input.error_rate),
    ] {
        if rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
            return Err(ApiError::InvalidParameterValue(format!(
                "{name} must be between 0 and 1"
            )));
        }
    }
    if input
        .quota_scale
        .is_some_and(|s| s <= 0.0 || !s.is_finite())
    {
        return Err(ApiError::InvalidParameterValue(
            "QuotaScale must be positive".into(),
        ));
    }
    let mut s = sim.settings();
    if let Some(v) = input.throttle_rate {
        s.throttle_rate = v;
    }
    if let Some(v) = input.error_rate {
        s.error_rate = v;
    }
    if let Some(v) = input.latency_ms {
        s.latency = Duration::from_millis(v);
    }
    if let Some(v) = input.update_delay_ms {
        s.update_delay = Duration::from_millis(v);
    }
    if let Some(v) = input.quotas {
        s.quotas = v;
    }
    if let Some(v) = input.quota_scale {
        s.quota_scale = v;
    }
    sim.gate.set_settings(s);
    Ok(json_response(StatusCode::OK, &faults_body(&sim)))
}

/// The reason codes of Lambda's `LastUpdateStatusReasonCode` enum.
const REASON_CODES: &[&str] = &[
    "EniLimitExceeded",
    "InsufficientRolePermissions",
    "InvalidConfiguration",
    "InternalError",
    "SubnetOutOfIPAddresses",
    "InvalidSubnet",
    "InvalidSecurityGroup",
    "ImageDeleted",
    "ImageAccessDenied",
    "InvalidImage",
    "KMSKeyAccessDenied",
    "KMSKeyNotFound",
    "InvalidStateKMSKey",
    "DisabledKMSKey",
    "EFSIOError",
    "EFSMountConnectivityError",
    "EFSMountFailure",
    "EFSMountTimeout",
    "InvalidRuntime",
    "InvalidZipFileException",
    "FunctionError",
    "VcpuLimitExceeded",
    "CapacityProviderScalingLimitExceeded",
    "InsufficientCapacity",
    "EC2RequestLimitExceeded",
    "FunctionError.InitTimeout",
    "FunctionError.RuntimeInitError",
    "FunctionError.ExtensionInitError",
    "FunctionError.InvalidEntryPoint",
    "FunctionError.InvalidWorkingDirectory",
    "FunctionError.PermissionDenied",
    "FunctionError.TooManyExtensions",
    "FunctionError.InitResourceExhausted",
    "DisallowedByVpcEncryptionControl",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FailNextUpdateInput {
    function_name: String,
    reason_code: Option<String>,
    reason: Option<String>,
}

async fn fail_next_update(State(sim): State<Arc<Sim>>, Query(q): Params, body: Bytes) -> Reply {
    let input: FailNextUpdateInput = parse_body(&body)?;
    let reason_code = input.reason_code.unwrap_or_else(|| "InternalError".into());
    if !REASON_CODES.contains(&reason_code.as_str()) {
        return Err(ApiError::InvalidParameterValue(format!(
            "{reason_code} is not a LastUpdateStatusReasonCode: [{}]",
            REASON_CODES.join(", ")
        )));
    }
    let place = one_place(&sim, &q);
    let f = place.parse(&input.function_name, None, NameShape::Namespaced)?;
    let reason = input.reason.unwrap_or_else(|| {
        format!("The function update failed ({reason_code}, injected by the emulator).")
    });
    sim.inject_failure(
        place.key(&f.name),
        InjectedFailure {
            reason_code: reason_code.clone(),
            reason,
        },
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "FunctionName": f.name, "ReasonCode": reason_code }),
    ))
}

/// Completes every create and update in flight now, as if its time had
/// come: a test can hold an update InProgress as long as it needs, then end
/// it without waiting.
async fn settle_now(State(sim): State<Arc<Sim>>) -> Reply {
    let names = settle_all_at(&mut sim.store.lock(), u64::MAX)?;
    Ok(json_response(StatusCode::OK, &json!({ "Settled": names })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LastModifiedInput {
    function_name: String,
    last_modified: String,
    qualifier: Option<String>,
}

/// Sets the `LastModified` of `$LATEST` or a published version, as if it
/// had last changed then (RevisionId and everything else stay), so that
/// staleness can be tested without waiting.
async fn set_last_modified(State(sim): State<Arc<Sim>>, Query(q): Params, body: Bytes) -> Reply {
    let input: LastModifiedInput = parse_body(&body)?;
    if !is_last_modified(&input.last_modified) {
        return Err(ApiError::InvalidParameterValue(format!(
            "LastModified {} is not Lambda's format, e.g. 2026-01-01T00:00:00.000+0000",
            input.last_modified
        )));
    }
    let place = one_place(&sim, &q);
    let f = place.parse(
        &input.function_name,
        input.qualifier.as_deref(),
        NameShape::Namespaced,
    )?;
    let mut locked = sim.store.lock();
    let mut record = existing(&place, &mut locked, &f)?;
    let version = match Qualifier::of(f.qualifier.as_deref()) {
        Qualifier::Latest => &mut record.latest,
        Qualifier::Version(n) => record
            .versions
            .get_mut(&n)
            .ok_or_else(|| not_found(&place, &f))?,
        Qualifier::Alias(_) => {
            return Err(ApiError::InvalidParameterValue(
                "LastModified belongs to $LATEST or a version number, not an alias".into(),
            ));
        }
    };
    version.last_modified = input.last_modified.clone();
    locked
        .put_function(record)
        .map_err(|e| ApiError::Service(e.to_string()))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "FunctionArn": place.arn_of(&f), "LastModified": input.last_modified }),
    ))
}

async fn stats(State(sim): State<Arc<Sim>>, Query(q): Params) -> Response {
    let filter = place_filter(&q);
    let mut body = serde_json::to_value(sim.gate.stats(&filter)).unwrap_or_else(|_| json!({}));
    let places: Vec<Value> = sim
        .gate
        .places()
        .into_iter()
        .filter(|p| filter.matches(p))
        .map(|p| json!({ "Account": p.account, "Region": p.region }))
        .collect();
    body["Places"] = places.into();
    json_response(StatusCode::OK, &body)
}

async fn requests(State(sim): State<Arc<Sim>>, Query(q): Params) -> Response {
    let filter = place_filter(&q);
    let list = sim.requests(|e| {
        filter.matches(&Place {
            account: e.account.clone(),
            region: e.region.clone(),
        })
    });
    json_response(StatusCode::OK, &json!({ "Requests": list }))
}

async fn clear_requests(State(sim): State<Arc<Sim>>) -> Response {
    sim.clear_requests();
    StatusCode::NO_CONTENT.into_response()
}

async fn reset_stats(State(sim): State<Arc<Sim>>, Query(q): Params) -> Response {
    sim.gate.reset_stats(&place_filter(&q));
    StatusCode::NO_CONTENT.into_response()
}
