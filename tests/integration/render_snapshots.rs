//! What a reviewer sees: the human and Markdown plans of one scenario with
//! every kind of line (a lifted pin, drift, sensitive values, a runtime
//! version Lambda moved, a missing function), as insta snapshots.

use crate::plan_apply::Workspace;
use crate::support::fleet;

const BEFORE: &str = r#"
settings {
  region = "us-east-1"
}

function "orders" {
  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "ORDERS_PIN"
    pin_until           = "2099-01-01"
    reason              = "wait for the pydantic fix"
  }
}

function "resize" {
  configuration {
    memory_size = 512
  }
}

function "billing" {
  runtime_management {
    update_runtime_on = "Auto"
  }
}
"#;

const AFTER: &str = r#"
settings {
  region = "us-east-1"
}

function "orders" {
  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "NEW_PIN"
    pin_until           = "2099-01-01"
    reason              = "stay on the first 3.12 build"
  }
  configuration {
    runtime = "python3.12"
    environment {
      variables = { DB_PASSWORD = "correct-horse" }
    }
  }
}

function "resize" {
  configuration {
    memory_size = 512
  }
}

function "billing" {
  runtime_management {
    update_runtime_on = "Auto"
  }
}

function "ghost" {
  configuration {
    timeout = 5
  }
}
"#;

async fn scenario() -> Workspace {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "orders", "python3.11").await;
    fleet::create(&c, "resize", "python3.12").await;
    fleet::create(&c, "billing", "python3.12").await;
    let pin = fleet::running_arn(&c, "orders").await;
    w.config(&BEFORE.replace("ORDERS_PIN", &pin));
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);

    fleet::set_memory(&c, "resize", 1024).await;
    w.sim
        .admin(&["release", "--runtime", "python3.12"])
        .expect_code(0);
    w.sim.admin(&["phase2"]).expect_code(0);
    let new_pin = fleet::running_arn(&c, "billing").await;
    w.config(&AFTER.replace("NEW_PIN", &new_pin));
    w
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "[TIME]");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn the_plan_as_a_reviewer_sees_it() {
    let w = scenario().await;
    // On a fixed day: deprecation warnings depend on the date.
    let human = w.rtm(&["--now", "2026-11-21", "plan"]).expect_code(1);
    let markdown = w
        .rtm(&["--now", "2026-11-21", "plan", "--format", "markdown"])
        .expect_code(1);
    for out in [&human.stdout, &markdown.stdout] {
        assert!(!out.contains("correct-horse"), "a secret leaked:\n{out}");
    }
    settings().bind(|| {
        insta::assert_snapshot!("plan_human", human.stdout);
        insta::assert_snapshot!("plan_markdown", markdown.stdout);
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_markdown_plan_is_cut_to_fit_a_comment() {
    let seed = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(
        seed.path(),
        r#"{"Functions": [{"FunctionName": "svc", "Count": 400, "Runtime": "python3.12"}]}"#,
    )
    .expect("seed");
    let w = Workspace::new(&["--seed", seed.path().to_str().expect("path")]);
    let names: Vec<String> = (1..=400).map(|i| format!("\"svc-{i:03}\"")).collect();
    w.config(&format!(
        "function \"svc\" {{\n  for_each = toset([{}])\n  name     = each.key\n  configuration {{\n    description = \"{}\"\n    layers      = [\"arn:aws:lambda:us-east-1:123456789012:layer:a:1\", \"arn:aws:lambda:us-east-1:123456789012:layer:b:1\", \"arn:aws:lambda:us-east-1:123456789012:layer:c:1\", \"arn:aws:lambda:us-east-1:123456789012:layer:d:1\"]\n  }}\n}}\n",
        names.join(", "),
        "x".repeat(200)
    ));
    let out = w.rtm(&["plan", "--format", "markdown"]).expect_code(0);
    assert!(
        out.stdout.len() <= 60_000,
        "{} characters",
        out.stdout.len()
    );
    assert!(
        out.stdout
            .starts_with("### rtm plan: 400 to change, 0 unchanged")
    );
    assert!(out.stdout.contains("were left out"), "no cut note");
    // The summary table is complete even when details are cut.
    assert!(
        out.stdout
            .contains("| `function.svc[\"svc-400\"]` | ~ update |")
    );
}
