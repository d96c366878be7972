//! Conformance of the emulator with the AWS CLI (botocore's parser and
//! waiters): every operation, including the seed document's
//! `put-runtime-management-config` example and its output shape.

use serde_json::{Value, json};

use crate::support::Output;
use crate::support::sim::{ROLE, SimProcess, admin, aws_lambda, empty_zip};

#[track_caller]
fn ok(out: Output) -> Value {
    assert_eq!(
        out.code, 0,
        "aws failed\n--- stdout\n{}\n--- stderr\n{}",
        out.stdout, out.stderr
    );
    if out.stdout.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
    }
}

/// The CLI's error line: `An error occurred (Code) when calling the Op operation: message`.
#[track_caller]
fn fails(out: Output, code: &str, message: &str) {
    assert_ne!(out.code, 0, "expected a failure: {}", out.stdout);
    let expected = format!("An error occurred ({code}) when calling the ");
    assert!(out.stderr.contains(&expected), "{}", out.stderr);
    assert!(
        out.stderr.contains(message),
        "wanted {message:?} in {}",
        out.stderr
    );
}

fn zip_file() -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new()
        .suffix(".zip")
        .tempfile()
        .expect("zip");
    std::fs::write(f.path(), empty_zip()).expect("write zip");
    f
}

fn wait_successful(url: &str, name: &str) {
    // botocore's own waiter (1 s polling) through the emulator.
    ok(aws_lambda(
        url,
        &["wait", "function-updated-v2", "--function-name", name],
    ));
}

#[test]
fn the_seed_put_runtime_management_config_example_and_its_output() {
    crate::support::python::tools();
    let sim = SimProcess::start(&["--region", "eu-west-1", "--account", "069549076217"]);
    let zip = zip_file();
    let zip_arg = format!("fileb://{}", zip.path().display());
    let created = ok(aws_lambda(
        &sim.url,
        &[
            "create-function",
            "--function-name",
            "myfunction",
            "--runtime",
            "python3.12",
            "--handler",
            "app.handler",
            "--role",
            "arn:aws:iam::069549076217:role/r",
            "--zip-file",
            &zip_arg,
        ],
    ));
    assert_eq!(created["State"], "Pending");
    assert_eq!(
        created["FunctionArn"],
        "arn:aws:lambda:eu-west-1:069549076217:function:myfunction"
    );
    let catalogue = admin(
        &sim.url,
        "GET",
        "/_sim/runtimes?Runtime=python3.12&Architecture=x86_64",
        json!(null),
    );
    let arn = catalogue["Runtimes"][0]["Versions"][1]["Arn"]
        .as_str()
        .expect("arn")
        .to_owned();
    assert!(
        arn.starts_with("arn:aws:lambda:eu-west-1::runtime:"),
        "{arn}"
    );

    let out = ok(aws_lambda(
        &sim.url,
        &[
            "put-runtime-management-config",
            "--function-name",
            "arn:aws:lambda:eu-west-1:069549076217:function:myfunction",
            "--update-runtime-on",
            "Manual",
            "--runtime-version-arn",
            &arn,
        ],
    ));
    assert_eq!(
        out,
        json!({
            "UpdateRuntimeOn": "Manual",
            "FunctionArn": "arn:aws:lambda:eu-west-1:069549076217:function:myfunction",
            "RuntimeVersionArn": arn,
        })
    );
    let got = ok(aws_lambda(
        &sim.url,
        &[
            "get-runtime-management-config",
            "--function-name",
            "myfunction",
        ],
    ));
    assert_eq!(got["UpdateRuntimeOn"], "Manual");
    assert_eq!(got["RuntimeVersionArn"], arn.as_str());
    let auto = ok(aws_lambda(
        &sim.url,
        &[
            "put-runtime-management-config",
            "--function-name",
            "myfunction",
            "--update-runtime-on",
            "Auto",
        ],
    ));
    assert_eq!(
        auto,
        json!({
            "UpdateRuntimeOn": "Auto",
            "FunctionArn": "arn:aws:lambda:eu-west-1:069549076217:function:myfunction",
        })
    );
    fails(
        aws_lambda(
            &sim.url,
            &[
                "get-runtime-management-config",
                "--function-name",
                "myfunction",
                "--qualifier",
                "live",
            ],
        ),
        "InvalidParameterValueException",
        "Aliases are not allowed.",
    );
}

