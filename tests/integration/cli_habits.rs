//! Terraform habits and the command line's finish: single-dash flags get a
//! hint naming the two-dash flag, the "Global options" help heading and a
//! described `--format` everywhere.

use crate::support::Rtm;

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
