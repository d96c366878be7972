//! plan and apply end to end: the rtm binary against the emulator, seeded
//! and checked with the real aws-sdk-lambda client.

use serde::Deserialize;

use crate::support::fleet::{self, Emulator};
use crate::support::{Output, Rtm};

/// A config directory wired to an emulator.
pub struct Workspace {
    pub rtm: Rtm,
    pub sim: Emulator,
}

impl Workspace {
    pub fn new(sim_flags: &[&str]) -> Workspace {
        Workspace {
            rtm: Rtm::new(),
            sim: Emulator::start(sim_flags),
        }
    }

    pub fn config(&self, text: &str) {
        std::fs::write(self.rtm.path().join("main.rtm.hcl"), text).expect("write config");
    }

    /// `rtm ARGS` against the emulator.
    pub fn rtm(&self, args: &[&str]) -> Output {
        self.rtm_env(&[], args)
    }

    /// `rtm ARGS` against the emulator, with extra environment variables.
    pub fn rtm_env(&self, extra: &[(&str, &str)], args: &[&str]) -> Output {
        let mut all = self.sim.rtm_args();
        all.extend(args.iter().map(|s| s.to_string()));
        let mut env = fleet::aws_env();
        env.push(("NO_COLOR".into(), "1".into()));
        // The emulator runs without quotas here: let rtm's client-side
        // limiter go faster than Lambda's, so fleet tests stay quick.
        env.push(("RTM_RATE_SCALE".into(), "50".into()));
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        crate::support::run_in(self.rtm.path(), &all, &env, None)
    }
}

#[derive(Debug, Deserialize)]
pub struct PlanJson {
    pub format_version: String,
    pub summary: Summary,
    pub changes: Vec<ChangeJson>,
    pub diagnostics: Vec<DiagnosticJson>,
}

#[derive(Debug, Deserialize)]
pub struct Summary {
    pub change: usize,
    pub no_op: usize,
    pub error: usize,
}

#[derive(Debug, Deserialize)]
pub struct ChangeJson {
    pub address: String,
    pub function_arn: String,
    pub qualifier: String,
    pub actions: Vec<String>,
    pub attributes: Vec<AttributeJson>,
    pub steps: Vec<StepJson>,
    pub preconditions: PreconditionsJson,
}

#[derive(Debug, Deserialize)]
pub struct AttributeJson {
    pub path: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub cause: String,
}

#[derive(Debug, Deserialize)]
pub struct StepJson {
    pub operation: String,
    pub request: serde_json::Value,
}

#[derive(Debug, Deserialize)]
pub struct PreconditionsJson {
    pub revision_id: String,
    pub update_runtime_on: String,
}

#[derive(Debug, Deserialize)]
pub struct DiagnosticJson {
    pub severity: String,
    pub address: Option<String>,
    pub message: String,
}

pub fn plan_json(out: &Output) -> PlanJson {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("plan JSON: {e}\n{}", out.stdout))
}

impl PlanJson {
    pub fn change(&self, address: &str) -> &ChangeJson {
        self.changes
            .iter()
            .find(|c| c.address == address)
            .unwrap_or_else(|| panic!("no change for {address}: {:#?}", self.changes))
    }
}

impl ChangeJson {
    pub fn operations(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.operation.as_str()).collect()
    }
}

const FLEET: &str = r#"
settings {
  region = "us-east-1"
}

function "api" {
  name = "api"
  runtime_management {
    update_runtime_on = "FunctionUpdate"
  }
  configuration {
    memory_size = 256
    environment {
      variables = { LOG_LEVEL = "debug", API_KEY = "hunter2-secret" }
    }
  }
}

function "batch" {
  runtime_management {
    update_runtime_on = "Auto"
  }
}

function "steady" {
  runtime_management {
    update_runtime_on = "Auto"
  }
  configuration {
    runtime = "python3.12"
  }
}
"#;

