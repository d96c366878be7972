//! What a Lambda request carries, read and checked before any operation
//! acts: the body (size-limited, JSON, checked against its shape in
//! `request_shapes`, then read into the typed inputs below), the function
//! name in the path and the query string; Lambda's own checks of the
//! settings beyond their shapes; and how the settings and code of a request
//! become a version's record. It must not look functions up or change
//! anything stored.

use std::collections::{BTreeMap, HashMap};

use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::catalogue;
use super::names::{FunctionRef, NameShape, Place};
use super::protocol::{ApiError, Violations, parse_body};
use super::records::{
    Code, Config, DeadLetterConfig, DurableConfig, FileSystemConfig, ImageConfig, LoggingConfig,
    RoutingConfig, SnapStart, TenancyConfig, VpcConfig,
};
use super::shapes::{Shape, check_body};

pub type Q = Result<Query<HashMap<String, String>>, QueryRejection>;

/// Lambda's limit on a CreateFunction request.
pub const CREATE_BODY_LIMIT: usize = 69_905_067;

/// The limit on every other request body (none of them carries code).
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentInput {
    pub variables: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingInput {
    pub mode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorageInput {
    // Required members default here: the shape has reported them missing.
    #[serde(default)]
    pub size: i64,
}

/// The settings CreateFunction and UpdateFunctionConfiguration share. The
/// body was checked against its shape in `request_shapes` before it is read
/// into this, so every member has its type and its constraints.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SettingsInput {
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub environment: Option<EnvironmentInput>,
    #[serde(rename = "KMSKeyArn")]
    pub kms_key_arn: Option<String>,
    pub tracing_config: Option<TracingInput>,
    pub layers: Option<Vec<String>>,
    pub ephemeral_storage: Option<EphemeralStorageInput>,
    pub vpc_config: Option<VpcConfig>,
    pub dead_letter_config: Option<DeadLetterConfig>,
    pub file_system_configs: Option<Vec<FileSystemConfig>>,
    pub image_config: Option<ImageConfig>,
    pub snap_start: Option<SnapStart>,
    pub logging_config: Option<LoggingConfig>,
    pub capacity_provider_config: Option<CapacityProviderInput>,
    pub durable_config: Option<DurableConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CapacityProviderInput {
    #[serde(default)]
    pub lambda_managed_instances_capacity_provider_config: ManagedInstancesInput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedInstancesInput {
    #[serde(default)]
    pub capacity_provider_arn: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeInput {
    pub zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    pub s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    pub s3_object_version: Option<String>,
    pub image_uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFunctionInput {
    pub function_name: Option<String>,
    pub code: Option<CodeInput>,
    pub publish: Option<bool>,
    pub package_type: Option<String>,
    pub architectures: Option<Vec<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    pub code_signing_config_arn: Option<String>,
    pub publish_to: Option<String>,
    pub tenancy_config: Option<TenancyConfig>,
    #[serde(flatten)]
    pub settings: SettingsInput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateFunctionConfigurationInput {
    pub revision_id: Option<String>,
    #[serde(flatten)]
    pub settings: SettingsInput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishVersionInput {
    pub code_sha256: Option<String>,
    pub description: Option<String>,
    pub revision_id: Option<String>,
    pub publish_to: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAliasInput {
    pub name: Option<String>,
    pub function_version: Option<String>,
    pub description: Option<String>,
    pub routing_config: Option<RoutingConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRuntimeManagementConfigInput {
    pub update_runtime_on: Option<String>,
    pub runtime_version_arn: Option<String>,
}

/// Reads a request body: JSON (an empty body is `{}`), checked against
/// `shape` (a wrong type or an unknown member fails here; constraint
/// violations go to `v`), then read into `T`.
pub fn parse_input<T: serde::de::DeserializeOwned>(
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

/// What a write on the function the path names starts with: the name (a
/// plain name or an ARN, no qualifier), and the body read and checked
/// against `shape`, with the constraint violations found so far for the
/// caller to add to and report.
pub async fn function_write<T: serde::de::DeserializeOwned>(
    place: &Place,
    path: Result<Path<String>, PathRejection>,
    body: Body,
    operation: &str,
    shape: &'static Shape,
) -> Result<(FunctionRef, T, Violations), ApiError> {
    let raw = path_name(path)?;
    let bytes = read_body(body, BODY_LIMIT, operation).await?;
    let f = place.parse(&raw, None, NameShape::Plain)?;
    let mut v = Violations::default();
    let input = parse_input(&bytes, shape, &mut v)?;
    Ok((f, input, v))
}

pub async fn read_body(body: Body, limit: usize, operation: &str) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::RequestTooLarge(format!(
            "Request must be smaller than {limit} bytes for the {operation} operation"
        ))
    })
}

pub fn path_name(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(p)| p).map_err(|e| {
        ApiError::Validation(format!(
            "1 validation error detected: Value at 'functionName' failed to satisfy constraint: {e}"
        ))
    })
}

/// The function a `GET`/`DELETE` names by path and `?Qualifier=`.
pub fn qualified_target(
    place: &Place,
    path: Result<Path<String>, PathRejection>,
    q: Q,
    shape: NameShape,
) -> Result<FunctionRef, ApiError> {
    let q = query(q)?;
    place.parse(
        &path_name(path)?,
        q.get("Qualifier").map(String::as_str),
        shape,
    )
}

pub fn query(q: Q) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::Validation(format!("1 validation error detected: {e}")))
}

/// Lambda's own checks of the shared settings, beyond their shapes.
pub fn validate_settings(s: &SettingsInput) -> Result<(), ApiError> {
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
pub fn apply_settings(config: &mut Config, s: SettingsInput) {
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

/// Lambda's limits on a function's tags beyond their lengths: at most 50,
/// and none of the `aws:` prefix, which is AWS's own. The wording is
/// INFERRED (Lambda documents the limits, not its messages).
pub fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if let Some(key) = tags
        .keys()
        .find(|k| k.to_ascii_lowercase().starts_with("aws:"))
    {
        return Err(ApiError::InvalidParameterValue(format!(
            "Tag keys beginning with 'aws:' are reserved for AWS use: {key}"
        )));
    }
    if tags.len() > 50 {
        return Err(ApiError::InvalidParameterValue(format!(
            "A function can have at most 50 tags; these would make {}.",
            tags.len()
        )));
    }
    Ok(())
}

/// INFERRED: `PublishTo` publishes to `$LATEST.PUBLISHED`, which only
/// functions with a capacity provider have; the emulator serves none.
pub fn publish_to_unsupported() -> ApiError {
    ApiError::InvalidParameterValue(
        "PublishTo LATEST_PUBLISHED is supported only for functions with a capacity provider."
            .into(),
    )
}

pub fn code_of(input: CodeInput, image: bool) -> Result<Code, ApiError> {
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
