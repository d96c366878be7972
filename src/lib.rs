//! rtm: desired-state management of AWS Lambda runtime settings.
//!
//! Data flows one way: `config` -> `model::Desired`; `aws` -> `model::Live`;
//! `state` -> last applied; `plan::diff` (pure) -> `plan::Plan` -> `render`
//! and `apply`. `sim` is a separate Lambda control-plane emulator that shares
//! no types with the client side. Only `cli` prints, reads the environment and
//! picks exit codes.

pub mod apply;
pub mod aws;
pub mod cli;
pub mod config;
pub mod error;
pub mod model;
pub mod plan;
pub mod render;
pub mod sim;
pub mod state;

pub use error::Error;
