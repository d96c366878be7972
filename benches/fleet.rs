//! Plan and apply of large fleets against the emulator with Lambda's quotas
//! on (scaled by 10) and 20 ms of latency per call: prints wall time, API
//! calls per operation, throttles seen, rtm's peak memory, and the lower
//! bound the quotas allow. Then, at Lambda's real quotas (scale 1): a plan
//! of 6 account-regions x 200 functions, and an apply of 100 functions in
//! one account-region with a mode change and an update each (shared-bucket
//! calls per function). Run with `cargo bench --bench fleet` (`-- plan`,
//! `-- apply` or `-- fleet` for one part; `-- quick` for smaller sizes).
//!
//! The scale-10 runs set `claim_functions = false`: they measure the
//! steady state. Claiming a fleet for its state (TagResource, once per
//! function) adds one shared-bucket call to its first apply.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const RTM: &str = env!("CARGO_BIN_EXE_rtm");
const SCALE: f64 = 10.0;
const LATENCY_MS: u64 = 20;
/// Lambda's quotas: GetFunction, and every other control-plane call together.
const GET_FUNCTION_RATE: f64 = 100.0;
const OTHER_RATE: f64 = 15.0;

struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    fn start(seed: &Path) -> Emulator {
        Emulator::start_with(seed, SCALE, &[])
    }

    fn start_with(seed: &Path, scale: f64, extra: &[&str]) -> Emulator {
        let mut child = Command::new(RTM)
            .args(["sim", "serve", "--listen", "127.0.0.1:0", "--quotas"])
            .args([
                "--quota-scale",
                &scale.to_string(),
                "--latency-ms",
                &LATENCY_MS.to_string(),
            ])
            .args(extra)
            .arg("--seed")
            .arg(seed)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("SIM_READY");
        let url = line.trim().trim_start_matches("SIM_READY ").to_string();
        Emulator { child, url }
    }

    fn stats(&self, reset: bool) -> serde_json::Value {
        let mut args = vec!["sim", "stats", "--endpoint", &self.url, "--json"];
        if reset {
            args.push("--reset");
        }
        let out = Command::new(RTM).args(&args).output().expect("stats");
        serde_json::from_slice(&out.stdout).unwrap_or_default()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(n: usize, mode: &str, memory: u32) -> String {
    let names: Vec<String> = (1..=n).map(|i| format!("\"svc-{i:03}\"")).collect();
    format!(
        "settings {{\n  region          = \"us-east-1\"\n  claim_functions = false\n}}\n\nfunction \"svc\" {{\n  for_each = toset([{}])\n  name     = each.key\n\n  runtime_management {{\n    update_runtime_on = \"{mode}\"\n  }}\n\n  configuration {{\n    memory_size = {memory}\n  }}\n}}\n",
        names.join(", ")
    )
}

struct Run {
    seconds: f64,
    code: i32,
    peak: String,
    stdout: String,
}

impl Run {
    /// Wall time, its ratio to the quota bound, peak memory.
    fn print_figures(&self, bound: f64, how: &str, target: f64) {
        println!("  wall time     {:.2} s", self.seconds);
        println!(
            "  quota bound   {bound:.2} s   ({how}ratio {:.2}; target <= {target})",
            self.seconds / bound
        );
        println!("  peak memory   {}", self.peak);
    }

    /// The last line of output when the run failed.
    fn print_failure(&self) {
        if self.code != 0 {
            println!(
                "  output: {}",
                self.stdout.lines().last().unwrap_or_default()
            );
        }
    }
}

fn rtm(dir: &Path, url: &str, args: &[&str]) -> Run {
    rtm_at(dir, url, SCALE, args)
}

fn rtm_at(dir: &Path, url: &str, scale: f64, args: &[&str]) -> Run {
    let started = Instant::now();
    let out = Command::new(RTM)
        .current_dir(dir)
        .args(["--endpoint-url", url, "--region", "us-east-1"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("RTM_RATE_SCALE", scale.to_string())
        .env("RTM_REPORT_PEAK_MEMORY", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("run rtm");
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| l.strip_prefix("rtm peak memory: "))
        .unwrap_or("?")
        .to_string();
    Run {
        seconds,
        code: out.status.code().unwrap_or(-1),
        peak,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

fn print_calls(stats: &serde_json::Value, functions: usize) {
    let calls = stats["Calls"].as_object().cloned().unwrap_or_default();
    let total: u64 = calls.values().filter_map(|v| v.as_u64()).sum();
    for (op, n) in &calls {
        println!("    {op:<30} {:>7}", n.as_u64().unwrap_or(0));
    }
    println!(
        "    {:<30} {:>7}  ({:.2} per function)",
        "total",
        total,
        total as f64 / functions as f64
    );
    let throttled = stats["Throttled"].as_u64().unwrap_or(0);
    let errors = stats["ServiceErrors"].as_u64().unwrap_or(0);
    println!("    429s seen                      {throttled:>7}");
    // Every 429 or 5xx answer is retried by rtm; nothing else is.
    println!(
        "    retries                        {:>7}",
        throttled + errors
    );
}

fn seed(dir: &Path, n: usize) -> std::path::PathBuf {
    let path = dir.join("seed.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"Functions": [{{"FunctionName": "svc", "Count": {n}, "Runtime": "python3.12"}}]}}"#
        ),
    )
    .expect("seed");
    path
}

fn bench_plan(n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Emulator::start(&seed(dir.path(), n));
    std::fs::write(dir.path().join("main.rtm.hcl"), config(n, "Auto", 128)).expect("config");
    sim.stats(true);
    let run = rtm(dir.path(), &sim.url, &["plan", "--parallelism", "100"]);
    let stats = sim.stats(false);
    let latency = 2.0 * LATENCY_MS as f64 / 1000.0;
    // One GetFunction and one GetRuntimeManagementConfig per function; the
    // other bucket starts full (one second's worth).
    let other = OTHER_RATE * SCALE;
    let bound =
        (n as f64 / (GET_FUNCTION_RATE * SCALE)).max((n as f64 - other).max(0.0) / other) + latency;
    println!("plan of {n} functions: exit {}", run.code);
    run.print_figures(bound, "", 1.15);
    println!("  API calls by operation:");
    print_calls(&stats, n);
    run.print_failure();
}

fn bench_apply(n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Emulator::start(&seed(dir.path(), n));
    std::fs::write(
        dir.path().join("main.rtm.hcl"),
        config(n, "FunctionUpdate", 512),
    )
    .expect("config");
    let plan = rtm(
        dir.path(),
        &sim.url,
        &["plan", "--out", "fleet.plan", "--parallelism", "32"],
    );
    assert_eq!(plan.code, 0, "plan failed: {}", plan.stdout);
    sim.stats(true);
    // A reviewed plan is applied later, not in the same second: let the
    // quota bucket the plan used refill, as the bound assumes.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let run = rtm(
        dir.path(),
        &sim.url,
        &["apply", "fleet.plan", "--parallelism", "96"],
    );
    let stats = sim.stats(false);
    // Per function, from the other bucket: GetRuntimeManagementConfig (the
    // re-read), PutRuntimeManagementConfig, UpdateFunctionConfiguration.
    let other = OTHER_RATE * SCALE;
    let bound = ((3 * n) as f64 - other).max(0.0) / other + 0.5;
    println!(
        "apply of {n} functions (a mode change and a configuration change each): exit {}",
        run.code
    );
    run.print_figures(bound, "", 1.2);
    println!(
        "  {}",
        run.stdout
            .lines()
            .find(|l| l.starts_with("Apply complete"))
            .unwrap_or("(no summary)")
    );
    println!("  API calls by operation:");
    print_calls(&stats, n);
}

const ACCOUNTS: [(&str, &str); 2] = [("a", "111111111111"), ("b", "222222222222")];
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

/// 6 account-regions x `n` functions, at Lambda's real quotas: each
/// account-region's shared 15/s bucket is its own limit, so the bound is
/// the slowest bucket's, not their sum.
fn bench_fleet_plan(n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let functions: Vec<serde_json::Value> = ACCOUNTS
        .iter()
        .flat_map(|(_, id)| {
            REGIONS.iter().map(move |r| {
                serde_json::json!({"FunctionName": "svc", "Count": n, "Runtime": "python3.12", "Account": id, "Region": r})
            })
        })
        .collect();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        serde_json::json!({ "Functions": functions }).to_string(),
    )
    .expect("seed");
    let keys: Vec<String> = ACCOUNTS
        .iter()
        .map(|(name, id)| format!("{id}=AKID{}", name.to_uppercase()))
        .collect();
    let mut extra = Vec::new();
    for k in &keys {
        extra.extend(["--account", k.as_str()]);
    }
    let sim = Emulator::start_with(&seed, 1.0, &extra);
    let names: Vec<String> = (1..=n).map(|i| format!("\"svc-{i:03}\"")).collect();
    let accounts: String = ACCOUNTS
        .iter()
        .map(|(name, id)| {
            format!(
                "account \"{name}\" {{\n  assume_role_arn = \"arn:aws:iam::{id}:role/rtm\"\n}}\n\n"
            )
        })
        .collect();
    let config = format!(
        "settings {{\n  claim_functions = false\n}}\n\n{accounts}function \"svc\" {{\n  for_each = {{ for p in setproduct([\"a\", \"b\"], [{}], [{}]) : \"${{p[0]}}/${{p[1]}}/${{p[2]}}\" => p }}\n  account  = each.value[0]\n  region   = each.value[1]\n  name     = each.value[2]\n\n  runtime_management {{\n    update_runtime_on = \"Auto\"\n  }}\n}}\n",
        REGIONS.map(|r| format!("\"{r}\"")).join(", "),
        names.join(", ")
    );
    std::fs::write(dir.path().join("main.rtm.hcl"), config).expect("config");
    sim.stats(true);
    let run = rtm_at(dir.path(), &sim.url, 1.0, &["plan", "--parallelism", "50"]);
    let stats = sim.stats(false);
    let latency = 2.0 * LATENCY_MS as f64 / 1000.0;
    let bound = (n as f64 - OTHER_RATE).max(0.0) / OTHER_RATE + latency;
    let total = ACCOUNTS.len() * REGIONS.len() * n;
    println!(
        "plan of {} account-regions x {n} functions ({total}) at real quotas: exit {}",
        ACCOUNTS.len() * REGIONS.len(),
        run.code
    );
    run.print_figures(bound, "max over buckets of (n_i - 15)/15; ", 1.15);
    println!("  API calls by operation (all account-regions):");
    print_calls(&stats, total);
    run.print_failure();
}

/// `n` functions in one account-region at real quotas, each with a mode
/// change and a configuration update, planned and applied in one run: the
/// plan's runtime-management read is reused, so 3 shared-bucket calls per
/// function (the read, the Put, the Update).
fn bench_fleet_apply(n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Emulator::start_with(&seed(dir.path(), n), 1.0, &[]);
    let names: Vec<String> = (1..=n).map(|i| format!("\"svc-{i:03}\"")).collect();
    let config = |mode: &str, memory: u32| {
        format!(
            "function \"svc\" {{\n  for_each = toset([{}])\n  name     = each.key\n\n  runtime_management {{\n    update_runtime_on = \"{mode}\"\n  }}\n\n  configuration {{\n    memory_size = {memory}\n  }}\n}}\n",
            names.join(", ")
        )
    };
    // First the fleet is claimed for this state (an apply of its own).
    std::fs::write(dir.path().join("main.rtm.hcl"), config("Auto", 256)).expect("config");
    let setup = rtm_at(
        dir.path(),
        &sim.url,
        1.0,
        &["apply", "--auto-approve", "--parallelism", "50"],
    );
    assert_eq!(setup.code, 0, "setup apply failed: {}", setup.stdout);
    std::fs::write(
        dir.path().join("main.rtm.hcl"),
        config("FunctionUpdate", 512),
    )
    .expect("config");
    // Let the buckets the setup used refill, as the bound assumes.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    sim.stats(true);
    let run = rtm_at(
        dir.path(),
        &sim.url,
        1.0,
        &["apply", "--auto-approve", "--parallelism", "50"],
    );
    let stats = sim.stats(false);
    let calls = stats["Calls"].as_object().cloned().unwrap_or_default();
    let shared: u64 = calls
        .iter()
        .filter(|(op, _)| op.as_str() != "GetFunction")
        .filter_map(|(_, v)| v.as_u64())
        .sum();
    let bound = ((3 * n) as f64 - OTHER_RATE).max(0.0) / OTHER_RATE + 0.5;
    println!(
        "apply of {n} functions at real quotas (a mode change and an update each, planned in the same run): exit {}",
        run.code
    );
    println!(
        "  shared-bucket calls per function  {:.2}   (target 3)",
        shared as f64 / n as f64
    );
    run.print_figures(bound, "(3n - 15)/15; ", 1.15);
    println!("  API calls by operation:");
    print_calls(&stats, n);
    run.print_failure();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "quick");
    let only = |what: &str| {
        !args
            .iter()
            .any(|a| a == "plan" || a == "apply" || a == "fleet")
            || args.iter().any(|a| a == what)
    };
    if only("plan") {
        let sizes: &[usize] = if quick { &[100] } else { &[100, 1000, 5000] };
        for &n in sizes {
            bench_plan(n);
        }
    }
    if only("apply") {
        bench_apply(if quick { 100 } else { 500 });
    }
    if only("fleet") {
        bench_fleet_plan(if quick { 50 } else { 200 });
        bench_fleet_apply(if quick { 30 } else { 100 });
    }
}
