//! One async function per Lambda API operation the emulator serves: parse and
//! validate the request, apply Lambda's rules to the records under the store
//! lock, write through, and render the response. Errors are `ApiError`s,
//! turned into responses in `protocol` only. This module must not touch sled
//! directly or build error responses by hand.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::catalogue::{self, CatalogueKey, RuntimeVersion};
use super::names::{FunctionRef, NameShape, Qualifier};
use super::protocol::{ApiError, Violations, json_response, parse_body};
use super::records::{
    AliasRecord, Code, Config, DeadLetterConfig, DurableConfig, FileSystemConfig, FunctionRecord,
    ImageConfig, InFlight, LastUpdate, LoggingConfig, RoutingConfig, RuntimeManagement, SnapStart,
    TenancyConfig, UpdateRuntimeOn, VersionRecord, VpcConfig, last_modified_now, new_revision_id,
    now_ms,
};
use super::request_shapes;
use super::responses::{self, View};
use super::server::Sim;
use super::shapes::{Shape, check_body, check_number, check_text};
use super::store::{Locked, Memory};

type Reply = Result<Response, ApiError>;
type Q = Result<Query<HashMap<String, String>>, QueryRejection>;

/// Lambda's limit on a CreateFunction request.
const CREATE_BODY_LIMIT: usize = 69_905_067;
/// The limit on every other request body (none of them carries code).
const BODY_LIMIT: usize = 6 * 1024 * 1024;
/// Lambda returns at most 50 items per page.
const PAGE_MAX: usize = 50;

// ---------------------------------------------------------------- requests

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnvironmentInput {
    variables: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TracingInput {
    mode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EphemeralStorageInput {
    // Required members default here: the shape has reported them missing.
    #[serde(default)]
    size: i64,
}

/// The settings CreateFunction and UpdateFunctionConfiguration share. The
/// body was checked against its shape in `request_shapes` before it is read
/// into this, so every member has its type and its constraints.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SettingsInput {
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    environment: Option<EnvironmentInput>,
    #[serde(rename = "KMSKeyArn")]
    kms_key_arn: Option<String>,
    tracing_config: Option<TracingInput>,
    layers: Option<Vec<String>>,
    ephemeral_storage: Option<EphemeralStorageInput>,
    vpc_config: Option<VpcConfig>,
    dead_letter_config: Option<DeadLetterConfig>,
    file_system_configs: Option<Vec<FileSystemConfig>>,
    image_config: Option<ImageConfig>,
    snap_start: Option<SnapStart>,
    logging_config: Option<LoggingConfig>,
    capacity_provider_config: Option<CapacityProviderInput>,
    durable_config: Option<DurableConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CapacityProviderInput {
    #[serde(default)]
    lambda_managed_instances_capacity_provider_config: ManagedInstancesInput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManagedInstancesInput {
    #[serde(default)]
    capacity_provider_arn: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CodeInput {
    zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    s3_object_version: Option<String>,
    image_uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateFunctionInput {
    function_name: Option<String>,
    code: Option<CodeInput>,
    publish: Option<bool>,
    package_type: Option<String>,
    architectures: Option<Vec<String>>,
    tags: Option<BTreeMap<String, String>>,
    code_signing_config_arn: Option<String>,
    publish_to: Option<String>,
    tenancy_config: Option<TenancyConfig>,
    #[serde(flatten)]
    settings: SettingsInput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateFunctionConfigurationInput {
    revision_id: Option<String>,
    #[serde(flatten)]
    settings: SettingsInput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublishVersionInput {
    code_sha256: Option<String>,
    description: Option<String>,
    revision_id: Option<String>,
    publish_to: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateAliasInput {
    name: Option<String>,
    function_version: Option<String>,
    description: Option<String>,
    routing_config: Option<RoutingConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutRuntimeManagementConfigInput {
    update_runtime_on: Option<String>,
    runtime_version_arn: Option<String>,
}

/// Reads a request body: JSON (an empty body is `{}`), checked against
/// `shape` (a wrong type or an unknown member fails here; constraint
/// violations go to `v`), then read into `T`.
fn parse_input<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    shape: &'static Shape,
    v: &mut Violations,
) -> Result<T, ApiError> {
    let body: Value = parse_body(bytes)?;
    check_body(&body, shape, v)?;
    serde_json::from_value(body).map_err(|e| {
        ApiError::InvalidParameterValue(format!("Could not parse request body into json: {e}"))
    })
}

// ---------------------------------------------------------- request plumbing

async fn read_body(body: Body, limit: usize, operation: &str) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::RequestTooLarge(format!(
            "Request must be smaller than {limit} bytes for the {operation} operation"
        ))
    })
}

fn path_name(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(p)| p).map_err(|e| {
        ApiError::Validation(format!(
            "1 validation error detected: Value at 'functionName' failed to satisfy constraint: {e}"
        ))
    })
}

/// The function a `GET`/`DELETE` names by path and `?Qualifier=`.
fn qualified_target(
    sim: &Sim,
    path: Result<Path<String>, PathRejection>,
    q: Q,
    shape: NameShape,
) -> Result<FunctionRef, ApiError> {
    let q = query(q)?;
    sim.place.parse(
        &path_name(path)?,
        q.get("Qualifier").map(String::as_str),
        shape,
    )
}

fn query(q: Q) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::Validation(format!("1 validation error detected: {e}")))
}

fn max_items(q: &HashMap<String, String>) -> Result<usize, ApiError> {
    let Some(raw) = q.get("MaxItems") else {
        return Ok(PAGE_MAX);
    };
    let mut v = Violations::default();
    match raw.parse::<i64>() {
        Ok(n) => {
            check_number(n, &request_shapes::MAX_LIST_ITEMS, "maxItems", &mut v);
            v.into_result()?;
            Ok(usize::try_from(n).unwrap_or(PAGE_MAX).min(PAGE_MAX))
        }
        Err(_) => Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{raw}' at 'maxItems' failed to satisfy constraint: Member must be an integer"
        ))),
    }
}

