//! Every example in `examples/` plans and applies against `--sandbox` (each
//! with its seed file), and the README's HCL sample validates and is laid
//! out as `rtm fmt` (and `terraform fmt`) lay it out.

use crate::support::{Output, repo_root, run_in};

/// Copies an example into a fresh directory, leaving any state behind.
fn copy_example(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = repo_root().join("examples").join(name);
    for entry in std::fs::read_dir(&from).expect("example dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
    }
    dir
}

fn rtm(dir: &std::path::Path, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    run_in(dir, &args, &[("NO_COLOR".into(), "1".into())], None)
}

#[test]
fn every_example_plans_and_applies_against_the_sandbox() {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in &names {
        let dir = copy_example(name);
        assert!(
            dir.path().join("sandbox.json").exists(),
            "examples/{name} has no sandbox.json seed"
        );
        let plan = rtm(dir.path(), &["--sandbox", "plan", "--detailed-exitcode"]);
        assert!(
            plan.code == 0 || plan.code == 2,
            "examples/{name}: plan {plan:?}"
        );
        let apply = rtm(dir.path(), &["--sandbox", "apply", "--auto-approve"]);
        assert_eq!(apply.code, 0, "examples/{name}: apply {apply:?}");
        assert!(
            apply.stdout.contains(" 0 failed, 0 skipped.") || apply.stdout.contains("No changes."),
            "examples/{name}: {}",
            apply.stdout
        );
        let again = rtm(dir.path(), &["--sandbox", "plan", "--detailed-exitcode"]);
        assert_eq!(again.code, 0, "examples/{name}: second plan {again:?}");
    }
}

#[test]
fn the_readme_hcl_samples_validate_and_are_formatted() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    let samples: Vec<&str> = readme
        .split("```hcl\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert!(samples.len() >= 4, "{} hcl samples", samples.len());
    for sample in samples {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.rtm.hcl"), sample).expect("write");
        // The samples' pins are dated: judge them on a day inside their window.
        let out = rtm(dir.path(), &["--now", "2027-01-01", "validate"]);
        assert_eq!(out.code, 0, "{sample}\n{out:?}");
        let out = rtm(dir.path(), &["fmt", "--check"]);
        assert_eq!(out.code, 0, "not formatted:\n{sample}\n{out:?}");
    }
}
