//! `rtm validate`: load and check the configuration; no API call, no state.

use std::process::ExitCode;

use super::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {}

pub fn run(_global: &GlobalArgs, _args: ValidateArgs) -> Result<ExitCode, crate::Error> {
    Err(crate::Error::Usage("rtm validate is not built yet".into()))
}
