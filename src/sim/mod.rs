//! The Lambda control-plane emulator: a faithful HTTP server for the slice of
//! Lambda's REST-JSON API rtm talks to (functions, versions, aliases, tags,
//! runtime management, runtime version rollouts, quotas and faults) in many
//! accounts and regions, with the STS calls that reach them, and its data in
//! sled. It runs as `rtm sim serve` or in-process (`start`). It imports
//! nothing from the rest of the crate, so the emulator and rtm's client side
//! cannot agree by accident; it never prints (the CLI does).
//!
//! Layout: `server` (routes, middleware) -> the operations, one async
//! function each, in `functions`, `versions`, `runtime_management` and
//! `tags`, STS in `sts`, and `admin` (`/_sim/`); they share `emulator::Sim`
//! (store, identities, gate). `identity` tells a request's account and
//! region from its credentials.
//! Requests are read by `inputs` (bodies checked by `shapes` against
//! `request_shapes`, botocore's model written out), lists paged by `paging`,
//! functions found by `lookups` after `settling` has completed what time has
//! completed; `protocol` is the one place errors become responses; `names`,
//! `catalogue`, `records`, `responses` hold Lambda's rules and shapes;
//! `store` is storage only; `faults` is the gate of quotas, latency and
//! injected errors; `seed` fills an empty store. No file imports another
//! that imports it back.

mod admin;
mod catalogue;
mod emulator;
mod faults;
mod functions;
mod identity;
mod inputs;
mod lookups;
mod names;
mod paging;
mod protocol;
mod records;
mod request_shapes;
mod responses;
mod runtime_management;
mod seed;
mod server;
mod settling;
mod shapes;
mod store;
mod sts;
mod tags;
mod versions;

pub use faults::Settings;
pub use identity::GUIDE_REGIONS;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("emulator failed to start: {0}")]
    Start(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("emulator data store: {0}")]
    Store(#[from] store::StoreError),
    #[error("seed file {path}: {message}")]
    Seed { path: PathBuf, message: String },
}

/// How to run the emulator; `Default` matches `rtm sim serve` without flags.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The sled directory; `None` keeps the data in a temporary store.
    pub data_dir: Option<PathBuf>,
    /// A seed file applied when the data store is empty.
    pub seed: Option<PathBuf>,
    /// The default region: unsigned requests are served here (and see
    /// `identity` for requests signed for us-east-1 with unknown keys).
    pub region: String,
    /// The default account: any access key not in `accounts` is its.
    pub account: String,
    /// Access keys of other accounts (`rtm sim serve --account ACCOUNT=KEY`).
    pub accounts: Vec<AccountKey>,
    /// The regions served; `None` serves the runtime-updates guide's list.
    /// `region` is always served.
    pub regions: Option<Vec<String>>,
    /// STS AssumeRole into a role of any account, not only of known ones.
    pub trust_any_account: bool,
    /// Latency, update delay, quotas and injected faults (the admin API can
    /// change them while the server runs).
    pub settings: Settings,
    /// Seeds the draws of injected faults, so that a run can be repeated.
    pub fault_seed: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: None,
            seed: None,
            region: "us-east-1".into(),
            account: "123456789012".into(),
            accounts: Vec::new(),
            regions: None,
            trust_any_account: false,
            settings: Settings::default(),
            fault_seed: None,
        }
    }
}

/// An access key of an account other than the default one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountKey {
    pub account: String,
    pub access_key: String,
}

/// A running emulator. Dropping it without `shutdown` leaves the server
/// running until the tokio runtime ends.
pub struct SimHandle {
    url: String,
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// The base URL, e.g. `http://127.0.0.1:43127`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, finishes requests in flight, and closes the store
    /// (every acknowledged write is already flushed).
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Opens the store (seeding it on first use), binds, and serves on the
/// current tokio runtime.
pub async fn start(cfg: SimConfig) -> Result<SimHandle, Error> {
    let identities = identities(&cfg)?;
    let store = store::Store::open(cfg.data_dir.as_deref(), &cfg.account, &cfg.region)?;
    if let Some(path) = &cfg.seed
        && store.is_empty()
    {
        apply_seed(&store, path, &cfg, &identities)?;
    }
    let sim = Arc::new(emulator::Sim::new(
        store,
        identities,
        cfg.settings.clone(),
        cfg.fault_seed,
    ));
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| Error::Listen {
            addr: cfg.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Listen {
        addr: cfg.listen,
        source,
    })?;
    let app = server::router(sim);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("emulator server stopped: {e}");
        }
    });
    Ok(SimHandle {
        url: format!("http://{addr}"),
        addr,
        stop,
        task,
    })
}

/// Who the emulator knows and where it serves, checked.
fn identities(cfg: &SimConfig) -> Result<identity::Identities, Error> {
    let is_account = |a: &str| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit());
    let is_region = |r: &str| {
        let parts: Vec<&str> = r.split('-').collect();
        parts.len() >= 3
            && parts[0].len() == 2
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    };
    for account in std::iter::once(&cfg.account).chain(cfg.accounts.iter().map(|k| &k.account)) {
        if !is_account(account) {
            return Err(Error::Start(format!(
                "{account} is not a 12-digit account id"
            )));
        }
    }
    if let Some(k) = cfg.accounts.iter().find(|k| k.access_key.is_empty()) {
        return Err(Error::Start(format!(
            "account {} has an empty access key",
            k.account
        )));
    }
    let regions: Vec<String> = match &cfg.regions {
        Some(r) => r.clone(),
        None => identity::GUIDE_REGIONS
            .iter()
            .map(|r| (*r).to_owned())
            .collect(),
    };
    for region in std::iter::once(&cfg.region).chain(&regions) {
        if !is_region(region) {
            return Err(Error::Start(format!(
                "{region} is not a region name (like us-east-1)"
            )));
        }
    }
    let keys: Vec<(String, String)> = cfg
        .accounts
        .iter()
        .map(|k| (k.account.clone(), k.access_key.clone()))
        .collect();
    Ok(identity::Identities::new(
        names::Place {
            region: cfg.region.clone(),
            account: cfg.account.clone(),
        },
        &keys,
        &regions,
        cfg.trust_any_account,
    ))
}

fn apply_seed(
    store: &store::Store,
    path: &std::path::Path,
    cfg: &SimConfig,
    identities: &identity::Identities,
) -> Result<(), Error> {
    let seed_error = |message: String| Error::Seed {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| seed_error(e.to_string()))?;
    let parsed: seed::Seed = serde_json::from_str(&text).map_err(|e| seed_error(e.to_string()))?;
    let mut locked = store.lock();
    let records = seed::records(
        parsed,
        &cfg.region,
        &cfg.account,
        |region| identities.serves(region),
        |key| lookups::catalogue_latest(&locked.memory, key),
    )
    .map_err(seed_error)?;
    locked.put_functions(records)?;
    Ok(())
}
