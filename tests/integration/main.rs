//! One integration test binary (faster to build on two cores). Each module
//! drives the real `rtm` binary or the real aws-sdk-lambda client against the
//! emulator over HTTP.

mod apply_resilience; // throttling storms, slow updates, failed updates, SIGKILL, two applies at once
mod architecture; // the module import rules of STYLE.md
mod claims; // one state owns a function: the rtm:lineage tag, two states racing, import --take-over
mod cli_habits; // Terraform single-dash flag hints, completion scripts, man pages, help headings
mod config_fmt; // rtm fmt: terraform-fmt golden files, --check, --diff, FILES
mod config_fuzz; // the loader never panics on random or mutated input (proptest)
mod config_validate; // rtm validate: the invalid corpus, examples, variables, formats
mod drift_rollback; // drift, runtime version history, rollback pins, import, state commands
mod examples; // every example plans and applies against --sandbox; the README sample validates
mod fleets; // accounts, regions, and the calls each function costs in the shared quota bucket
mod hardening; // regressions found trying rtm as a new user, a pipeline and an attacker would
mod plan_apply; // plan and apply against the emulator, checked with the SDK
mod render_snapshots; // human and Markdown plans as a reviewer sees them (insta)
mod report; // rtm report: who must act on runtime patches; policy thresholds in plan and drift; rtm policy scp
mod sim_accounts; // many accounts and regions in one emulator: SigV4 scope, access keys, STS, per-place quotas
mod sim_boto3; // the emulator through boto3 (botocore parsers, modelled exceptions, waiters)
mod sim_cli; // the emulator through the AWS CLI (botocore)
mod sim_fuzz; // the emulator answers mutated requests Lambda-shaped, never 5xx or a panic (proptest)
mod sim_http; // the emulator on the wire: bad requests, error shapes, quotas, faults, rtm sim subcommands
mod sim_input_shapes; // every nested request member typed: bad values get Lambda's 400, good ones read back typed
mod sim_lifecycle; // LastModified from seeds and the admin API, image functions, deprecated runtimes
mod sim_output_shapes; // every response of every served operation against botocore's output shapes
mod sim_sdk; // the emulator through the real aws-sdk-lambda client
mod sim_store; // the emulator's data: SIGKILL durability, restarts, seeds
mod sim_tags; // TagResource, UntagResource, ListTags and tags on functions, as Lambda's API has them
mod state_s3; // the state backends: shared behaviours on sled and S3 (moto_server), locks, lost updates, pull/push/migrate/unlock
mod support; // the `rtm` binary runner and the emulator harness shared by every module
