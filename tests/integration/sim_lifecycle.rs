//! What the shared-responsibility report (issue 13) needs of the emulator:
//! a function's `LastModified` set by a seed or backdated by the admin API
//! (`rtm sim set-last-modified`), container-image functions (no runtime,
//! no runtime management), and functions on deprecated runtimes (they keep
//! working; nothing can be created or updated to such a runtime). Through
//! the real aws-sdk-lambda client and the real binary.

use aws_sdk_lambda::types::{FunctionCode, PackageType, Runtime, UpdateRuntimeOn};
use serde_json::json;

use crate::support::Rtm;
use crate::support::sim::{SimProcess, admin, failure, http, invalid_parameter, sdk, zip_function};

const OLD: &str = "2026-01-01T00:00:00.000+0000";

/// A seed file with `functions`, kept while the test runs.
fn seed(functions: serde_json::Value) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(file.path(), json!({ "Functions": functions }).to_string()).expect("write");
    file
}

fn seeded(file: &tempfile::NamedTempFile) -> SimProcess {
    SimProcess::start(&["--seed", file.path().to_str().expect("utf-8")])
}

async fn last_modified(
    c: &aws_sdk_lambda::Client,
    name: &str,
    qualifier: Option<&str>,
) -> (String, String) {
    let got = c
        .get_function_configuration()
        .function_name(name)
        .set_qualifier(qualifier.map(str::to_owned))
        .send()
        .await
        .expect("get configuration");
    (
        got.last_modified().unwrap_or_default().to_owned(),
        got.revision_id().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_seed_sets_last_modified_and_the_admin_api_backdates_it() {
    let file = seed(json!([
        { "FunctionName": "stale", "LastModified": OLD, "PublishedVersions": 1 },
        { "FunctionName": "fresh" },
    ]));
    let sim = seeded(&file);
    let c = sdk(&sim.url, false).await;
    assert_eq!(last_modified(&c, "stale", None).await.0, OLD);
    assert_eq!(last_modified(&c, "stale", Some("1")).await.0, OLD);
    let (fresh, revision) = last_modified(&c, "fresh", None).await;
    assert_ne!(fresh, OLD);

    // --days-ago: 200 days before now, in Lambda's format; RevisionId stays.
    let out = Rtm::new()
        .args([
            "sim",
            "set-last-modified",
            "--endpoint",
            &sim.url,
            "fresh",
            "--days-ago",
            "200",
        ])
        .run()
        .expect_code(0);
    assert!(
        out.stdout
            .starts_with("arn:aws:lambda:us-east-1:123456789012:function:fresh last modified "),
        "{}",
        out.stdout
    );
    let (backdated, same_revision) = last_modified(&c, "fresh", None).await;
    assert_eq!(same_revision, revision);
    let expected_day = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 200))
        .strftime("%Y-%m-%d")
        .to_string();
    let day_before = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 200 + 1))
        .strftime("%Y-%m-%d")
        .to_string();
    assert!(
        backdated.starts_with(&expected_day) || backdated.starts_with(&day_before),
        "{backdated} is 200 days ago ({expected_day})"
    );
    assert!(
        backdated.ends_with("+0000") && backdated.len() == 28,
        "{backdated}"
    );

    // One version only, by qualifier; $LATEST keeps its own.
    Rtm::new()
        .args([
            "sim",
            "set-last-modified",
            "--endpoint",
            &sim.url,
            "stale",
            "--qualifier",
            "1",
            "--last-modified",
            "2025-06-30T12:00:00.000+0000",
        ])
        .run()
        .expect_code(0);
    assert_eq!(
        last_modified(&c, "stale", Some("1")).await.0,
        "2025-06-30T12:00:00.000+0000"
    );
    assert_eq!(last_modified(&c, "stale", None).await.0, OLD);

    // An update is a change: LastModified moves to now.
    c.update_function_configuration()
        .function_name("stale")
        .memory_size(256)
        .send()
        .await
        .expect("update");
    assert_ne!(last_modified(&c, "stale", None).await.0, OLD);

    let out = Rtm::new()
        .args([
            "sim",
            "set-last-modified",
            "--endpoint",
            &sim.url,
            "fresh",
            "--last-modified",
            "2026-01-01T00:00:00Z",
        ])
        .run()
        .expect_code(1);
    assert!(
        out.stderr.contains("is not Lambda's format"),
        "{}",
        out.stderr
    );
    let r = http(
        &sim.url,
        "POST",
        "/_sim/last-modified",
        json!({ "FunctionName": "nope", "LastModified": OLD })
            .to_string()
            .as_bytes(),
    );
    assert_eq!(
        (r.status, r.error_type()),
        (404, "ResourceNotFoundException")
    );
}

