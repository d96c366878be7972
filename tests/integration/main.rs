//! One integration test binary (faster to build on two cores). Each module
//! drives the real `rtm` binary or the real aws-sdk-lambda client against the
//! emulator over HTTP.

mod support; // the `rtm` binary runner shared by every module
mod sim_sdk; // the emulator through the real aws-sdk-lambda client
mod sim_cli; // the emulator through the AWS CLI (botocore)
mod sim_http; // the emulator on the wire: bad requests, error shapes, quotas, faults, rtm sim subcommands
mod sim_store; // the emulator's data: SIGKILL durability, restarts, seeds
