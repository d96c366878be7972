//! The Lambda control-plane emulator. (Being written: see issue 2.)

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("emulator failed to start: {0}")]
    Start(String),
}

// TEMPORARY interface stub until the emulator branch lands.
#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    pub data_dir: Option<std::path::PathBuf>,
    pub seed: Option<std::path::PathBuf>,
    pub region: String,
}
pub struct SimHandle;
impl SimHandle {
    pub fn url(&self) -> &str {
        ""
    }
    pub async fn shutdown(self) {}
}
pub async fn start(_c: SimConfig) -> Result<SimHandle, Error> {
    Err(Error::Start("not built".into()))
}
