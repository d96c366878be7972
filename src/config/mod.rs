//! The configuration language: every `*.rtm.hcl` file of a directory ->
//! a validated `model::Desired`, with every mistake reported as a
//! [`Diagnostic`] at file:line:col (errors and warnings collected, never
//! stop-at-first). Also the canonical formatter behind `rtm fmt`.
//!
//! Must not: read the environment (the cli passes `RTM_VAR_*` in), call AWS,
//! touch state, or print. May import only `crate::model`.

mod accounts;
mod attributes;
mod configuration;
mod configuration_schema;
mod diagnostic;
pub mod edit;
mod error;
mod eval;
#[cfg(test)]
mod eval_conformance;
mod files;
pub mod fmt;
mod function;
mod instance;
mod instances;
mod limits;
mod loader;
mod locals;
mod operators;
mod options;
mod policy;
mod runtime_management;
mod schema;
mod sensitive;
mod settings;
mod stdlib;
mod syntax;
mod top_level;
mod typing;
mod value;
mod variables;

pub use diagnostic::{Diagnostic, Note, Severity, Sources, did_you_mean, render_human};
pub use error::{Diagnostics, Error};
pub use files::config_files;
pub use loader::{Loaded, load, read_backend};
pub use options::LoadOptions;
pub use sensitive::hidden as hide_secrets;
