//! The saved plan file (`rtm plan --out FILE`): the `Plan` as JSON. It holds
//! no secret (environment values are redacted), so it can be kept as a CI
//! artifact.

use std::path::{Path, PathBuf};

use super::{FORMAT_VERSION, Plan};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read the plan file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the plan file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not an rtm plan file: {message}")]
    Malformed { path: PathBuf, message: String },
    #[error(
        "{path} has plan format version {found}, but this rtm reads version {FORMAT_VERSION}; make the plan again with this rtm"
    )]
    UnknownVersion { path: PathBuf, found: u64 },
}

pub fn write_plan_file(path: &Path, plan: &Plan) -> Result<(), FileError> {
    let text = serde_json::to_string_pretty(plan).map_err(|e| FileError::Malformed {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    std::fs::write(path, text + "\n").map_err(|source| FileError::Write {
        path: path.to_path_buf(),
        source,
    })
}

pub fn read_plan_file(path: &Path) -> Result<Plan, FileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let malformed = |message: String| FileError::Malformed {
        path: path.to_path_buf(),
        message,
    };
    // Check the version before the shape, so a future format is reported as
    // such rather than as a parse error.
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    let found = value
        .get("format_version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| malformed("no format_version".into()))?;
    if found != u64::from(FORMAT_VERSION) {
        return Err(FileError::UnknownVersion {
            path: path.to_path_buf(),
            found,
        });
    }
    serde_json::from_value(value).map_err(|e| malformed(e.to_string()))
}
