//! Renders the emulator's records as Lambda's response shapes
//! (FunctionConfiguration, GetFunction's Code, aliases, runtime management).
//! Pure functions of the records; they must not change anything.

use serde_json::{Map, Value, json};

use super::names::Place;
use super::records::{
    AliasRecord, FunctionRecord, LoggingConfig, UpdateRuntimeOn, VersionRecord, VpcConfig,
};

/// Where a FunctionConfiguration appears: list items leave out the state
/// fields and RuntimeVersionConfig, as Lambda's list operations do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Full,
    ListItem,
}

/// FunctionConfiguration of `version` of `function`, with `function_arn` as given.
pub fn configuration(
    function: &FunctionRecord,
    version: &VersionRecord,
    function_arn: &str,
    view: View,
) -> Value {
    let c = &version.config;
    let mut m = Map::new();
    m.insert("FunctionName".into(), function.name.clone().into());
    m.insert("FunctionArn".into(), function_arn.into());
    if let Some(r) = &c.runtime {
        m.insert("Runtime".into(), r.clone().into());
    }
    m.insert("Role".into(), c.role.clone().into());
    if let Some(h) = &c.handler {
        m.insert("Handler".into(), h.clone().into());
    }
    m.insert("CodeSize".into(), version.code.size.into());
    m.insert("Description".into(), c.description.clone().into());
    m.insert("Timeout".into(), c.timeout.into());
    m.insert("MemorySize".into(), c.memory_size.into());
    m.insert("LastModified".into(), version.last_modified.clone().into());
    m.insert("CodeSha256".into(), version.code.sha256.clone().into());
    m.insert("Version".into(), version.version.clone().into());
    if let Some(vars) = &c.environment {
        m.insert("Environment".into(), json!({ "Variables": vars }));
    }
    if let Some(k) = &c.kms_key_arn {
        m.insert("KMSKeyArn".into(), k.clone().into());
    }
    m.insert("TracingConfig".into(), json!({ "Mode": c.tracing_mode }));
    m.insert("RevisionId".into(), version.revision_id.clone().into());
    if !c.layers.is_empty() {
        let layers: Vec<Value> = c
            .layers
            .iter()
            .map(|arn| json!({ "Arn": arn, "CodeSize": 0 }))
            .collect();
        m.insert("Layers".into(), layers.into());
    }
    if view == View::Full {
        m.insert("State".into(), version.state.clone().into());
        if version.state == "Pending" {
            m.insert(
                "StateReason".into(),
                "The function is being created.".into(),
            );
            m.insert("StateReasonCode".into(), "Creating".into());
        }
        if let Some(u) = &version.last_update {
            m.insert("LastUpdateStatus".into(), u.status.clone().into());
            if let Some(r) = &u.reason {
                m.insert("LastUpdateStatusReason".into(), r.clone().into());
            }
            if let Some(r) = &u.reason_code {
                m.insert("LastUpdateStatusReasonCode".into(), r.clone().into());
            }
        }
    }
    m.insert(
        "PackageType".into(),
        version.code.package_type.clone().into(),
    );
    m.insert("Architectures".into(), json!([c.architecture]));
    m.insert(
        "EphemeralStorage".into(),
        json!({ "Size": c.ephemeral_storage }),
    );
    let n = &c.nested;
    let snap_apply = n
        .snap_start
        .as_ref()
        .and_then(|s| s.apply_on.as_deref())
        .unwrap_or("None");
    m.insert(
        "SnapStart".into(),
        json!({ "ApplyOn": snap_apply, "OptimizationStatus": "Off" }),
    );
    // Lambda's defaults, with what was given over them.
    let given = n.logging_config.clone().unwrap_or_default();
    let logging = LoggingConfig {
        log_format: given.log_format.or_else(|| Some("Text".into())),
        log_group: given
            .log_group
            .or_else(|| Some(format!("/aws/lambda/{}", function.name))),
        ..given
    };
    m.insert("LoggingConfig".into(), json!(logging));
    if let Some(vpc) = &n.vpc_config {
        m.insert("VpcConfig".into(), vpc_config(vpc));
    }
    if let Some(arn) = n
        .dead_letter_config
        .as_ref()
        .and_then(|d| d.target_arn.as_ref())
    {
        m.insert("DeadLetterConfig".into(), json!({ "TargetArn": arn }));
    }
    if !n.file_system_configs.is_empty() {
        m.insert("FileSystemConfigs".into(), json!(n.file_system_configs));
    }
    if let Some(ic) = &n.image_config {
        m.insert("ImageConfigResponse".into(), json!({ "ImageConfig": ic }));
    }
    if let Some(d) = &n.durable_config {
        m.insert("DurableConfig".into(), json!(d));
    }
    if let Some(t) = &n.tenancy_config {
        m.insert("TenancyConfig".into(), json!(t));
    }
    if view == View::Full
        && let Some(rv) = &version.runtime_version
    {
        m.insert(
            "RuntimeVersionConfig".into(),
            json!({ "RuntimeVersionArn": rv.arn }),
        );
    }
    Value::Object(m)
}

