//! What every command that reads config, state or Lambda sets up the same
//! way: the clock, the configuration, the state store and the Lambda client
//! (or the in-process sandbox emulator).

use std::path::PathBuf;

use super::GlobalArgs;
use crate::aws::{ConnectOptions, Lambda, ReadItem};
use crate::model::{Address, Desired, Live};
use crate::plan::{self, Plan};
use crate::state::Store;

impl GlobalArgs {
    pub fn state_dir(&self) -> PathBuf {
        self.state.clone().unwrap_or_else(|| self.dir.join("state"))
    }

    /// Now, or the `--now` override.
    pub fn now(&self) -> Result<jiff::Timestamp, crate::Error> {
        let Some(text) = &self.now else {
            return Ok(jiff::Timestamp::now());
        };
        if let Ok(ts) = text.parse::<jiff::Timestamp>() {
            return Ok(ts);
        }
        text.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
            .ok_or_else(|| {
                crate::Error::Usage(format!(
                    "--now {text:?} is not an RFC 3339 timestamp or a YYYY-MM-DD date"
                ))
            })
    }

    /// Today's date in UTC (pins expire at the end of their `pin_until` day, UTC).
    pub fn today(&self) -> Result<jiff::civil::Date, crate::Error> {
        Ok(self.now()?.to_zoned(jiff::tz::TimeZone::UTC).date())
    }

    pub fn parallelism(&self, desired: &Desired) -> usize {
        self.parallelism
            .or(desired.settings.parallelism)
            .unwrap_or(10)
            .max(1) as usize
    }

    pub fn targets(
        &self,
        targets: &[String],
        desired: &Desired,
    ) -> Result<Vec<Address>, crate::Error> {
        let mut out = Vec::new();
        for t in targets {
            let address = Address::parse(t).map_err(crate::Error::Usage)?;
            if !desired.functions.keys().any(|a| a.matches_target(&address)) {
                return Err(crate::Error::Usage(format!(
                    "--target {address} matches no function in the configuration"
                )));
            }
            out.push(address);
        }
        Ok(out)
    }
}

/// Loads and validates the configuration; warnings go to stderr, and an
/// invalid configuration is reported in full before any API call.
pub fn load_config(global: &GlobalArgs) -> Result<crate::config::Loaded, crate::Error> {
    let opts = super::validate::load_options(global)?;
    let styled = super::stderr_styled();
    match crate::config::load(&opts) {
        Ok(loaded) => {
            if !loaded.diagnostics.is_empty() {
                eprint!(
                    "{}",
                    crate::config::render_human(&loaded.diagnostics, &loaded.sources, styled)
                );
            }
            Ok(loaded)
        }
        // Rendered by the one error reporter (and, with --format json or
        // markdown, as the failure document on stdout).
        Err(e) => Err(e.into()),
    }
}

/// A Lambda client, and the sandbox emulator behind it when `--sandbox`.
pub struct Connection {
    pub lambda: Lambda,
    sandbox: Option<crate::sim::SimHandle>,
}

impl Connection {
    pub async fn open(global: &GlobalArgs, desired: &Desired) -> Result<Connection, crate::Error> {
        let mut opts = ConnectOptions {
            region: global
                .region
                .clone()
                .or_else(|| desired.settings.region.clone()),
            profile: global.profile.clone(),
            endpoint_url: global.endpoint_url.clone(),
            static_credentials: false,
            rate_scale: global.rate_scale,
        };
        let mut sandbox = None;
        if global.sandbox {
            let data = global.state_dir().join("sandbox");
            let seed = global.dir.join("sandbox.json");
            let region = opts.region.clone().unwrap_or_else(|| "us-east-1".into());
            let handle = crate::sim::start(crate::sim::SimConfig {
                data_dir: Some(data),
                seed: seed.exists().then_some(seed),
                region: region.clone(),
                ..crate::sim::SimConfig::default()
            })
            .await?;
            opts.endpoint_url = Some(handle.url().to_string());
            opts.region = Some(region);
            opts.static_credentials = true;
            sandbox = Some(handle);
        }
        let lambda = Lambda::connect(&opts).await?;
        Ok(Connection { lambda, sandbox })
    }

    pub async fn close(self) {
        if let Some(handle) = self.sandbox {
            handle.shutdown().await;
        }
    }
}

/// Reads live for the targeted functions and computes the plan.
pub async fn make_plan(
    global: &GlobalArgs,
    desired: &Desired,
    store: &Store,
    lambda: &Lambda,
    targets: &[Address],
) -> Result<Plan, crate::Error> {
    let items: Vec<ReadItem<Address>> = desired
        .functions
        .iter()
        .filter(|(a, _)| plan::is_targeted(a, targets))
        .map(|(a, f)| ReadItem {
            key: a.clone(),
            function: f.function.clone(),
            qualifier: f.qualifier,
        })
        .collect();
    let live: std::collections::BTreeMap<Address, Result<Live, String>> = lambda
        .read_many(items, global.parallelism(desired))
        .await?
        .into_iter()
        .map(|(address, result)| {
            let result = result.map_err(|e| {
                let f = &desired.functions[&address];
                if e.is_not_found() {
                    format!(
                        "function {} (qualifier {}) not found in {}: rtm does not create functions; create it, or remove the block ({})",
                        f.function.api_name(),
                        f.qualifier,
                        lambda.region(),
                        e.message
                    )
                } else {
                    format!("cannot read {}: {e}", f.function.api_name())
                }
            });
            (address, result)
        })
        .collect();
    let records = store.all()?;
    let now = global.now()?;
    Ok(plan::build(&plan::BuildInput {
        desired,
        records: &records,
        live: &live,
        targets,
        salt: store.salt(),
        today: global.today()?,
        now,
        state_lineage: store.lineage().to_string(),
        state_serial: store.serial()?,
        region: lambda.region().to_string(),
    }))
}

/// Runs a command's Lambda work on a fresh runtime; Ctrl-C abandons it and
/// ends the run with exit 130 (see `interrupt`).
pub fn block_on<T>(
    work: impl std::future::Future<Output = Result<T, crate::Error>>,
) -> Result<T, crate::Error> {
    runtime()?.block_on(super::interrupt::or_interrupt(work))
}

/// A multi-threaded runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, crate::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::io("cannot start the async runtime", e))
}

/// Rewrites the state's JSON backup after a command changed state. A failure
/// does not undo the command's work, so it is a warning, not an error.
pub fn write_backup(store: &Store) {
    if let Err(e) = store.write_backup() {
        eprintln!("warning: the state backup was not written: {e}");
    }
}

/// Ends a command that changed state: what is pending is written now (an
/// error when it cannot be, e.g. the S3 state changed meanwhile), then the
/// local backup.
pub fn finish(store: &Store) -> Result<(), crate::Error> {
    store.flush()?;
    write_backup(store);
    Ok(())
}

pub fn open_store(global: &GlobalArgs, command: &str) -> Result<Store, crate::Error> {
    Ok(Store::open(
        &super::state::location(global)?,
        command,
        global.lock_timeout,
    )?)
}
