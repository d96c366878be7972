//! What a load reads: the configuration directory, variable values from
//! the command line, var files and the environment (collected by the cli),
//! files given in memory, and today's date.
//!
//! Plain data; reads nothing itself.

use std::path::PathBuf;

/// What to load and with which variable values.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The configuration directory: every `*.rtm.hcl` in it, in name order.
    pub dir: PathBuf,
    /// `--var NAME=VALUE`, in command-line order (the last one wins).
    pub vars: Vec<(String, String)>,
    /// `--var-file FILE`, in order (later files win).
    pub var_files: Vec<PathBuf>,
    /// `RTM_VAR_NAME=VALUE`, collected by the cli (the loader reads no environment).
    pub env_vars: Vec<(String, String)>,
    /// Files whose text is given here instead of read from disk (matched by
    /// canonical path against the directory's `*.rtm.hcl` files): `rtm
    /// rollback` checks an edit before writing it, and its diagnostics name
    /// the real file.
    pub overrides: Vec<(PathBuf, String)>,
    /// The current date, injectable for tests: expired pins and `max_pin_days`
    /// are judged against it.
    pub today: jiff::civil::Date,
}

impl LoadOptions {
    pub fn new(dir: impl Into<PathBuf>, today: jiff::civil::Date) -> LoadOptions {
        LoadOptions {
            dir: dir.into(),
            vars: Vec::new(),
            var_files: Vec::new(),
            env_vars: Vec::new(),
            overrides: Vec::new(),
            today,
        }
    }
}
