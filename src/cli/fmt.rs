//! `rtm fmt`: rewrite configuration files in canonical layout (the layout
//! `terraform fmt` produces), keeping comments. `--check` changes nothing and
//! exits 1 listing the files that would change; `--diff` prints what would.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::GlobalArgs;
use crate::config;

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Change nothing; exit 1 and list the files that are not formatted.
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff of the changes.
    #[arg(long)]
    pub diff: bool,
    /// Files to format (default: every *.rtm.hcl in the configuration directory).
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
}

pub fn run(global: &GlobalArgs, args: FmtArgs) -> Result<ExitCode, crate::Error> {
    let files = if args.files.is_empty() {
        config::config_files(&global.dir)?
    } else {
        args.files.clone()
    };
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
                let _ = writeln!(
                    err,
                    "error: {}:{}:{}: cannot format: {}",
                    path.display(),
                    e.line,
                    e.column,
                    e.message
                );
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        let _ = writeln!(out, "{}", path.display());
        if args.diff {
            let name = path.display().to_string();
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            let _ = write!(
                out,
                "{}",
                diff.unified_diff().context_radius(3).header(
                    &format!("a/{}", name.trim_start_matches('/')),
                    &format!("b/{}", name.trim_start_matches('/'))
                )
            );
        }
        if !args.check {
            std::fs::write(path, &formatted)
                .map_err(|e| crate::Error::io(format!("cannot write {}", path.display()), e))?;
        }
    }
    let code = if failed > 0 || (args.check && unformatted > 0) {
        1
    } else {
        0
    };
    Ok(ExitCode::from(code))
}
