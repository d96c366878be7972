//! Plan and apply of large fleets against the emulator with Lambda's quotas
//! on (scaled by 10) and 20 ms of latency per call: prints wall time, API
//! calls per operation, throttles seen, rtm's peak memory, and the lower
//! bound the quotas allow. Run with `cargo bench --bench fleet`
//! (`-- plan` or `-- apply` for one half; `-- quick` for 100 functions only).

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
        let mut child = Command::new(RTM)
            .args(["sim", "serve", "--listen", "127.0.0.1:0", "--quotas"])
            .args([
                "--quota-scale",
                &SCALE.to_string(),
                "--latency-ms",
                &LATENCY_MS.to_string(),
            ])
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
        "settings {{\n  region = \"us-east-1\"\n}}\n\nfunction \"svc\" {{\n  for_each = toset([{}])\n  name     = each.key\n\n  runtime_management {{\n    update_runtime_on = \"{mode}\"\n  }}\n\n  configuration {{\n    memory_size = {memory}\n  }}\n}}\n",
        names.join(", ")
    )
}

struct Run {
    seconds: f64,
    code: i32,
    peak: String,
    stdout: String,
}

fn rtm(dir: &Path, url: &str, args: &[&str]) -> Run {
    let started = Instant::now();
    let out = Command::new(RTM)
        .current_dir(dir)
        .args(["--endpoint-url", url, "--region", "us-east-1"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("RTM_RATE_SCALE", SCALE.to_string())
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
    println!("  wall time     {:.2} s", run.seconds);
    println!(
        "  quota bound   {bound:.2} s   (ratio {:.2}; target <= 1.15)",
        run.seconds / bound
    );
    println!("  peak memory   {}", run.peak);
    println!("  API calls by operation:");
    print_calls(&stats, n);
    if run.code != 0 {
        println!(
            "  output: {}",
            run.stdout.lines().last().unwrap_or_default()
        );
    }
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
    println!("  wall time     {:.2} s", run.seconds);
    println!(
        "  quota bound   {bound:.2} s   (ratio {:.2}; target <= 1.2)",
        run.seconds / bound
    );
    println!("  peak memory   {}", run.peak);
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "quick");
    let only = |what: &str| {
        !args.iter().any(|a| a == "plan" || a == "apply") || args.iter().any(|a| a == what)
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
}
