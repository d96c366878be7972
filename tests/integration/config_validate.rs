//! `rtm validate` over the invalid corpus (tests/config/invalid: one mistake
//! per file, its expectation in a leading `# expect: LINE:COL phrase`
//! comment), the valid examples, variables and output formats.

use std::path::{Path, PathBuf};

use crate::support::{Rtm, repo_root, run_in};

#[derive(Debug, serde::Deserialize)]
struct Report {
    valid: bool,
    error_count: usize,
    function_count: Option<usize>,
    diagnostics: Vec<Diag>,
}

#[derive(Debug, serde::Deserialize)]
struct Diag {
    severity: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
    help: Option<String>,
    label: Option<String>,
}

impl Diag {
    /// The headline, label and help together: a fixture's phrase may be in any.
    fn text(&self) -> String {
        format!(
            "{} {} {}",
            self.message,
            self.label.as_deref().unwrap_or(""),
            self.help.as_deref().unwrap_or("")
        )
    }
}

struct Expect {
    line: usize,
    column: usize,
    phrase: String,
}

fn expectation(path: &Path, text: &str) -> Expect {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("# expect: "))
        .unwrap_or_else(|| panic!("{} has no `# expect:` line", path.display()));
    let (pos, phrase) = line.split_once(' ').expect("LINE:COL phrase");
    let (l, c) = pos.split_once(':').expect("LINE:COL");
    Expect {
        line: l.parse().expect("line"),
        column: c.parse().expect("column"),
        phrase: phrase.to_string(),
    }
}

fn validate_json(dir: &Path, extra: &[&str]) -> (i32, Report, String) {
    let mut args: Vec<String> = vec!["-C".into(), dir.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["validate".into(), "--format".into(), "json".into()]);
    let out = run_in(dir, &args, &[("NO_COLOR".into(), "1".into())], None);
    let report: Report = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", out.stdout, out.stderr));
    (out.code, report, out.stdout)
}