/// Markers are opaque: base64 of the key of the first item of the next page.
fn encode_marker(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

fn decode_marker(q: &HashMap<String, String>) -> Result<Option<String>, ApiError> {
    match q.get("Marker").filter(|m| !m.is_empty()) {
        None => Ok(None),
        Some(m) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(m)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| ApiError::InvalidParameterValue(format!("Invalid marker: {m}"))),
    }
}

/// One page of `items` (sorted by key) starting at `marker`.
fn page<T>(items: Vec<(String, T)>, marker: Option<&str>, max: usize) -> (Vec<T>, Option<String>) {
    let start = marker.map_or(0, |m| items.partition_point(|(k, _)| k.as_str() < m));
    let mut rest = items.into_iter().skip(start);
    let out: Vec<T> = rest.by_ref().take(max).map(|(_, v)| v).collect();
    let next = rest.next().map(|(k, _)| encode_marker(&k));
    (out, next)
}

/// A list operation's 200: one page of `items` under `key`, and
/// `NextMarker` when there is more.
fn page_response(
    key: &str,
    items: Vec<(String, Value)>,
    marker: Option<&str>,
    max: usize,
) -> Response {
    let (items, next) = page(items, marker, max);
    let mut body = serde_json::Map::new();
    body.insert(key.into(), Value::Array(items));
    if let Some(next) = next {
        body.insert("NextMarker".into(), next.into());
    }
    json_response(StatusCode::OK, &Value::Object(body))
}

fn not_found(sim: &Sim, f: &FunctionRef) -> ApiError {
    ApiError::ResourceNotFound(format!("Function not found: {}", sim.place.arn_of(f)))
}

fn update_in_progress(sim: &Sim, name: &str) -> ApiError {
    ApiError::ResourceConflict(format!(
        "The operation cannot be performed at this time. An update is in progress for resource: {}",
        sim.place.function_arn(name)
    ))
}

fn creating(sim: &Sim, name: &str) -> ApiError {
    ApiError::ResourceConflict(format!(
        "The operation cannot be performed at this time. The resource {} is currently in the following state: 'Pending'. StateReasonCode: 'Creating'",
        sim.place.function_arn(name)
    ))
}

