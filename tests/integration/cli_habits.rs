//! Terraform habits and the command line's finish: single-dash flags get a
//! hint naming the two-dash flag, `rtm completion SHELL`, `rtm man`, the
//! "Global options" help heading and a described `--format` everywhere.
use std::io::Read;
use std::process::{Command, Stdio};

use crate::support::{RTM, Rtm};

fn rtm(args: &[&str]) -> crate::support::Output {
    Rtm::new().args(args.iter().copied()).run()
}

#[test]
fn terraform_single_dash_flags_are_answered_with_the_two_dash_flag() {
    // (arguments, the error line, the usage line: the command it was typed for)
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["-var", "x=1", "plan"],
            "error: unexpected argument '-var'; rtm's flags take two dashes: --var x=1",
            "Usage: rtm [OPTIONS] <COMMAND>",
        ),
        (
            &["plan", "-var=env=dev"],
            "error: unexpected argument '-var=env=dev'; rtm's flags take two dashes: --var env=dev",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["plan", "-var", "greeting=hello world"],
            "error: unexpected argument '-var'; rtm's flags take two dashes: --var 'greeting=hello world'",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["plan", "-out=tf.plan"],
            "error: unexpected argument '-out=tf.plan'; rtm's flags take two dashes: --out tf.plan",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["plan", "-json"],
            "error: unexpected argument '-json'; rtm's flags take two dashes: --format json",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["apply", "-auto-approve"],
            "error: unexpected argument '-auto-approve'; rtm's flags take two dashes: --auto-approve",
            "Usage: rtm apply [OPTIONS] [PLANFILE]",
        ),
        (
            &["plan", "-target=function.orders"],
            "error: unexpected argument '-target=function.orders'; rtm's flags take two dashes: --target function.orders",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["plan", "-detailed-exitcode"],
            "error: unexpected argument '-detailed-exitcode'; rtm's flags take two dashes: --detailed-exitcode",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["plan", "-var-file=prod.tfvars"],
            "error: unexpected argument '-var-file=prod.tfvars'; rtm's flags take two dashes: --var-file prod.tfvars",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["apply", "-lock-timeout=30s"],
            "error: unexpected argument '-lock-timeout=30s'; rtm's flags take two dashes: --lock-timeout 30s",
            "Usage: rtm apply [OPTIONS] [PLANFILE]",
        ),
        (
            &["plan", "-parallelism=4"],
            "error: unexpected argument '-parallelism=4'; rtm's flags take two dashes: --parallelism 4",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["plan", "-no-color"],
            "error: unexpected argument '-no-color'; rtm's flags take two dashes: --color never",
            "Usage: rtm plan [OPTIONS]",
        ),
        (
            &["-chdir=infra", "plan"],
            "error: unexpected argument '-chdir=infra'; rtm's flags take two dashes: -C infra, or --dir infra",
            "Usage: rtm [OPTIONS] <COMMAND>",
        ),
        (
            &["plan", "-out"],
            "error: unexpected argument '-out'; rtm's flags take two dashes: --out FILE",
            "Usage: rtm plan [OPTIONS]",
        ),
        // A flag of another command: the hint shows it where it belongs.
        (
            &["-out=tf.plan", "plan"],
            "error: unexpected argument '-out=tf.plan'; rtm's flags take two dashes, and --out goes after the command: rtm plan --out tf.plan",
            "Usage: rtm [OPTIONS] <COMMAND>",
        ),
        (
            &["fmt", "-json"],
            "error: unexpected argument '-json'; rtm's flags take two dashes, but rtm fmt has no --format: rtm plan --format json",
            "Usage: rtm fmt [OPTIONS] [FILES]...",
        ),
        // The emulator's admin commands have a real --json.
        (
            &["sim", "runtimes", "-json"],
            "error: unexpected argument '-json'; rtm's flags take two dashes: --json",
            "Usage: rtm sim runtimes [OPTIONS] --endpoint <ENDPOINT>",
        ),
        (
            &["state", "list", "-json"],
            "error: unexpected argument '-json'; rtm's flags take two dashes: --format json",
            "Usage: rtm state list [OPTIONS]",
        ),
    ];
    for (args, error, usage) in cases {
        let out = rtm(args);
        assert_eq!(out.code, 1, "rtm {args:?}: {out:?}");
        assert_eq!(out.stdout, "", "rtm {args:?}");
        let mut lines = out.stderr.lines();
        assert_eq!(lines.next(), Some(*error), "rtm {args:?}:\n{}", out.stderr);
        assert!(
            out.stderr.lines().any(|l| l == *usage),
            "rtm {args:?} shows {usage:?}:\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("For more information, try '--help'."),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_short_flag_rtm_lacks_keeps_clap_s_own_error() {
    // Not a spelling of any long flag: nothing to hint at, and the word
    // after it is not blamed either.
    let out = rtm(&["plan", "-x", "-out=tf.plan"]).expect_code(1);
    assert_eq!(
        out.stderr.lines().next(),
        Some("error: unexpected argument '-x' found"),
        "{}",
        out.stderr
    );
    let out = rtm(&["plan", "-input=false"]).expect_code(1);
    assert_eq!(
        out.stderr.lines().next(),
        Some("error: unexpected argument '-i' found"),
        "{}",
        out.stderr
    );
    // After `--` nothing is a flag, so nothing is hinted at.
    let out = rtm(&["plan", "--", "-out=f"]).expect_code(1);
    assert!(!out.stderr.contains("two dashes"), "{}", out.stderr);
}

/// Every command and subcommand `rtm --help` lists, as argument lists
/// (`["state", "list"]`), found by walking the help itself.
fn commands() -> Vec<Vec<String>> {
    fn walk(path: Vec<String>, out: &mut Vec<Vec<String>>) {
        let mut args = path.clone();
        args.push("--help".into());
        let help = Rtm::new().args(args).run().expect_code(0).stdout;
        let names: Vec<String> = help
            .lines()
            .skip_while(|l| *l != "Commands:")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .filter(|name| name != "help")
            .collect();
        for name in names {
            let mut sub = path.clone();
            sub.push(name);
            out.push(sub.clone());
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(Vec::new(), &mut out);
    out
}

/// The help text with its wrapping undone, so a phrase can be found whatever
/// the terminal width.
fn unwrapped(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn help_shows_global_options_under_their_own_heading() {
    for args in [
        vec!["--help"],
        vec!["plan", "--help"],
        vec!["state", "list", "--help"],
    ] {
        let help = rtm(&args).expect_code(0).stdout;
        let (own, global) = help
            .split_once("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("rtm {args:?}: no Global options heading:\n{help}"));
        for flag in [
            "--dir <DIR>",
            "--var <NAME=VALUE>",
            "--lock-timeout",
            "--sandbox",
        ] {
            assert!(
                global.contains(flag),
                "rtm {args:?}: {flag} under Global options"
            );
            assert!(
                !own.contains(flag),
                "rtm {args:?}: {flag} only under Global options"
            );
        }
        assert!(own.contains("--help"), "rtm {args:?}");
    }
    let plan = rtm(&["plan", "--help"]).stdout;
    let (own, _) = plan.split_once("Global options:").expect("heading");
    assert!(own.contains("--detailed-exitcode"), "{own}");
}

#[test]
fn every_format_flag_says_what_each_format_is_for() {
    let mut with_format = Vec::new();
    for command in commands() {
        let mut args = command.clone();
        args.push("--help".into());
        let help = unwrapped(&Rtm::new().args(args).run().expect_code(0).stdout);
        let Some((_, rest)) = help.split_once("--format <FORMAT> ") else {
            continue;
        };
        with_format.push(command.join(" "));
        let (description, values) = rest
            .split_once("[possible values: ")
            .unwrap_or_else(|| panic!("rtm {command:?}: --format lists its values: {rest}"));
        let values = values.split(']').next().expect("a list");
        for value in values.split(", ") {
            assert!(
                description.contains(&format!("{value}: ")),
                "rtm {command:?} --format describes {value}: {description}"
            );
        }
    }
    for expected in ["validate", "plan", "show", "apply", "drift", "state list"] {
        assert!(
            with_format.iter().any(|c| c == expected),
            "rtm {expected} has --format: {with_format:?}"
        );
    }
}

#[test]
fn completion_scripts_for_every_shell_name_the_commands() {
    let all = commands();
    let top: Vec<&str> = all
        .iter()
        .filter(|c| c.len() == 1)
        .map(|c| c[0].as_str())
        .collect();
    for expected in ["plan", "apply", "drift", "state", "completion", "man"] {
        assert!(top.contains(&expected), "{expected} in {top:?}");
    }
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = rtm(&["completion", shell]).expect_code(0);
        assert!(
            out.stdout.len() > 1000,
            "{shell}: {} bytes",
            out.stdout.len()
        );
        assert_eq!(out.stderr, "", "{shell}");
        for command in &all {
            let name = command.last().expect("a name");
            assert!(
                out.stdout.contains(name.as_str()),
                "the {shell} script mentions {command:?}"
            );
        }
        // fish spells a long flag `-l auto-approve`.
        for flag in ["auto-approve", "detailed-exitcode", "var-file"] {
            assert!(out.stdout.contains(flag), "the {shell} script has --{flag}");
        }
    }
}

#[test]
fn the_bash_completion_script_parses_and_registers_rtm() {
    let out = rtm(&["completion", "bash"]).expect_code(0);
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("rtm.bash");
    std::fs::write(&script, &out.stdout).expect("write");
    let Ok(syntax) = Command::new("bash").arg("-n").arg(&script).output() else {
        eprintln!("bash is not installed: only the script's text was checked");
        return;
    };
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let registered = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}' && complete -p rtm", script.display()))
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&registered.stdout);
    assert!(
        registered.status.success() && text.contains(" rtm"),
        "complete -p rtm: {text}{}",
        String::from_utf8_lossy(&registered.stderr)
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error_naming_the_shells() {
    let out = rtm(&["completion", "tcsh"]).expect_code(1);
    assert!(
        out.stderr.contains("invalid value 'tcsh'"),
        "{}",
        out.stderr
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        assert!(out.stderr.contains(shell), "{}", out.stderr);
    }
}

#[test]
fn completion_to_a_closed_pipe_exits_quietly() {
    // `rtm completion bash | head -1`: the script is larger than a pipe's
    // buffer, so rtm is still writing when the reader goes away.
    let mut child = Command::new(RTM)
        .args(["completion", "bash"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rtm");
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the script's first bytes");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait rtm");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn the_man_page_lists_every_command_and_the_global_options() {
    let out = rtm(&["man"]).expect_code(0);
    let page = out.stdout;
    assert!(page.contains(".TH rtm 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    assert!(page.contains(".SH \"GLOBAL OPTIONS\""), "{page}");
    assert!(page.contains("\\fB\\-\\-var\\-file\\fR"), "{page}");
    for command in commands().iter().filter(|c| c.len() == 1) {
        let entry = format!("rtm\\-{}(1)", command[0]);
        assert!(page.contains(&entry), "{entry} in\n{page}");
    }
    // Through grep, as a user would look.
    let grep = Command::new("sh")
        .arg("-c")
        .arg(format!("'{RTM}' man | grep -c 'rtm\\\\-drift(1)'"))
        .output();
    if let Ok(grep) = grep {
        assert_eq!(String::from_utf8_lossy(&grep.stdout).trim(), "1");
    }
}

#[test]
fn man_out_dir_writes_one_page_per_command() {
    let mut run = Rtm::new().args(["man", "--out-dir", "man/man1"]);
    let out = run.run().expect_code(0);
    let dir = run.path().join("man/man1");
    let mut expected = vec!["rtm.1".to_owned()];
    for command in commands() {
        expected.push(format!("rtm-{}.1", command.join("-")));
    }
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .expect("the directory was created")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    expected.sort();
    assert_eq!(written, expected);
    // stdout names each page written, one a line.
    assert_eq!(out.stdout.lines().count(), expected.len(), "{}", out.stdout);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.ends_with("man/man1/rtm-plan.1"))
    );
    let plan = std::fs::read_to_string(dir.join("rtm-plan.1")).expect("rtm-plan.1");
    assert!(plan.contains("\\-\\-detailed\\-exitcode"), "{plan}");
    let list = std::fs::read_to_string(dir.join("rtm-state-list.1")).expect("rtm-state-list.1");
    assert!(list.contains(".TH rtm-state-list 1"), "{list}");
}
