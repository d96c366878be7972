//! `rtm report` (who must act on each function's runtime patches), policy
//! thresholds in plan and drift, and `rtm policy scp`, against the emulator.

use serde_json::Value;

use crate::plan_apply::Workspace;

const NOW: &str = "2026-12-01T12:00:00Z";

fn ago(days: i64) -> String {
    let t: jiff::Timestamp = NOW.parse().expect("now");
    t.checked_sub(jiff::SignedDuration::from_hours(24 * days))
        .expect("date")
        .strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        .to_string()
}

/// One function per case of the issue: Auto; FunctionUpdate updated 10 and
/// 200 days ago; Manual pinned 3 and 40 days; an image deployed 60 days
/// ago; python3.9 past deprecation; one 30 days from deprecation.
fn seed(pinned: &str) -> String {
    serde_json::json!({ "Functions": [
        { "FunctionName": "auto", "Runtime": "python3.12", "LastModified": ago(400) },
        { "FunctionName": "fresh", "Runtime": "python3.12", "UpdateRuntimeOn": "FunctionUpdate", "LastModified": ago(10) },
        { "FunctionName": "stale", "Runtime": "python3.12", "UpdateRuntimeOn": "FunctionUpdate", "LastModified": ago(200) },
        { "FunctionName": "pin3", "Runtime": "python3.12", "UpdateRuntimeOn": "Manual", "RuntimeVersion": pinned, "LastModified": ago(3) },
        { "FunctionName": "pin40", "Runtime": "python3.12", "UpdateRuntimeOn": "Manual", "RuntimeVersion": pinned, "LastModified": ago(40) },
        { "FunctionName": "thumbs", "PackageType": "Image", "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbs:1", "LastModified": ago(60) },
        { "FunctionName": "legacy", "Runtime": "python3.9", "LastModified": ago(5) },
        { "FunctionName": "soon", "Runtime": "python3.13", "LastModified": ago(5) },
    ]})
    .to_string()
}

const POLICY: &str = r#"
policy {
  max_pin_days                 = 30
  max_function_update_age_days = 90
  max_image_age_days           = 30
  deprecation_warning_days     = 90
  runtime_deprecations         = { "python3.13" = "2026-12-31" }
  manual_exception_roles       = ["arn:aws:iam::111111111111:role/break-glass"]
}
"#;

fn config(names: &[&str]) -> String {
    let mut text = POLICY.to_string();
    for n in names {
        text.push_str(&format!("\nfunction \"{n}\" {{}}\n"));
    }
    text
}

const ALL: [&str; 8] = [
    "auto", "fresh", "stale", "pin3", "pin40", "thumbs", "legacy", "soon",
];

fn workspace() -> (Workspace, tempfile::NamedTempFile) {
    let seed_file = tempfile::NamedTempFile::new().expect("seed");
    // python:3.12.v16, a real version of the catalogue, for the pins.
    std::fs::write(seed_file.path(), seed("python:3.12.v16")).expect("seed");
    let w = Workspace::new(&["--seed", seed_file.path().to_str().expect("path")]);
    (w, seed_file)
}

