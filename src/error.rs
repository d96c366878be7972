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
    #[error("{0}")]
    Usage(String),
    /// The plan has errors for these functions (each "ADDR: why"): apply
    /// starts nothing.
    #[error("the plan has {} error{} (listed above); nothing was applied", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    PlanErrors(Vec<String>),
    /// Ctrl-C: the run stopped where it was (exit 130).
    #[error("interrupted; rtm stopped before finishing (nothing more was started)")]
    Interrupted,
    /// Already reported to the user in full (e.g. configuration diagnostics).
    #[error("")]
    Reported,
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// 130 for an interrupted run, else 1 (2 is "changes present", never
    /// an error).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Interrupted => 130,
            _ => 1,
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
