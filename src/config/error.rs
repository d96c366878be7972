//! How a load fails: a file that cannot be read (or is not a file), no
//! configuration at all, or an invalid configuration with every diagnostic.
//!
//! Plain data; renders and prints nothing (see `diagnostic::render_human`).

use std::path::PathBuf;

use super::diagnostic::{Diagnostic, Sources};

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
