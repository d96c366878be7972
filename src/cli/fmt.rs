//! `rtm fmt`: rewrite configuration files in canonical layout (the layout
//! `terraform fmt` produces), keeping comments. `--check` changes nothing and
//! exits 1 listing the files that would change; `--diff` prints what would;
//! `--recursive` takes subdirectories too; `-` formats standard input to
//! standard output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::GlobalArgs;
use super::Outcome;
use crate::config;
use crate::config::fmt::{FormatError, LineEnding};

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Change nothing; exit 1 and list the files that are not formatted
    /// (with `-`, print nothing and exit 1 when standard input is not).
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff of the changes.
    #[arg(long)]
    pub diff: bool,
    /// Also format *.rtm.hcl files in subdirectories (hidden ones skipped),
    /// as terraform fmt -recursive does.
    #[arg(long)]
    pub recursive: bool,
    /// Files or directories to format (default: the configuration
    /// directory). `-` reads standard input and writes the result to
    /// standard output.
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
}

/// The name `-` and diagnostics give standard input, as terraform names it.
const STDIN_NAME: &str = "<stdin>";

pub fn run(global: &GlobalArgs, args: FmtArgs) -> Result<Outcome, crate::Error> {
    if args.files.iter().any(|f| f.as_os_str() == "-") {
        if args.files.len() > 1 {
            return Err(crate::Error::Argument(
                "`rtm fmt -` formats standard input only: name no other FILES with it".into(),
            ));
        }
        if args.recursive {
            return Err(crate::Error::Argument(
                "--recursive does not apply to `-` (standard input)".into(),
            ));
        }
        return format_stdin(&args);
    }
    let targets = if args.files.is_empty() {
        vec![global.dir.clone()]
    } else {
        args.files.clone()
    };
    let mut files = Vec::new();
    for target in &targets {
        if !target.is_dir() {
            files.push(target.clone());
            continue;
        }
        let found = if args.recursive {
            config::fmt::config_files_recursive(target)?
        } else {
            config::config_files(target)?
        };
        if found.is_empty() {
            warn_no_files(target, args.recursive, args.check)?;
        }
        files.extend(found);
    }
    let mut out = anstream::stdout();
    let mut err = anstream::stderr();
    let mut unformatted = 0;
    let mut failed = 0;
    for path in &files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::Error::io(format!("cannot read {}", path.display()), e))?;
        let formatted = match config::fmt::format_source(&text) {
            Ok(f) => f,
            Err(e) => {
                failed += 1;
                report_unformattable(&mut err, &path.display().to_string(), &e);
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        let _ = writeln!(out, "{}", path.display());
        if args.diff {
            let _ = write!(
                out,
                "{}",
                unified_diff(&path.display().to_string(), &text, &formatted)
            );
        }
        if !args.check {
            std::fs::write(path, &formatted)
                .map_err(|e| crate::Error::io(format!("cannot write {}", path.display()), e))?;
        }
    }
    Ok(if failed > 0 || (args.check && unformatted > 0) {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

/// `rtm fmt -`: standard input to standard output, ending with a newline as
/// `terraform fmt -` ends it (in the text's own line ending). With
/// `--check`, nothing is printed (terraform prints nothing either) and the
/// exit code says whether the text was formatted; `--diff` prints the diff
/// instead of the text, with `--check` too.
fn format_stdin(args: &FmtArgs) -> Result<Outcome, crate::Error> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| crate::Error::io("cannot read standard input", e))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        crate::Error::Argument("cannot format standard input: it is not UTF-8 text".into())
    })?;
    let formatted = match config::fmt::format_source(&text) {
        Ok(f) => f,
        Err(e) => {
            report_unformattable(&mut anstream::stderr(), STDIN_NAME, &e);
            return Ok(Outcome::Failed);
        }
    };
    let changed = formatted != text;
    // The formatted text goes out byte for byte: anstream would strip any
    // escape sequence a heredoc holds when stdout is not a terminal.
    let mut out = std::io::stdout().lock();
    let printed = if args.diff {
        if changed {
            out.write_all(unified_diff(STDIN_NAME, &text, &formatted).as_bytes())
        } else {
            Ok(())
        }
    } else if args.check {
        Ok(())
    } else {
        let mut result = formatted;
        if !result.ends_with('\n') {
            result.push_str(LineEnding::of(&result).as_str());
        }
        out.write_all(result.as_bytes())
    };
    match printed.and_then(|()| out.flush()) {
        // A reader that closed the pipe (`rtm fmt - | head`) wanted no more.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(crate::Error::io("cannot write standard output", e));
        }
        _ => {}
    }
    Ok(if args.check && changed {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

fn report_unformattable(err: &mut impl Write, name: &str, e: &FormatError) {
    let _ = writeln!(
        err,
        "error: {name}:{}:{}: cannot format: {}",
        e.line, e.column, e.message
    );
}

/// The diff of a file and its formatted text, environment values hidden
/// as diagnostics hide them (a CI log is no place for them).
fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let name = name.trim_start_matches('/');
    let (old, new) = (
        crate::config::hide_secrets(old),
        crate::config::hide_secrets(new),
    );
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// A directory without configuration files is not an error (terraform fmt
/// exits 0 on one too, with or without -check), but it is worth a word: a
/// pipeline pointed at the wrong directory would otherwise pass in silence.
fn warn_no_files(dir: &Path, recursive: bool, check: bool) -> Result<(), crate::Error> {
    let shown = if dir == Path::new(".") {
        std::env::current_dir().unwrap_or_else(|_| dir.to_path_buf())
    } else {
        dir.to_path_buf()
    };
    let done = if check { "checked" } else { "formatted" };
    let message = if recursive {
        format!(
            "no *.rtm.hcl files in {} or its subdirectories; nothing {done}",
            shown.display()
        )
    } else {
        let below = config::fmt::config_files_recursive(dir)?.len();
        if below > 0 {
            format!(
                "no *.rtm.hcl files in {}; nothing {done} ({below} in its subdirectories: add --recursive)",
                shown.display()
            )
        } else {
            format!("no *.rtm.hcl files in {}; nothing {done}", shown.display())
        }
    };
    let style = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Yellow.into()));
    let _ = writeln!(anstream::stderr(), "{style}warning{style:#}: {message}");
    Ok(())
}