/// Takes the function out of memory after completing what time has
/// completed; the caller puts it back through `Locked::put_function`.
fn settled(locked: &mut Locked<'_>, name: &str) -> Result<Option<FunctionRecord>, ApiError> {
    let Some(record) = locked.memory.functions.get(name) else {
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
fn read_settled<T>(
    locked: &mut Locked<'_>,
    name: &str,
    f: impl FnOnce(&FunctionRecord) -> T,
) -> Result<Option<T>, ApiError> {
    let in_flight = match locked.memory.functions.get(name) {
        None => return Ok(None),
        Some(r) => r.in_flight.is_some(),
    };
    if in_flight {
        settled(locked, name)?;
    }
    Ok(locked.memory.functions.get(name).map(f))
}

/// Settles every function (for the list operations and the rollout).
fn settle_all(locked: &mut Locked<'_>) -> Result<(), ApiError> {
    let now = now_ms();
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
    locked.put_functions(changed).map_err(service)
}

fn service(e: impl std::fmt::Display) -> ApiError {
    ApiError::Service(format!("The emulator's storage failed: {e}"))
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
fn resolve<'r>(
    sim: &Sim,
    record: &'r FunctionRecord,
    f: &FunctionRef,
) -> Result<(&'r VersionRecord, String), ApiError> {
    match Qualifier::of(f.qualifier.as_deref()) {
        Qualifier::Latest => {
            let arn = match &f.qualifier {
                Some(q) => sim.place.qualified_arn(&record.name, q),
                None => sim.place.function_arn(&record.name),
            };
            Ok((&record.latest, arn))
        }
        Qualifier::Version(n) => record
            .versions
            .get(&n)
            .map(|v| (v, sim.place.qualified_arn(&record.name, &n.to_string())))
            .ok_or_else(|| not_found(sim, f)),
        Qualifier::Alias(a) => {
            let alias = record.aliases.get(&a).ok_or_else(|| not_found(sim, f))?;
            let version = match Qualifier::of(Some(&alias.function_version)) {
                Qualifier::Version(n) => record.versions.get(&n),
                _ => Some(&record.latest),
            }
            .ok_or_else(|| not_found(sim, f))?;
            Ok((version, sim.place.qualified_arn(&record.name, &a)))
        }
    }
}

// ------------------------------------------------------------- validation

/// Lambda's own checks of the shared settings, beyond their shapes.
fn validate_settings(s: &SettingsInput) -> Result<(), ApiError> {
    if let Some(rt) = &s.runtime
        && !catalogue::RUNTIME_ENUM.contains(&rt.as_str())
    {
        return Err(ApiError::InvalidParameterValue(format!(
            "Value {rt} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
            catalogue::RUNTIME_ENUM.join(", ")
        )));
    }
    if let Some(rt) = &s.runtime
        && !catalogue::is_supported(rt)
    {
        return Err(ApiError::InvalidParameterValue(format!(
            "The runtime parameter of {rt} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
        )));
    }
    if s.layers.as_ref().is_some_and(|l| l.len() > 5) {
        return Err(ApiError::InvalidParameterValue(
            "Cannot reference more than 5 layers.".into(),
        ));
    }
    if let Some(vars) = s.environment.as_ref().and_then(|e| e.variables.as_ref()) {
        let measured = serde_json::to_string(vars).unwrap_or_default();
        if measured.len() > 4096 {
            return Err(ApiError::InvalidParameterValue(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}"
            )));
        }
    }
    // INFERRED: the emulator serves no capacity providers (CreateCapacityProvider
    // is not implemented), so any capacity provider named is one that does not exist.
    if let Some(cp) = &s.capacity_provider_config {
        return Err(ApiError::ResourceNotFound(format!(
            "Capacity provider not found: {}",
            cp.lambda_managed_instances_capacity_provider_config
                .capacity_provider_arn
        )));
    }
    Ok(())
}

