//! Hints for Terraform's single-dash spellings of rtm's long flags
//! (`-var x=1`, `-out=FILE`, `-json`, `-auto-approve`, `-no-color`,
//! `-chdir=DIR`). clap reads `-var` as the short flags `-v -a -r` and
//! reports `unexpected argument '-a'`, which names nothing the user typed.
//!
//! This module runs only after clap has failed and only reads argv to find
//! the word clap tripped on: clap stays the one parser of the command line.

use std::ffi::OsString;

use clap::Command;
use clap::error::{ContextKind, ContextValue, ErrorKind};

/// A clearer error for clap's `err` when it failed inside a single-dash
/// spelling of a long flag rtm has: `unexpected argument '-var'; rtm's
/// flags take two dashes: --var x=1`, with the usage of the command it was
/// typed for. `None` leaves clap's error as it is.
pub fn hint(root: &Command, argv: &[OsString], err: &clap::Error) -> Option<clap::Error> {
    if err.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    // clap names the first short flag it did not know: `-a` of `-var`.
    let Some(ContextValue::String(invalid)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let failed = invalid
        .strip_prefix('-')
        .filter(|c| c.chars().count() == 1 && *c != "-")?;
    let mut root = root.clone();
    root.build();
    let words: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let mut cmd = &root;
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        if word == "--" {
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            let takes_value = !long.contains('=')
                && cmd
                    .get_arguments()
                    .any(|a| a.get_long() == Some(long) && takes_values(a));
            if takes_value {
                i += 1;
            }
        } else if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            let (name, _) = shorts.split_once('=').unwrap_or((shorts, ""));
            if name.contains(failed)
                && let Some(message) = message(&root, cmd, word, words.get(i + 1))
            {
                return Some(cmd.clone().error(ErrorKind::UnknownArgument, message));
            }
            // `-C DIR`: a short flag that takes a value, last in its word,
            // takes the next word.
            let value_taker = shorts.chars().position(|c| {
                cmd.get_arguments()
                    .any(|a| a.get_short() == Some(c) && takes_values(a))
            });
            if value_taker == Some(shorts.chars().count() - 1) {
                i += 1;
            }
        } else if let Some(sub) = cmd.find_subcommand(word) {
            cmd = sub;
        }
        i += 1;
    }
    None
}

/// What a single-dash word means in rtm: the long flag and the value, if
/// the word fixes one (`-json` is `--format json`).
struct Meaning<'a> {
    long: &'a str,
    fixed: Option<&'a str>,
}

/// The hint for `word` typed for `cmd`, or `None` when it is not a
/// single-dash spelling of any long flag rtm has.
fn message(root: &Command, cmd: &Command, word: &str, next: Option<&String>) -> Option<String> {
    let body = &word[1..];
    let (name, inline) = match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    };
    let spelled_like_a_long = name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !spelled_like_a_long {
        return None;
    }
    let meaning = match name {
        // Terraform's -json; the emulator's admin commands have a real --json.
        "json" if find_long(cmd, "json").is_none() => Meaning {
            long: "format",
            fixed: Some("json"),
        },
        "no-color" => Meaning {
            long: "color",
            fixed: Some("never"),
        },
        "chdir" => Meaning {
            long: "dir",
            fixed: None,
        },
        _ => Meaning {
            long: name,
            fixed: None,
        },
    };
    let accepts = |c: &Command| {
        find_long(c, meaning.long).is_some_and(|a| {
            meaning
                .fixed
                .is_none_or(|v| a.get_possible_values().iter().any(|p| p.get_name() == v))
        })
    };
    let value = |arg: &clap::Arg| -> Option<String> {
        if let Some(v) = meaning.fixed {
            return Some(v.to_owned());
        }
        if !takes_values(arg) {
            return None;
        }
        let typed = inline
            .map(str::to_owned)
            .or_else(|| next.filter(|n| !n.starts_with('-')).cloned());
        Some(match typed {
            Some(v) => shell_quote(&v),
            None => arg
                .get_value_names()
                .and_then(|names| names.first())
                .map(|n| n.to_string())
                .unwrap_or_else(|| arg.get_id().as_str().to_uppercase()),
        })
    };
    let spell = |arg: &clap::Arg, dashes: String| match value(arg) {
        Some(v) => format!("{dashes} {v}"),
        None => dashes,
    };
    let lead = format!("unexpected argument '{word}'; rtm's flags take two dashes");
    if accepts(cmd) {
        let arg = find_long(cmd, meaning.long)?;
        let long = spell(arg, format!("--{}", meaning.long));
        return Some(match arg.get_short() {
            Some(short) if name == "chdir" => {
                format!("{lead}: {}, or {long}", spell(arg, format!("-{short}")))
            }
            _ => format!("{lead}: {long}"),
        });
    }
    // The flag belongs to other commands: show it on one of them, plan
    // first since most Terraform habits come from `terraform plan`.
    let mut owners = Vec::new();
    commands_accepting(root, &accepts, &mut owners);
    let owner = owners
        .iter()
        .find(|c| c.get_name() == "plan")
        .or(owners.first())?;
    let arg = find_long(owner, meaning.long)?;
    let example = format!(
        "{} {}",
        display(owner),
        spell(arg, format!("--{}", meaning.long))
    );
    Some(if std::ptr::eq(cmd, root) {
        format!(
            "{lead}, and --{} goes after the command: {example}",
            meaning.long
        )
    } else {
        format!(
            "{lead}, but {} has no --{}: {example}",
            display(cmd),
            meaning.long
        )
    })
}

fn find_long<'c>(cmd: &'c Command, long: &str) -> Option<&'c clap::Arg> {
    cmd.get_arguments().find(|a| a.get_long() == Some(long))
}

fn takes_values(arg: &clap::Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.takes_values())
}

fn commands_accepting<'c>(
    cmd: &'c Command,
    accepts: &dyn Fn(&Command) -> bool,
    out: &mut Vec<&'c Command>,
) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if accepts(sub) {
            out.push(sub);
        }
        commands_accepting(sub, accepts, out);
    }
}

/// `rtm state list`, as the user types it.
fn display(cmd: &Command) -> String {
    cmd.get_bin_name().unwrap_or(cmd.get_name()).to_owned()
}

/// A value as it could be typed back into a POSIX shell.
fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=,@%+".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}
