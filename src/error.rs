//! The crate's error type: one variant per module's own error enum, and the
//! exit code each maps to. Only `cli` turns these into output.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] crate::config::Error),
    #[error(transparent)]
    Sim(#[from] crate::sim::Error),
    #[error(transparent)]
    State(#[from] crate::state::Error),
    #[error(transparent)]
    Aws(#[from] crate::aws::Error),
    #[error(transparent)]
    PlanFile(#[from] crate::plan::FileError),
    #[error(transparent)]
    Apply(#[from] crate::apply::Error),
    /// A command-line argument rtm cannot use (the message names the flag).
    #[error("{0}")]
    Argument(String),
    /// A saved plan that may not be applied: made from another
    /// configuration or state, or edited so its steps do not follow.
    #[error("{reason}")]
    StalePlan { reason: String },
    /// Apply was not confirmed (no terminal to ask on, or not "yes").
    #[error("{0}")]
    NotConfirmed(String),
    /// `rtm rollback` will not write this pin (the message says why).
    #[error("{0}")]
    Rollback(String),
    /// `rtm import` will not adopt this (the message says why).
    #[error("{0}")]
    Import(String),
    #[error("cannot encode {what} as JSON: {source}")]
    Encode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// The plan has errors for these functions (each "ADDR: why"): apply
    /// starts nothing.
    #[error("the plan has {} error{} (listed above); nothing was applied", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    PlanErrors(Vec<String>),
    /// Ctrl-C: the run stopped where it was (exit 130).
    #[error("interrupted; rtm stopped before finishing (nothing more was started)")]
    Interrupted,
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The exit code: 130 for an interrupted run, else 1. (2 is "changes
    /// or findings present", an outcome, never an error.)
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Interrupted => 130,
            Error::Config(_)
            | Error::Sim(_)
            | Error::State(_)
            | Error::Aws(_)
            | Error::PlanFile(_)
            | Error::Apply(_)
            | Error::Argument(_)
            | Error::StalePlan { .. }
            | Error::NotConfirmed(_)
            | Error::Rollback(_)
            | Error::Import(_)
            | Error::Encode { .. }
            | Error::PlanErrors(_)
            | Error::Io { .. } => 1,
        }
    }

    /// Whether the error is a write to a closed pipe (`rtm ... | head`):
    /// the reader has what it wanted, so rtm ends quietly, as ripgrep does.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
