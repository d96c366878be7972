//! `rtm completion SHELL` and `rtm man`: both are generated from the clap
//! definition of the command line, so they cannot fall behind its flags.
//! Nothing here reads configuration, state or AWS.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, ValueHint};

use super::Cli;
use super::Outcome;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Install the script where your shell looks for completions, e.g.:
  bash:        rtm completion bash > ~/.local/share/bash-completion/completions/rtm
  zsh:         rtm completion zsh > \"${fpath[1]}/_rtm\"
  fish:        rtm completion fish > ~/.config/fish/completions/rtm.fish
  PowerShell:  rtm completion powershell >> $PROFILE"
)]
pub struct CompletionArgs {
    /// The shell to complete rtm's commands and flags in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write rtm.1 and one page per command (rtm-plan.1, rtm-state-list.1,
    /// ...) into DIR, creating it, instead of printing rtm.1; prints the
    /// paths written.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out_dir: Option<PathBuf>,
}

pub fn completion(args: CompletionArgs) -> Result<Outcome, crate::Error> {
    // clap_complete panics when its writer fails: render into memory, then
    // write stdout with rtm's own error handling.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "rtm", &mut script);
    write_stdout(&script)
}

pub fn man(args: ManArgs) -> Result<Outcome, crate::Error> {
    // `rtm help` is not a page of its own: every page documents --help.
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let Some(dir) = args.out_dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(root)
            .render(&mut page)
            .map_err(|e| crate::Error::io("cannot render the manual page", e))?;
        return write_stdout(&page);
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::Error::io(format!("cannot create {}", dir.display()), e))?;
    let mut written = Vec::new();
    write_pages(&root, &dir, &mut written)?;
    let mut list = String::new();
    for path in &written {
        list.push_str(&format!("{}\n", path.display()));
    }
    write_stdout(list.as_bytes())
}

/// One page for `cmd` and one for each visible command under it, in the
/// order `rtm --help` lists them.
fn write_pages(
    cmd: &clap::Command,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<(), crate::Error> {
    let page = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(page.get_filename());
    page.generate_to(dir)
        .map_err(|e| crate::Error::io(format!("cannot write {}", path.display()), e))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}

/// Writes generated text to stdout; a reader that went away (`| head`) is
/// not an error.
fn write_stdout(bytes: &[u8]) -> Result<Outcome, crate::Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(Outcome::Success),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
        Err(e) => Err(crate::Error::io("cannot write to stdout", e)),
    }
}
