//! Regressions from trying rtm as a new user, a pipeline and an attacker
//! would (the hardening issue): each test is named after what broke, drives
//! the real binary against the emulator, and failed before its fix.

use serde_json::Value;

use crate::plan_apply::{Workspace, plan_json};
use crate::support::fleet;

fn json(out: &crate::support::Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document: {e}\n{}", out.stdout))
}

const ONE: &str = "function \"api\" {\n  configuration {\n    memory_size = 256\n  }\n}\n";

#[tokio::test(flavor = "multi_thread")]
async fn never_applied_functions_that_already_match_were_called_pending() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    fleet::set_memory(&c, "api", 256).await;
    w.config(ONE);
    let plan = w.rtm(&["plan"]).expect_code(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    let report = json(&w.rtm(&["drift", "--format", "json"]).expect_code(0));
    assert_eq!(report["functions"][0]["status"], "in_sync", "{report:#}");
    // Still pending when live does not match yet.
    fleet::set_memory(&c, "api", 512).await;
    let report = json(&w.rtm(&["drift", "--format", "json"]).expect_code(0));
    assert_eq!(report["functions"][0]["status"], "pending", "{report:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runtime_version_change_was_reported_once() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "auto", "python3.12").await;
    w.config(
        "function \"auto\" {\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n}\n",
    );
    w.rtm(&["--now", "2026-11-20T00:00:00Z", "apply", "--auto-approve"])
        .expect_code(0);
    let v1 = fleet::running_arn(&c, "auto").await;
    w.sim
        .admin(&["release", "--runtime", "python3.12"])
        .expect_code(0);
    w.sim.admin(&["phase2"]).expect_code(0);
    let v2 = fleet::running_arn(&c, "auto").await;
    assert_ne!(v1, v2);
    // Two drift runs a day apart both report the change, with its first-seen time.
    for now in ["2026-11-21T04:12:00Z", "2026-11-22T04:12:00Z"] {
        let report = json(
            &w.rtm(&["--now", now, "drift", "--format", "json"])
                .expect_code(0),
        );
        let rv = &report["functions"][0]["runtime_version"];
        assert_eq!(rv["previous"], v1.as_str(), "{now}: {report:#}");
        assert_eq!(rv["current"], v2.as_str(), "{now}: {report:#}");
        assert_eq!(
            rv["changed_at"], "2026-11-21T04:12:00Z",
            "{now}: {report:#}"
        );
        assert_eq!(
            rv["changes"].as_array().map(Vec::len),
            Some(1),
            "{report:#}"
        );
        assert_eq!(rv["changes"][0]["first_seen"], "2026-11-21T04:12:00Z");
    }
    let human = w
        .rtm(&["--now", "2026-11-23T00:00:00Z", "drift"])
        .expect_code(0);
    assert!(
        human.stdout.contains("1 runtime version change seen")
            && human.stdout.contains("first seen 2026-11-21 04:12 UTC"),
        "{}",
        human.stdout
    );
    // Outside the window it is history, not news.
    let report = json(
        &w.rtm(&[
            "--now",
            "2026-11-23T00:00:00Z",
            "drift",
            "--runtime-changes-since",
            "1d",
            "--format",
            "json",
        ])
        .expect_code(0),
    );
    assert_eq!(
        report["functions"][0]["runtime_version"]["previous"],
        Value::Null
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn state_silently_restarted_when_its_database_was_deleted() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(ONE);
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let state = w.rtm.path().join("state");
    let backup = std::fs::read_to_string(state.join("rtm.backup.json")).expect("backup");
    std::fs::remove_dir_all(state.join("rtm.db")).expect("delete db");
    for args in [&["plan"][..], &["drift"], &["apply", "--auto-approve"]] {
        let out = w.rtm(args).expect_code(1);
        assert!(
            out.stderr.contains("rtm state restore") && out.stderr.contains("missing"),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert_eq!(
        std::fs::read_to_string(state.join("rtm.backup.json")).expect("backup"),
        backup,
        "the backup of the old lineage must not be overwritten"
    );
    w.rtm(&["state", "restore"]).expect_code(0);
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_a_label_left_orphan_records() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(ONE);
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    w.config(&ONE.replace(
        "function \"api\" {",
        "function \"orders\" {\n  name = \"api\"",
    ));
    let plan = w.rtm(&["plan"]).expect_code(0);
    let want =
        "state has 1 record not in the configuration: function.api; rtm state rm or rtm state mv";
    assert!(plan.stdout.contains(want), "{}", plan.stdout);
    let mv = w
        .rtm(&["state", "mv", "function.api", "function.orders"])
        .expect_code(0);
    assert!(
        mv.stdout.contains("Moved function.api to function.orders"),
        "{}",
        mv.stdout
    );
    let list = json(&w.rtm(&["state", "list", "--format", "json"]).expect_code(0));
    let addresses: Vec<&str> = list["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .filter_map(|a| a["address"].as_str())
        .collect();
    assert_eq!(addresses, ["function.orders"]);
    let plan = w.rtm(&["plan"]).expect_code(0);
    assert!(
        !plan.stdout.contains("not in the configuration"),
        "{}",
        plan.stdout
    );
    // drift warns too (a second rename).
    w.config(&ONE.replace(
        "function \"api\" {",
        "function \"api2\" {\n  name = \"api\"",
    ));
    let drift = w.rtm(&["drift", "--format", "json"]).expect_code(0);
    let want = "state has 1 record not in the configuration: function.orders; rtm state rm or rtm state mv";
    assert!(drift.stderr.contains(want), "{}", drift.stderr);
    assert_eq!(json(&drift)["warnings"][0], want);
    // Moving onto an address that is taken, or from one that is not there, is refused.
    w.rtm(&["state", "mv", "function.api", "function.x"])
        .expect_code(1);
    let out = w
        .rtm(&["state", "mv", "function.orders", "function.api2"])
        .expect_code(1);
    assert!(out.stderr.contains("already in state"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_of_a_saved_plan_with_target_applied_nothing_and_exited_0() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(ONE);
    let plan = w
        .rtm(&["plan", "--target", "function.api", "--out", "p.plan"])
        .expect_code(0);
    assert!(
        plan.stdout.contains("warning: targeting is in effect"),
        "{}",
        plan.stdout
    );
    let out = w
        .rtm(&["apply", "p.plan", "--target", "function.api"])
        .expect_code(1);
    assert!(
        out.stderr
            .contains("--target cannot be used with a saved plan"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fleet::configuration(&c, "api").await.memory_size(),
        Some(128)
    );
    w.rtm(&["apply", "p.plan"]).expect_code(0);
    assert_eq!(
        fleet::configuration(&c, "api").await.memory_size(),
        Some(256)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_wrote_template_markers_in_strings_as_templates() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    let description = "costs ${var.x} and %{ if y }z%{ endif } \"quoted\" \\ tab\t";
    c.update_function_configuration()
        .function_name("api")
        .description(description)
        .send()
        .await
        .expect("update");
    fleet::wait_active(&c, "api").await;
    w.rtm(&["import", "--all", "--fields", "description"])
        .expect_code(0);
    let text = w.rtm.read("imported.rtm.hcl");
    assert!(
        text.contains("$${var.x}") && text.contains("%%{ if y }"),
        "{text}"
    );
    // The imported file reads back as the same string: the next plan is empty.
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
    w.rtm(&["validate"]).expect_code(0);
}

#[test]
fn every_json_output_says_format_version_1_0() {
    let rtm = crate::support::Rtm::new().file("main.rtm.hcl", ONE);
    let mut rtm = rtm.args(["validate", "--format", "json"]);
    let out = rtm.run().expect_code(0);
    assert_eq!(json(&out)["format_version"], "1.0");
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_drift_state_and_apply_json_say_format_version_1_0() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(ONE);
    assert_eq!(
        plan_json(&w.rtm(&["plan", "--format", "json"]).expect_code(0)).format_version,
        "1.0"
    );
    let apply = w
        .rtm(&["apply", "--auto-approve", "--format", "json"])
        .expect_code(0);
    for line in apply.stdout.lines() {
        let event: Value = serde_json::from_str(line).expect("event line");
        assert_eq!(event["format_version"], "1.0", "{line}");
    }
    assert_eq!(
        json(&w.rtm(&["drift", "--format", "json"]).expect_code(0))["format_version"],
        "1.0"
    );
    for args in [
        &["state", "list", "--format", "json"][..],
        &["state", "show", "function.api", "--format", "json"],
        &["state", "history", "function.api", "--format", "json"],
    ] {
        assert_eq!(
            json(&w.rtm(args).expect_code(0))["format_version"],
            "1.0",
            "{args:?}"
        );
    }
}
