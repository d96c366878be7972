//! Conformance of the emulator with the real aws-sdk-lambda client: every
//! operation and every behaviour of issue 2, seen through a client nobody
//! here wrote.

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, FunctionVersion, LastUpdateStatus, PackageType, Runtime, State,
    UpdateRuntimeOn,
};
use serde_json::json;

use crate::support::sim::{ROLE, SimProcess, admin, empty_zip, failure, sdk, zip_function};

const REGION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function";

async fn create_zip(c: &Client, name: &str, runtime: Runtime) {
    zip_function(c, name, runtime).send().await.expect("create");
    settle(c, name).await;
}

/// Waits until `name` is Active and its last update is not InProgress.
async fn settle(
    c: &Client,
    name: &str,
) -> aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput {
    for _ in 0..500 {
        let out = c
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .expect("get configuration");
        if out.state() == Some(&State::Active)
            && out.last_update_status() != Some(&LastUpdateStatus::InProgress)
        {
            return out;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{name} never settled");
}

fn runtime_arn_of(
    c: &aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput,
) -> String {
    c.runtime_version_config()
        .and_then(|r| r.runtime_version_arn())
        .expect("RuntimeVersionArn")
        .to_owned()
}

fn catalogue(url: &str, runtime: &str, arch: &str) -> Vec<(String, String)> {
    let out = admin(
        url,
        "GET",
        &format!("/_sim/runtimes?Runtime={runtime}&Architecture={arch}"),
        json!(null),
    );
    out["Runtimes"][0]["Versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["Name"].as_str().unwrap_or("").to_owned(),
                v["Arn"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn create_get_list_and_delete_zip_s3_and_image_functions() {
    let sim = SimProcess::start(&[]);
    let c = sdk(&sim.url, false).await;

    let created = c
        .create_function()
        .function_name("zip-fn")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role(ROLE)
        .memory_size(256)
        .environment(Environment::builder().variables("STAGE", "prod").build())
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(empty_zip()))
                .build(),
        )
        .send()
        .await
        .expect("create zip");
    assert_eq!(created.state(), Some(&State::Pending));
    assert_eq!(
        created.state_reason_code().map(|c| c.as_str()),
        Some("Creating")
    );
    assert_eq!(created.last_update_status(), None);
    assert_eq!(
        created.function_arn(),
        Some(format!("{REGION_ARN}:zip-fn").as_str())
    );
    assert_eq!(created.timeout(), Some(3));
    assert_eq!(created.memory_size(), Some(256));
    let created_arn = created
        .runtime_version_config()
        .and_then(|r| r.runtime_version_arn())
        .expect("RuntimeVersionConfig on a Zip function");
    let hex = created_arn
        .strip_prefix("arn:aws:lambda:us-east-1::runtime:")
        .expect("runtime version ARN");
    assert!(
        hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );

    c.create_function()
        .function_name("s3-fn")
        .runtime(Runtime::Nodejs20x)
        .handler("index.handler")
        .role(ROLE)
        .code(
            FunctionCode::builder()
                .s3_bucket("bucket")
                .s3_key("key.zip")
                .build(),
        )
        .send()
        .await
        .expect("create s3");
    let image = c
        .create_function()
        .function_name("image-fn")
        .package_type(PackageType::Image)
        .role(ROLE)
        .code(
            FunctionCode::builder()
                .image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1")
                .build(),
        )
        .send()
        .await
        .expect("create image");
    assert_eq!(image.runtime(), None);
    assert_eq!(image.handler(), None);
    assert!(image.runtime_version_config().is_none());

    for name in ["zip-fn", "s3-fn", "image-fn"] {
        settle(&c, name).await;
    }
    let got = c
        .get_function()
        .function_name("zip-fn")
        .send()
        .await
        .expect("get");
    let conf = got.configuration().expect("configuration");
    assert_eq!(conf.state(), Some(&State::Active));
    assert_eq!(
        conf.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
    assert_eq!(
        conf.environment()
            .and_then(|e| e.variables())
            .and_then(|v| v.get("STAGE"))
            .map(String::as_str),
        Some("prod")
    );
    assert_eq!(got.code().and_then(|c| c.repository_type()), Some("S3"));
    let got = c
        .get_function()
        .function_name("image-fn")
        .send()
        .await
        .expect("get image");
    assert_eq!(got.code().and_then(|c| c.repository_type()), Some("ECR"));
    assert!(
        got.code()
            .and_then(|c| c.resolved_image_uri())
            .is_some_and(|u| u.contains("@sha256:"))
    );
    assert!(
        got.configuration()
            .and_then(|c| c.runtime_version_config())
            .is_none()
    );

    let dup = zip_function(&c, "zip-fn", Runtime::Python312)
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(
        failure(dup),
        (
            409,
            "ResourceConflictException".into(),
            "Function already exist: zip-fn".into()
        )
    );

    // Pagination: MaxItems 2 over 3 functions, through the SDK's paginator.
    let pages: Vec<_> = c
        .list_functions()
        .max_items(2)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("list");
    assert_eq!(pages.len(), 2);
    let names: Vec<String> = pages
        .iter()
        .flat_map(|p| p.functions())
        .map(|f| f.function_name().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["image-fn", "s3-fn", "zip-fn"]);
    let item = &pages[0].functions()[0];
    assert_eq!(item.state(), None, "list items leave State out");
    assert!(item.runtime_version_config().is_none());
    assert_eq!(
        item.function_arn(),
        Some(format!("{REGION_ARN}:image-fn").as_str())
    );

    c.publish_version()
        .function_name("zip-fn")
        .send()
        .await
        .expect("publish");
    let all = c
        .list_functions()
        .function_version(FunctionVersion::All)
        .send()
        .await
        .expect("list ALL");
    let arns: Vec<&str> = all
        .functions()
        .iter()
        .filter_map(|f| f.function_arn())
        .collect();
    assert!(
        arns.contains(&format!("{REGION_ARN}:zip-fn:$LATEST").as_str()),
        "{arns:?}"
    );
    assert!(
        arns.contains(&format!("{REGION_ARN}:zip-fn:1").as_str()),
        "{arns:?}"
    );
    assert_eq!(arns.len(), 4);

    c.delete_function()
        .function_name("s3-fn")
        .send()
        .await
        .expect("delete");
    let gone = c
        .get_function()
        .function_name("s3-fn")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(
        failure(gone),
        (
            404,
            "ResourceNotFoundException".into(),
            format!("Function not found: {REGION_ARN}:s3-fn")
        )
    );
}

#[tokio::test]
async fn more_than_fifty_functions_come_in_pages_of_at_most_fifty() {
    let seed = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(
        seed.path(),
        json!({ "Functions": [{ "FunctionName": "fleet", "Count": 120, "PublishedVersions": 1 }] })
            .to_string(),
    )
    .expect("write seed");
    let sim = SimProcess::start(&["--seed", seed.path().to_str().expect("utf8")]);
    let c = sdk(&sim.url, false).await;
    let first = c
        .list_functions()
        .max_items(1000)
        .send()
        .await
        .expect("list");
    assert_eq!(first.functions().len(), 50);
    assert!(first.next_marker().is_some());
    let pages: Vec<_> = c
        .list_functions()
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate");
    let sizes: Vec<usize> = pages.iter().map(|p| p.functions().len()).collect();
    assert_eq!(sizes, [50, 50, 20]);
    let all: usize = c
        .list_functions()
        .function_version(FunctionVersion::All)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate ALL")
        .len();
    assert_eq!(all, 240);
}

#[tokio::test]
async fn every_name_form_reaches_the_function_and_bad_names_get_aws_errors() {
    let sim = SimProcess::start(&[]);
    let c = sdk(&sim.url, false).await;
    create_zip(&c, "named", Runtime::Python312).await;
    for name in [
        "named".to_owned(),
        "123456789012:function:named".to_owned(),
        format!("{REGION_ARN}:named"),
        "named:$LATEST".to_owned(),
    ] {
        let out = c
            .get_function_configuration()
            .function_name(&name)
            .send()
            .await
            .expect(&name);
        assert_eq!(out.function_name(), Some("named"), "{name}");
    }
    let q = c
        .get_function_configuration()
        .function_name("named")
        .qualifier("$LATEST")
        .send()
        .await
        .expect("qualified");
    assert_eq!(
        q.function_arn(),
        Some(format!("{REGION_ARN}:named:$LATEST").as_str())
    );

    let e = c
        .get_function()
        .function_name("named:1")
        .qualifier("2")
        .send()
        .await
        .expect_err("disagreeing qualifiers");
    assert_eq!(
        failure(e),
        (
            400,
            "InvalidParameterValueException".into(),
            "The derived qualifier from the function name does not match the specified qualifier."
                .into()
        )
    );
    let e = c
        .get_function()
        .function_name("arn:aws:lambda:ap-southeast-1:123456789012:function:named")
        .send()
        .await
        .expect_err("other region");
    assert_eq!(
        failure(e),
        (
            404,
            "ResourceNotFoundException".into(),
            "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')".into()
        )
    );
    let e = c
        .get_function()
        .function_name("named")
        .qualifier("7")
        .send()
        .await
        .expect_err("no version");
    assert_eq!(
        failure(e).2,
        format!("Function not found: {REGION_ARN}:named:7")
    );
    let e = c
        .get_function()
        .function_name("named")
        .qualifier("$latest")
        .send()
        .await
        .expect_err("case");
    assert_eq!(
        failure(e).2,
        format!("Function not found: {REGION_ARN}:named:$latest")
    );
    let e = c
        .get_function()
        .function_name("missing")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(
        failure(e),
        (
            404,
            "ResourceNotFoundException".into(),
            format!("Function not found: {REGION_ARN}:missing")
        )
    );
    let e = c
        .get_function()
        .function_name("arn:aws:lambda:us-east-1:999999999999:function:named")
        .send()
        .await
        .expect_err("other account");
    assert_eq!(failure(e).0, 403);

    let e = zip_function(&c, "a".repeat(65), Runtime::Python312)
        .send()
        .await
        .expect_err("65 chars");
    let (status, code, message) = failure(e);
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidParameterValueException")
    );
    assert!(
        message.ends_with("Member must have length less than or equal to 64"),
        "{message}"
    );
    let e = c
        .get_function()
        .function_name("a".repeat(65))
        .send()
        .await
        .expect_err("65 get");
    assert_eq!(failure(e).1, "ResourceNotFoundException");
    let e = c
        .get_function()
        .function_name("a".repeat(257))
        .send()
        .await
        .expect_err("257");
    let (status, code, message) = failure(e);
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    assert!(
        message.contains("Member must have length less than or equal to 256"),
        "{message}"
    );
    let e = c
        .update_function_configuration()
        .function_name("invalid:function:name")
        .send()
        .await
        .expect_err("pattern");
    let (status, code, message) = failure(e);
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    assert!(message.starts_with("1 validation error detected: Value 'invalid:function:name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern"), "{message}");
}

#[tokio::test]
async fn revision_ids_change_on_create_update_completion_and_publish_and_guard_writes() {
    let sim = SimProcess::start(&[]);
    let c = sdk(&sim.url, false).await;
    let r1 = zip_function(&c, "rev", Runtime::Python312)
        .send()
        .await
        .expect("create")
        .revision_id()
        .expect("R1")
        .to_owned();
    let r2 = settle(&c, "rev")
        .await
        .revision_id()
        .expect("R2")
        .to_owned();
    assert_ne!(r1, r2, "creation completing changes the RevisionId");

    let stale = c
        .update_function_configuration()
        .function_name("rev")
        .memory_size(512)
        .revision_id(&r1)
        .send()
        .await
        .expect_err("stale");
    let (status, code, message) = failure(stale);
    assert_eq!(
        (status, code.as_str()),
        (412, "PreconditionFailedException")
    );
    assert_eq!(
        message,
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
    );
    let unchanged = settle(&c, "rev").await;
    assert_eq!(unchanged.memory_size(), Some(128), "a 412 changes nothing");
    assert_eq!(unchanged.revision_id(), Some(r2.as_str()));

    let r3 = c
        .update_function_configuration()
        .function_name("rev")
        .memory_size(512)
        .revision_id(&r2)
        .send()
        .await
        .expect("update")
        .revision_id()
        .expect("R3")
        .to_owned();
    assert_ne!(r3, r2);
    let r4 = settle(&c, "rev")
        .await
        .revision_id()
        .expect("R4")
        .to_owned();
    assert_ne!(r4, r3, "completion changes the RevisionId again");

    // The RevisionId of the update response is stale once it completes.
    let e = c
        .publish_version()
        .function_name("rev")
        .revision_id(&r3)
        .send()
        .await
        .expect_err("stale publish");
    assert_eq!(failure(e).0, 412);
    let v1 = c
        .publish_version()
        .function_name("rev")
        .revision_id(&r4)
        .send()
        .await
        .expect("publish");
    let r5 = settle(&c, "rev")
        .await
        .revision_id()
        .expect("R5")
        .to_owned();
    assert_ne!(r5, r4, "publishing changes $LATEST's RevisionId");
    assert_ne!(v1.revision_id(), Some(r5.as_str()));
    let again = c
        .publish_version()
        .function_name("rev")
        .send()
        .await
        .expect("no-op publish");
    assert_eq!(again.version(), Some("1"));
    assert_eq!(again.revision_id(), v1.revision_id());
    assert_eq!(
        settle(&c, "rev").await.revision_id(),
        Some(r5.as_str()),
        "a no-op publish changes nothing"
    );
}

#[tokio::test]
async fn updates_are_in_progress_then_successful_and_can_be_made_to_fail() {
    let sim = SimProcess::start(&["--update-delay-ms", "300"]);
    let c = sdk(&sim.url, false).await;
    create_zip(&c, "busy", Runtime::Python312).await;
    let out = c
        .update_function_configuration()
        .function_name("busy")
        .timeout(30)
        .send()
        .await
        .expect("update");
    assert_eq!(
        out.last_update_status(),
        Some(&LastUpdateStatus::InProgress)
    );
    assert_eq!(out.timeout(), Some(30));
    let conflict = format!(
        "The operation cannot be performed at this time. An update is in progress for resource: {REGION_ARN}:busy"
    );
    let e = c
        .update_function_configuration()
        .function_name("busy")
        .timeout(40)
        .send()
        .await
        .expect_err("409");
    assert_eq!(
        failure(e),
        (409, "ResourceConflictException".into(), conflict.clone())
    );
    let e = c
        .publish_version()
        .function_name("busy")
        .send()
        .await
        .expect_err("409 publish");
    assert_eq!(
        failure(e),
        (409, "ResourceConflictException".into(), conflict.clone())
    );
    let e = c
        .put_runtime_management_config()
        .function_name("busy")
        .update_runtime_on(UpdateRuntimeOn::FunctionUpdate)
        .send()
        .await
        .expect_err("409 put");
    assert_eq!(
        failure(e),
        (409, "ResourceConflictException".into(), conflict)
    );
    let done = settle(&c, "busy").await;
    assert_eq!(
        done.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
    assert_eq!(done.last_update_status_reason_code(), None);
    assert_eq!(done.timeout(), Some(30));

    admin(
        &sim.url,
        "POST",
        "/_sim/faults/fail-next-update",
        json!({ "FunctionName": "busy", "ReasonCode": "InvalidConfiguration" }),
    );
    c.update_function_configuration()
        .function_name("busy")
        .timeout(60)
        .send()
        .await
        .expect("update");
    let failed = settle(&c, "busy").await;
    assert_eq!(failed.last_update_status(), Some(&LastUpdateStatus::Failed));
    assert_eq!(
        failed.last_update_status_reason_code().map(|c| c.as_str()),
        Some("InvalidConfiguration")
    );
    assert_eq!(
        failed.timeout(),
        Some(30),
        "the previous configuration stays"
    );
    // The next update is not failed again.
    c.update_function_configuration()
        .function_name("busy")
        .timeout(61)
        .send()
        .await
        .expect("update");
    assert_eq!(
        settle(&c, "busy").await.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
}

#[tokio::test]
async fn runtime_management_follows_lambdas_rules() {
    let sim = SimProcess::start(&[]);
    let c = sdk(&sim.url, false).await;
    create_zip(&c, "rm", Runtime::Python312).await;
    let got = c
        .get_runtime_management_config()
        .function_name("rm")
        .send()
        .await
        .expect("get");
    assert_eq!(got.update_runtime_on(), Some(&UpdateRuntimeOn::Auto));
    assert_eq!(got.runtime_version_arn(), None);
    assert_eq!(
        got.function_arn(),
        Some(format!("{REGION_ARN}:rm").as_str())
    );

    let versions = catalogue(&sim.url, "python3.12", "x86_64");
    let (old_name, old_arn) = versions[2].clone();
    assert_eq!(old_name, "python:3.12.v15");

    let e = c
        .put_runtime_management_config()
        .function_name("rm")
        .update_runtime_on(UpdateRuntimeOn::Manual)
        .send()
        .await
        .expect_err("no arn");
    assert_eq!(failure(e).1, "InvalidParameterValueException");
    for mode in [UpdateRuntimeOn::Auto, UpdateRuntimeOn::FunctionUpdate] {
        let e = c
            .put_runtime_management_config()
            .function_name("rm")
            .update_runtime_on(mode)
            .runtime_version_arn(&old_arn)
            .send()
            .await
            .expect_err("arn without Manual");
        assert_eq!(failure(e).0, 400);
    }
    let other_runtime = catalogue(&sim.url, "nodejs20.x", "x86_64")[0].1.clone();
    let other_arch = catalogue(&sim.url, "python3.12", "arm64")[0].1.clone();
    for arn in [
        other_runtime,
        other_arch,
        "arn:aws:lambda:us-east-1::runtime:abc".to_owned(),
    ] {
        let e = c
            .put_runtime_management_config()
            .function_name("rm")
            .update_runtime_on(UpdateRuntimeOn::Manual)
            .runtime_version_arn(&arn)
            .send()
            .await
            .expect_err("not in catalogue");
        assert_eq!(failure(e).1, "InvalidParameterValueException", "{arn}");
    }
    let put = c
        .put_runtime_management_config()
        .function_name("rm")
        .update_runtime_on(UpdateRuntimeOn::Manual)
        .runtime_version_arn(&old_arn)
        .send()
        .await
        .expect("pin");
    assert_eq!(put.update_runtime_on(), &UpdateRuntimeOn::Manual);
    assert_eq!(put.runtime_version_arn(), Some(old_arn.as_str()));
    assert_eq!(put.function_arn(), format!("{REGION_ARN}:rm"));
    let got = c
        .get_runtime_management_config()
        .function_name("rm")
        .send()
        .await
        .expect("get");
    assert_eq!(got.runtime_version_arn(), Some(old_arn.as_str()));
    assert_eq!(
        runtime_arn_of(&settle(&c, "rm").await),
        old_arn,
        "Manual runs the pinned version"
    );

    let e = c
        .update_function_configuration()
        .function_name("rm")
        .runtime(Runtime::Python313)
        .send()
        .await
        .expect_err("runtime change while Manual");
    assert_eq!(
        failure(e),
        (
            400,
            "InvalidParameterValueException".into(),
            "Cannot change runtime identifier when runtime management configuration is set to 'Manual'".into()
        )
    );
    c.update_function_configuration()
        .function_name("rm")
        .memory_size(1024)
        .send()
        .await
        .expect("other change");
    assert_eq!(
        runtime_arn_of(&settle(&c, "rm").await),
        old_arn,
        "Manual never moves"
    );

    c.create_alias()
        .function_name("rm")
        .name("live")
        .function_version("$LATEST")
        .send()
        .await
        .expect("alias");
    let e = c
        .get_runtime_management_config()
        .function_name("rm")
        .qualifier("live")
        .send()
        .await
        .expect_err("alias");
    assert_eq!(
        failure(e),
        (
            400,
            "InvalidParameterValueException".into(),
            format!(
                "The provided function name {REGION_ARN}:rm:live is invalid. Aliases are not allowed."
            )
        )
    );
    let e = c
        .put_runtime_management_config()
        .function_name("rm:live")
        .update_runtime_on(UpdateRuntimeOn::Auto)
        .send()
        .await
        .expect_err("alias put");
    assert!(failure(e).2.ends_with("Aliases are not allowed."));

    let v = c
        .publish_version()
        .function_name("rm")
        .send()
        .await
        .expect("publish");
    assert_eq!(
        v.runtime_version_config()
            .and_then(|r| r.runtime_version_arn()),
        Some(old_arn.as_str()),
        "a version runs what $LATEST ran"
    );
    let got = c
        .get_runtime_management_config()
        .function_name("rm")
        .qualifier("1")
        .send()
        .await
        .expect("version");
    assert_eq!(
        got.update_runtime_on(),
        Some(&UpdateRuntimeOn::Auto),
        "versions start in Auto"
    );
    assert_eq!(
        got.function_arn(),
        Some(format!("{REGION_ARN}:rm:1").as_str())
    );
    let e = c
        .get_runtime_management_config()
        .function_name("rm")
        .qualifier("9")
        .send()
        .await
        .expect_err("no version");
    assert_eq!(
        failure(e),
        (
            404,
            "ResourceNotFoundException".into(),
            format!("Function not found: {REGION_ARN}:rm:9")
        )
    );

    c.create_function()
        .function_name("img")
        .package_type(PackageType::Image)
        .role(ROLE)
        .code(
            FunctionCode::builder()
                .image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1")
                .build(),
        )
        .send()
        .await
        .expect("image");
    let e = c
        .get_runtime_management_config()
        .function_name("img")
        .send()
        .await
        .expect_err("image");
    assert_eq!(failure(e).0, 400);

    // Back to Auto: the pin is lifted and the runtime may change again.
    let put = c
        .put_runtime_management_config()
        .function_name("rm")
        .update_runtime_on(UpdateRuntimeOn::Auto)
        .send()
        .await
        .expect("auto");
    assert_eq!(put.runtime_version_arn(), None);
    let out = c
        .update_function_configuration()
        .function_name("rm")
        .runtime(Runtime::Python313)
        .send()
        .await
        .expect("runtime change");
    let latest313 = catalogue(&sim.url, "python3.13", "x86_64")[0].1.clone();
    assert_eq!(
        out.runtime_version_config()
            .and_then(|r| r.runtime_version_arn()),
        Some(latest313.as_str()),
        "changing Runtime moves to the new runtime's latest version"
    );
}

#[tokio::test]
async fn two_phase_rollout_moves_the_right_functions_at_the_right_time() {
    let sim = SimProcess::start(&[]);
    let c = sdk(&sim.url, false).await;
    for name in ["auto", "fupdate", "manual"] {
        create_zip(&c, name, Runtime::Python312).await;
    }
    let v17 = catalogue(&sim.url, "python3.12", "x86_64")[0].1.clone();
    c.put_runtime_management_config()
        .function_name("fupdate")
        .update_runtime_on(UpdateRuntimeOn::FunctionUpdate)
        .send()
        .await
        .expect("fu");
    c.put_runtime_management_config()
        .function_name("manual")
        .update_runtime_on(UpdateRuntimeOn::Manual)
        .runtime_version_arn(&v17)
        .send()
        .await
        .expect("manual");
    // Published versions: one left in Auto, one set to FunctionUpdate.
    c.publish_version()
        .function_name("auto")
        .send()
        .await
        .expect("auto:1");
    c.update_function_configuration()
        .function_name("auto")
        .memory_size(256)
        .send()
        .await
        .expect("change");
    settle(&c, "auto").await;
    c.publish_version()
        .function_name("auto")
        .send()
        .await
        .expect("auto:2");
    c.put_runtime_management_config()
        .function_name("auto")
        .qualifier("2")
        .update_runtime_on(UpdateRuntimeOn::FunctionUpdate)
        .send()
        .await
        .expect("auto:2 fu");

    let released = admin(
        &sim.url,
        "POST",
        "/_sim/runtimes/release",
        json!({ "Runtime": "python3.12", "Architecture": "x86_64" }),
    );
    let v18 = released["Released"][0]["Arn"]
        .as_str()
        .expect("arn")
        .to_owned();
    assert_eq!(released["Released"][0]["Name"], "python:3.12.v18");

    // Phase 1: nothing moves by itself; created or updated functions get v18.
    for name in ["auto", "fupdate", "manual"] {
        assert_eq!(runtime_arn_of(&settle(&c, name).await), v17, "{name}");
    }
    create_zip(&c, "fresh", Runtime::Python312).await;
    assert_eq!(runtime_arn_of(&settle(&c, "fresh").await), v18);
    c.update_function_configuration()
        .function_name("fupdate")
        .timeout(10)
        .send()
        .await
        .expect("update");
    assert_eq!(
        runtime_arn_of(&settle(&c, "fupdate").await),
        v18,
        "FunctionUpdate moves on update"
    );
    c.update_function_configuration()
        .function_name("manual")
        .timeout(10)
        .send()
        .await
        .expect("update");
    assert_eq!(
        runtime_arn_of(&settle(&c, "manual").await),
        v17,
        "Manual never moves"
    );

    // Phase 2: every Auto function and Auto published version moves.
    let moved = admin(&sim.url, "POST", "/_sim/rollout/phase2", json!({}));
    let moved: Vec<String> = moved["Moved"]
        .as_array()
        .expect("moved")
        .iter()
        .map(|m| {
            format!(
                "{}:{}",
                m["FunctionName"].as_str().unwrap_or(""),
                m["Version"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(moved, ["auto:$LATEST", "auto:1"]);
    assert_eq!(runtime_arn_of(&settle(&c, "auto").await), v18);
    let arn_of_version = |n: &'static str| {
        let c = c.clone();
        async move {
            c.get_function_configuration()
                .function_name("auto")
                .qualifier(n)
                .send()
                .await
                .expect("version")
                .runtime_version_config()
                .and_then(|r| r.runtime_version_arn())
                .map(str::to_owned)
        }
    };
    assert_eq!(
        arn_of_version("1").await,
        Some(v18.clone()),
        "Auto versions move in phase 2"
    );
    assert_eq!(
        arn_of_version("2").await,
        Some(v17.clone()),
        "FunctionUpdate versions never move"
    );
    assert_eq!(runtime_arn_of(&settle(&c, "manual").await), v17);
    let again = admin(&sim.url, "POST", "/_sim/rollout/phase2", json!({}));
    assert_eq!(
        again["Moved"],
        json!([]),
        "phase 2 moves each function once"
    );
}

#[tokio::test]
async fn versions_and_aliases() {
    let sim = SimProcess::start(&[]);
    let c = sdk(&sim.url, false).await;
    create_zip(&c, "pub", Runtime::Python312).await;
    let e = c
        .publish_version()
        .function_name("pub")
        .code_sha256("bogus")
        .send()
        .await
        .expect_err("sha");
    let (status, code, message) = failure(e);
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidParameterValueException")
    );
    assert!(
        message.starts_with("CodeSHA256 (bogus) is different from current CodeSHA256 in $LATEST ("),
        "{message}"
    );

    let v1 = c
        .publish_version()
        .function_name("pub")
        .description("first")
        .send()
        .await
        .expect("v1");
    assert_eq!(v1.version(), Some("1"));
    assert_eq!(
        v1.function_arn(),
        Some(format!("{REGION_ARN}:pub:1").as_str())
    );
    assert_eq!(v1.description(), Some("first"));
    c.update_function_configuration()
        .function_name("pub")
        .memory_size(512)
        .send()
        .await
        .expect("change");
    settle(&c, "pub").await;
    let v2 = c
        .publish_version()
        .function_name("pub")
        .send()
        .await
        .expect("v2");
    assert_eq!(v2.version(), Some("2"));
    assert_eq!(v2.memory_size(), Some(512));

    let listed = c
        .list_versions_by_function()
        .function_name("pub")
        .send()
        .await
        .expect("versions");
    let versions: Vec<&str> = listed
        .versions()
        .iter()
        .filter_map(|v| v.version())
        .collect();
    assert_eq!(versions, ["$LATEST", "1", "2"]);
    assert_eq!(
        listed.versions()[0].function_arn(),
        Some(format!("{REGION_ARN}:pub:$LATEST").as_str())
    );
    let paged = c
        .list_versions_by_function()
        .function_name("pub")
        .max_items(2)
        .send()
        .await
        .expect("page");
    assert_eq!(paged.versions().len(), 2);
    assert!(paged.next_marker().is_some());

    let alias = c
        .create_alias()
        .function_name("pub")
        .name("live")
        .function_version("1")
        .description("d")
        .send()
        .await
        .expect("alias");
    assert_eq!(
        alias.alias_arn(),
        Some(format!("{REGION_ARN}:pub:live").as_str())
    );
    c.create_alias()
        .function_name("pub")
        .name("beta")
        .function_version("2")
        .send()
        .await
        .expect("alias");
    let e = c
        .create_alias()
        .function_name("pub")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect_err("dup");
    assert_eq!(failure(e).0, 409);
    let e = c
        .create_alias()
        .function_name("pub")
        .name("x")
        .function_version("9")
        .send()
        .await
        .expect_err("no version");
    assert_eq!(failure(e).1, "ResourceNotFoundException");
    let e = c
        .create_alias()
        .function_name("pub")
        .name("123")
        .function_version("1")
        .send()
        .await
        .expect_err("numeric");
    assert_eq!(failure(e).1, "ValidationException");
    let got = c
        .get_alias()
        .function_name("pub")
        .name("live")
        .send()
        .await
        .expect("get alias");
    assert_eq!(got.function_version(), Some("1"));
    assert_eq!(got.revision_id(), alias.revision_id());
    let e = c
        .get_alias()
        .function_name("pub")
        .name("nope")
        .send()
        .await
        .expect_err("no alias");
    assert_eq!(failure(e).0, 404);
    let names: Vec<String> = c
        .list_aliases()
        .function_name("pub")
        .send()
        .await
        .expect("aliases")
        .aliases()
        .iter()
        .filter_map(|a| a.name().map(str::to_owned))
        .collect();
    assert_eq!(names, ["beta", "live"]);
    let via_alias = c
        .get_function_configuration()
        .function_name("pub")
        .qualifier("live")
        .send()
        .await
        .expect("alias read");
    assert_eq!(via_alias.version(), Some("1"));
    assert_eq!(
        via_alias.function_arn(),
        Some(format!("{REGION_ARN}:pub:live").as_str())
    );

    let e = c
        .delete_function()
        .function_name("pub")
        .qualifier("1")
        .send()
        .await
        .expect_err("alias uses it");
    assert_eq!(failure(e).0, 409);
    let e = c
        .delete_function()
        .function_name("pub")
        .qualifier("$LATEST")
        .send()
        .await
        .expect_err("latest");
    assert_eq!(failure(e).0, 400);
    c.delete_function()
        .function_name("pub")
        .send()
        .await
        .expect("delete all");
    let e = c
        .list_versions_by_function()
        .function_name("pub")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(failure(e).0, 404);
}

#[tokio::test]
async fn operations_the_emulator_does_not_serve_are_named_not_faked() {
    let sim = SimProcess::start(&[]);
    let c = sdk(&sim.url, false).await;
    create_zip(&c, "f", Runtime::Python312).await;
    let e = c
        .get_policy()
        .function_name("f")
        .send()
        .await
        .expect_err("501");
    let (status, code, message) = failure(e);
    assert_eq!((status, code.as_str()), (501, "NotImplementedException"));
    assert!(message.contains("GetPolicy"), "{message}");
    let e = c.invoke().function_name("f").send().await.expect_err("501");
    assert!(failure(e).2.contains("Invoke"));
}
