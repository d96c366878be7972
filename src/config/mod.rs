//! The configuration language: every `*.rtm.hcl` file of a directory ->
//! a validated `model::Desired`, with every mistake reported as a
//! [`Diagnostic`] at file:line:col (errors and warnings collected, never
//! stop-at-first). Also the canonical formatter behind `rtm fmt`.
//!
//! Must not: read the environment (the cli passes `RTM_VAR_*` in), call AWS,
//! touch state, or print. May import only `crate::model`.

mod configuration;
mod diagnostic;
pub mod edit;
mod eval;
pub mod fmt;
mod function;
mod instance;
mod loader;
mod policy;
mod runtime_management;
mod sensitive;
mod settings;
mod stdlib;
mod syntax;
mod typing;
mod value;

use std::path::PathBuf;

pub use diagnostic::{Diagnostic, Note, Severity, Sources, render_human};
pub use loader::config_files;

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

/// A valid configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub desired: crate::model::Desired,
    /// Warnings only (an error makes `load` fail).
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file read, for rendering diagnostics.
    pub sources: Sources,
}

/// Every diagnostic of an invalid configuration, errors and warnings, sorted
/// by file, line and column, with the sources to render them.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Diagnostics {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} {reason}", path.display())]
    NotAFile { path: PathBuf, reason: String },
    #[error("no *.rtm.hcl files in {}", .0.display())]
    NoFiles(PathBuf),
    #[error("the configuration is invalid ({} errors)", .0.error_count())]
    Invalid(Diagnostics),
}

/// Loads and validates the configuration in `opts.dir`.
pub fn load(opts: &LoadOptions) -> Result<Loaded, Error> {
    loader::load(opts)
}
