//! Loads and validates 10,000 function instances (for_each over a
//! 10,000-entry map, with defaults and a policy) and prints the time and the
//! peak memory (VmHWM). Target: under 1 s and under 200 MB on 2 cores.

use std::fmt::Write as _;
use std::time::Instant;

const FUNCTIONS: usize = 10_000;

fn config() -> String {
    let mut s = String::from(
        "settings {\n  region = \"us-east-1\"\n}\n\nvariable \"env\" {\n  default = \"prod\"\n}\n\n\
         policy {\n  max_pin_days       = 30\n  forbidden_runtimes = [\"python3.8\"]\n}\n\n\
         defaults {\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n  configuration {\n    runtime = \"python3.12\"\n  }\n}\n\nlocals {\n  fleet = {\n",
    );
    for i in 0..FUNCTIONS {
        let _ = writeln!(
            s,
            "    fn{i:05} = {{ memory = {}, timeout = {} }}",
            128 + (i % 80) * 64,
            1 + i % 900
        );
    }
    s.push_str(
        "  }\n}\n\nfunction \"fleet\" {\n  for_each = local.fleet\n  name     = \"${each.key}-${var.env}\"\n\n  configuration {\n    memory_size = each.value.memory\n    timeout     = each.value.timeout\n    environment {\n      variables = { STAGE = upper(var.env), NAME = each.key }\n    }\n  }\n}\n",
    );
    s
}

fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = config();
    std::fs::write(dir.path().join("fleet.rtm.hcl"), &text).expect("write");
    let opts = rtm::config::LoadOptions::new(dir.path(), jiff::civil::date(2026, 11, 21));
    let start = Instant::now();
    let loaded = match rtm::config::load(&opts) {
        Ok(l) => l,
        Err(rtm::config::Error::Invalid(d)) => {
            eprint!(
                "{}",
                rtm::config::render_human(&d.diagnostics, &d.sources, false)
            );
            std::process::exit(1);
        }
        Err(e) => panic!("{e}"),
    };
    let elapsed = start.elapsed();
    assert_eq!(loaded.desired.functions.len(), FUNCTIONS);
    let peak_mb = peak_memory_kb().map_or(f64::NAN, |kb| kb as f64 / 1024.0);
    println!(
        "config_load: {FUNCTIONS} functions ({} KB of HCL) loaded and validated in {:.3} s; peak memory {peak_mb:.1} MB (targets: < 1 s, < 200 MB)",
        text.len() / 1024,
        elapsed.as_secs_f64()
    );
}