fn function<'a>(doc: &'a Value, address: &str) -> &'a Value {
    doc["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["address"] == address)
        .unwrap_or_else(|| panic!("{address} not in {doc:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_case_gets_its_responsibility_and_days() {
    let (w, _seed) = workspace();
    w.config(&config(&ALL));
    let out = w
        .rtm(&["--now", NOW, "report", "--format", "json"])
        .expect_code(0);
    let doc: Value = serde_json::from_str(&out.stdout).expect("report json");
    assert_eq!(doc["format_version"], "1.0");
    for (name, who, days) in [
        ("auto", "lambda", None),
        ("fresh", "you: update regularly", Some(10)),
        ("stale", "you: update regularly", Some(200)),
        ("pin3", "you: temporary pin", Some(3)),
        ("pin40", "you: temporary pin", Some(40)),
        ("thumbs", "you: rebuild the image", Some(60)),
    ] {
        let f = function(&doc, &format!("function.{name}"));
        assert_eq!(f["responsibility"], who, "{name}: {f:#}");
        assert_eq!(f["days"].as_i64(), days, "{name}: {f:#}");
    }
    let thumbs = function(&doc, "function.thumbs");
    assert_eq!(
        (
            thumbs["package_type"].as_str(),
            thumbs["update_runtime_on"].as_str()
        ),
        (Some("Image"), None)
    );
    let legacy = function(&doc, "function.legacy");
    assert_eq!(legacy["deprecation"]["date"], "2025-12-15");
    assert!(legacy["deprecation"]["days_left"].as_i64() < Some(0));
    let soon = function(&doc, "function.soon");
    assert_eq!(
        (
            soon["deprecation"]["days_left"].as_i64(),
            soon["deprecation"]["warn"].as_bool()
        ),
        (Some(30), Some(true))
    );
    assert!(soon["violations"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(doc["summary"]["by_responsibility"]["you: temporary pin"], 2);
    assert_eq!(doc["summary"]["by_mode"]["FunctionUpdate"], 2);
    assert_eq!(doc["summary"]["images"], 1);

    // --fail-on-violation names the stale FunctionUpdate, the 40-day pin,
    // the old image and the deprecated runtime, and nothing else.
    let out = w
        .rtm(&[
            "--now",
            NOW,
            "report",
            "--format",
            "json",
            "--fail-on-violation",
        ])
        .expect_code(2);
    let doc: Value = serde_json::from_str(&out.stdout).expect("report json");
    let past: Vec<&str> = doc["summary"]["past_policy"]
        .as_array()
        .expect("past_policy")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        past,
        [
            "function.legacy",
            "function.pin40",
            "function.stale",
            "function.thumbs"
        ]
    );
    let human = w.rtm(&["--now", NOW, "report"]).expect_code(0);
    assert!(
        human.stdout.starts_with(
            "report: 8 functions in 1 account; lambda patches 3, you must act on 5 (4 past policy)"
        ),
        "{}",
        human.stdout
    );
    // A fleet with none of these exits 0 even with --fail-on-violation.
    w.config(&config(&["auto", "fresh", "pin3"]));
    w.rtm(&["--now", NOW, "report", "--fail-on-violation"])
        .expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_and_drift_warn_about_policy_and_drift_can_page_on_it() {
    let (w, _seed) = workspace();
    w.config(&config(&["stale", "fresh"]));
    let plan = w.rtm(&["--now", NOW, "plan"]).expect_code(0);
    assert!(
        plan.stdout.contains("warning: function.stale: past policy: FunctionUpdate, last updated 200 days ago (policy 90)"),
        "{}",
        plan.stdout
    );
    w.rtm(&["--now", NOW, "drift"]).expect_code(0);
    let out = w
        .rtm(&["--now", NOW, "drift", "--fail-on-policy"])
        .expect_code(2);
    assert!(out.stdout.contains("past policy"), "{}", out.stdout);
    // Moving a function to a deprecated runtime is warned about.
    w.config(&format!(
        "{POLICY}\nfunction \"fresh\" {{\n  configuration {{\n    runtime = \"python3.9\"\n  }}\n}}\n"
    ));
    let plan = w.rtm(&["--now", NOW, "plan"]).expect_code(0);
    assert!(
        plan.stdout
            .contains("moves the function to python3.9, deprecated since 2025-12-15"),
        "{}",
        plan.stdout
    );
}

#[test]
fn the_scp_is_a_valid_policy_naming_exactly_the_exception_roles() {
    let mut rtm = crate::support::Rtm::new().file("main.rtm.hcl", POLICY);
    let out = rtm.go(&["policy", "scp"]).expect_code(0);
    let doc: Value = serde_json::from_str(&out.stdout).expect("policy json");
    assert_eq!(doc["Version"], "2012-10-17");
    let st = &doc["Statement"][0];
    assert_eq!(
        (st["Effect"].as_str(), st["Action"].as_str()),
        (Some("Deny"), Some("lambda:PutRuntimeManagementConfig"))
    );
    assert_eq!(
        st["Condition"]["ArnNotLike"]["aws:PrincipalArn"],
        serde_json::json!(["arn:aws:iam::111111111111:role/break-glass"])
    );
    // Python's JSON loader, as the AWS CLI reads --content file://policy.json.
    let parsed = crate::support::sim::python_json(
        "import json,sys; print(json.dumps(json.loads(sys.argv[1])))",
        &[&out.stdout],
    );
    assert_eq!(parsed, doc);
    let iam = rtm.go(&["policy", "scp", "--iam"]).expect_code(0);
    let iam: Value = serde_json::from_str(&iam.stdout).expect("iam json");
    assert_eq!(iam["Statement"][0]["Condition"], st["Condition"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_markdown_report_as_a_wiki_page_shows_it() {
    let (w, _seed) = workspace();
    w.config(&config(&ALL));
    let out = w
        .rtm(&["--now", NOW, "report", "--format", "markdown"])
        .expect_code(0);
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("report_markdown", out.stdout));
}