/// VpcConfigResponse: what was given, with the VPC the subnets are in (the
/// emulator derives a stable id from the first subnet; none without subnets).
fn vpc_config(vpc: &VpcConfig) -> Value {
    let vpc_id = vpc.subnet_ids.first().map_or_else(String::new, |subnet| {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(subnet.as_bytes()));
        format!("vpc-{}", &digest[..17])
    });
    json!({
        "SubnetIds": vpc.subnet_ids,
        "SecurityGroupIds": vpc.security_group_ids,
        "VpcId": vpc_id,
        "Ipv6AllowedForDualStack": vpc.ipv6_allowed_for_dual_stack.unwrap_or(false),
    })
}

/// GetFunction's `Code` member.
pub fn code_location(place: &Place, function: &FunctionRecord, version: &VersionRecord) -> Value {
    let code = &version.code;
    match &code.image_uri {
        Some(uri) => {
            let repo = uri.split(['@', ':']).next().unwrap_or(uri);
            let digest = base64_to_hex(&code.sha256);
            json!({
                "RepositoryType": "ECR",
                "ImageUri": uri,
                "ResolvedImageUri": format!("{repo}@sha256:{digest}"),
            })
        }
        None => json!({
            "RepositoryType": "S3",
            "Location": format!(
                "https://awslambda-{r}-tasks.s3.{r}.amazonaws.com/snapshots/{a}/{n}-{rev}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600",
                r = place.region,
                a = place.account,
                n = function.name,
                rev = version.revision_id,
            ),
        }),
    }
}

fn base64_to_hex(b64: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map(hex::encode)
        .unwrap_or_default()
}

pub fn alias(place: &Place, function: &FunctionRecord, alias: &AliasRecord) -> Value {
    let mut m = Map::new();
    m.insert(
        "AliasArn".into(),
        place.qualified_arn(&function.name, &alias.name).into(),
    );
    m.insert("Name".into(), alias.name.clone().into());
    m.insert(
        "FunctionVersion".into(),
        alias.function_version.clone().into(),
    );
    m.insert("Description".into(), alias.description.clone().into());
    if let Some(r) = &alias.routing_config {
        m.insert("RoutingConfig".into(), json!(r));
    }
    m.insert("RevisionId".into(), alias.revision_id.clone().into());
    Value::Object(m)
}

/// Get/PutRuntimeManagementConfig's output: the ARN only in Manual.
pub fn runtime_management(version: &VersionRecord, function_arn: &str) -> Value {
    let rm = &version.runtime_management;
    let mut m = Map::new();
    m.insert(
        "UpdateRuntimeOn".into(),
        rm.update_runtime_on.as_str().into(),
    );
    if rm.update_runtime_on == UpdateRuntimeOn::Manual
        && let Some(arn) = &rm.runtime_version_arn
    {
        m.insert("RuntimeVersionArn".into(), arn.clone().into());
    }
    m.insert("FunctionArn".into(), function_arn.into());
    Value::Object(m)
}
