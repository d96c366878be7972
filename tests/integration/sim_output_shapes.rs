//! Every response of every operation the emulator serves, checked against
//! the output shape botocore's own Lambda model (service-2.json, loaded with
//! `botocore.loaders`) gives it: JSON types, enums, required members,
//! lengths, ranges and patterns, and no member the model does not know. The
//! checker first proves on known-bad bodies that it catches each kind of
//! fault, so this test cannot pass by checking nothing.

use serde_json::{Value, json};

use crate::support::sim::{
    ROLE, SimProcess, admin, create_function, empty_zip, http, python_json, wait_settled,
};

/// Checks `[[operation, body], ...]` (argv[1], a file) against the model;
/// prints `{"checked": N, "errors": [...]}`. Exits 2 if the self-test fails.
const CHECKER: &str = r#"
import json, re, sys
import botocore.loaders
model = botocore.loaders.create_loader().load_service_model("lambda", "service-2")
shapes = model["shapes"]
# Values Lambda is observed to return outside the model's enums (shape, value):
# an update's LastUpdateStatusReasonCode reads "Creating" while InProgress
# (LocalStack's snapshot recorded against AWS, lambda-api.md section 6.2).
OBSERVED_OUTSIDE_ENUM = {("LastUpdateStatusReasonCode", "Creating")}

def check(value, name, path, errors):
    s = shapes[name]
    t = s["type"]
    def err(m): errors.append(f"{path}: {m} (shape {name})")
    if t == "structure":
        if not isinstance(value, dict): return err(f"not an object: {value!r}")
        members = {k: v for k, v in s["members"].items() if "location" not in v}
        for k in value:
            if k not in members: err(f"unknown member {k}")
        for k in s.get("required", []):
            if k in members and k not in value: err(f"required member {k} missing")
        for k, v in value.items():
            if k in members: check(v, members[k]["shape"], f"{path}.{k}", errors)
    elif t == "list":
        if not isinstance(value, list): return err(f"not a list: {value!r}")
        if "min" in s and len(value) < s["min"]: err(f"{len(value)} items, min {s['min']}")
        if "max" in s and len(value) > s["max"]: err(f"{len(value)} items, max {s['max']}")
        for i, v in enumerate(value): check(v, s["member"]["shape"], f"{path}[{i}]", errors)
    elif t == "map":
        if not isinstance(value, dict): return err(f"not a map: {value!r}")
        for k, v in value.items():
            check(k, s["key"]["shape"], f"{path}<key {k}>", errors)
            check(v, s["value"]["shape"], f"{path}.{k}", errors)
    elif t == "string":
        if not isinstance(value, str): return err(f"not a string: {value!r}")
        if "enum" in s and value not in s["enum"] and (name, value) not in OBSERVED_OUTSIDE_ENUM: err(f"{value!r} not in enum {s['enum']}")
        if "min" in s and len(value) < s["min"]: err(f"{value!r} shorter than {s['min']}")
        if "max" in s and len(value) > s["max"]: err(f"{value!r} longer than {s['max']}")
        if "pattern" in s:
            try:
                ok = re.fullmatch(s["pattern"], value) is not None
            except re.error:
                ok = True
            if not ok: err(f"{value!r} does not match {s['pattern']}")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int): return err(f"not an integer: {value!r}")
        if "min" in s and value < s["min"]: err(f"{value} below {s['min']}")
        if "max" in s and value > s["max"]: err(f"{value} above {s['max']}")
    elif t in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)): return err(f"not a number: {value!r}")
        if "min" in s and value < s["min"]: err(f"{value} below {s['min']}")
        if "max" in s and value > s["max"]: err(f"{value} above {s['max']}")
    elif t == "boolean":
        if not isinstance(value, bool): err(f"not a boolean: {value!r}")
    elif t == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)): err(f"not a timestamp: {value!r}")
    elif t == "blob":
        if not isinstance(value, str): err(f"not base64: {value!r}")
    else:
        err(f"unexpected shape type {t}")

def output_errors(operation, body):
    errors = []
    op = model["operations"][operation]
    if "output" not in op:
        if body != {}: errors.append(f"{operation}: a body where the model has no output: {body!r}")
    else:
        check(body, op["output"]["shape"], operation, errors)
    return errors

# Self-test: each kind of fault is caught.
good = {"UpdateRuntimeOn": "Auto", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}
assert output_errors("PutRuntimeManagementConfig", good) == [], output_errors("PutRuntimeManagementConfig", good)
for bad in [
    dict(good, Extra=1),                       # unknown member
    dict(good, UpdateRuntimeOn="Sometimes"),   # out of the enum
    dict(good, FunctionArn=7),                 # wrong type
    {"UpdateRuntimeOn": "Auto"},               # a required member missing
]:
    if not output_errors("PutRuntimeManagementConfig", bad):
        print(f"self-test: {bad} passed the checker", file=sys.stderr)
        sys.exit(2)
