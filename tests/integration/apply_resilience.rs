//! apply under pressure: throttling, slow updates and 409s, SIGKILL at random
//! points, and two applies at once on the same state.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::plan_apply::{Workspace, plan_json};
use crate::support::{Output, RTM, fleet};

/// A seed file of `count` Zip functions `svc-001`.. on python3.12.
pub fn seed(count: usize) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(
        f.path(),
        format!(r#"{{"Functions": [{{"FunctionName": "svc", "Count": {count}, "Runtime": "python3.12"}}]}}"#),
    )
    .expect("write seed");
    f
}

/// One for_each block over `svc-001`..: mode and memory for all of them.
pub fn fleet_config(count: usize, mode: &str, memory: u32) -> String {
    let names: Vec<String> = (1..=count).map(|i| format!("\"svc-{i:03}\"")).collect();
    format!(
        r#"
settings {{
  region = "us-east-1"
}}

function "svc" {{
  for_each = toset([{}])
  name     = each.key

  runtime_management {{
    update_runtime_on = "{mode}"
  }}

  configuration {{
    memory_size = {memory}
  }}
}}
"#,
        names.join(", ")
    )
}

/// `rtm apply --auto-approve ARGS` against the emulator, in the background,
/// with its output captured.
fn spawn_apply(w: &Workspace, extra: &[&str]) -> Child {
    let mut args = w.sim.rtm_args();
    args.extend(["apply", "--auto-approve"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(RTM)
        .current_dir(w.rtm.path())
        .args(&args)
        .envs(fleet::aws_env())
        .env("RTM_RATE_SCALE", "50")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apply")
}

/// Waits until an rtm run holds the state lock (it writes its holder there).
fn wait_for_lock(w: &Workspace) {
    let lock = w.rtm.path().join("state").join("rtm.lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read(&lock).map(|b| b.is_empty()).unwrap_or(true) {
        assert!(Instant::now() < deadline, "no rtm run took the lock");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A background run whose stderr is read as it comes, so a test can wait
/// for a line rtm prints (never for a fixed time) and still see it all.
pub struct Watched {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
    reader: std::thread::JoinHandle<()>,
}

impl Watched {
    pub fn new(mut child: Child) -> Watched {
        use std::io::BufRead;
        let stderr = child.stderr.take().expect("stderr piped");
        let (tx, lines) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watched {
            child,
            lines,
            seen: Vec::new(),
            reader,
        }
    }

    /// Waits until rtm prints a stderr line containing `needle`.
    pub fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => panic!(
                    "rtm never printed {needle:?}; stderr so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Waits for the run to end: its exit code, stdout and whole stderr.
    pub fn finish(mut self) -> Output {
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            use std::io::Read;
            let _ = out.read_to_string(&mut stdout);
        }
        let status = self.child.wait().expect("wait");
        let _ = self.reader.join();
        self.seen.extend(self.lines.try_iter());
        Output {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: self.seen.join("\n"),
        }
    }
}

fn sigint(pid: &str) {
    let status = Command::new("kill")
        .args(["-INT", pid])
        .status()
        .expect("kill -INT");
    assert!(status.success());
}

async fn assert_fleet(w: &Workspace, count: usize, mode: &str, memory: i32) {
    let c = w.sim.client().await;
    for i in 1..=count {
        let name = format!("svc-{i:03}");
        assert_eq!(
            fleet::configuration(&c, &name).await.memory_size(),
            Some(memory),
            "{name}"
        );
        assert_eq!(fleet::mode(&c, &name, "$LATEST").await.0, mode, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttling_storm_ends_in_the_right_state_with_no_error_surfaced() {
    let s = seed(200);
    let w = Workspace::new(&[
        "--seed",
        s.path().to_str().expect("path"),
        "--quotas",
        "--quota-scale",
        "10",
        "--fault-seed",
        "1",
        "--throttle-rate",
        "0.3",
    ]);
    w.config(&fleet_config(200, "FunctionUpdate", 512));
    let out = w.rtm_env(
        &[("RTM_RATE_SCALE", "10")],
        &["apply", "--auto-approve", "--parallelism", "50"],
    );
    let out = out.expect_code(0);
    assert!(
        out.stdout
            .contains("Apply complete: 200 changed, 0 failed, 0 skipped."),
        "{}",
        out.stdout
    );
    assert!(
        !out.stderr.contains("TooManyRequests"),
        "a throttle reached the user:\n{}",
        out.stderr
    );
    let stats = w.sim.admin(&["stats", "--json"]).expect_code(0);
    let stats: serde_json::Value = serde_json::from_str(&stats.stdout).expect("stats JSON");
    assert!(
        stats["Throttled"].as_u64().unwrap_or(0) > 100,
        "the storm did not happen: {stats}"
    );
    w.sim
        .admin(&["faults", "--throttle-rate", "0", "--quotas", "false"])
        .expect_code(0);
    assert_fleet(&w, 200, "FunctionUpdate", 512).await;
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_updates_are_waited_for_and_an_update_in_flight_at_plan_time_is_waited_out() {
    let w = Workspace::new(&["--update-delay-ms", "1500"]);
    let c = w.sim.client().await;
    fleet::create(&c, "slow", "python3.11").await;
    // Someone else is updating an unmanaged field as rtm starts.
    c.update_function_configuration()
        .function_name("slow")
        .description("deploy in flight")
        .send()
        .await
        .expect("out-of-band update");
    w.config(
        r#"
function "slow" {
  runtime_management {
    update_runtime_on = "FunctionUpdate"
  }
  configuration {
    runtime     = "python3.12"
    memory_size = 1024
  }
}
"#,
    );
    let started = Instant::now();
    let out = w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        out.stdout.contains("apply waits for it to finish"),
        "{}",
        out.stdout
    );
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "did not wait for both updates"
    );
    let conf = fleet::configuration(&c, "slow").await;
    assert_eq!(conf.memory_size(), Some(1024));
    assert_eq!(conf.runtime().map(|r| r.as_str()), Some("python3.12"));
    assert_eq!(conf.description(), Some("deploy in flight"));
    assert_eq!(
        conf.last_update_status().map(|s| s.as_str()),
        Some("Successful")
    );
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_update_is_reported_with_its_reason_code() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "fragile", "python3.12").await;
    fleet::create(&c, "sturdy", "python3.12").await;
    w.sim
        .admin(&[
            "faults",
            "--fail-next-update",
            "fragile",
            "--reason-code",
            "EniLimitExceeded",
        ])
        .expect_code(0);
    w.config(
        "function \"fragile\" {\n  configuration {\n    timeout = 60\n  }\n}\n\nfunction \"sturdy\" {\n  configuration {\n    timeout = 60\n  }\n}\n",
    );
    let out = w.rtm(&["apply", "--auto-approve"]).expect_code(1);
    assert!(
        out.stdout
            .contains("Apply complete: 1 changed, 1 failed, 0 skipped."),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("function.fragile: UpdateFailed"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("EniLimitExceeded"), "{}", out.stdout);
    assert_eq!(fleet::configuration(&c, "fragile").await.timeout(), Some(3));
    // The next plan shows exactly the remaining work.
    let plan = plan_json(&w.rtm(&["plan", "--format", "json"]).expect_code(0));
    assert_eq!(plan.summary.change, 1);
    assert_eq!(plan.change("function.fragile").actions, ["update"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn when_lambda_stops_answering_apply_starts_nothing_more() {
    const FUNCTIONS: usize = 20;
    let s = seed(FUNCTIONS);
    let mut w = Workspace::new(&[
        "--seed",
        s.path().to_str().expect("path"),
        "--update-delay-ms",
        "1500",
    ]);
    w.config(&fleet_config(FUNCTIONS, "FunctionUpdate", 512));
    let mut run = Watched::new(spawn_apply(&w, &["--parallelism", "2"]));
    // Once the first functions are under way (each update takes 1.5 s),
    // take Lambda away.
    run.wait_for("waiting for LastUpdateStatus Successful");
    w.sim.kill();
    let out = run.finish().expect_code(1);
    let stdout = out.stdout;
    let summary =
        regex::Regex::new(r"Apply complete: (\d+) changed, (\d+) failed, (\d+) skipped\.")
            .expect("regex")
            .captures(&stdout)
            .unwrap_or_else(|| panic!("no summary: {stdout}"))
            .iter()
            .skip(1)
            .map(|m| m.expect("group").as_str().parse::<usize>().expect("count"))
            .collect::<Vec<_>>();
    let (changed, failed, skipped) = (summary[0], summary[1], summary[2]);
    assert_eq!(changed + failed + skipped, FUNCTIONS, "{stdout}");
    // Only the functions in flight fail; the others are never started.
    assert!((1..=2).contains(&failed), "{stdout}");
    assert!(skipped >= FUNCTIONS - 4, "{stdout}");
    assert!(stdout.contains("Connection refused"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_random_points_leaves_state_that_plans_the_rest_and_converges() {
    const FUNCTIONS: usize = 50;
    const RUNS: usize = 20;
    let s = seed(FUNCTIONS);
    let w = Workspace::new(&[
        "--seed",
        s.path().to_str().expect("path"),
        "--update-delay-ms",
        "100",
    ]);
    let mut killed_mid_way = 0;
    for run in 0..RUNS {
        let (mode, memory) = if run % 2 == 0 {
            ("FunctionUpdate", 256 + run as u32)
        } else {
            ("Auto", 256 + run as u32)
        };
        w.config(&fleet_config(FUNCTIONS, mode, memory));
        let mut child = spawn_apply(&w, &["--parallelism", "8"]);
        // Somewhere between planning and the last steps.
        let wait = 150 + (run as u64 * 97) % 900;
        std::thread::sleep(Duration::from_millis(wait));
        let finished = child.try_wait().expect("try_wait").is_some();
        let _ = child.kill();
        let _ = child.wait();

        let plan = plan_json(&w.rtm(&["plan", "--format", "json"]).expect_code(0));
        assert_eq!(plan.summary.error, 0, "run {run}");
        assert_eq!(
            plan.summary.change + plan.summary.no_op,
            FUNCTIONS,
            "run {run}"
        );
        if !finished && plan.summary.change > 0 && plan.summary.change < FUNCTIONS {
            killed_mid_way += 1;
        }
        for change in plan.changes.iter().filter(|c| c.actions == ["update"]) {
            // Only what is still different is planned.
            for a in &change.attributes {
                assert_ne!(
                    a.before, a.after,
                    "run {run}: {} {}",
                    change.address, a.path
                );
            }
        }
        let out = w
            .rtm(&["apply", "--auto-approve", "--parallelism", "16"])
            .expect_code(0);
        assert!(
            out.stdout.contains(" 0 failed, 0 skipped."),
            "run {run}: {}",
            out.stdout
        );
        w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
        if run == RUNS - 1 {
            assert_fleet(&w, FUNCTIONS, mode, memory as i32).await;
        }
    }
    assert!(
        killed_mid_way >= 5,
        "only {killed_mid_way} of {RUNS} kills landed mid-apply"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_applies_at_once_one_runs_and_the_other_is_told_about_the_lock() {
    let s = seed(10);
    let w = Workspace::new(&[
        "--seed",
        s.path().to_str().expect("path"),
        "--update-delay-ms",
        "2000",
    ]);
    w.config(&fleet_config(10, "FunctionUpdate", 640));
    let a = spawn_apply(&w, &[]);
    // Start the second once the first holds the lock; updates take 2 s, so
    // it holds it a while.
    wait_for_lock(&w);
    let b = spawn_apply(&w, &[]);
    let (a, b) = (
        a.wait_with_output().expect("a"),
        b.wait_with_output().expect("b"),
    );
    let codes = [a.status.code(), b.status.code()];
    assert!(
        codes.contains(&Some(0)) && codes.contains(&Some(1)),
        "{codes:?}"
    );
    let loser = if a.status.code() == Some(1) { &a } else { &b };
    let stderr = String::from_utf8_lossy(&loser.stderr);
    assert!(
        stderr.contains("state is locked by rtm apply (pid "),
        "{stderr}"
    );
    w.rtm(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_fleet(&w, 10, "FunctionUpdate", 640).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_finishes_the_steps_in_flight_records_them_and_exits_130() {
    let s = seed(12);
    let w = Workspace::new(&[
        "--seed",
        s.path().to_str().expect("path"),
        "--update-delay-ms",
        "1000",
    ]);
    w.config(&fleet_config(12, "FunctionUpdate", 768));
    let mut run = Watched::new(spawn_apply(&w, &["--parallelism", "3"]));
    // Interrupt while the first functions are waiting for their updates.
    run.wait_for("waiting for LastUpdateStatus Successful");
    sigint(&run.pid());
    let out = run.finish().expect_code(130);
    let (stdout, stderr) = (out.stdout, out.stderr);
    assert!(stderr.contains("Interrupt received"), "{stderr}");
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("Apply complete:"))
        .expect("summary");
    // "Apply complete: N changed, 0 failed, K skipped." with N > 0 and K > 0.
    let numbers: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|t| t.parse().ok())
        .collect();
    let (changed, failed, skipped) = (numbers[0], numbers[1], numbers[2]);
    assert!(changed > 0 && skipped > 0 && failed == 0, "{summary}");
    // What finished was recorded; the next plan shows exactly the rest.
    let plan = plan_json(&w.rtm(&["plan", "--format", "json"]).expect_code(0));
    assert_eq!(plan.summary.change, 12 - changed, "{summary}");
    w.rtm(&["apply", "--auto-approve"]).expect_code(0);
    assert_fleet(&w, 12, "FunctionUpdate", 768).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_format_json_streams_one_event_per_line() {
    let s = seed(3);
    let w = Workspace::new(&["--seed", s.path().to_str().expect("path")]);
    w.config(&fleet_config(3, "FunctionUpdate", 256));
    let out = w
        .rtm(&["apply", "--auto-approve", "--format", "json"])
        .expect_code(0);
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let finished: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event"] == "step_finished")
        .collect();
    assert_eq!(finished.len(), 6, "{}", out.stdout);
    assert!(finished.iter().all(|e| e["outcome"] == "ok"));
    let last = events.last().expect("events");
    assert_eq!(last["event"], "summary");
    assert_eq!(
        (last["changed"].as_u64(), last["failed"].as_u64()),
        (Some(3), Some(0))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_planning_killed_rtm_silently() {
    let s = seed(6);
    let w = Workspace::new(&[
        "--seed",
        s.path().to_str().expect("path"),
        "--latency-ms",
        "2000",
    ]);
    w.config(&fleet_config(6, "FunctionUpdate", 512));
    let mut args = w.sim.rtm_args();
    args.push("plan".into());
    let child = Command::new(RTM)
        .current_dir(w.rtm.path())
        .args(&args)
        .envs(fleet::aws_env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn plan");
    let run = Watched::new(child);
    // The plan holds the lock while its reads (2 s each) are in flight.
    wait_for_lock(&w);
    sigint(&run.pid());
    let out = run.finish().expect_code(130);
    assert!(out.stderr.contains("nterrupted"), "{}", out.stderr);
    assert!(!out.stdout.contains("Plan:"), "{}", out.stdout);
    // The lock is released: the next run is not told about it.
    let next = w.rtm(&["plan"]);
    assert!(!next.stderr.contains("locked"), "{}", next.stderr);
}
