//! The saved plan file (`rtm plan --out FILE`): the `Plan` as JSON, plus a
//! `checksum` over it, so that a file edited or damaged after rtm wrote it
//! (a bad merge, a truncated artifact that still parses) is refused before
//! anything is applied from it. It holds no secret (environment values are
//! redacted), so it can be kept as a CI artifact.

use sha2::{Digest, Sha256};

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
    #[error(
        "{path} is larger than a plan file can be ({MAX_PLAN_FILE_BYTES} bytes at most); it is not an rtm plan file"
    )]
    TooLarge { path: PathBuf },
    #[error(
        "{path} was changed after rtm wrote it (its checksum does not match its content); nothing was applied: make the plan again"
    )]
    Modified { path: PathBuf },
}

const CHECKSUM: &str = "checksum";

/// A plan of 10,000 changed functions is some 20 MB of JSON; anything
/// larger than this (or endless, like /dev/zero) is not read.
pub const MAX_PLAN_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// SHA-256 of the plan's JSON value (keys sorted, no `checksum`), in hex.
fn checksum(value: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(value.to_string().as_bytes()))
}

pub fn write_plan_file(path: &Path, plan: &Plan) -> Result<(), FileError> {
    let malformed = |e: serde_json::Error| FileError::Malformed {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut value = serde_json::to_value(plan).map_err(malformed)?;
    let sum = checksum(&value);
    if let serde_json::Value::Object(fields) = &mut value {
        fields.insert(CHECKSUM.into(), sum.into());
    }
    let text = serde_json::to_string_pretty(&value).map_err(malformed)?;
    std::fs::write(path, text + "\n").map_err(|source| FileError::Write {
        path: path.to_path_buf(),
        source,
    })
}

pub fn read_plan_file(path: &Path) -> Result<Plan, FileError> {
    use std::io::Read;
    let read_error = |source| FileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(read_error)?
        .take(MAX_PLAN_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(read_error)?;
    if text.len() as u64 > MAX_PLAN_FILE_BYTES {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let malformed = |message: String| FileError::Malformed {
        path: path.to_path_buf(),
        message,
    };
    // Check the version before the shape, so a future format is reported as
    // such rather than as a parse error.
    let mut value: serde_json::Value =
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
    let recorded = value
        .as_object_mut()
        .and_then(|fields| fields.remove(CHECKSUM))
        .ok_or_else(|| malformed(format!("no {CHECKSUM}")))?;
    if recorded.as_str() != Some(checksum(&value).as_str()) {
        return Err(FileError::Modified {
            path: path.to_path_buf(),
        });
    }
    serde_json::from_value(value).map_err(|e| malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(dir: &Path) -> PathBuf {
        let path = dir.join("p.plan");
        let plan = Plan {
            format_version: FORMAT_VERSION,
            rtm_version: "0.1.0".into(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            config_hash: "c".into(),
            state_lineage: "l".into(),
            state_serial: 3,
            region: "us-east-1".into(),
            accounts: Default::default(),
            targets: Vec::new(),
            functions: Vec::new(),
            runtime_versions: Vec::new(),
            diagnostics: Vec::new(),
        };
        write_plan_file(&path, &plan).unwrap();
        assert_eq!(read_plan_file(&path).unwrap(), plan);
        path
    }

    #[test]
    fn an_edited_plan_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = saved(dir.path());
        let text = std::fs::read_to_string(&path).unwrap();
        // Reformatting is not a change of content...
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        std::fs::write(&path, value.to_string()).unwrap();
        assert!(read_plan_file(&path).is_ok());
        // ...but any edited value is.
        std::fs::write(
            &path,
            text.replace("\"state_serial\": 3", "\"state_serial\": 4"),
        )
        .unwrap();
        let e = read_plan_file(&path).unwrap_err();
        assert!(matches!(e, FileError::Modified { .. }), "{e}");
        std::fs::write(&path, text.replace("\"checksum\"", "\"sum\"")).unwrap();
        let e = read_plan_file(&path).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{} is not an rtm plan file: no checksum", path.display())
        );
    }
}