if not output_errors("GetFunction", {"Configuration": {"MemorySize": "128", "Architectures": []}}):
    print("self-test: nested faults passed the checker", file=sys.stderr)
    sys.exit(2)

cases = json.load(open(sys.argv[1]))
errors = []
for operation, body in cases:
    errors += output_errors(operation, body)
print(json.dumps({"checked": len(cases), "operations": sorted({o for o, _ in cases}), "errors": errors}))
"#;

/// Collects `(operation, body)` of successful answers.
struct Responses {
    url: String,
    cases: Vec<(String, Value)>,
}

impl Responses {
    fn call(&mut self, operation: &str, method: &str, path: &str, body: Value) -> Value {
        let payload = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let r = http(&self.url, method, path, &payload);
        assert!((200..300).contains(&r.status), "{operation} {path}: {r:?}");
        let answer = if r.body.trim().is_empty() {
            json!({})
        } else {
            r.json()
        };
        self.cases.push((operation.to_owned(), answer.clone()));
        answer
    }

    fn get(&mut self, operation: &str, path: &str) -> Value {
        self.call(operation, "GET", path, Value::Null)
    }
}

#[test]
fn every_response_of_every_operation_follows_botocores_output_shapes() {
    crate::support::python::tools();
    let sim = SimProcess::start(&["--update-delay-ms", "300"]);
    let mut r = Responses {
        url: sim.url.clone(),
        cases: Vec::new(),
    };
    use base64::Engine;
    let zip = base64::engine::general_purpose::STANDARD.encode(empty_zip());
    let efs =
        "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0";
    // A Zip function with every nested member, one image function, one plain.
    r.call("CreateFunction", "POST", "/2015-03-31/functions", json!({
        "FunctionName": "full", "Runtime": "python3.12", "Handler": "app.handler", "Role": ROLE,
        "Code": { "ZipFile": zip }, "Publish": true, "Architectures": ["arm64"],
        "Description": "every member", "Timeout": 30, "MemorySize": 512,
        "VpcConfig": { "SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"] },
        "DeadLetterConfig": { "TargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq" },
        "Environment": { "Variables": { "STAGE": "prod" } },
        "KMSKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k",
        "TracingConfig": { "Mode": "Active" },
        "Tags": { "team": "core" },
        "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:l:1"],
        "FileSystemConfigs": [{ "Arn": efs, "LocalMountPath": "/mnt/efs" }],
        "EphemeralStorage": { "Size": 2048 },
        "SnapStart": { "ApplyOn": "PublishedVersions" },
        "LoggingConfig": { "LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN", "LogGroup": "/custom" },
        "DurableConfig": { "RetentionPeriodInDays": 3, "ExecutionTimeout": 60 },
        "TenancyConfig": { "TenantIsolationMode": "PER_TENANT" },
    }));
    r.call("CreateFunction", "POST", "/2015-03-31/functions", json!({
        "FunctionName": "img", "Role": ROLE, "PackageType": "Image",
        "Code": { "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1" },
        "ImageConfig": { "Command": ["run"], "EntryPoint": ["/bin/sh"], "WorkingDirectory": "/app" },
    }));
    // Pending, before the functions settle.
    r.get("GetFunction", "/2015-03-31/functions/full");
    r.get(
        "GetFunctionConfiguration",
        "/2015-03-31/functions/img/configuration",
    );
    wait_settled(&sim.url, "full");
    wait_settled(&sim.url, "img");
    create_function(&sim.url, "plain", "nodejs22.x");

    // An update in progress, then a failed one.
    r.call(
        "UpdateFunctionConfiguration",
        "PUT",
        "/2015-03-31/functions/full/configuration",
        json!({ "MemorySize": 1024, "ImageConfig": { "WorkingDirectory": "/w" } }),
    );
    r.get("GetFunction", "/2015-03-31/functions/full");
    wait_settled(&sim.url, "full");
    admin(
        &sim.url,
        "POST",
        "/_sim/faults/fail-next-update",
        json!({ "FunctionName": "plain", "ReasonCode": "InvalidRuntime" }),
    );
    r.call(
        "UpdateFunctionConfiguration",
        "PUT",
        "/2015-03-31/functions/plain/configuration",
        json!({ "Timeout": 9 }),
    );
    wait_settled(&sim.url, "plain");
    r.get(
        "GetFunctionConfiguration",
        "/2015-03-31/functions/plain/configuration",
    );

    for name in ["full", "img", "plain"] {
        r.get("GetFunction", &format!("/2015-03-31/functions/{name}"));
        r.get(
            "GetFunctionConfiguration",
            &format!("/2015-03-31/functions/{name}/configuration"),
        );
        r.get(
            "ListVersionsByFunction",
            &format!("/2015-03-31/functions/{name}/versions"),
        );
    }
    r.get("GetFunction", "/2015-03-31/functions/full?Qualifier=1");
    r.get(
        "GetFunction",
        "/2015-03-31/functions/full?Qualifier=%24LATEST",
    );
    r.call(
        "PublishVersion",
        "POST",
        "/2015-03-31/functions/full/versions",
        json!({ "Description": "v2" }),
    );
    // Publishing again with nothing changed returns the same version.
    r.call(
        "PublishVersion",
        "POST",
        "/2015-03-31/functions/full/versions",
        json!({}),
    );
    r.call(
        "CreateAlias",
        "POST",
        "/2015-03-31/functions/full/aliases",
        json!({
            "Name": "live", "FunctionVersion": "2", "Description": "blue/green",
            "RoutingConfig": { "AdditionalVersionWeights": { "1": 0.25 } },
        }),
    );
    r.call(
        "CreateAlias",
        "POST",
        "/2015-03-31/functions/full/aliases",
        json!({ "Name": "head", "FunctionVersion": "$LATEST" }),
    );
    r.get("GetAlias", "/2015-03-31/functions/full/aliases/live");
    r.get("ListAliases", "/2015-03-31/functions/full/aliases");
    r.get(
        "ListAliases",
        "/2015-03-31/functions/full/aliases?FunctionVersion=2&MaxItems=1",
    );
    r.get("GetFunction", "/2015-03-31/functions/full:live");
    r.get("ListFunctions", "/2015-03-31/functions");
    r.get("ListFunctions", "/2015-03-31/functions?FunctionVersion=ALL");
    r.get("ListFunctions", "/2015-03-31/functions?MaxItems=1");

    let full = r.get(
        "GetFunctionConfiguration",
        "/2015-03-31/functions/full/configuration",
    );
    let pin = full["RuntimeVersionConfig"]["RuntimeVersionArn"].clone();
    r.get(
        "GetRuntimeManagementConfig",
        "/2021-07-20/functions/full/runtime-management-config",
    );
    r.call(
        "PutRuntimeManagementConfig",
        "PUT",
        "/2021-07-20/functions/full/runtime-management-config",
        json!({ "UpdateRuntimeOn": "Manual", "RuntimeVersionArn": pin }),
    );
    r.get(
        "GetRuntimeManagementConfig",
        "/2021-07-20/functions/full/runtime-management-config?Qualifier=%24LATEST",
    );
    r.call(
        "PutRuntimeManagementConfig",
        "PUT",
        "/2021-07-20/functions/full/runtime-management-config?Qualifier=1",
        json!({ "UpdateRuntimeOn": "FunctionUpdate" }),
    );
    r.get(
        "GetRuntimeManagementConfig",
        "/2021-07-20/functions/full/runtime-management-config?Qualifier=1",
    );

    let tags = "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afull";
    r.call(
        "TagResource",
        "POST",
        tags,
        json!({ "Tags": { "rtm:lineage": "abc" } }),
    );
    r.get("ListTags", tags);
    r.call(
        "UntagResource",
        "DELETE",
        &format!("{tags}?tagKeys=team"),
        Value::Null,
    );
    r.get("ListTags", tags);
    r.call(
        "DeleteFunction",
        "DELETE",
        "/2015-03-31/functions/full?Qualifier=1",
        Value::Null,
    );
    r.call(
        "DeleteFunction",
        "DELETE",
        "/2015-03-31/functions/plain",
        Value::Null,
    );

    let served: Vec<&str> = vec![
        "CreateAlias",
        "CreateFunction",
        "DeleteFunction",
        "GetAlias",
        "GetFunction",
        "GetFunctionConfiguration",
        "GetRuntimeManagementConfig",
        "ListAliases",
        "ListFunctions",
        "ListTags",
        "ListVersionsByFunction",
        "PublishVersion",
        "PutRuntimeManagementConfig",
        "TagResource",
        "UntagResource",
        "UpdateFunctionConfiguration",
    ];
    let file = tempfile::NamedTempFile::new().expect("cases file");
    std::fs::write(file.path(), serde_json::to_vec(&r.cases).expect("json")).expect("write");
    let path = file.path().to_str().expect("utf-8 temp path");
    let report = python_json(CHECKER, &[path]);
    assert_eq!(report["checked"], r.cases.len());
    assert_eq!(
        report["operations"],
        json!(served),
        "every served operation was checked"
    );
    assert_eq!(
        report["errors"],
        json!([]),
        "responses outside botocore's shapes"
    );
}
