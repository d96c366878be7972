//! Fleets across accounts and regions, at the physical limit of Lambda's
//! quotas: the calls each function costs in the shared 15/s bucket.

use serde_json::Value;

use crate::plan_apply::Workspace;
use crate::support::fleet;

fn summary(out: &crate::support::Output) -> Value {
    out.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e["event"] == "summary")
        .unwrap_or_else(|| panic!("no summary event: {}", out.stdout))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mode_change_and_an_update_cost_three_shared_bucket_calls() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    w.config(
        "function \"api\" {\n  runtime_management {\n    update_runtime_on = \"FunctionUpdate\"\n  }\n  configuration {\n    memory_size = 512\n  }\n}\n",
    );
    let out = w
        .rtm(&["apply", "--auto-approve", "--format", "json"])
        .expect_code(0);
    let calls = &summary(&out)["calls"];
    // The plan's GetRuntimeManagementConfig, the Put and the Update; the
    // RevisionId check and the wait are GetFunction, in its own bucket.
    assert_eq!(calls["by_bucket"]["shared"], 3, "{calls:#}");
    assert_eq!(
        calls["by_operation"]["GetRuntimeManagementConfig"], 1,
        "{calls:#}"
    );
    assert_eq!(calls["throttled"], 0);

    // A saved plan re-reads the mode before writing: 3 as well (re-read,
    // Put, Update), its own plan's read being another run's.
    w.config(
        "function \"api\" {\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n  configuration {\n    memory_size = 640\n  }\n}\n",
    );
    w.rtm(&["plan", "--out", "p.plan"]).expect_code(0);
    let out = w
        .rtm(&["apply", "p.plan", "--format", "json"])
        .expect_code(0);
    assert_eq!(summary(&out)["calls"]["by_bucket"]["shared"], 3);
    let verbose = w.rtm(&["-v", "apply", "--auto-approve"]).expect_code(0);
    assert!(
        verbose.stderr.contains("shared 15/s bucket"),
        "{}",
        verbose.stderr
    );
}