/// Applies the given settings over `config` (absent means unchanged; an
/// empty value clears a setting, as Lambda reads it).
fn apply_settings(config: &mut Config, s: SettingsInput) {
    if let Some(v) = s.runtime {
        config.runtime = Some(v);
    }
    if let Some(v) = s.role {
        config.role = v;
    }
    if let Some(v) = s.handler {
        config.handler = Some(v);
    }
    if let Some(v) = s.description {
        config.description = v;
    }
    if let Some(v) = s.timeout {
        config.timeout = v;
    }
    if let Some(v) = s.memory_size {
        config.memory_size = v;
    }
    if let Some(e) = s.environment {
        config.environment = e.variables.filter(|v| !v.is_empty());
    }
    if let Some(v) = s.kms_key_arn {
        config.kms_key_arn = Some(v).filter(|k| !k.is_empty());
    }
    if let Some(m) = s.tracing_config.and_then(|t| t.mode) {
        config.tracing_mode = m;
    }
    if let Some(v) = s.layers {
        config.layers = v;
    }
    if let Some(e) = s.ephemeral_storage {
        config.ephemeral_storage = e.size;
    }
    let n = &mut config.nested;
    if let Some(vpc) = s.vpc_config {
        n.vpc_config =
            Some(vpc).filter(|v| !v.subnet_ids.is_empty() || !v.security_group_ids.is_empty());
    }
    if let Some(dlq) = s.dead_letter_config {
        n.dead_letter_config =
            Some(dlq).filter(|d| d.target_arn.as_ref().is_some_and(|a| !a.is_empty()));
    }
    if let Some(v) = s.file_system_configs {
        n.file_system_configs = v;
    }
    if let Some(v) = s.image_config {
        n.image_config = Some(v);
    }
    if let Some(v) = s.snap_start {
        n.snap_start = Some(v);
    }
    if let Some(v) = s.logging_config {
        n.logging_config = Some(v);
    }
    if let Some(v) = s.durable_config {
        n.durable_config = Some(v);
    }
}

// ---------------------------------------------------------------- operations

/// CreateFunction: `POST /2015-03-31/functions`, 201.
pub async fn create_function(State(sim): State<Arc<Sim>>, body: Body) -> Reply {
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
    let f = sim.place.parse(&raw_name, None, NameShape::Plain)?;
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

    let delay = sim.settings().update_delay;
    let mut locked = sim.store.lock();
    if locked.memory.functions.contains_key(&f.name) {
        return Err(ApiError::ResourceConflict(format!(
            "Function already exist: {}",
            f.name
        )));
    }
    let runtime_version = match &config.runtime {
        Some(rt) if !image => {
            latest_runtime_version(&locked.memory, &sim.place.region, rt, &config.architecture)
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
    let arn = sim.place.function_arn(&record.name);
    let body = responses::configuration(&record, &shown, &arn, View::Full);
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::CREATED, &body))
}

/// INFERRED: `PublishTo` publishes to `$LATEST.PUBLISHED`, which only
/// functions with a capacity provider have; the emulator serves none.
fn publish_to_unsupported() -> ApiError {
    ApiError::InvalidParameterValue(
        "PublishTo LATEST_PUBLISHED is supported only for functions with a capacity provider."
            .into(),
    )
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn code_of(input: CodeInput, image: bool) -> Result<Code, ApiError> {
    let package_type = if image { "Image" } else { "Zip" }.to_owned();
    if image {
        let uri = input.image_uri.filter(|u| !u.is_empty()).ok_or_else(|| {
            ApiError::InvalidParameterValue(
                "ImageUri must be provided for functions with PackageType Image.".into(),
            )
        })?;
        if input.zip_file.is_some() || input.s3_bucket.is_some() {
            return Err(ApiError::InvalidParameterValue(
                "Please provide ImageUri only when creating a function with PackageType Image."
                    .into(),
            ));
        }
        let sha = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(uri.as_bytes()));
        return Ok(Code {
            package_type,
            sha256: sha,
            size: 0,
            s3_bucket: None,
            s3_key: None,
            s3_object_version: None,
            image_uri: Some(uri),
        });
    }
    if input.image_uri.is_some() {
        return Err(ApiError::InvalidParameterValue(
            "Please don't provide ImageUri when updating a function with packageType Zip.".into(),
        ));
    }
    if let Some(zip) = input.zip_file {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(zip.as_bytes())
            .map_err(|e| {
                ApiError::InvalidParameterValue(format!(
                    "Could not parse request body into json: ZipFile is not valid base64: {e}"
                ))
            })?;
        if !bytes.starts_with(b"PK") {
            return Err(ApiError::InvalidParameterValue(
                "Could not unzip uploaded file. Please check your file, then try to upload again."
                    .into(),
            ));
        }
        return Ok(Code {
            package_type,
            sha256: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes)),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            s3_bucket: None,
            s3_key: None,
            s3_object_version: None,
            image_uri: None,
        });
    }
    match (input.s3_bucket, input.s3_key) {
        (Some(bucket), Some(key)) => {
            // The emulator cannot fetch the object: the digest is of its location.
            let location = format!(
                "s3://{bucket}/{key}?versionId={}",
                input.s3_object_version.as_deref().unwrap_or("")
            );
            Ok(Code {
                package_type,
                sha256: base64::engine::general_purpose::STANDARD
                    .encode(Sha256::digest(location.as_bytes())),
                size: 0,
                s3_bucket: Some(bucket),
                s3_key: Some(key),
                s3_object_version: input.s3_object_version,
                image_uri: None,
            })
        }
        _ => Err(ApiError::InvalidParameterValue(
            "Please provide a source for function code.".into(),
        )),
    }
}

