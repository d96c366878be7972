//! One state owns a function: the claim tag (`rtm:lineage`), the error when
//! another state's function is planned, the race of two states, and
//! `import --take-over`.

use std::io::BufRead;
use std::process::{Command, Stdio};

use crate::plan_apply::Workspace;
use crate::support::{Output, RTM, fleet};

const COUNT: usize = 10;

fn seed() -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(
        f.path(),
        format!(r#"{{"Functions": [{{"FunctionName": "svc", "Count": {COUNT}, "Runtime": "python3.12"}}]}}"#),
    )
    .expect("write seed");
    f
}

fn config(mode: &str, arn: Option<&str>) -> String {
    let names: Vec<String> = (1..=COUNT).map(|i| format!("\"svc-{i:03}\"")).collect();
    let pin = arn
        .map(|a| format!("\n    runtime_version_arn = \"{a}\""))
        .unwrap_or_default();
    format!(
        "function \"svc\" {{\n  for_each = toset([{}])\n  name     = each.key\n\n  runtime_management {{\n    update_runtime_on = \"{mode}\"{pin}\n  }}\n}}\n",
        names.join(", ")
    )
}

/// `rtm -C b ARGS`: a second checkout, with its own state, on the same Lambda.
fn in_b(w: &Workspace, args: &[&str]) -> Output {
    let mut all = vec!["-C", "b"];
    all.extend_from_slice(args);
    w.rtm(&all)
}

async fn modes(w: &Workspace) -> Vec<String> {
    let c = w.sim.client().await;
    let mut out = Vec::new();
    for i in 1..=COUNT {
        out.push(fleet::mode(&c, &format!("svc-{i:03}"), "$LATEST").await.0);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn two_states_overwrote_each_others_runtime_modes_both_reporting_success() {
    let s = seed();
    let w = Workspace::new(&[
        "--seed",
        s.path().to_str().expect("path"),
        "--latency-ms",
        "100",
    ]);
    let c = w.sim.client().await;
    let arn = fleet::running_arn(&c, "svc-001").await;
    w.config(&config("Manual", Some(&arn)));
    std::fs::create_dir_all(w.rtm.path().join("b")).expect("mkdir");
    std::fs::write(w.rtm.path().join("b/main.rtm.hcl"), config("Auto", None)).expect("write");

    // State A starts applying its pins; state B starts once A has claimed
    // every function (apply claims before any other write).
    let mut args = w.sim.rtm_args();
    args.extend(["apply", "--auto-approve"].map(String::from));
    let mut a = Command::new(RTM)
        .current_dir(w.rtm.path())
        .args(&args)
        .envs(fleet::aws_env())
        .env("RTM_RATE_SCALE", "50")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn A");
    let stderr = a.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut claimed = 0;
    while claimed < COUNT {
        let line = lines
            .next()
            .expect("A ended before claiming")
            .expect("line");
        if line.contains("TagResource(claim) ok") {
            claimed += 1;
        }
    }
    let b = in_b(&w, &["apply", "--auto-approve"]);
    let a = Output::from(a.wait_with_output().expect("A"));
    assert_eq!(a.code, 0, "{a:?}");
    assert_eq!(b.code, 1, "B must refuse: {b:?}");
    assert_eq!(
        b.stdout.matches("managed by another rtm state").count(),
        COUNT,
        "{}",
        b.stdout
    );
    assert!(
        b.stdout
            .contains("rtm import --take-over function.svc[\"svc-001\"] to move it here"),
        "{}",
        b.stdout
    );
    // Live exactly as A left it.
    assert_eq!(modes(&w).await, vec!["Manual".to_string(); COUNT]);

    // B takes them over (CI: --auto-approve); now A is the one refused.
    let out = in_b(
        &w,
        &["import", "--take-over", "function.svc", "--auto-approve"],
    )
    .expect_code(0);
    assert!(
        out.stdout.contains(&format!("Took over {COUNT} functions")),
        "{}",
        out.stdout
    );
    in_b(&w, &["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(modes(&w).await, vec!["Auto".to_string(); COUNT]);
    let out = w.rtm(&["plan"]).expect_code(1);
    assert!(
        out.stdout.contains("managed by another rtm state"),
        "{}",
        out.stdout
    );
    // Without a terminal and without --auto-approve, nothing is taken.
    let out = w
        .rtm(&["import", "--take-over", "function.svc"])
        .expect_code(1);
    assert!(out.stderr.contains("--auto-approve"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_apply_claims_and_later_plans_read_the_claim_for_free() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(
        "function \"api\" {\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n}\n",
    );
    // In sync, but not yet claimed: not a change, and said.
    let plan = w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(
        plan.stdout.contains("apply will claim 1 for this state"),
        "{}",
        plan.stdout
    );
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let tags = c
        .list_tags()
        .resource("arn:aws:lambda:us-east-1:123456789012:function:api")
        .send()
        .await
        .expect("list_tags");
    let list = w.rtm(&["state", "list", "--format", "json"]).expect_code(0);
    let state: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    assert_eq!(
        tags.tags()
            .and_then(|t| t.get("rtm:lineage"))
            .map(String::as_str),
        state["lineage"].as_str()
    );
    let plan = w.rtm(&["plan"]).expect_code(0);
    assert!(!plan.stdout.contains("claim"), "{}", plan.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn claim_functions_false_tags_nothing_and_ignores_claims() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    c.tag_resource()
        .resource("arn:aws:lambda:us-east-1:123456789012:function:api")
        .tags("rtm:lineage", "someone-elses-state")
        .send()
        .await
        .expect("tag");
    w.config("settings {\n  claim_functions = false\n}\n\nfunction \"api\" {\n  configuration {\n    timeout = 9\n  }\n}\n");
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    let tags = c
        .list_tags()
        .resource("arn:aws:lambda:us-east-1:123456789012:function:api")
        .send()
        .await
        .expect("list_tags");
    assert_eq!(
        tags.tags()
            .and_then(|t| t.get("rtm:lineage"))
            .map(String::as_str),
        Some("someone-elses-state")
    );
    assert_eq!(fleet::configuration(&c, "api").await.timeout(), Some(9));
}
