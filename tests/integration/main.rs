//! One integration test binary (faster to build on two cores). Each module
//! drives the real `rtm` binary or the real aws-sdk-lambda client against the
//! emulator over HTTP.

mod config_fmt;
mod config_fuzz;
mod config_validate;
mod support; // the `rtm` binary runner shared by every module // rtm validate: the invalid corpus, examples, variables, formats // rtm fmt: terraform-fmt golden files, --check, --diff, FILES // proptest: the loader and formatter never panic on random or mutated input