/// A published version: a snapshot of `$LATEST` (config, code and the
/// runtime version it runs), with its own RevisionId. Its runtime management
/// starts as Auto, Lambda's default for every version.
fn published_copy(
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

/// GetFunction: `GET /2015-03-31/functions/{FunctionName}`.
pub async fn get_function(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let f = qualified_target(&sim, path, q, NameShape::Namespaced)?;
    let mut locked = sim.store.lock();
    let body = read_settled(&mut locked, &f.name, |record| {
        let (version, arn) = resolve(&sim, record, &f)?;
        let mut body = serde_json::Map::new();
        body.insert(
            "Configuration".into(),
            responses::configuration(record, version, &arn, View::Full),
        );
        body.insert(
            "Code".into(),
            responses::code_location(&sim.place, record, version),
        );
        if !record.tags.is_empty() {
            body.insert("Tags".into(), json!(record.tags));
        }
        Ok::<_, ApiError>(Value::Object(body))
    })?
    .ok_or_else(|| not_found(&sim, &f))??;
    drop(locked);
    Ok(json_response(StatusCode::OK, &body))
}

/// GetFunctionConfiguration: `GET /2015-03-31/functions/{FunctionName}/configuration`.
pub async fn get_function_configuration(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let f = qualified_target(&sim, path, q, NameShape::Namespaced)?;
    let mut locked = sim.store.lock();
    let body = read_settled(&mut locked, &f.name, |record| {
        let (version, arn) = resolve(&sim, record, &f)?;
        Ok::<_, ApiError>(responses::configuration(record, version, &arn, View::Full))
    })?
    .ok_or_else(|| not_found(&sim, &f))??;
    drop(locked);
    Ok(json_response(StatusCode::OK, &body))
}

/// Only `$LATEST` can be changed or published from.
fn require_latest(sim: &Sim, f: &FunctionRef) -> Result<(), ApiError> {
    match Qualifier::of(f.qualifier.as_deref()) {
        Qualifier::Latest => Ok(()),
        _ => Err(ApiError::InvalidParameterValue(format!(
            "The function name {} is invalid: only $LATEST can be modified; published versions are immutable.",
            sim.place.arn_of(f)
        ))),
    }
}

/// UpdateFunctionConfiguration: `PUT /2015-03-31/functions/{FunctionName}/configuration`.
pub async fn update_function_configuration(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Reply {
    let raw = path_name(path)?;
    let bytes = read_body(body, BODY_LIMIT, "UpdateFunctionConfiguration").await?;
    let f = sim.place.parse(&raw, None, NameShape::Plain)?;
    let mut v = Violations::default();
    let input: UpdateFunctionConfigurationInput = parse_input(
        &bytes,
        &request_shapes::UPDATE_FUNCTION_CONFIGURATION,
        &mut v,
    )?;
    validate_settings(&input.settings)?;
    v.into_result()?;
    require_latest(&sim, &f)?;

    let delay = sim.settings().update_delay;
    let mut locked = sim.store.lock();
    let mut record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    if record.is_creating() {
        return Err(creating(&sim, &record.name));
    }
    if record.is_updating() {
        return Err(update_in_progress(&sim, &record.name));
    }
    if let Some(rev) = &input.revision_id
        && *rev != record.latest.revision_id
    {
        return Err(ApiError::PreconditionFailed);
    }
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
                &sim.place.region,
                rt,
                &record.latest.config.architecture,
            );
        }
    }
    let fail = sim.take_injected_failure(&record.name);
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
    let arn = sim.place.function_arn(&record.name);
    let body = responses::configuration(&record, &record.latest, &arn, View::Full);
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::OK, &body))
}

