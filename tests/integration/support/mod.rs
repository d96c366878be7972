//! Test harness: run the real `rtm` binary in a temporary directory
//! (after casey/just's `tests/test.rs` builder).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const RTM: &str = env!("CARGO_BIN_EXE_rtm");

/// A temporary working directory with files, and an `rtm` invocation in it.
pub struct Rtm {
    dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
}

/// What a run printed and how it exited.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Output {
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// How many random cases a fuzz test runs: `default`, or `RTM_FUZZ_CASES`
/// to dig deeper (`RTM_FUZZ_CASES=100000 cargo test --release fuzz`).
pub fn fuzz_cases(default: u32) -> u32 {
    std::env::var("RTM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Output {
    /// Panics with both streams when the exit code is not `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Output {
        assert_eq!(
            self.code, code,
            "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

impl Default for Rtm {
    fn default() -> Self {
        Self::new()
    }
}

impl Rtm {
    pub fn new() -> Rtm {
        Rtm {
            dir: tempfile::tempdir().expect("tempdir"),
            args: Vec::new(),
            env: vec![("NO_COLOR".into(), "1".into())],
            stdin: None,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file relative to the working directory, creating parents.
    pub fn file(self, name: &str, contents: &str) -> Rtm {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write");
        self
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).expect("read")
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Rtm {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Rtm
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Rtm {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn stdin(mut self, input: &str) -> Rtm {
        self.stdin = Some(input.into());
        self
    }

    /// Runs `rtm ARGS` now (for a sequence of commands in one directory).
    pub fn go(&mut self, args: &[&str]) -> Output {
        self.args = args.iter().map(|s| s.to_string()).collect();
        self.run()
    }

    /// Runs `rtm ARGS` in the directory; the argument list is cleared so the
    /// same directory can be used for the next command.
    pub fn run(&mut self) -> Output {
        let args = std::mem::take(&mut self.args);
        run_in(
            self.dir.path(),
            &args,
            &self.env,
            self.stdin.take().as_deref(),
        )
    }
}

/// Runs `rtm ARGS` in `dir` with the given environment (plus a clean AWS one).
pub fn run_in(
    dir: &Path,
    args: &[String],
    env: &[(String, String)],
    stdin: Option<&str>,
) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(RTM);
    cmd.current_dir(dir)
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_LAMBDA")
        .env_remove("RTM_LOG")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn rtm");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait rtm").into()
}

/// The repository root, for reading `examples/`.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
pub mod fleet; // the emulator for plan/apply tests, seeded and checked with the SDK
pub mod moto; // moto_server as the S3 store for the state backend, driven with aws-sdk-s3
pub mod python; // the AWS CLI, boto3 and moto, installed with pip when missing
pub mod sim; // the emulator for its own conformance tests: subprocess, SDK client, AWS CLI, raw HTTP
