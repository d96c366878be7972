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

const INVALID: &str = "function \"api\" {\n  configuration {\n    memory_size = \"lots\"\n  }\n}\n";

#[test]
fn machine_formats_were_empty_on_an_invalid_configuration() {
    let mut rtm = crate::support::Rtm::new().file("main.rtm.hcl", INVALID);
    let out = rtm.go(&["plan", "--format", "json"]).expect_code(1);
    let doc = json(&out);
    assert_eq!(doc["format_version"], "1.0");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["summary"]["error"], 1, "{doc:#}");
    let d = &doc["diagnostics"][0];
    assert_eq!(
        (d["file"].as_str(), d["line"].as_u64()),
        (Some("main.rtm.hcl"), Some(3)),
        "{doc:#}"
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap_or_default()
            .contains("memory_size"),
        "{doc:#}"
    );
    // The person still sees the located error on stderr.
    assert!(out.stderr.contains("--> main.rtm.hcl:3"), "{}", out.stderr);

    let out = rtm.go(&["plan", "--format", "markdown"]).expect_code(1);
    assert!(
        out.stdout.starts_with("### rtm plan failed\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("`main.rtm.hcl:3:"), "{}", out.stdout);

    let out = rtm
        .go(&["apply", "--auto-approve", "--format", "json"])
        .expect_code(1);
    assert_eq!(json(&out)["event"], "error", "{}", out.stdout);
}

#[test]
fn drift_json_was_empty_when_the_endpoint_was_unreachable() {
    let mut rtm = crate::support::Rtm::new()
        .file("main.rtm.hcl", ONE)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1");
    let out = rtm
        .go(&[
            "--endpoint-url",
            "http://127.0.0.1:1",
            "drift",
            "--format",
            "json",
        ])
        .expect_code(1);
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    assert!(
        doc["diagnostics"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no answer from http://127.0.0.1:1"),
        "{doc:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_read_error_plan_printed_no_changes_beside_it() {
    let w = Workspace::new(&[]);
    // Another account's function: Lambda answers 403, not 404.
    w.config(
        "function \"x\" {\n  name = \"arn:aws:lambda:us-east-1:999999999999:function:x\"\n  configuration {\n    timeout = 5\n  }\n}\n",
    );
    for format in ["human", "markdown"] {
        let out = w.rtm(&["plan", "--format", format]).expect_code(1);
        assert!(
            !out.stdout.contains("No changes"),
            "{format}: {}",
            out.stdout
        );
        assert!(out.stdout.contains("error"), "{format}: {}", out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cron_drift_overlapping_an_apply_failed_on_the_lock() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(ONE);
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    fleet::set_memory_by_hand(&w.sim, &c, "api", 1024).await;
    let held = rtm::state::Store::open(
        &w.rtm.path().join("state"),
        "apply",
        std::time::Duration::ZERO,
    )
    .expect("open state");
    // The report is right (drift, exit 2), from the state the apply started from.
    let out = w.rtm(&["drift", "--format", "json"]).expect_code(2);
    assert_eq!(json(&out)["functions"][0]["status"], "drifted");
    assert!(
        out.stderr
            .contains("observations were not recorded this time")
            && out.stderr.contains("locked by rtm apply"),
        "{}",
        out.stderr
    );
    drop(held);
    let out = w.rtm(&["drift"]).expect_code(2);
    assert!(!out.stderr.contains("not recorded"), "{}", out.stderr);
}

#[test]
fn an_endpoint_that_never_answered_took_minutes_to_fail_a_plan() {
    // Accepts connections and never answers, like a black-holed proxy.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let mut rtm = crate::support::Rtm::new()
        .file("main.rtm.hcl", ONE)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1");
    let started = std::time::Instant::now();
    let out = rtm.go(&["--endpoint-url", &url, "plan"]).expect_code(1);
    // A runaway guard only (it took 258 s); the bound is the README's "at once".
    assert!(
        started.elapsed() < std::time::Duration::from_secs(45),
        "{:?}",
        started.elapsed()
    );
    assert!(
        out.stderr.contains(&format!("no answer from {url}")),
        "{}",
        out.stderr
    );
}

/// `rtm ARGS` with stdout closed before rtm writes to it (`rtm ... | head`
/// after head has exited).
fn with_closed_stdout(dir: &std::path::Path, args: &[String]) -> crate::support::Output {
    let mut child = std::process::Command::new(crate::support::RTM)
        .current_dir(dir)
        .args(args)
        .envs(fleet::aws_env())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait").into()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_panicked_with_broken_pipe() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(ONE);
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    for command in [
        &["validate"][..],
        &["validate", "--format", "json"],
        &["plan"],
        &["plan", "--format", "json"],
        &["drift", "--format", "markdown"],
        &["state", "list"],
        &["state", "history", "function.api"],
        &["--help"],
        &["sim", "runtimes", "--endpoint", &w.sim.url],
        &["sim", "runtimes", "--json", "--endpoint", &w.sim.url],
        &["sim", "stats", "--endpoint", &w.sim.url],
    ] {
        let mut args = w.sim.rtm_args();
        args.extend(command.iter().map(|s| s.to_string()));
        let out = with_closed_stdout(w.rtm.path(), &args);
        assert_eq!(out.code, 0, "{command:?}: {out:?}");
        assert!(
            !out.stderr.contains("panicked"),
            "{command:?}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("Broken pipe"),
            "{command:?}: {}",
            out.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn markdown_was_too_big_for_a_pr_comment_and_rendered_html_from_live_values() {
    let seed = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(
        seed.path(),
        r#"{"Functions": [{"FunctionName": "svc", "Count": 2000, "Runtime": "python3.12"}]}"#,
    )
    .expect("seed");
    let w = Workspace::new(&["--seed", seed.path().to_str().expect("path")]);
    let names: Vec<String> = (1..=2000).map(|i| format!("\"svc-{i:03}\"")).collect();
    w.config(&format!(
        "function \"svc\" {{\n  for_each = toset([{}])\n  name     = each.key\n  configuration {{\n    description = \"x | y <b>z</b> ```end```\"\n  }}\n}}\n",
        names.join(", ")
    ));
    let out = w.rtm(&["plan", "--format", "markdown"]).expect_code(0);
    let md = out.stdout;
    assert!(
        md.chars().count() <= 60_000,
        "{} characters",
        md.chars().count()
    );
    assert!(
        md.starts_with("### rtm plan: 2000 to change, 0 unchanged"),
        "{}",
        &md[..200]
    );
    let more =
        regex::Regex::new(r"and (\d+) more functions \(full plan: --format json\)").expect("regex");
    let left: usize = more
        .captures(&md)
        .unwrap_or_else(|| panic!("no 'and N more functions' line"))[1]
        .parse()
        .expect("count");
    let rows = md
        .lines()
        .filter(|l| l.starts_with("| `function.svc["))
        .count();
    assert_eq!(rows + left, 2000);
    // Live values are shown, never rendered, and never end a code block.
    let mut fence: Option<String> = None;
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        match &fence {
            None if ticks.len() >= 3 => fence = Some(ticks),
            Some(f) if line == f.as_str() => fence = None,
            None => assert!(!line.contains("<b>"), "HTML rendered: {line}"),
            Some(_) => {}
        }
    }
    assert!(fence.is_none(), "a code block was left open");
    for block in md.split("<details>").skip(1) {
        assert!(block.contains("````diff\n"), "{block}");
    }
}

#[test]
fn apply_of_dev_zero_read_without_bound() {
    let mut rtm = crate::support::Rtm::new().file("main.rtm.hcl", ONE);
    let out = rtm.go(&["apply", "/dev/zero"]).expect_code(1);
    assert!(
        out.stderr.contains("is larger than a plan file can be"),
        "{}",
        out.stderr
    );
    let out = rtm.go(&["show", "/dev/zero"]).expect_code(1);
    assert!(
        out.stderr.contains("is larger than a plan file can be"),
        "{}",
        out.stderr
    );
}

/// Edits a saved plan as an attacker with write access to the artifact
/// would: changes a value and recomputes the checksum.
fn tamper(path: &std::path::Path, edit: impl Fn(&mut Value)) {
    use sha2::Digest;
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("plan")).expect("json");
    plan.as_object_mut().expect("object").remove("checksum");
    edit(&mut plan);
    let sum = hex::encode(sha2::Sha256::digest(plan.to_string().as_bytes()));
    plan["checksum"] = sum.into();
    std::fs::write(path, plan.to_string()).expect("write");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_edited_and_rechecksummed_was_applied() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "x", "python3.12").await;
    w.config("function \"x\" {\n  configuration {\n    memory_size = 640\n  }\n}\n");
    w.rtm(&["plan", "--out", "pr.plan"]).expect_code(0);
    let path = w.rtm.path().join("pr.plan");
    let original = std::fs::read_to_string(&path).expect("plan");
    let body =
        |plan: &mut Value| -> Value { plan["functions"][0]["steps"][0]["request"]["body"].clone() };
    let mut shown: Value = serde_json::from_str(&original).expect("json");
    assert_eq!(body(&mut shown)["MemorySize"], 640);

    tamper(&path, |p| {
        p["functions"][0]["steps"][0]["request"]["body"]["MemorySize"] = 3008.into();
    });
    let out = w.rtm(&["apply", "pr.plan"]).expect_code(1);
    assert!(
        out.stderr.contains(
            "pr.plan's steps do not follow from the configuration (function.x: MemorySize 3008, configuration asks 640)"
        ),
        "{}",
        out.stderr
    );
    std::fs::write(&path, &original).expect("restore");
    tamper(&path, |p| {
        p["functions"][0]["steps"][0]["request"]["body"]["Runtime"] = "python3.9".into();
    });
    let out = w.rtm(&["apply", "pr.plan"]).expect_code(1);
    assert!(
        out.stderr
            .contains("Runtime python3.9, configuration asks nothing"),
        "{}",
        out.stderr
    );
    // A step added to the plan is refused too.
    std::fs::write(&path, &original).expect("restore");
    tamper(&path, |p| {
        let step = p["functions"][0]["steps"][0].clone();
        p["functions"][0]["steps"]
            .as_array_mut()
            .expect("steps")
            .push(step);
    });
    w.rtm(&["apply", "pr.plan"]).expect_code(1);
    let conf = fleet::configuration(&c, "x").await;
    assert_eq!(
        (conf.memory_size(), conf.runtime().map(|r| r.as_str())),
        (Some(128), Some("python3.12"))
    );
    // The plan as saved applies.
    std::fs::write(&path, &original).expect("restore");
    w.rtm(&["apply", "pr.plan"]).expect_code(0);
    assert_eq!(fleet::configuration(&c, "x").await.memory_size(), Some(640));
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_pinned_a_version_of_another_runtime() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "hello", "python3.11").await;
    let config = |runtime: &str| {
        format!(
            "function \"hello\" {{\n  runtime_management {{\n    update_runtime_on = \"Auto\"\n  }}\n  configuration {{\n    runtime = \"{runtime}\"\n  }}\n}}\n"
        )
    };
    w.config(&config("python3.11"));
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let v311_a = fleet::running_arn(&c, "hello").await;
    w.sim
        .admin(&["release", "--runtime", "python3.11"])
        .expect_code(0);
    w.sim.admin(&["phase2"]).expect_code(0);
    w.rtm(&["drift"]).expect_code(0);
    let v311_b = fleet::running_arn(&c, "hello").await;
    assert_ne!(v311_a, v311_b);
    // The runtime moves to python3.12: the previous version in history is
    // python3.11's, which Lambda would refuse to pin.
    w.config(&config("python3.12"));
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let out = w
        .rtm(&["--now", "2026-11-21", "rollback", "function.hello"])
        .expect_code(1);
    assert!(
        out.stderr.contains("no previous version of python3.12"),
        "{}",
        out.stderr
    );
    assert!(!w.rtm.read("main.rtm.hcl").contains(&v311_b));
    // Once python3.12 has had two versions, the previous one is python3.12's.
    let v312_a = fleet::running_arn(&c, "hello").await;
    w.sim
        .admin(&["release", "--runtime", "python3.12"])
        .expect_code(0);
    w.sim.admin(&["phase2"]).expect_code(0);
    w.rtm(&["drift"]).expect_code(0);
    w.rtm(&["--now", "2026-11-21", "rollback", "function.hello"])
        .expect_code(0);
    let text = w.rtm.read("main.rtm.hcl");
    assert!(text.contains(&v312_a), "{text}");
    w.rtm(&["--now", "2026-11-21", "apply", "--auto-approve"])
        .expect_code(0);
    assert_eq!(
        fleet::mode(&c, "hello", "$LATEST").await.1.as_deref(),
        Some(v312_a.as_str())
    );

    // A pin written by hand to a python3.11 version is a plan error, before any write.
    w.config(&format!(
        "function \"hello\" {{\n  runtime_management {{\n    update_runtime_on   = \"Manual\"\n    runtime_version_arn = \"{v311_b}\"\n  }}\n  configuration {{\n    runtime = \"python3.12\"\n  }}\n}}\n"
    ));
    let out = w.rtm(&["plan"]).expect_code(1);
    assert!(
        out.stdout
            .contains("was seen on python3.11 (x86_64), but the function will run python3.12"),
        "{}",
        out.stdout
    );
    w.rtm(&["apply", "--auto-approve"]).expect_code(1);
    assert_eq!(
        fleet::mode(&c, "hello", "$LATEST").await.1.as_deref(),
        Some(v312_a.as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_said_nothing_imported_and_exited_0_when_every_read_failed() {
    let w = Workspace::new(&["--error-rate", "1.0"]);
    let out = w.rtm(&["import", "--all"]).expect_code(1);
    assert!(!out.stdout.contains("Nothing imported"), "{}", out.stdout);
    assert!(out.stderr.contains("ServiceException"), "{}", out.stderr);
    assert!(!w.rtm.path().join("imported.rtm.hcl").exists());
}
