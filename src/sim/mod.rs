//! The Lambda control-plane emulator. (Being written: see issue 2.)

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("emulator failed to start: {0}")]
    Start(String),
}