#[test]
fn every_operation_through_the_cli() {
    crate::support::python::tools();
    let sim = SimProcess::start(&[]);
    let url = sim.url.as_str();
    let zip = zip_file();
    let zip_arg = format!("fileb://{}", zip.path().display());
    ok(aws_lambda(
        url,
        &[
            "create-function",
            "--function-name",
            "cli-fn",
            "--runtime",
            "python3.12",
            "--handler",
            "app.handler",
            "--role",
            ROLE,
            "--zip-file",
            &zip_arg,
            "--environment",
            "Variables={STAGE=dev}",
        ],
    ));
    ok(aws_lambda(
        url,
        &["wait", "function-active-v2", "--function-name", "cli-fn"],
    ));
    let got = ok(aws_lambda(
        url,
        &["get-function", "--function-name", "cli-fn"],
    ));
    assert_eq!(got["Configuration"]["State"], "Active");
    assert_eq!(
        got["Configuration"]["Environment"]["Variables"]["STAGE"],
        "dev"
    );
    assert_eq!(got["Code"]["RepositoryType"], "S3");
    let revision = got["Configuration"]["RevisionId"]
        .as_str()
        .expect("rev")
        .to_owned();

    fails(
        aws_lambda(
            url,
            &[
                "update-function-configuration",
                "--function-name",
                "cli-fn",
                "--memory-size",
                "256",
                "--revision-id",
                "00000000-0000-0000-0000-000000000000",
            ],
        ),
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id.",
    );
    // The update stays InProgress until the test settles it: however slow
    // the next CLI call (a Python start-up) is, it lands inside the update.
    admin(
        url,
        "PUT",
        "/_sim/faults",
        json!({ "UpdateDelayMs": 600_000 }),
    );
    let updated = ok(aws_lambda(
        url,
        &[
            "update-function-configuration",
            "--function-name",
            "cli-fn",
            "--memory-size",
            "256",
            "--revision-id",
            &revision,
        ],
    ));
    assert_eq!(updated["LastUpdateStatus"], "InProgress");
    fails(
        aws_lambda(url, &["publish-version", "--function-name", "cli-fn"]),
        "ResourceConflictException",
        "An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:cli-fn",
    );
    admin(url, "PUT", "/_sim/faults", json!({ "UpdateDelayMs": 50 }));
    let settled = admin(url, "POST", "/_sim/settle", json!({}));
    assert_eq!(settled["Settled"], json!(["cli-fn"]));
    wait_successful(url, "cli-fn");
    let conf = ok(aws_lambda(
        url,
        &["get-function-configuration", "--function-name", "cli-fn"],
    ));
    assert_eq!(conf["MemorySize"], 256);
    assert_eq!(conf["LastUpdateStatus"], "Successful");
    assert!(
        conf["RuntimeVersionConfig"]["RuntimeVersionArn"]
            .as_str()
            .is_some()
    );

    let v1 = ok(aws_lambda(
        url,
        &["publish-version", "--function-name", "cli-fn"],
    ));
    assert_eq!(v1["Version"], "1");
    let versions = ok(aws_lambda(
        url,
        &["list-versions-by-function", "--function-name", "cli-fn"],
    ));
    let listed: Vec<&str> = versions["Versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["Version"].as_str())
        .collect();
    assert_eq!(listed, ["$LATEST", "1"]);
    ok(aws_lambda(
        url,
        &[
            "create-alias",
            "--function-name",
            "cli-fn",
            "--name",
            "live",
            "--function-version",
            "1",
        ],
    ));
    let alias = ok(aws_lambda(
        url,
        &["get-alias", "--function-name", "cli-fn", "--name", "live"],
    ));
    assert_eq!(
        alias["AliasArn"],
        "arn:aws:lambda:us-east-1:123456789012:function:cli-fn:live"
    );
    let aliases = ok(aws_lambda(
        url,
        &["list-aliases", "--function-name", "cli-fn"],
    ));
    assert_eq!(aliases["Aliases"].as_array().map(Vec::len), Some(1));

    let rm = ok(aws_lambda(
        url,
        &[
            "get-runtime-management-config",
            "--function-name",
            "cli-fn",
            "--qualifier",
            "1",
        ],
    ));
    assert_eq!(
        rm,
        json!({ "UpdateRuntimeOn": "Auto", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:cli-fn:1" })
    );

    // The CLI's paginator follows NextMarker through pages of one item.
    ok(aws_lambda(
        url,
        &[
            "create-function",
            "--function-name",
            "cli-fn-2",
            "--runtime",
            "nodejs20.x",
            "--handler",
            "index.handler",
            "--role",
            ROLE,
            "--zip-file",
            &zip_arg,
        ],
    ));
    let all = ok(aws_lambda(url, &["list-functions", "--page-size", "1"]));
    let names: Vec<&str> = all["Functions"]
        .as_array()
        .expect("functions")
        .iter()
        .filter_map(|f| f["FunctionName"].as_str())
        .collect();
    assert_eq!(names, ["cli-fn", "cli-fn-2"]);
    let every = ok(aws_lambda(
        url,
        &["list-functions", "--function-version", "ALL"],
    ));
    assert_eq!(every["Functions"].as_array().map(Vec::len), Some(3));

    ok(aws_lambda(
        url,
        &["delete-function", "--function-name", "cli-fn-2"],
    ));
    fails(
        aws_lambda(url, &["get-function", "--function-name", "cli-fn-2"]),
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:cli-fn-2",
    );
    fails(
        aws_lambda(url, &["get-policy", "--function-name", "cli-fn"]),
        "NotImplementedException",
        "GetPolicy",
    );
}
