//! The Python clients the tests check rtm and the emulator with: the AWS
//! CLI, boto3 (and botocore's model) and moto's standalone S3 server. When
//! one is missing they are installed with pip on first use, as `.ci/run`
//! does, so `cargo test` runs every test on a machine with only the Rust
//! toolchain and Python, and no test is skipped for want of a client.
//! They run as `python3 -m awscli` and `python3 -m moto.server`, so a
//! `pip install --user` whose scripts are not on PATH still serves.

use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// What the tests install, in pip's words (the same list as `.ci/run`).
const PACKAGES: [&str; 3] = ["awscli", "boto3", "moto[server]"];

/// Makes sure the clients are importable, installing them once per test
/// run when not; panics with pip's own words when that fails.
pub fn tools() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        if importable() {
            return Ok(());
        }
        let mut said = String::new();
        // A plain install first (a virtualenv, CI); then the user's site,
        // also where the system Python is marked externally managed.
        for how in [&[][..], &["--user"], &["--user", "--break-system-packages"]] {
            let out = Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(how)
                .args(PACKAGES)
                .stdin(Stdio::null())
                .output();
            match out {
                Ok(out) => said = String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => said = format!("cannot run python3 -m pip: {e}"),
            }
            if importable() {
                return Ok(());
            }
        }
        Err(said)
    });
    if let Err(said) = ready {
        panic!(
            "these tests need the AWS CLI, boto3 and moto's server, and pip could not install them \
             (python3 -m pip install awscli boto3 'moto[server]'): {said}"
        );
    }
}

fn importable() -> bool {
    Command::new("python3")
        .args(["-c", "import awscli, boto3, botocore, moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `python3` with the clients ready.
pub fn python3() -> Command {
    tools();
    Command::new("python3")
}