async fn seed_fleet(w: &Workspace) -> aws_sdk_lambda::Client {
    let c = w.sim.client().await;
    for name in ["api", "batch", "steady"] {
        fleet::create(&c, name, "python3.12").await;
    }
    fleet::put_mode(&c, "batch", "$LATEST", "FunctionUpdate", None).await;
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_shows_changes_apply_converges_and_the_next_plan_is_empty() {
    let w = Workspace::new(&[]);
    let c = seed_fleet(&w).await;
    w.config(FLEET);

    let out = w
        .rtm(&["plan", "--detailed-exitcode", "--format", "json"])
        .expect_code(2);
    assert!(
        !out.stdout.contains("hunter2"),
        "a secret leaked into the plan"
    );
    let plan = plan_json(&out);
    assert_eq!(plan.format_version, "1.0");
    assert_eq!(
        (plan.summary.change, plan.summary.no_op, plan.summary.error),
        (2, 1, 0)
    );
    let api = plan.change("function.api");
    assert_eq!(api.actions, ["update"]);
    assert_eq!(
        api.operations(),
        ["PutRuntimeManagementConfig", "UpdateFunctionConfiguration"]
    );
    assert_eq!(api.preconditions.update_runtime_on, "Auto");
    assert!(!api.preconditions.revision_id.is_empty());
    assert_eq!(
        api.function_arn,
        "arn:aws:lambda:us-east-1:123456789012:function:api"
    );
    let mode = &api.attributes[0];
    assert_eq!(
        (mode.before.as_str(), mode.after.as_str()),
        (Some("Auto"), Some("FunctionUpdate"))
    );
    assert!(api.attributes.iter().all(|a| a.cause == "config"));
    assert_eq!(api.steps[1].request["MemorySize"], 256);
    assert_eq!(
        api.steps[1].request["Environment"]["Variables"]["API_KEY"],
        "(sensitive)"
    );
    let paths: Vec<&str> = api.attributes.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "runtime_management.update_runtime_on",
            "configuration.memory_size",
            "configuration.environment.variables.API_KEY",
            "configuration.environment.variables.LOG_LEVEL"
        ]
    );
    assert_eq!(
        plan.change("function.batch").operations(),
        ["PutRuntimeManagementConfig"]
    );
    assert_eq!(plan.change("function.steady").actions, ["no-op"]);

    let out = w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        out.stdout
            .contains("Apply complete: 2 changed, 0 failed, 0 skipped."),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("hunter2") && !out.stderr.contains("hunter2"));

    assert_eq!(fleet::mode(&c, "api", "$LATEST").await.0, "FunctionUpdate");
    assert_eq!(fleet::mode(&c, "batch", "$LATEST").await.0, "Auto");
    let api = fleet::configuration(&c, "api").await;
    assert_eq!(api.memory_size(), Some(256));
    let vars = api
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        vars.get("API_KEY").map(String::as_str),
        Some("hunter2-secret")
    );

    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
    let state = std::fs::read_dir(w.rtm.path().join("state")).expect("state dir");
    for entry in state.flatten() {
        if entry.path().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("hunter2"),
                "{} holds a secret in clear",
                entry.path().display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runtime_change_on_a_pinned_function_lands_in_one_apply() {
    // terraform-provider-aws#42699: Lambda refuses to change the runtime of
    // a Manual $LATEST; rtm lifts the pin, updates, waits, and pins again.
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "orders", "python3.11").await;
    let old = fleet::running_arn(&c, "orders").await;
    fleet::put_mode(&c, "orders", "$LATEST", "Manual", Some(&old)).await;
    fleet::create(&c, "probe312", "python3.12").await;
    let new = fleet::running_arn(&c, "probe312").await;

    w.config(&format!(
        r#"
settings {{
  region = "us-east-1"
}}

function "orders" {{
  runtime_management {{
    update_runtime_on   = "Manual"
    runtime_version_arn = "{new}"
    pin_until           = "2099-01-01"
    reason              = "stay on this build"
  }}
  configuration {{
    runtime = "python3.12"
  }}
}}
"#
    ));
    let plan = plan_json(&w.rtm(&["plan", "--format", "json"]).expect_code(0));
    assert_eq!(
        plan.change("function.orders").operations(),
        [
            "PutRuntimeManagementConfig",
            "UpdateFunctionConfiguration",
            "PutRuntimeManagementConfig"
        ]
    );
    let human = w.rtm(&["plan"]).expect_code(0);
    assert!(
        human
            .stdout
            .contains("-/+ runtime_management.update_runtime_on"),
        "{}",
        human.stdout
    );

    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let conf = fleet::configuration(&c, "orders").await;
    assert_eq!(conf.runtime().map(|r| r.as_str()), Some("python3.12"));
    assert_eq!(
        fleet::mode(&c, "orders", "$LATEST").await,
        ("Manual".into(), Some(new.clone()))
    );
    assert_eq!(fleet::running_arn(&c, "orders").await, new);
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_version_changes_mode_by_qualifier_and_latest_is_untouched() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "billing", "python3.12").await;
    let v = c
        .publish_version()
        .function_name("billing")
        .send()
        .await
        .expect("publish");
    let version = v.version().expect("version").to_string();
    w.config(&format!(
        r#"
function "billing_v{version}" {{
  name      = "billing"
  qualifier = "{version}"
  runtime_management {{
    update_runtime_on = "FunctionUpdate"
  }}
}}
"#
    ));
    let plan = plan_json(&w.rtm(&["plan", "--format", "json"]).expect_code(0));
    let change = plan.change(&format!("function.billing_v{version}"));
    assert_eq!(change.qualifier, version);
    assert_eq!(change.steps[0].request["Qualifier"], version.as_str());
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(
        fleet::mode(&c, "billing", &version).await.0,
        "FunctionUpdate"
    );
    assert_eq!(fleet::mode(&c, "billing", "$LATEST").await.0, "Auto");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_refuses_a_function_changed_since_and_applies_the_others() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    for name in ["one", "two"] {
        fleet::create(&c, name, "python3.12").await;
    }
    w.config(
        r#"
settings {
  region = "us-east-1"
}

function "one" {
  configuration {
    memory_size = 512
  }
}

function "two" {
  configuration {
    memory_size = 512
  }
}
"#,
    );
    w.rtm(&["plan", "--out", "changes.plan"]).expect_code(0);
    let shown = w.rtm(&["show", "changes.plan"]).expect_code(0);
    assert!(
        shown.stdout.contains("Plan: 2 to change, 0 unchanged."),
        "{}",
        shown.stdout
    );

    // Someone changes `one` out of band between plan and apply.
    fleet::set_memory_by_hand(&w.sim, &c, "one", 1024).await;

    let out = w.rtm(&["apply", "changes.plan"]).expect_code(1);
    assert!(
        out.stdout
            .contains("Apply complete: 1 changed, 1 failed, 0 skipped."),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("function.one: ChangedSincePlan"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("memory_size was 128, is now 1024"),
        "{}",
        out.stdout
    );
    assert_eq!(
        fleet::configuration(&c, "one").await.memory_size(),
        Some(1024)
    );
    assert_eq!(
        fleet::configuration(&c, "two").await.memory_size(),
        Some(512)
    );

    // The same plan file is now stale as a whole: state moved on.
    let out = w.rtm(&["apply", "changes.plan"]).expect_code(1);
    assert!(out.stderr.contains("saved plan is stale"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_is_refused_when_the_configuration_changed() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "one", "python3.12").await;
    w.config("function \"one\" {\n  configuration {\n    memory_size = 512\n  }\n}\n");
    w.rtm(&["plan", "--out", "p.plan"]).expect_code(0);
    w.config("function \"one\" {\n  configuration {\n    memory_size = 1024\n  }\n}\n");
    let out = w.rtm(&["apply", "p.plan"]).expect_code(1);
    assert!(
        out.stderr
            .contains("saved plan is stale: the configuration changed"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fleet::configuration(&c, "one").await.memory_size(),
        Some(128)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_plan_file_is_refused_and_nothing_is_applied() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "one", "python3.12").await;
    w.config("function \"one\" {\n  configuration {\n    memory_size = 512\n  }\n}\n");
    w.rtm(&["plan", "--out", "p.plan"]).expect_code(0);
    let path = w.rtm.path().join("p.plan");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("512"), "{text}");
    std::fs::write(&path, text.replace("512", "2048")).unwrap();
    let out = w.rtm(&["apply", "p.plan"]).expect_code(1);
    assert!(
        out.stderr.contains("p.plan was changed after rtm wrote it"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fleet::configuration(&c, "one").await.memory_size(),
        Some(128)
    );
    // `rtm show` refuses it the same way.
    w.rtm(&["show", "p.plan"]).expect_code(1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_function_is_an_error_for_its_address_only() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "present", "python3.12").await;
    w.config(
        r#"
function "present" {
  configuration {
    timeout = 30
  }
}

function "ghost" {
  configuration {
    timeout = 30
  }
}
"#,
    );
    let out = w.rtm(&["plan", "--format", "json"]).expect_code(1);
    let plan = plan_json(&out);
    assert_eq!((plan.summary.change, plan.summary.error), (1, 1));
    assert_eq!(
        plan.diagnostics[0].address.as_deref(),
        Some("function.ghost")
    );
    assert!(
        plan.diagnostics[0].message.contains("not found"),
        "{}",
        plan.diagnostics[0].message
    );
    assert_eq!(plan.diagnostics[0].severity, "error");
    // Targeting away from it plans cleanly.
    w.rtm(&[
        "plan",
        "--target",
        "function.present",
        "--detailed-exitcode",
    ])
    .expect_code(2);
    let out = w.rtm(&["plan", "--target", "function.nope"]).expect_code(1);
    assert!(out.stderr.contains("matches no function"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_without_a_terminal_needs_auto_approve() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "one", "python3.12").await;
    w.config("function \"one\" {\n  configuration {\n    timeout = 9\n  }\n}\n");
    let out = w.rtm(&["apply"]).expect_code(1);
    assert!(out.stderr.contains("--auto-approve"), "{}", out.stderr);
    assert_eq!(fleet::configuration(&c, "one").await.timeout(), Some(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_rtm_on_the_same_state_is_told_who_holds_the_lock() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "one", "python3.12").await;
    w.config("function \"one\" {\n  configuration {\n    timeout = 9\n  }\n}\n");
    let held = rtm::state::Store::open(
        &w.rtm.path().join("state"),
        "apply",
        std::time::Duration::ZERO,
    )
    .expect("open state");
    let out = w.rtm(&["plan"]).expect_code(1);
    assert!(
        out.stderr.contains("state is locked by rtm apply (pid "),
        "{}",
        out.stderr
    );
    let started = std::time::Instant::now();
    let out = w.rtm(&["plan", "--lock-timeout", "1s"]).expect_code(1);
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    assert!(out.stderr.contains("state is locked"), "{}", out.stderr);
    drop(held);
    w.rtm(&["plan"]).expect_code(0);
}

const TWO_FUNCTIONS: &str = "function \"a\" {\n  configuration {\n    timeout = 30\n  }\n}\n\nfunction \"b\" {\n  configuration {\n    timeout = 30\n  }\n}\n";

/// `rtm ARGS` in DIR with nothing of the caller's AWS environment: no
/// credentials anywhere (no env, no files, no instance metadata).
fn rtm_without_aws(dir: &std::path::Path, extra: &[(&str, &str)], args: &[&str]) -> Output {
    std::process::Command::new(crate::support::RTM)
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(extra.iter().copied())
        .output()
        .expect("run rtm")
        .into()
}

#[test]
fn without_credentials_plan_says_so_once_before_any_call() {
    let rtm = Rtm::new().file("main.rtm.hcl", TWO_FUNCTIONS);
    let out = rtm_without_aws(
        rtm.path(),
        &[],
        &["--endpoint-url", "http://127.0.0.1:1", "plan"],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("cannot load AWS credentials") && out.stderr.contains("aws sso login"),
        "{}",
        out.stderr
    );
    // One error, not one per function, and no SDK debug dump.
    assert_eq!(out.stderr.matches("error").count(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains("function."), "{}", out.stderr);
}

#[test]
fn an_unreachable_endpoint_ends_the_read_with_one_error() {
    let rtm = Rtm::new().file("main.rtm.hcl", TWO_FUNCTIONS);
    let creds = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ];
    // Port 1 on loopback: connection refused (after rtm's retries).
    for command in ["plan", "drift"] {
        let out = rtm_without_aws(
            rtm.path(),
            &creds,
            &["--endpoint-url", "http://127.0.0.1:1", command],
        );
        assert_eq!(out.code, 1, "{command}: {out:?}");
        assert_eq!(
            out.stderr.matches("Connection refused").count(),
            1,
            "{command}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("DispatchFailure {"), "{}", out.stderr);
        assert!(!out.stdout.contains("Plan:"), "{}", out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bodies_lambda_receives_are_the_saved_plans_steps() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.11").await;
    fleet::put_mode(
        &c,
        "api",
        "$LATEST",
        "Manual",
        Some(&fleet::running_arn(&c, "api").await),
    )
    .await;
    w.config(
        r#"
function "api" {
  runtime_management {
    update_runtime_on = "Auto"
  }
  configuration {
    runtime     = "python3.12"
    memory_size = 512
    logging_config {
      log_format = "JSON"
    }
    environment {
      variables = { API_KEY = "hunter2-secret", STAGE = "prod" }
    }
  }
}
"#,
    );
    w.rtm(&["plan", "--out", "p.plan"]).expect_code(0);
    let plan: serde_json::Value = serde_json::from_str(&w.rtm.read("p.plan")).expect("plan file");
    let steps = plan["functions"][0]["steps"]
        .as_array()
        .expect("steps")
        .clone();
    assert_eq!(steps.len(), 2, "{steps:#?}");
    use crate::support::sim::admin;
    admin(
        &w.sim.url,
        "DELETE",
        "/_sim/requests",
        serde_json::Value::Null,
    );
    w.rtm(&["apply", "p.plan"]).expect_code(0);
    let journal = admin(&w.sim.url, "GET", "/_sim/requests", serde_json::Value::Null);
    let writes: Vec<&serde_json::Value> = journal["Requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| {
            matches!(
                r["Operation"].as_str(),
                Some("PutRuntimeManagementConfig" | "UpdateFunctionConfiguration")
            )
        })
        .collect();
    assert_eq!(writes.len(), steps.len(), "{writes:#?}");
    for (sent, step) in writes.iter().zip(&steps) {
        let request = &step["request"];
        assert_eq!(sent["Operation"], step["operation"]);
        assert_eq!(sent["Method"], request["method"]);
        assert_eq!(sent["Path"], request["path"]);
        let mut body = sent["Body"].clone();
        // The one difference: secrets, which a plan never holds.
        if let Some(vars) = body
            .get_mut("Environment")
            .and_then(|e| e.get_mut("Variables"))
            .and_then(|v| v.as_object_mut())
        {
            assert_eq!(vars["API_KEY"], "hunter2-secret");
            for v in vars.values_mut() {
                *v = "(sensitive)".into();
            }
        }
        assert_eq!(body, request["body"], "{}", step["operation"]);
    }
    // The nested object went whole: the unmanaged LogGroup with its live value.
    assert!(
        steps[1]["request"]["body"]["LoggingConfig"]["LogGroup"]
            .as_str()
            .is_some_and(|g| g.starts_with("/aws/lambda/")),
        "{:#}",
        steps[1]["request"]["body"]
    );
}
