//! Every nested member of a request is typed as Lambda's model types it
//! (issue 9: the JavaScript SDK v3 found seven bad values accepted with 200
//! and echoed back by GetFunction). Each bad value gets Lambda's 400 and
//! changes nothing; good values of every nested member are read back typed.
//! Through the real aws-sdk-lambda client where its types let the bad value
//! be sent, raw HTTP where they do not, and boto3.

use aws_sdk_lambda::types::{
    ApplicationLogLevel, Environment, LogFormat, LoggingConfig, SnapStart, SnapStartApplyOn,
};
use serde_json::{Value, json};

use crate::support::sim::{
    SimProcess, create_body, create_function, failure, http, python_json, sdk,
};

const CONFIG: &str = "/2015-03-31/functions/f/configuration";

/// An emulator with one settled function `f`, and its configuration.
fn with_function() -> (SimProcess, Value) {
    let sim = SimProcess::start(&[]);
    let before = create_function(&sim.url, "f", "python3.12");
    (sim, before)
}

/// GetFunction shows nothing of a refused request.
fn unchanged(url: &str, before: &Value) {
    let after = http(url, "GET", "/2015-03-31/functions/f", b"").json();
    assert_eq!(
        after["Configuration"]["RevisionId"], before["RevisionId"],
        "a refused request changed the function: {after}"
    );
}

/// Sends `body` as UpdateFunctionConfiguration and as CreateFunction (a
/// valid create with the member added); both must fail with `code` and `message`.
fn refused_over_http(url: &str, member: &str, value: Value, code: &str, message: &str) {
    let update = json!({ member: value.clone() }).to_string();
    let mut create: Value = serde_json::from_str(&create_body("g", "python3.12")).expect("json");
    create[member] = value;
    for (method, path, body) in [
        ("PUT", CONFIG, update),
        ("POST", "/2015-03-31/functions", create.to_string()),
    ] {
        let r = http(url, method, path, body.as_bytes());
        assert_eq!(
            (r.status, r.error_type()),
            (400, code),
            "{method} {body}: {r:?}"
        );
        assert_eq!(r.json()["Type"], "User");
        assert_eq!(r.json()["message"], message, "{method} {body}");
    }
    assert_eq!(
        http(url, "GET", "/2015-03-31/functions/g", b"").status,
        404,
        "no function was created"
    );
}

#[tokio::test]
async fn an_environment_variable_named_1bad_is_a_validation_error() {
    // The value is sensitive: Lambda names the member and never echoes it.
    let message = "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]";
    refused_by_sdk(
        |u| u.environment(Environment::builder().variables("1BAD", "hunter2").build()),
        message,
    )
    .await;
    // A single letter is too short for the model's pattern, as Lambda says.
    refused_by_sdk(
        |u| u.environment(Environment::builder().variables("A", "1").build()),
        message,
    )
    .await;
}

type Update =
    aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder;

/// Sends UpdateFunctionConfiguration of `f`, as `with` builds it, through
/// the SDK: it must fail with a 400 ValidationException saying `message`
/// and change nothing.
async fn refused_by_sdk(with: impl FnOnce(Update) -> Update, message: &str) {
    let (sim, before) = with_function();
    let c = sdk(&sim.url, false).await;
    let e = with(c.update_function_configuration().function_name("f"))
        .send()
        .await
        .expect_err("a bad value");
    assert_eq!(
        failure(e),
        (400, "ValidationException".into(), message.to_owned())
    );
    unchanged(&sim.url, &before);
}

#[tokio::test]
async fn log_format_xml_is_outside_the_enum() {
    refused_by_sdk(
        |u| u.logging_config(LoggingConfig::builder().log_format(LogFormat::from("XML")).build()),
        "1 validation error detected: Value 'XML' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]",
    )
    .await;
}

