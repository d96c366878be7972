//! drift, runtime version tracking, rollback pins, import and state commands,
//! against the emulator.

use serde::Deserialize;

use crate::plan_apply::{Workspace, plan_json};
use crate::support::fleet;

#[derive(Debug, Deserialize)]
struct DriftJson {
    format_version: String,
    summary: std::collections::BTreeMap<String, usize>,
    functions: Vec<FunctionDrift>,
}

#[derive(Debug, Deserialize)]
struct FunctionDrift {
    address: String,
    status: String,
    fields: Vec<Field>,
    runtime_version: RuntimeVersion,
}

#[derive(Debug, Deserialize)]
struct Field {
    path: String,
    expected: serde_json::Value,
    live: serde_json::Value,
    last_applied: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct RuntimeVersion {
    current: Option<String>,
    previous: Option<String>,
    changed_at: Option<String>,
}

fn drift_json(out: &crate::support::Output) -> DriftJson {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("drift JSON: {e}\n{}", out.stdout))
}

impl DriftJson {
    fn function(&self, address: &str) -> &FunctionDrift {
        self.functions
            .iter()
            .find(|f| f.address == address)
            .unwrap_or_else(|| panic!("{address} missing from {:#?}", self.functions))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_out_of_band_change_is_drift_until_apply_restores_it() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(
        r#"
function "api" {
  runtime_management {
    update_runtime_on = "Auto"
  }
  configuration {
    memory_size = 512
  }
}
"#,
    );
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    w.rtm(&["drift"]).expect_code(0);

    fleet::set_memory_by_hand(&w.sim, &c, "api", 1024).await;
    let out = w.rtm(&["drift", "--format", "json"]).expect_code(2);
    let report = drift_json(&out);
    assert_eq!(report.format_version, "1.0");
    assert_eq!(report.summary["drifted"], 1);
    let api = report.function("function.api");
    assert_eq!(api.status, "drifted");
    assert_eq!(api.fields.len(), 1, "{:?}", api.fields);
    let f = &api.fields[0];
    assert_eq!(f.path, "configuration.memory_size");
    assert_eq!(
        (
            f.expected.as_i64(),
            f.live.as_i64(),
            f.last_applied.as_i64()
        ),
        (Some(512), Some(1024), Some(512))
    );

    let human = w.rtm(&["drift"]).expect_code(2);
    assert!(human.stdout.contains("drifted"), "{}", human.stdout);
    assert!(
        human
            .stdout
            .contains("configuration.memory_size  expected 512, live 1024 (last applied 512)"),
        "{}",
        human.stdout
    );
    let md = w.rtm(&["drift", "--format", "markdown"]).expect_code(2);
    assert!(
        md.stdout.starts_with("### rtm drift: 1 drifted"),
        "{}",
        md.stdout
    );

    // The plan says why: drift, with the value last applied.
    let plan = plan_json(&w.rtm(&["plan", "--format", "json"]).expect_code(0));
    assert_eq!(plan.change("function.api").attributes[0].cause, "drift");
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    w.rtm(&["drift"]).expect_code(0);
    assert_eq!(
        fleet::configuration(&c, "api").await.memory_size(),
        Some(512)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_change_not_yet_applied_is_pending_not_drift() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config("function \"api\" {\n  configuration {\n    timeout = 10\n  }\n}\n");
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    w.config("function \"api\" {\n  configuration {\n    timeout = 20\n  }\n}\n");
    let report = drift_json(&w.rtm(&["drift", "--format", "json"]).expect_code(0));
    assert_eq!(report.function("function.api").status, "pending");
    w.rtm(&["drift", "--fail-on-pending"]).expect_code(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_function_is_reported_missing() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "gone", "python3.12").await;
    w.config("function \"gone\" {\n  configuration {\n    timeout = 10\n  }\n}\n");
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    c.delete_function()
        .function_name("gone")
        .send()
        .await
        .expect("delete");
    let report = drift_json(&w.rtm(&["drift", "--format", "json"]).expect_code(2));
    assert_eq!(report.function("function.gone").status, "missing");
}

const ROLLOUT: &str = r#"
settings {
  region = "us-east-1"
}

# The API follows Lambda's patches.
function "auto" {
  runtime_management {
    update_runtime_on = "Auto"
  }
}

function "pinned" {
  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "PINNED_ARN"
    pin_until           = "2099-12-31"
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_rollout_is_reported_as_runtime_version_changes_then_rolled_back_and_expired() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "auto", "python3.12").await;
    fleet::create(&c, "pinned", "python3.12").await;
    let v1 = fleet::running_arn(&c, "auto").await;
    w.config(&ROLLOUT.replace("PINNED_ARN", &v1));
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    w.rtm(&["drift"]).expect_code(0);

    // Lambda releases a new python3.12 version and runs phase 2.
    w.sim
        .admin(&["release", "--runtime", "python3.12"])
        .expect_code(0);
    w.sim.admin(&["phase2"]).expect_code(0);
    let v2 = fleet::running_arn(&c, "auto").await;
    assert_ne!(v1, v2, "phase 2 must move the Auto function");
    assert_eq!(
        fleet::running_arn(&c, "pinned").await,
        v1,
        "Manual never moves"
    );

    let out = w.rtm(&["drift", "--format", "json"]).expect_code(0);
    let report = drift_json(&out);
    let auto = report.function("function.auto");
    assert_eq!(auto.status, "in_sync");
    assert_eq!(auto.runtime_version.previous.as_deref(), Some(v1.as_str()));
    assert_eq!(auto.runtime_version.current.as_deref(), Some(v2.as_str()));
    assert!(auto.runtime_version.changed_at.is_some());
    let pinned = report.function("function.pinned");
    assert_eq!(pinned.runtime_version.previous, None);
    assert_eq!(pinned.runtime_version.current.as_deref(), Some(v1.as_str()));
    let history = w.rtm(&["state", "history", "function.auto"]).expect_code(0);
    assert!(
        history.stdout.contains(&v1) && history.stdout.contains(&v2),
        "{}",
        history.stdout
    );

    // A pin that would already have ended is refused, and the file is untouched.
    let before = w.rtm.read("main.rtm.hcl");
    let out = w
        .rtm(&[
            "--now",
            "2026-11-21",
            "rollback",
            "function.auto",
            "--until",
            "2026-11-21",
        ])
        .expect_code(1);
    assert!(
        out.stderr.contains("--until 2026-11-21 is not after today"),
        "{}",
        out.stderr
    );
    assert_eq!(w.rtm.read("main.rtm.hcl"), before);

    // v2 breaks the function: pin it back to v1, in the file, comments kept.
    let out = w
        .rtm(&[
            "--now",
            "2026-11-21",
            "rollback",
            "function.auto",
            "--to",
            "previous",
            "--until",
            "2026-12-05",
            "--reason",
            "v2 breaks pydantic",
        ])
        .expect_code(0);
    assert!(
        out.stdout.contains("+    runtime_version_arn"),
        "{}",
        out.stdout
    );
    let text = w.rtm.read("main.rtm.hcl");
    assert!(
        text.contains("# The API follows Lambda's patches."),
        "{text}"
    );
    assert!(
        text.contains(&format!("runtime_version_arn = \"{v1}\"")),
        "{text}"
    );
    assert!(
        text.contains("pin_until           = \"2026-12-05\""),
        "{text}"
    );
    // Nothing changed live yet: rollback never writes to Lambda.
    assert_eq!(fleet::mode(&c, "auto", "$LATEST").await.0, "Auto");

    let plan = plan_json(
        &w.rtm(&["--now", "2026-11-21", "plan", "--format", "json"])
            .expect_code(0),
    );
    assert_eq!(plan.summary.change, 1);
    let change = plan.change("function.auto");
    assert_eq!(change.operations(), ["PutRuntimeManagementConfig"]);
    assert_eq!(change.steps[0].request["UpdateRuntimeOn"], "Manual");
    assert_eq!(change.steps[0].request["RuntimeVersionArn"], v1.as_str());
    w.rtm(&["--now", "2026-11-21", "apply", "--auto-approve"])
        .expect_code(0);
    assert_eq!(
        fleet::mode(&c, "auto", "$LATEST").await,
        ("Manual".into(), Some(v1.clone()))
    );
    assert_eq!(fleet::running_arn(&c, "auto").await, v1);

    // After pin_until, drift says so and plan proposes Auto.
    let report = drift_json(
        &w.rtm(&["--now", "2026-12-06", "drift", "--format", "json"])
            .expect_code(2),
    );
    assert_eq!(report.function("function.auto").status, "pin_expired");
    let plan = plan_json(
        &w.rtm(&["--now", "2026-12-06", "plan", "--format", "json"])
            .expect_code(0),
    );
    let change = plan.change("function.auto");
    assert_eq!(change.steps[0].request["UpdateRuntimeOn"], "Auto");
    assert!(
        change.attributes.iter().all(|a| a.cause == "pin_expired"),
        "{:?}",
        change.attributes
    );

    // --clear takes the pin out of the file again.
    w.rtm(&[
        "--now",
        "2026-11-21",
        "rollback",
        "function.auto",
        "--clear",
    ])
    .expect_code(0);
    let text = w.rtm.read("main.rtm.hcl");
    assert!(!text.contains("2026-12-05"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_explains_instead_of_guessing_for_a_for_each_instance() {
    let w = Workspace::new(&[]);
    w.config(
        r#"
function "worker" {
  for_each = toset(["resize", "thumbnail"])
  name     = each.key
  runtime_management {
    update_runtime_on = "Auto"
  }
}
"#,
    );
    let before = w.rtm.read("main.rtm.hcl");
    let out = w
        .rtm(&[
            "rollback",
            "function.worker[\"resize\"]",
            "--to",
            &format!("arn:aws:lambda:us-east-1::runtime:{}", "a".repeat(64)),
        ])
        .expect_code(1);
    assert!(out.stderr.contains("for_each block"), "{}", out.stderr);
    assert_eq!(w.rtm.read("main.rtm.hcl"), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_all_adopts_a_fleet_of_200_and_the_next_plan_is_empty() {
    let seed = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(
        seed.path(),
        r#"{"Functions": [
            {"FunctionName": "svc", "Count": 190, "Runtime": "python3.12", "MemorySize": 256},
            {"FunctionName": "pinned", "Count": 10, "Runtime": "nodejs20.x", "UpdateRuntimeOn": "Manual", "RuntimeVersion": "nodejs:20.v2"}
        ]}"#,
    )
    .expect("write seed");
    let w = Workspace::new(&["--seed", seed.path().to_str().expect("path")]);
    let out = w
        .rtm(&["import", "--all", "--fields", "runtime,memory_size"])
        .expect_code(0);
    assert!(
        out.stdout.contains("Imported 200 functions"),
        "{}",
        out.stdout
    );
    let text = w.rtm.read("imported.rtm.hcl");
    assert!(text.contains("function \"pinned-003\" {"), "{text}");
    assert!(text.contains("update_runtime_on   = \"Manual\""), "{text}");
    w.rtm(&["validate"]).expect_code(0);
    w.rtm(&["fmt", "--check"]).expect_code(0);
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
    let list = w.rtm(&["state", "list", "--format", "json"]).expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    assert_eq!(v["addresses"].as_array().map(Vec::len), Some(200));
    // A second import never overwrites.
    let again = w
        .rtm(&["import", "--all", "--out", "again.rtm.hcl"])
        .expect_code(0);
    assert!(
        again
            .stdout
            .contains("Nothing imported, no file written; 200 already declared or in state"),
        "{}",
        again.stdout
    );
    assert!(!w.rtm.path().join("again.rtm.hcl").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn state_commands_show_and_forget_without_touching_lambda() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config("function \"api\" {\n  configuration {\n    environment {\n      variables = { TOKEN = \"s3cr3t-value\" }\n    }\n  }\n}\n");
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let shown = w.rtm(&["state", "show", "function.api"]).expect_code(0);
    assert!(
        shown
            .stdout
            .contains("configuration.environment.variables.TOKEN = (sensitive, sha256"),
        "{}",
        shown.stdout
    );
    assert!(!shown.stdout.contains("s3cr3t"));
    let listed = w.rtm(&["state", "list"]).expect_code(0);
    assert!(
        listed.stdout.contains("function.api  api ($LATEST)"),
        "{}",
        listed.stdout
    );
    w.rtm(&["state", "rm", "function.api"]).expect_code(0);
    w.rtm(&["state", "show", "function.api"]).expect_code(1);
    assert!(
        fleet::configuration(&c, "api")
            .await
            .environment()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_state_database_is_restored_from_its_backup() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    fleet::create(&c, "worker", "python3.12").await;
    w.config("function \"api\" {\n  runtime_management {\n    update_runtime_on = \"FunctionUpdate\"\n  }\n  configuration {\n    environment {\n      variables = { TOKEN = \"s3cr3t-value\" }\n    }\n  }\n}\n\nfunction \"worker\" {\n  runtime_management {\n    update_runtime_on = \"FunctionUpdate\"\n  }\n}\n");
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let before = w.rtm(&["state", "list", "--format", "json"]).expect_code(0);
    let before: serde_json::Value = serde_json::from_str(&before.stdout).expect("JSON");
    let backup = w.rtm.path().join("state").join("rtm.backup.json");
    assert!(
        !std::fs::read_to_string(&backup)
            .expect("backup")
            .contains("s3cr3t")
    );

    // The database is damaged: every command says so and how to recover.
    let db = w.rtm.path().join("state").join("rtm.db");
    std::fs::write(db.join("conf"), b"\xff\xfe garbage").expect("write");
    std::fs::write(db.join("db"), b"garbage").expect("write");
    let broken = w.rtm(&["plan"]).expect_code(1);
    assert!(
        broken.stderr.contains("rtm state restore"),
        "{}",
        broken.stderr
    );

    let restored = w.rtm(&["state", "restore"]).expect_code(0);
    assert!(
        restored.stdout.contains("Restored 2 addresses")
            && restored.stdout.contains("rtm.db.replaced-"),
        "{}",
        restored.stdout
    );
    let after = w.rtm(&["state", "list", "--format", "json"]).expect_code(0);
    let after: serde_json::Value = serde_json::from_str(&after.stdout).expect("JSON");
    assert_eq!(after["lineage"], before["lineage"]);
    assert_eq!(after["addresses"], before["addresses"]);
    assert!(after["serial"].as_u64() > before["serial"].as_u64());
    // Last-applied values, the sensitive one included (hashed with the
    // state's salt), read as before: no drift, nothing to do.
    w.rtm(&["drift"]).expect_code(0);
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);

    // A damaged backup is refused before anything is touched.
    std::fs::write(&backup, "{ not json").expect("write");
    let refused = w.rtm(&["state", "restore"]).expect_code(1);
    assert!(
        refused.stderr.contains("cannot restore state from"),
        "{}",
        refused.stderr
    );
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
}

const EXTENDED_PIN: &str = r#"policy {
  max_pin_days = 14
}

function "api" {
  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "PINNED_ARN"
    pin_until           = "PIN_UNTIL"
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_pin_extended_past_the_policy_is_overdue() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    let v1 = fleet::running_arn(&c, "api").await;
    let config = |until: &str| {
        w.config(
            &EXTENDED_PIN
                .replace("PINNED_ARN", &v1)
                .replace("PIN_UNTIL", until),
        )
    };
    config("2026-12-01");
    w.rtm(&["--now", "2026-11-21", "apply", "--auto-approve"])
        .expect_code(0);
    w.rtm(&["--now", "2026-11-22", "drift"]).expect_code(0);

    // Each extension stays within 14 days of its day, so the config is
    // valid; but the function has been Manual since 2026-11-21.
    config("2026-12-14");
    w.rtm(&["--now", "2026-11-30", "validate"]).expect_code(0);
    w.rtm(&["--now", "2026-11-30", "apply", "--auto-approve"])
        .expect_code(0);
    let out = w
        .rtm(&["--now", "2026-12-07", "drift", "--format", "json"])
        .expect_code(2);
    let report = drift_json(&out);
    assert_eq!(report.function("function.api").status, "pin_overdue");
    let human = w.rtm(&["--now", "2026-12-07", "drift"]).expect_code(2);
    assert!(
        human
            .stdout
            .contains("Manual since 2026-11-21 (16 days; the policy allows 14)"),
        "{}",
        human.stdout
    );
}

/// rollback's diff of the file it rewrote showed the lines around the edit
/// as they are, an environment value among them.
#[tokio::test(flavor = "multi_thread")]
async fn rollback_printed_an_environment_value_in_its_diff() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    let v1 = fleet::running_arn(&c, "api").await;
    w.config(
        "function \"api\" {\n  name = \"api\"\n\n  configuration {\n    environment {\n      variables = { API_KEY = \"hunter2\" }\n    }\n  }\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n}\n",
    );
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let out = w
        .rtm(&[
            "--now",
            "2026-11-21",
            "rollback",
            "function.api",
            "--to",
            &v1,
            "--until",
            "2026-12-05",
        ])
        .expect_code(0);
    assert!(
        out.stdout.contains("+    runtime_version_arn"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("variables = (sensitive)"),
        "the context lines are shown, their secrets hidden: {}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("hunter2") && !out.stderr.contains("hunter2"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert!(
        w.rtm.read("main.rtm.hcl").contains("hunter2"),
        "the file keeps its value"
    );
}