#[test]
fn a_seed_with_last_modified_in_another_format_is_refused() {
    let stderr =
        crate::support::sim::seed_refused(r#"[{"FunctionName":"f","LastModified":"2026-01-01"}]"#);
    assert!(
        stderr.contains(
            "f: LastModified 2026-01-01 is not Lambda's format, e.g. 2026-01-01T00:00:00.000+0000"
        ),
        "{stderr}"
    );
}

#[tokio::test]
async fn image_functions_have_no_runtime_and_no_runtime_management() {
    let file =
        seed(json!([{ "FunctionName": "img", "PackageType": "Image", "LastModified": OLD }]));
    let sim = seeded(&file);
    let c = sdk(&sim.url, false).await;
    c.create_function()
        .function_name("img2")
        .package_type(PackageType::Image)
        .role(crate::support::sim::ROLE)
        .code(
            FunctionCode::builder()
                .image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2")
                .build(),
        )
        .send()
        .await
        .expect("create image");
    admin(&sim.url, "POST", "/_sim/settle", json!({}));
    for name in ["img", "img2"] {
        let got = c
            .get_function()
            .function_name(name)
            .send()
            .await
            .expect("get");
        let conf = got.configuration().expect("configuration");
        assert_eq!(conf.package_type(), Some(&PackageType::Image));
        assert_eq!((conf.runtime(), conf.handler()), (None, None), "{name}");
        assert!(conf.runtime_version_config().is_none(), "{name}");
        assert_eq!(got.code().and_then(|c| c.repository_type()), Some("ECR"));
        let e = c
            .put_runtime_management_config()
            .function_name(name)
            .update_runtime_on(UpdateRuntimeOn::FunctionUpdate)
            .send()
            .await
            .expect_err("put");
        let message = invalid_parameter(e);
        assert!(
            message.contains("functions with PackageType Image have no managed runtime"),
            "{message}"
        );
        let e = c
            .get_runtime_management_config()
            .function_name(name)
            .send()
            .await
            .expect_err("get");
        assert_eq!(failure(e).1, "InvalidParameterValueException");
        let e = c
            .update_function_configuration()
            .function_name(name)
            .runtime(Runtime::Python312)
            .send()
            .await
            .expect_err("a runtime for an image");
        assert_eq!(failure(e).1, "InvalidParameterValueException");
    }
    let got = c
        .get_function_configuration()
        .function_name("img")
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.last_modified(),
        Some(OLD),
        "the image was last deployed when the seed says"
    );
}

#[tokio::test]
async fn functions_on_deprecated_runtimes_keep_working_but_none_can_move_to_one() {
    let file = seed(
        json!([{ "FunctionName": "legacy", "Runtime": "python3.9", "UpdateRuntimeOn": "FunctionUpdate" }]),
    );
    let sim = seeded(&file);
    let c = sdk(&sim.url, false).await;
    let got = c
        .get_function()
        .function_name("legacy")
        .send()
        .await
        .expect("get");
    let conf = got.configuration().expect("configuration");
    assert_eq!(conf.runtime(), Some(&Runtime::Python39));
    let arn = conf
        .runtime_version_config()
        .and_then(|r| r.runtime_version_arn())
        .expect("a runtime version")
        .to_owned();
    // Runtime management and updates that leave the runtime alone still work.
    c.put_runtime_management_config()
        .function_name("legacy")
        .update_runtime_on(UpdateRuntimeOn::Manual)
        .runtime_version_arn(&arn)
        .send()
        .await
        .expect("pin");
    c.update_function_configuration()
        .function_name("legacy")
        .timeout(30)
        .send()
        .await
        .expect("an update that keeps the runtime");
    let out = Rtm::new()
        .args(["sim", "settle", "--endpoint", &sim.url])
        .run()
        .expect_code(0);
    assert_eq!(out.stdout, "settled legacy\n1 settled\n");

    for runtime in [Runtime::Python39, Runtime::Nodejs18x] {
        let message = format!(
            "The runtime parameter of {} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.",
            runtime.as_str()
        );
        let e = zip_function(&c, "new-legacy", runtime.clone())
            .send()
            .await
            .expect_err("create on a deprecated runtime");
        assert_eq!(
            failure(e),
            (
                400,
                "InvalidParameterValueException".into(),
                message.clone()
            )
        );
    }
    zip_function(&c, "modern", Runtime::Python312)
        .send()
        .await
        .expect("create");
    admin(&sim.url, "POST", "/_sim/settle", json!({}));
    let e = c
        .update_function_configuration()
        .function_name("modern")
        .runtime(Runtime::Python39)
        .send()
        .await
        .expect_err("update to a deprecated runtime");
    let message = invalid_parameter(e);
    assert!(
        message.starts_with("The runtime parameter of python3.9 is no longer supported"),
        "{message}"
    );
    let still = c
        .get_function_configuration()
        .function_name("modern")
        .send()
        .await
        .expect("get");
    assert_eq!(still.runtime(), Some(&Runtime::Python312));
}