#[tokio::test]
async fn application_log_level_loud_is_outside_the_enum() {
    refused_by_sdk(
        |u| {
            u.logging_config(
                LoggingConfig::builder()
                    .log_format(LogFormat::Json)
                    .application_log_level(ApplicationLogLevel::from("LOUD"))
                    .build(),
            )
        },
        "1 validation error detected: Value 'LOUD' at 'loggingConfig.applicationLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]",
    )
    .await;
}

#[tokio::test]
async fn snap_start_apply_on_sometimes_is_outside_the_enum() {
    refused_by_sdk(
        |u| {
            u.snap_start(
                SnapStart::builder()
                    .apply_on(SnapStartApplyOn::from("Sometimes"))
                    .build(),
            )
        },
        "1 validation error detected: Value 'Sometimes' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]",
    )
    .await;
}

#[test]
fn vpc_subnet_ids_as_a_string_is_a_parse_error() {
    let (sim, before) = with_function();
    refused_over_http(
        &sim.url,
        "VpcConfig",
        json!({ "SubnetIds": "subnet-0123", "SecurityGroupIds": ["sg-1"] }),
        "InvalidParameterValueException",
        "Could not parse request body into json: Cannot deserialize a string as a list at 'VpcConfig.SubnetIds'",
    );
    unchanged(&sim.url, &before);
}

#[test]
fn dead_letter_target_arn_as_a_number_is_a_parse_error() {
    let (sim, before) = with_function();
    refused_over_http(
        &sim.url,
        "DeadLetterConfig",
        json!({ "TargetArn": 42 }),
        "InvalidParameterValueException",
        "Could not parse request body into json: Cannot deserialize a number as a string at 'DeadLetterConfig.TargetArn'",
    );
    unchanged(&sim.url, &before);
}

#[test]
fn file_system_configs_as_an_object_is_a_parse_error() {
    let (sim, before) = with_function();
    refused_over_http(
        &sim.url,
        "FileSystemConfigs",
        json!({ "Arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0", "LocalMountPath": "/mnt/efs" }),
        "InvalidParameterValueException",
        "Could not parse request body into json: Cannot deserialize an object as a list at 'FileSystemConfigs'",
    );
    unchanged(&sim.url, &before);
}

