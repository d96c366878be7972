//! HCL configuration files -> `model::Desired`. (Being written: see issue 3.)

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration is invalid")]
    Invalid,
}
pub mod edit;
