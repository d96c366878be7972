//! `rtm fmt`: rewrite configuration files in canonical layout.

use std::process::ExitCode;

use super::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct FmtArgs {}

pub fn run(_global: &GlobalArgs, _args: FmtArgs) -> Result<ExitCode, crate::Error> {
    Err(crate::Error::Usage("rtm fmt is not built yet".into()))
}
