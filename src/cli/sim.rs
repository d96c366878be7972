//! `rtm sim ...`: run the emulator and drive its admin API.

use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum SimArgs {
    /// Serve the Lambda control-plane API on loopback.
    Serve,
}

pub fn run(_args: SimArgs) -> Result<ExitCode, crate::Error> {
    Err(crate::Error::Usage("rtm sim is not built yet".into()))
}
