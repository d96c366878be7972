//! The emulator through boto3 (botocore's own parsers and modelled
//! exceptions), the client most Lambda tooling in Python uses.

use crate::support::sim::{SimProcess, python_json};

const SCRIPT: &str = r#"
import base64, json, sys, time
import boto3, botocore

url = sys.argv[1]
c = boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 config=botocore.config.Config(retries={"max_attempts": 1}))
out = {}
c.create_function(FunctionName="py", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/r",
                  Handler="app.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
c.get_waiter("function_active_v2").wait(FunctionName="py", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
arn = c.get_function(FunctionName="py")["Configuration"]["RuntimeVersionConfig"]["RuntimeVersionArn"]
put = c.put_runtime_management_config(FunctionName="py", UpdateRuntimeOn="Manual", RuntimeVersionArn=arn)
put.pop("ResponseMetadata")
out["put"] = put
got = c.get_runtime_management_config(FunctionName="py", Qualifier="$LATEST")
out["get_mode"] = got["UpdateRuntimeOn"]
try:
    c.update_function_configuration(FunctionName="py", Runtime="python3.13")
    out["runtime_change_while_manual"] = "accepted"
except c.exceptions.InvalidParameterValueException as e:
    out["runtime_change_while_manual"] = e.response["Error"]["Message"]
rev = c.get_function(FunctionName="py")["Configuration"]["RevisionId"]
try:
    c.update_function_configuration(FunctionName="py", MemorySize=256, RevisionId="not-" + rev)
    out["stale_revision"] = "accepted"
except c.exceptions.PreconditionFailedException as e:
    out["stale_revision"] = e.response["ResponseMetadata"]["HTTPStatusCode"]
c.update_function_configuration(FunctionName="py", MemorySize=256, RevisionId=rev)
try:
    c.update_function_configuration(FunctionName="py", MemorySize=512)
    out["during_update"] = "accepted"
except c.exceptions.ResourceConflictException as e:
    out["during_update"] = e.response["Error"]["Message"]
c.get_waiter("function_updated_v2").wait(FunctionName="py", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
c.create_alias(FunctionName="py", Name="live", FunctionVersion=c.publish_version(FunctionName="py")["Version"])
try:
    c.get_runtime_management_config(FunctionName="py:live")
    out["alias"] = "accepted"
except c.exceptions.InvalidParameterValueException as e:
    out["alias"] = e.response["Error"]["Message"]
try:
    c.get_function(FunctionName="nope")
except c.exceptions.ResourceNotFoundException as e:
    out["missing"] = e.response["Error"]["Message"]
print(json.dumps(out))
"#;

#[test]
fn boto3_sees_lambda_shaped_answers_and_modelled_exceptions() {
    crate::support::python::tools();
    let sim = SimProcess::start(&["--update-delay-ms", "300"]);
    let v = python_json(SCRIPT, &[&sim.url]);
    assert_eq!(v["put"]["UpdateRuntimeOn"], "Manual");
    assert_eq!(
        v["put"]["FunctionArn"],
        "arn:aws:lambda:us-east-1:123456789012:function:py"
    );
    assert!(
        v["put"]["RuntimeVersionArn"]
            .as_str()
            .is_some_and(|a| a.contains("::runtime:"))
    );
    assert_eq!(v["get_mode"], "Manual");
    assert_eq!(
        v["runtime_change_while_manual"],
        "Cannot change runtime identifier when runtime management configuration is set to 'Manual'"
    );
    assert_eq!(v["stale_revision"], 412);
    assert!(
        v["during_update"].as_str().is_some_and(|m| m.starts_with(
            "The operation cannot be performed at this time. An update is in progress for resource: "
        )),
        "{v}"
    );
    assert!(
        v["alias"]
            .as_str()
            .is_some_and(|m| m.ends_with("Aliases are not allowed.")),
        "{v}"
    );
    assert_eq!(
        v["missing"],
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
    );
}