#[test]
fn unknown_members_and_values_outside_patterns_lengths_and_ranges_are_refused() {
    let (sim, before) = with_function();
    let url = sim.url.as_str();
    let cases: &[(Value, &str, &str)] = &[
        (
            json!({ "LoggingConfig": { "LogFormat": "JSON", "Colour": "red" } }),
            "InvalidParameterValueException",
            "Could not parse request body into json: Unrecognized field \"Colour\" at 'LoggingConfig', not marked as ignorable",
        ),
        (
            json!({ "MemorySize": 256, "Memory": 256 }),
            "InvalidParameterValueException",
            "Could not parse request body into json: Unrecognized field \"Memory\" at '(body)', not marked as ignorable",
        ),
        (
            json!({ "FileSystemConfigs": [{ "Arn": "arn:aws:s3:::b", "LocalMountPath": "/efs" }] }),
            "ValidationException",
            "2 validation errors detected: Value 'arn:aws:s3:::b' at 'fileSystemConfigs.1.member.arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:access-point/fsap-[a-f0-9]{17}$|^arn:aws[-a-z]*:s3files:[0-9a-z-:]+:file-system/fs-[0-9a-f]{17,40}/access-point/fsap-[0-9a-f]{17,40}; Value '/efs' at 'fileSystemConfigs.1.member.localMountPath' failed to satisfy constraint: Member must satisfy regular expression pattern: /mnt/[a-zA-Z0-9-_.]+",
        ),
        (
            json!({ "FileSystemConfigs": [{ "LocalMountPath": "/mnt/a" }] }),
            "ValidationException",
            "1 validation error detected: Value null at 'fileSystemConfigs.1.member.arn' failed to satisfy constraint: Member must not be null",
        ),
        (
            json!({ "VpcConfig": { "SubnetIds": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"] } }),
            "ValidationException",
            "1 validation error detected: Value '[a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must have length less than or equal to 16",
        ),
        (
            json!({ "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:x"] }),
            "ValidationException",
            "1 validation error detected: Value '[arn:aws:lambda:us-east-1:123456789012:layer:x]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+, Member must not be null]",
        ),
        (
            json!({ "KMSKeyArn": "key-1" }),
            "ValidationException",
            "1 validation error detected: Value 'key-1' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()",
        ),
        (
            json!({ "EphemeralStorage": {} }),
            "ValidationException",
            "1 validation error detected: Value null at 'ephemeralStorage.size' failed to satisfy constraint: Member must not be null",
        ),
        (
            json!({ "LoggingConfig": { "LogGroup": "has space" }, "DurableConfig": { "RetentionPeriodInDays": 91 } }),
            "ValidationException",
            "2 validation errors detected: Value 'has space' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+; Value '91' at 'durableConfig.retentionPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 90",
        ),
        (
            json!({ "Timeout": 4_294_967_296_i64 }),
            "InvalidParameterValueException",
            "Could not parse request body into json: Cannot deserialize a number as a 32-bit integer at 'Timeout'",
        ),
        (
            json!({ "VpcConfig": { "Ipv6AllowedForDualStack": "yes" } }),
            "InvalidParameterValueException",
            "Could not parse request body into json: Cannot deserialize a string as a boolean at 'VpcConfig.Ipv6AllowedForDualStack'",
        ),
    ];
    for (body, code, message) in cases {
        let r = http(url, "PUT", CONFIG, body.to_string().as_bytes());
        assert_eq!((r.status, r.error_type()), (400, *code), "{body}: {r:?}");
        assert_eq!(r.json()["message"], *message, "{body}");
    }
    let alias = |body: Value| {
        http(
            url,
            "POST",
            "/2015-03-31/functions/f/aliases",
            body.to_string().as_bytes(),
        )
    };
    let r = alias(json!({ "Name": "live", "FunctionVersion": "$LATEST",
        "RoutingConfig": { "AdditionalVersionWeights": { "one": 1.5 } } }));
    assert_eq!(
        r.json()["message"],
        "2 validation errors detected: Value '{one=1.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]; \
         Value '{one=1.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1, Member must have value greater than or equal to 0, Member must not be null]",
        "{r:?}"
    );
    let r = http(url, "GET", "/2015-03-31/functions/f/aliases/123", b"");
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (
            400,
            Some(
                "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
            )
        ),
        "{r:?}"
    );
    let r = http(
        url,
        "GET",
        "/2015-03-31/functions?FunctionVersion=ALL&MasterRegion=mars",
        b"",
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("at 'masterRegion'")),
        "{r:?}"
    );
    unchanged(url, &before);
}