/// PublishVersion: `POST /2015-03-31/functions/{FunctionName}/versions`, 201.
pub async fn publish_version(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Reply {
    let raw = path_name(path)?;
    let bytes = read_body(body, BODY_LIMIT, "PublishVersion").await?;
    let f = sim.place.parse(&raw, None, NameShape::Plain)?;
    let mut v = Violations::default();
    let input: PublishVersionInput = parse_input(&bytes, &request_shapes::PUBLISH_VERSION, &mut v)?;
    v.into_result()?;
    require_latest(&sim, &f)?;
    if input.publish_to.is_some() {
        return Err(publish_to_unsupported());
    }

    let mut locked = sim.store.lock();
    let mut record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    if record.is_creating() {
        return Err(creating(&sim, &record.name));
    }
    if record.is_updating() {
        return Err(update_in_progress(&sim, &record.name));
    }
    if let Some(rev) = &input.revision_id
        && *rev != record.latest.revision_id
    {
        return Err(ApiError::PreconditionFailed);
    }
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
            let arn = sim.place.qualified_arn(&record.name, &newest.version);
            let body = responses::configuration(&record, newest, &arn, View::Full);
            return Ok(json_response(StatusCode::CREATED, &body));
        }
    }
    let number = record.last_version + 1;
    let version = published_copy(&record.latest, number, input.description);
    record.last_version = number;
    record.latest.revision_id = new_revision_id();
    let arn = sim.place.qualified_arn(&record.name, &number.to_string());
    let body = responses::configuration(&record, &version, &arn, View::Full);
    record.versions.insert(number, version);
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::CREATED, &body))
}