fn corpus() -> Vec<PathBuf> {
    let dir = repo_root().join("tests/config/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".rtm.hcl"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_invalid_fixture_fails_at_its_line_and_column_with_its_message() {
    let files = corpus();
    assert!(files.len() >= 40, "the corpus has {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read fixture");
        let expect = expectation(path, &text);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join(&name), &text).expect("write");
        let (code, report, raw) = validate_json(tmp.path(), &[]);
        let found = report.diagnostics.iter().any(|d| {
            d.severity == "error"
                && d.file.ends_with(&name)
                && d.line == expect.line
                && d.column == expect.column
                && d.text().contains(&expect.phrase)
        });
        if code != 1 || report.valid || report.error_count == 0 || !found {
            failures.push(format!(
                "{name}: expected exit 1 and an error at {}:{} containing {:?}; got exit {code}:\n{raw}",
                expect.line, expect.column, expect.phrase
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs `rtm ARGS` in a temp dir holding `files`, with `env`.
fn rtm_in(files: &[(&str, &str)], args: &[&str], env: &[(&str, &str)]) -> crate::support::Output {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).expect("write");
    }
    let mut envs: Vec<(String, String)> = vec![("NO_COLOR".into(), "1".into())];
    envs.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    run_in(tmp.path(), &args, &envs, None)
}

#[test]
fn human_output_points_at_file_line_column_with_a_snippet() {
    let out = rtm_in(
        &[(
            "functions.rtm.hcl",
            "function \"orders\" {\n  runtime_management {\n    update_runtime_on   = \"Auto\"\n    runtime_version_arn = \"arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6\"\n  }\n}\n",
        )],
        &["validate"],
        &[],
    )
    .expect_code(1);
    let text = out.stdout;
    assert!(
        text.contains(
            "error: runtime_version_arn is only allowed with update_runtime_on = \"Manual\""
        ),
        "{text}"
    );
    assert!(text.contains("--> functions.rtm.hcl:4:5"), "{text}");
    assert!(text.contains("4 |     runtime_version_arn = "), "{text}");
    assert!(text.contains("^^^^^^^^^^^^^^^^^^^ remove it"), "{text}");
    assert!(text.contains("Error: 1 error"), "{text}");
}

#[test]
fn all_errors_are_reported_in_one_run() {
    let rtm = Rtm::new().file(
        "a.rtm.hcl",
        "function \"a\" {\n  name = [\"a\"]\n  configuration {\n    memory_size = 64\n    timeout     = 901\n  }\n}\n",
    );
    let (code, report, _) = validate_json(rtm.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(report.error_count, 3, "{report:?}");
}

#[test]
fn examples_validate() {
    for example in ["quickstart", "fleet", "rollback", "high-compliance"] {
        let dir = repo_root().join("examples").join(example);
        let (code, report, raw) = validate_json(&dir, &[]);
        assert_eq!(code, 0, "examples/{example}:\n{raw}");
        assert!(report.valid);
        assert!(
            report.function_count.unwrap_or(0) > 0,
            "examples/{example}: {raw}"
        );
    }
}

const VARS: &str = "variable \"env\" {\n  default = \"prod\"\n}\n\nfunction \"a\" {\n  name = \"a-${var.env}\"\n}\n";

#[test]
fn a_var_for_an_undeclared_variable_is_an_error() {
    let out = rtm_in(
        &[("main.rtm.hcl", VARS)],
        &["--var", "evn=dev", "validate"],
        &[],
    )
    .expect_code(1);
    assert!(
        out.stdout.contains("no variable \"evn\" is declared"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("did you mean \"env\""),
        "{}",
        out.stdout
    );
}

#[test]
fn a_var_file_for_an_undeclared_variable_is_an_error_at_its_line() {
    let out = rtm_in(
        &[
            ("main.rtm.hcl", VARS),
            ("dev.tfvars", "env = \"dev\"\nregion = \"x\"\n"),
        ],
        &["--var-file", "dev.tfvars", "validate"],
        &[],
    )
    .expect_code(1);
    assert!(out.stdout.contains("dev.tfvars:2:1"), "{}", out.stdout);
    assert!(
        out.stdout.contains("variable \"region\" is not declared"),
        "{}",
        out.stdout
    );
}

#[test]
fn variable_precedence_is_default_env_file_then_flag() {
    // A space makes the function name invalid, so the error message shows
    // which value won.
    let files = [("main.rtm.hcl", VARS), ("v.hcl", "env = \"from file\"\n")];
    let env = [("RTM_VAR_env", "from env")];
    let out = rtm_in(&files, &["validate"], &env).expect_code(1);
    assert!(out.stdout.contains("a-from env"), "{}", out.stdout);
    let out = rtm_in(&files, &["--var-file", "v.hcl", "validate"], &env).expect_code(1);
    assert!(out.stdout.contains("a-from file"), "{}", out.stdout);
    let out = rtm_in(
        &files,
        &["--var-file", "v.hcl", "--var", "env=flag", "validate"],
        &env,
    )
    .expect_code(0);
    assert!(
        out.stdout
            .contains("Success! The configuration is valid (1 function)."),
        "{}",
        out.stdout
    );
    let out = rtm_in(&files, &["validate"], &[]).expect_code(0);
    assert!(out.stdout.contains("Success!"), "{}", out.stdout);
}

#[test]
fn warnings_do_not_fail_validate() {
    let cfg = "function \"a\" {\n  runtime_management {\n    update_runtime_on   = \"Manual\"\n    runtime_version_arn = \"arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6\"\n    pin_until           = \"2020-01-01\"\n  }\n  configuration {\n    runtime = \"python3.8\"\n  }\n}\n";
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("main.rtm.hcl"), cfg).expect("write");
    let (code, report, raw) = validate_json(tmp.path(), &[]);
    assert_eq!(code, 0, "{raw}");
    let warnings: Vec<&Diag> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == "warning")
        .collect();
    assert!(
        warnings
            .iter()
            .any(|d| d.message.contains("in the past") && d.line == 5),
        "{raw}"
    );
    assert!(
        warnings
            .iter()
            .any(|d| d.message.contains("deprecated") && d.line == 8),
        "{raw}"
    );
    let out = rtm_in(&[("main.rtm.hcl", cfg)], &["validate"], &[]).expect_code(0);
    assert!(
        out.stdout
            .contains("warning: runtime \"python3.8\" is deprecated"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Success!"), "{}", out.stdout);
}

#[test]
fn a_directory_without_config_files_is_an_error() {
    let out = Rtm::new().arg("validate").run().expect_code(1);
    assert!(out.stderr.contains("no *.rtm.hcl files"), "{}", out.stderr);
}

#[test]
fn a_byte_order_mark_is_accepted_and_columns_stay_right() {
    // Notepad and some Windows editors start UTF-8 files with U+FEFF.
    let rtm = Rtm::new().file(
        "main.rtm.hcl",
        "\u{feff}function \"a\" { name = \"bad name\" }\n",
    );
    let (code, report, raw) = validate_json(rtm.path(), &[]);
    assert_eq!(code, 1, "{raw}");
    let d = &report.diagnostics[0];
    assert_eq!(report.error_count, 1, "{raw}");
    assert!(d.message.contains("invalid function name"), "{raw}");
    assert_eq!((d.line, d.column), (1, 23), "{raw}");
    let rtm = Rtm::new().file("main.rtm.hcl", "\u{feff}function \"a\" {}\n");
    let (code, report, raw) = validate_json(rtm.path(), &[]);
    assert_eq!((code, report.function_count), (0, Some(1)), "{raw}");
}

#[test]
fn a_symlinked_config_file_is_read() {
    let rtm = Rtm::new().file("shared/fleet.hcl", "function \"a\" {}\n");
    std::os::unix::fs::symlink("shared/fleet.hcl", rtm.path().join("main.rtm.hcl"))
        .expect("symlink");
    let (code, report, raw) = validate_json(rtm.path(), &[]);
    assert_eq!((code, report.function_count), (0, Some(1)), "{raw}");
}

#[test]
fn config_names_that_are_not_files_are_errors_naming_each() {
    let rtm = Rtm::new().file("main.rtm.hcl", "function \"a\" {}\n");
    let dir = rtm.path();
    std::fs::create_dir(dir.join("x.rtm.hcl")).expect("mkdir");
    std::os::unix::fs::symlink("loop.rtm.hcl", dir.join("loop.rtm.hcl")).expect("symlink");
    std::os::unix::fs::symlink("gone.hcl", dir.join("broken.rtm.hcl")).expect("symlink");
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.rtm.hcl"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let (code, report, raw) = validate_json(dir, &[]);
    assert_eq!((code, report.error_count), (1, 4), "{raw}");
    for (file, phrase) in [
        ("x.rtm.hcl", "is a directory"),
        ("loop.rtm.hcl", "symbolic link loop"),
        ("broken.rtm.hcl", "does not exist"),
        ("pipe.rtm.hcl", "is a FIFO"),
    ] {
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.file.ends_with(file) && d.message.contains(phrase)),
            "{file}: {raw}"
        );
    }
    let out = run_in(dir, &["validate".to_string()], &[], None).expect_code(1);
    assert!(
        out.stdout
            .contains("error: x.rtm.hcl is a directory, not a configuration file"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_var_file_without_end_is_refused_not_read_forever() {
    let out = rtm_in(
        &[("main.rtm.hcl", VARS)],
        &["--var-file", "/dev/zero", "validate"],
        &[],
    )
    .expect_code(1);
    assert!(
        out.stderr
            .contains("cannot read /dev/zero: it is larger than 16 MiB"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_file_that_is_not_utf8_names_the_line_and_column() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("main.rtm.hcl"),
        b"function \"a\" {\n  name = \"caf\xe9\"\n}\n",
    )
    .expect("write");
    let out = run_in(tmp.path(), &["validate".to_string()], &[], None).expect_code(1);
    assert!(
        out.stderr
            .contains("main.rtm.hcl: it is not UTF-8 text (byte 0xe9 at line 2, column 14)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_rollback_pin_that_breaks_policy_names_the_real_file() {
    let cfg = "policy {\n  max_pin_days = 14\n}\n\nfunction \"orders\" {\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n}\n";
    let mut rtm = Rtm::new().file("main.rtm.hcl", cfg).args([
            "--now",
            "2026-12-01T00:00:00Z",
            "rollback",
            "function.orders",
            "--to",
            "arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6",
            "--until",
            "2099-01-01",
        ]);
    let out = rtm.run().expect_code(1);
    assert!(
        out.stderr
            .contains("pin_until 2099-01-01 is more than 14 days ahead"),
        "{}",
        out.stderr
    );
    // The edited text is checked in memory: the snippet is the edit, the
    // path the user's file, never a scratch copy's.
    assert!(
        out.stderr.contains(" --> main.rtm.hcl:9:27\n"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("rtm-rollback"), "{}", out.stderr);
    assert_eq!(rtm.read("main.rtm.hcl"), cfg);
}

#[test]
fn an_untyped_var_from_the_command_line_sets_memory_size() {
    // Command-line values of untyped variables are strings; HCL converts
    // "512" where a number is expected, as Terraform does.
    let cfg = "variable \"mem\" {}\n\nfunction \"a\" {\n  configuration {\n    memory_size = var.mem\n  }\n}\n";
    let out = rtm_in(
        &[("main.rtm.hcl", cfg)],
        &["--var", "mem=512", "validate"],
        &[],
    );
    let out = out.expect_code(0);
    assert!(out.stdout.contains("Success!"), "{}", out.stdout);
    let out = rtm_in(
        &[("main.rtm.hcl", cfg)],
        &["--var", "mem=lots", "validate"],
        &[],
    );
    let out = out.expect_code(1);
    assert!(
        out.stdout
            .contains("memory_size must be a whole number; got a string"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("this is \"lots\""), "{}", out.stdout);
}

#[test]
fn an_error_on_an_environment_line_does_not_echo_the_secret() {
    let env = |vars: &str| {
        format!(
            "function \"a\" {{\n  configuration {{\n    environment {{\n      variables = {vars}\n    }}\n  }}\n}}\n"
        )
    };
    for (what, vars) in [
        ("a bad name", "{ A = \"hunter2-SECRET\" }".to_string()),
        (
            "a failing expression",
            "{ AB = \"hunter2-SECRET\" + 1 }".to_string(),
        ),
        (
            "a syntax error",
            "{ AB = \"hunter2-SECRET\" CD = \"x\" }".to_string(),
        ),
        (
            "a multi-line map",
            "{\n        AB = \"hunter2-SECRET\"\n        B  = \"y\"\n      }".to_string(),
        ),
    ] {
        let files = [("main.rtm.hcl", env(&vars))];
        let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let out = rtm_in(&files, &["validate"], &[]).expect_code(1);
        assert!(!out.stdout.contains("hunter2"), "{what}:\n{}", out.stdout);
        assert!(
            out.stdout.contains("(sensitive)"),
            "{what}:\n{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("--> main.rtm.hcl:"),
            "{what}:\n{}",
            out.stdout
        );
        let out = rtm_in(&files, &["validate", "--format", "json"], &[]).expect_code(1);
        assert!(!out.stdout.contains("hunter2"), "{what}:\n{}", out.stdout);
    }
}

#[test]
fn a_local_cycle_reports_its_members_and_the_cycle() {
    let cfg = "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n  d = local.a\n  e = local.e\n  f = 1\n}\n";
    let rtm = Rtm::new().file("main.rtm.hcl", cfg);
    let (code, report, raw) = validate_json(rtm.path(), &[]);
    assert_eq!(code, 1, "{raw}");
    let cyclic: Vec<(usize, &str)> = report
        .diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    // d only reads the cycle; f is fine.
    assert_eq!(
        cyclic,
        [
            (2, "local.a depends on itself"),
            (3, "local.b depends on itself"),
            (4, "local.c depends on itself"),
            (6, "local.e depends on itself"),
        ],
        "{raw}"
    );
    assert!(
        raw.contains("local.a -> local.b -> local.c -> local.a"),
        "{raw}"
    );
}

#[test]
fn twenty_thousand_chained_locals_resolve_without_rescanning() {
    // Resolution once rescanned every pending local per round: 8.5 s for
    // this file. The figure is benches/config_load.rs's; the bound here only
    // catches a return of the quadratic walk.
    let mut cfg = String::from("locals {\n  l0 = 1\n");
    for i in (1..20_000).rev() {
        cfg.push_str(&format!("  l{i} = local.l{} + 1\n", i - 1));
    }
    cfg.push_str("}\n\nfunction \"a\" {\n  name = \"a-${local.l19999}\"\n}\n");
    let mut rtm = Rtm::new().file("main.rtm.hcl", &cfg).arg("validate");
    let start = std::time::Instant::now();
    let out = rtm.run().expect_code(0);
    assert!(out.stdout.contains("Success!"), "{}", out.stdout);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}

/// 40 locals, each a template of the one before twice: 2^40 bytes at the end.
fn doubling_template_locals() -> String {
    let mut s = String::from("locals {\n  a0 = \"xx\"\n");
    for i in 1..=40 {
        s.push_str(&format!(
            "  a{i} = \"${{local.a{}}}${{local.a{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    s.push_str("}\n\nfunction \"f\" {\n  configuration {\n    description = local.a40\n  }\n}\n");
    s
}

/// Runs `rtm validate --format json` on `cfg`; panics past a runaway bound.
fn validate_bounded(cfg: &str) -> (i32, Report, String) {
    let rtm = Rtm::new().file("main.rtm.hcl", cfg);
    let start = std::time::Instant::now();
    let result = validate_json(rtm.path(), &[]);
    // The figures are benches/config_load.rs's; this only catches a bomb
    // that goes off again (it once took 12.6 GB in 60 s).
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    result
}

fn one_error_at(report: &Report, raw: &str, line: usize, column: usize, phrase: &str) {
    assert_eq!(report.error_count, 1, "{raw}");
    let d = &report.diagnostics[0];
    assert_eq!((d.line, d.column), (line, column), "{raw}");
    assert!(d.message.contains(phrase), "{raw}");
}

#[test]
fn doubling_template_locals_stop_at_the_first_string_over_1_mib() {
    let (code, report, raw) = validate_bounded(&doubling_template_locals());
    assert_eq!(code, 1, "{raw}");
    // a20 is the first over 1 MiB; what reads it fails without a message.
    one_error_at(
        &report,
        &raw,
        22,
        9,
        "cannot evaluate a20: it makes a string of 2097152 bytes; a string may hold at most 1 MiB",
    );
}

#[test]
fn doubling_concat_locals_stop_at_the_first_list_over_100000() {
    let mut cfg = String::from("locals {\n  l0 = [1, 2, 3, 4, 5, 6, 7, 8]\n");
    for i in 1..40 {
        cfg.push_str(&format!(
            "  l{i} = concat(local.l{}, local.l{})\n",
            i - 1,
            i - 1
        ));
    }
    cfg.push_str(
        "}\n\nfunction \"f\" {\n  for_each = toset([for x in local.l39 : \"f${x}\"])\n}\n",
    );
    let (code, report, raw) = validate_bounded(&cfg);
    assert_eq!(code, 1, "{raw}");
    one_error_at(
        &report,
        &raw,
        16,
        9,
        "cannot evaluate l14: it makes a list or map of 131072 elements; one may hold at most 100000",
    );
}

#[test]
fn values_over_256_mib_together_are_refused_once() {
    // 300 copies of a 1 MiB string: each is allowed, together they are not.
    let mut cfg = String::from("locals {\n  s0 = \"x\"\n");
    for i in 1..=20 {
        cfg.push_str(&format!(
            "  s{i} = \"${{local.s{}}}${{local.s{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    for j in 0..300 {
        cfg.push_str(&format!("  c{j} = local.s20\n"));
    }
    cfg.push_str("}\n");
    let (code, report, raw) = validate_bounded(&cfg);
    assert_eq!(code, 1, "{raw}");
    assert_eq!(report.error_count, 1, "{raw}");
    assert!(
        report.diagnostics[0]
            .message
            .contains("values take more than 256 MiB together"),
        "{raw}"
    );
}

#[test]
fn for_each_over_100000_instances_is_refused() {
    let names = |n: usize| {
        (0..n)
            .map(|i| format!("\"f{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    let cfg = format!(
        "function \"a\" {{\n  for_each = toset([{}])\n  name     = \"${{each.key}}-a\"\n}}\n",
        names(100_001)
    );
    let (code, report, raw) = validate_bounded(&cfg);
    assert_eq!(code, 1);
    one_error_at(
        &report,
        &raw,
        2,
        14,
        "100001 elements; one may hold at most 100000",
    );
    // Each block below the cap, the configuration over it.
    let cfg = format!(
        "locals {{\n  names = toset([{}])\n}}\n\nfunction \"a\" {{\n  for_each = local.names\n  name     = \"${{each.key}}-a\"\n}}\n\nfunction \"b\" {{\n  for_each = local.names\n  name     = \"${{each.key}}-b\"\n}}\n",
        names(60_000)
    );
    let (code, report, raw) = validate_bounded(&cfg);
    assert_eq!(code, 1);
    one_error_at(
        &report,
        &raw[..raw.len().min(2000)],
        11,
        14,
        "function.b brings the configuration to 120000 function instances; it may hold at most 100000",
    );
}

#[test]
fn an_attribute_set_to_null_is_not_set() {
    // rollback's advice for one for_each instance relies on it:
    //   runtime_version_arn = each.key == "k" ? "<ARN>" : null
    let cfg = r#"defaults {
  configuration {
    memory_size = 256
  }
}

function "w" {
  for_each = toset(["a", "b"])
  name     = "w-${each.key}"
  runtime_management {
    update_runtime_on   = each.key == "a" ? "Manual" : "Auto"
    runtime_version_arn = each.key == "a" ? "arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6" : null
    pin_until           = each.key == "a" ? "2026-12-01" : null
  }
  configuration {
    memory_size = null
  }
}
"#;
    let (code, report, raw) = validate_json(Rtm::new().file("main.rtm.hcl", cfg).path(), &[]);
    assert_eq!((code, report.function_count), (0, Some(2)), "{raw}");
}

#[test]
fn division_by_zero_is_a_located_error_not_a_crash() {
    // `5 % 0` panicked inside hcl-rs's number type (exit 101).
    let cfg =
        "locals {\n  a = 5 % 0\n  b = 1 / 0\n  c = 1e308 * 10\n  d = 9223372036854775807 * 4\n}\n";
    let (code, report, raw) = validate_json(Rtm::new().file("main.rtm.hcl", cfg).path(), &[]);
    assert_eq!((code, report.error_count), (1, 3), "{raw}");
    let found: Vec<(usize, bool)> = report
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.line,
                d.message.contains("division by zero") || d.message.contains("out of range"),
            )
        })
        .collect();
    assert_eq!(found, [(2, true), (3, true), (4, true)], "{raw}");
}