#[test]
fn every_nested_member_is_stored_typed_and_read_back() {
    let (sim, _) = with_function();
    let url = sim.url.as_str();
    let efs =
        "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0";
    let body = json!({
        "VpcConfig": { "SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"], "Ipv6AllowedForDualStack": true },
        "DeadLetterConfig": { "TargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq" },
        "FileSystemConfigs": [{ "Arn": efs, "LocalMountPath": "/mnt/efs" }],
        "ImageConfig": { "Command": ["app.handler"], "WorkingDirectory": "/var/task" },
        "SnapStart": { "ApplyOn": "PublishedVersions" },
        "LoggingConfig": { "LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "DEBUG" },
        "DurableConfig": { "RetentionPeriodInDays": 7 },
        "EphemeralStorage": { "Size": 1024 },
        "TracingConfig": { "Mode": "Active" },
        "Environment": { "Variables": { "STAGE": "prod" } },
    });
    let r = http(url, "PUT", CONFIG, body.to_string().as_bytes());
    assert_eq!(r.status, 200, "{r:?}");
    crate::support::sim::wait_settled(url, "f");
    let c = &http(url, "GET", "/2015-03-31/functions/f", b"").json()["Configuration"];
    assert_eq!(c["VpcConfig"]["SubnetIds"], json!(["subnet-1", "subnet-2"]));
    assert_eq!(c["VpcConfig"]["Ipv6AllowedForDualStack"], true);
    assert!(
        c["VpcConfig"]["VpcId"]
            .as_str()
            .is_some_and(|v| v.starts_with("vpc-")),
        "{c}"
    );
    assert_eq!(
        c["DeadLetterConfig"],
        json!({ "TargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq" })
    );
    assert_eq!(
        c["FileSystemConfigs"],
        json!([{ "Arn": efs, "LocalMountPath": "/mnt/efs" }])
    );
    assert_eq!(
        c["ImageConfigResponse"],
        json!({ "ImageConfig": { "Command": ["app.handler"], "WorkingDirectory": "/var/task" } })
    );
    assert_eq!(
        c["SnapStart"],
        json!({ "ApplyOn": "PublishedVersions", "OptimizationStatus": "Off" })
    );
    assert_eq!(
        c["LoggingConfig"],
        json!({ "LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "DEBUG", "LogGroup": "/aws/lambda/f" })
    );
    assert_eq!(c["DurableConfig"], json!({ "RetentionPeriodInDays": 7 }));
    assert_eq!(c["EphemeralStorage"], json!({ "Size": 1024 }));
    // Empty values clear what they name, as Lambda reads them.
    let clear = json!({
        "VpcConfig": { "SubnetIds": [], "SecurityGroupIds": [] },
        "DeadLetterConfig": { "TargetArn": "" },
        "FileSystemConfigs": [],
        "KMSKeyArn": "",
    });
    assert_eq!(
        http(url, "PUT", CONFIG, clear.to_string().as_bytes()).status,
        200
    );
    let c = crate::support::sim::wait_settled(url, "f");
    for gone in [
        "VpcConfig",
        "DeadLetterConfig",
        "FileSystemConfigs",
        "KMSKeyArn",
    ] {
        assert!(c.get(gone).is_none(), "{gone} was cleared: {c}");
    }
}

const BOTO3: &str = r#"
import json, sys
import boto3, botocore
c = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 config=botocore.config.Config(retries={"max_attempts": 1}))
out = {}
for name, kwargs in [
    ("env", {"Environment": {"Variables": {"1BAD": "x"}}}),
    ("log_format", {"LoggingConfig": {"LogFormat": "XML"}}),
    ("level", {"LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "LOUD"}}),
    ("snap", {"SnapStart": {"ApplyOn": "Sometimes"}}),
]:
    try:
        c.update_function_configuration(FunctionName="f", **kwargs)
        out[name] = "accepted"
    except botocore.exceptions.ClientError as e:
        out[name] = [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"]["Message"]]
print(json.dumps(out))
"#;

#[test]
fn boto3_gets_lambdas_validation_errors_for_bad_nested_values() {
    crate::support::python::tools();
    let (sim, before) = with_function();
    let v = python_json(BOTO3, &[&sim.url]);
    for (case, at) in [
        ("env", "Value at 'environment.variables'"),
        ("log_format", "Value 'XML' at 'loggingConfig.logFormat'"),
        (
            "level",
            "Value 'LOUD' at 'loggingConfig.applicationLogLevel'",
        ),
        ("snap", "Value 'Sometimes' at 'snapStart.applyOn'"),
    ] {
        assert_eq!(v[case][0], 400, "{case}: {v}");
        assert_eq!(v[case][1], "ValidationException", "{case}: {v}");
        assert!(
            v[case][2].as_str().is_some_and(|m| m.contains(at)),
            "{case}: {v}"
        );
    }
    unchanged(&sim.url, &before);
}