/// ListFunctions: `GET /2015-03-31/functions`.
pub async fn list_functions(State(sim): State<Arc<Sim>>, q: Q) -> Reply {
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
    for record in locked.memory.functions.values() {
        if all {
            // Keys sort $LATEST first, then versions by number.
            items.push((
                format!("{}\u{0}", record.name),
                responses::configuration(
                    record,
                    &record.latest,
                    &sim.place.qualified_arn(&record.name, "$LATEST"),
                    View::ListItem,
                ),
            ));
            for (n, v) in &record.versions {
                items.push((
                    format!("{}\u{1}{n:020}", record.name),
                    responses::configuration(
                        record,
                        v,
                        &sim.place.qualified_arn(&record.name, &n.to_string()),
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
                    &sim.place.function_arn(&record.name),
                    View::ListItem,
                ),
            ));
        }
    }
    drop(locked);
    Ok(page_response("Functions", items, marker.as_deref(), max))
}

/// ListVersionsByFunction: `GET /2015-03-31/functions/{FunctionName}/versions`.
pub async fn list_versions_by_function(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let q = query(q)?;
    let f = sim
        .place
        .parse(&path_name(path)?, None, NameShape::Namespaced)?;
    let max = max_items(&q)?;
    let marker = decode_marker(&q)?;
    let mut locked = sim.store.lock();
    let record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    drop(locked);
    let mut items = vec![(
        String::from("\u{0}"),
        responses::configuration(
            &record,
            &record.latest,
            &sim.place.qualified_arn(&record.name, "$LATEST"),
            View::ListItem,
        ),
    )];
    for (n, v) in &record.versions {
        items.push((
            format!("\u{1}{n:020}"),
            responses::configuration(
                &record,
                v,
                &sim.place.qualified_arn(&record.name, &n.to_string()),
                View::ListItem,
            ),
        ));
    }
    Ok(page_response("Versions", items, marker.as_deref(), max))
}

/// DeleteFunction: `DELETE /2015-03-31/functions/{FunctionName}`, 204.
pub async fn delete_function(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let f = qualified_target(&sim, path, q, NameShape::Plain)?;
    let mut locked = sim.store.lock();
    let mut record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    match (
        f.qualifier.as_deref(),
        Qualifier::of(f.qualifier.as_deref()),
    ) {
        (None, _) => locked.remove_function(&record.name).map_err(service)?,
        (Some(_), Qualifier::Latest) => {
            return Err(ApiError::InvalidParameterValue(
                "$LATEST version cannot be deleted without deleting the function.".into(),
            ));
        }
        (Some(_), Qualifier::Version(n)) => {
            if !record.versions.contains_key(&n) {
                return Err(not_found(&sim, &f));
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

/// CreateAlias: `POST /2015-03-31/functions/{FunctionName}/aliases`, 201.
pub async fn create_alias(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Reply {
    let raw = path_name(path)?;
    let bytes = read_body(body, BODY_LIMIT, "CreateAlias").await?;
    let f = sim.place.parse(&raw, None, NameShape::Plain)?;
    let mut v = Violations::default();
    let input: CreateAliasInput = parse_input(&bytes, &request_shapes::CREATE_ALIAS, &mut v)?;
    v.into_result()?;
    let (Some(name), Some(function_version)) = (input.name, input.function_version) else {
        return Err(ApiError::Validation("1 validation error detected".into()));
    };
    let mut locked = sim.store.lock();
    let mut record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    let missing = match Qualifier::of(Some(&function_version)) {
        Qualifier::Version(n) => !record.versions.contains_key(&n),
        Qualifier::Latest => false,
        // `$LATEST.PUBLISHED`: only functions with a capacity provider have it.
        Qualifier::Alias(_) => true,
    };
    if missing {
        return Err(ApiError::ResourceNotFound(format!(
            "Function not found: {}",
            sim.place.qualified_arn(&record.name, &function_version)
        )));
    }
    if record.aliases.contains_key(&name) {
        return Err(ApiError::ResourceConflict(format!(
            "Alias already exists: {}",
            sim.place.qualified_arn(&record.name, &name)
        )));
    }
    let alias = AliasRecord {
        name: name.clone(),
        function_version,
        description: input.description.unwrap_or_default(),
        routing_config: input.routing_config,
        revision_id: new_revision_id(),
    };
    let body = responses::alias(&sim.place, &record, &alias);
    record.aliases.insert(name, alias);
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::CREATED, &body))
}

/// GetAlias: `GET /2015-03-31/functions/{FunctionName}/aliases/{Name}`.
pub async fn get_alias(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Reply {
    let (raw, name) = path
        .map(|Path(p)| p)
        .map_err(|e| ApiError::Validation(format!("1 validation error detected: {e}")))?;
    let f = sim.place.parse(&raw, None, NameShape::Plain)?;
    let mut v = Violations::default();
    check_text(&name, &request_shapes::ALIAS, "name", &mut v);
    v.into_result()?;
    let mut locked = sim.store.lock();
    let record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    drop(locked);
    let alias = record.aliases.get(&name).ok_or_else(|| {
        ApiError::ResourceNotFound(format!(
            "Cannot find alias arn: {}",
            sim.place.qualified_arn(&record.name, &name)
        ))
    })?;
    Ok(json_response(
        StatusCode::OK,
        &responses::alias(&sim.place, &record, alias),
    ))
}

/// ListAliases: `GET /2015-03-31/functions/{FunctionName}/aliases`.
pub async fn list_aliases(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let q = query(q)?;
    let f = sim.place.parse(&path_name(path)?, None, NameShape::Plain)?;
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
    let record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    drop(locked);
    let items: Vec<(String, Value)> = record
        .aliases
        .values()
        .filter(|a| wanted.is_none_or(|w| *w == a.function_version))
        .map(|a| (a.name.clone(), responses::alias(&sim.place, &record, a)))
        .collect();
    Ok(page_response("Aliases", items, marker.as_deref(), max))
}

/// The version a runtime-management call addresses: aliases are refused,
/// Image functions have no runtime to manage.
fn runtime_management_target(
    sim: &Sim,
    record: &FunctionRecord,
    f: &FunctionRef,
) -> Result<Option<u64>, ApiError> {
    let number = match Qualifier::of(f.qualifier.as_deref()) {
        Qualifier::Latest => None,
        Qualifier::Version(n) => {
            if !record.versions.contains_key(&n) {
                return Err(not_found(sim, f));
            }
            Some(n)
        }
        Qualifier::Alias(_) => {
            return Err(ApiError::InvalidParameterValue(format!(
                "The provided function name {} is invalid. Aliases are not allowed.",
                sim.place.arn_of(f)
            )));
        }
    };
    if record.latest.code.package_type == "Image" {
        return Err(ApiError::InvalidParameterValue(format!(
            "Runtime management configuration is not supported for {}: functions with PackageType Image have no managed runtime.",
            sim.place.arn_of(f)
        )));
    }
    Ok(number)
}

/// GetRuntimeManagementConfig: `GET /2021-07-20/functions/{FunctionName}/runtime-management-config`.
pub async fn get_runtime_management_config(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
) -> Reply {
    let f = qualified_target(&sim, path, q, NameShape::Namespaced)?;
    let mut locked = sim.store.lock();
    let record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    drop(locked);
    let number = runtime_management_target(&sim, &record, &f)?;
    let version = match number {
        Some(n) => record.versions.get(&n).ok_or_else(|| not_found(&sim, &f))?,
        None => &record.latest,
    };
    Ok(json_response(
        StatusCode::OK,
        &responses::runtime_management(version, &sim.place.arn_of(&f)),
    ))
}

/// PutRuntimeManagementConfig: `PUT /2021-07-20/functions/{FunctionName}/runtime-management-config`.
pub async fn put_runtime_management_config(
    State(sim): State<Arc<Sim>>,
    path: Result<Path<String>, PathRejection>,
    q: Q,
    body: Body,
) -> Reply {
    let q = query(q)?;
    let raw = path_name(path)?;
    let bytes = read_body(body, BODY_LIMIT, "PutRuntimeManagementConfig").await?;
    let f = sim.place.parse(
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
    let mut record = settled(&mut locked, &f.name)?.ok_or_else(|| not_found(&sim, &f))?;
    let number = runtime_management_target(&sim, &record, &f)?;
    if record.is_updating() {
        return Err(update_in_progress(&sim, &record.name));
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
            .ok_or_else(|| not_found(&sim, &f))?,
        None => &mut record.latest,
    };
    let pinned_version = match &pinned {
        None => None,
        Some(arn) => {
            let runtime = version.config.runtime.clone().unwrap_or_default();
            let key = CatalogueKey::new(&runtime, &sim.place.region, &version.config.architecture);
            let found = catalogue_latest(memory, &key).and_then(|latest| key.find_arn(arn, latest));
            Some(found.ok_or_else(|| {
                ApiError::InvalidParameterValue(format!(
                    "The runtime version ARN {arn} is not a runtime version of {runtime} ({}) in {}.",
                    version.config.architecture, sim.place.region
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
    let body = responses::runtime_management(version, &sim.place.arn_of(&f));
    locked.put_function(record).map_err(service)?;
    Ok(json_response(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_start_at_the_marker_and_name_the_next() {
        let items: Vec<(String, u32)> = (0..5).map(|i| (format!("k{i}"), i)).collect();
        let (first, next) = page(items.clone(), None, 2);
        assert_eq!(first, vec![0, 1]);
        let next = next.expect("more");
        let mut q = HashMap::new();
        q.insert("Marker".to_owned(), next);
        let marker = decode_marker(&q).expect("decodes");
        let (second, _) = page(items.clone(), marker.as_deref(), 2);
        assert_eq!(second, vec![2, 3]);
        let (last, none) = page(items, Some("k4"), 2);
        assert_eq!((last, none), (vec![4], None));
    }
}
