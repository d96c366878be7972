//! Loads and validates 10,000 function instances (for_each over a
//! 10,000-entry map, with defaults and a policy) and prints the time and the
//! peak memory (VmHWM). Target: under 1 s and under 200 MB on 2 cores.
//!
//! More lines time the other ways to write a big for_each, so none of them
//! turns quadratic again: the map written inline in the function block, and
//! `toset([...])` over 10,000 strings; and 20,000 locals each reading the one
//! before (resolved in dependency order, in linear time). They run after the
//! main case, so the peak memory printed first is the main case's alone.
//!
//! Last, the memory bombs the evaluator's limits refuse (40 doubling
//! template locals, doubling `concat` locals, 300 copies of a 1 MiB
//! string): the time each takes to be refused and the peak memory after
//! them (target: well under a second each; the peak no higher than the
//! limits allow).

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

/// The same fleet with the map written inline: `for_each = { ... }`.
fn inline_config() -> String {
    let mut s = String::from(
        "variable \"env\" {\n  default = \"prod\"\n}\n\nfunction \"fleet\" {\n  for_each = {\n",
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
        "  }\n  name = \"${each.key}-${var.env}\"\n\n  configuration {\n    memory_size = each.value.memory\n    timeout     = each.value.timeout\n  }\n}\n",
    );
    s
}

/// A set of names: `for_each = toset([...])`.
fn toset_config() -> String {
    let mut s = String::from("function \"fleet\" {\n  for_each = toset([\n");
    for i in 0..FUNCTIONS {
        let _ = writeln!(s, "    \"fn{i:05}\",");
    }
    s.push_str("  ])\n  name = \"${each.key}-prod\"\n}\n");
    s
}

const CHAINED_LOCALS: usize = 20_000;

/// `l0 = 1`, `l1 = local.l0 + 1`, ...: each local depends on the one before,
/// written last-first so no order of the file is the order of evaluation.
fn chained_locals_config() -> String {
    let mut s = String::from("locals {\n  l0 = 1\n");
    for i in (1..CHAINED_LOCALS).rev() {
        let _ = writeln!(s, "  l{i} = local.l{} + 1", i - 1);
    }
    let _ = write!(
        s,
        "}}\n\nfunction \"a\" {{\n  configuration {{\n    description = \"${{local.l{}}}\"\n  }}\n}}\n",
        CHAINED_LOCALS - 1
    );
    s
}

/// Locals that double a value at each step, `steps` times: `step(prev)`
/// writes one from the one before.
fn doubling_locals(first: &str, steps: usize, step: fn(&str) -> String) -> String {
    let mut s = format!("locals {{\n  v0 = {first}\n");
    for i in 1..=steps {
        let _ = writeln!(s, "  v{i} = {}", step(&format!("local.v{}", i - 1)));
    }
    s.push_str("}\n");
    s
}

/// Loads `text` and expects it refused; returns the seconds taken.
fn refuse(text: &str) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("bomb.rtm.hcl"), text).expect("write");
    let opts = rtm::config::LoadOptions::new(dir.path(), jiff::civil::date(2026, 11, 21));
    let start = Instant::now();
    let result = rtm::config::load(&opts);
    let elapsed = start.elapsed().as_secs_f64();
    assert!(
        matches!(result, Err(rtm::config::Error::Invalid(_))),
        "a bomb was not refused"
    );
    elapsed
}

/// Loads `text` as the only file of a fresh directory; returns the seconds
/// taken and the number of functions.
fn load(text: &str) -> (f64, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("fleet.rtm.hcl"), text).expect("write");
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
    (
        start.elapsed().as_secs_f64(),
        loaded.desired.functions.len(),
    )
}

fn main() {
    let text = config();
    let (elapsed, functions) = load(&text);
    assert_eq!(functions, FUNCTIONS);
    let peak_mb = peak_memory_kb().map_or(f64::NAN, |kb| kb as f64 / 1024.0);
    println!(
        "config_load: {FUNCTIONS} functions ({} KB of HCL) loaded and validated in {:.3} s; peak memory {peak_mb:.1} MB (targets: < 1 s, < 200 MB)",
        text.len() / 1024,
        elapsed
    );
    for (what, text) in [
        ("for_each = { inline map }", inline_config()),
        ("for_each = toset([...])", toset_config()),
    ] {
        let (elapsed, functions) = load(&text);
        assert_eq!(functions, FUNCTIONS);
        println!(
            "config_load: {FUNCTIONS} functions, {what} ({} KB of HCL) loaded and validated in {elapsed:.3} s",
            text.len() / 1024
        );
    }
    let text = chained_locals_config();
    let (elapsed, functions) = load(&text);
    assert_eq!(functions, 1);
    println!(
        "config_load: {CHAINED_LOCALS} chained locals ({} KB of HCL) loaded and validated in {elapsed:.3} s",
        text.len() / 1024
    );
    let doubled = doubling_locals("\"x\"", 20, |p| format!("\"${{{p}}}${{{p}}}\""));
    let mut copies = doubled.strip_suffix("}\n").unwrap_or(&doubled).to_string();
    for j in 0..300 {
        let _ = writeln!(copies, "  c{j} = local.v20");
    }
    copies.push_str("}\n");
    for (what, text) in [
        (
            "40 doubling template locals",
            doubling_locals("\"xx\"", 40, |p| format!("\"${{{p}}}${{{p}}}\"")),
        ),
        (
            "40 doubling concat locals",
            doubling_locals("[1, 2, 3, 4]", 40, |p| format!("concat({p}, {p})")),
        ),
        ("300 copies of a 1 MiB string", copies),
    ] {
        let elapsed = refuse(&text);
        println!(
            "config_load: {what} ({} bytes of HCL) refused in {elapsed:.3} s",
            text.len()
        );
    }
    let peak_mb = peak_memory_kb().map_or(f64::NAN, |kb| kb as f64 / 1024.0);
    println!("config_load: peak memory after the bombs {peak_mb:.1} MB");
}
