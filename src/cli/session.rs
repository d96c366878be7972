//! What every command that reads config, state or Lambda sets up the same
//! way: the clock, the configuration, the state store and the Lambda client
//! (or the in-process sandbox emulator).

use std::path::PathBuf;

use super::GlobalArgs;
use std::collections::{BTreeMap, BTreeSet};

use crate::aws::{AccountSpec, ConnectOptions, Fleet, ReadItem, Target};
use crate::model::{Address, Desired, DesiredFunction, Live};
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
                crate::Error::Argument(format!(
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
            let address = Address::parse(t).map_err(crate::Error::Argument)?;
            if !desired.functions.keys().any(|a| a.matches_target(&address)) {
                return Err(crate::Error::Argument(format!(
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

impl GlobalArgs {
    /// Whether `--account` keeps a function in this run. (`--region` sets
    /// the default region, as a provider's region does in Terraform: it
    /// narrows only what `import` reads.)
    pub fn in_scope(&self, f: &DesiredFunction) -> bool {
        let account = f.account.as_deref().unwrap_or("default");
        self.accounts.is_empty() || self.accounts.iter().any(|a| a == account)
    }

    /// Every `--account` names an account block or `default`: a misspelt
    /// name would otherwise cover no function and look like "no changes".
    pub fn check_accounts(&self, desired: &Desired) -> Result<(), crate::Error> {
        let known: Vec<&str> = desired
            .accounts
            .keys()
            .map(String::as_str)
            .chain(["default"])
            .collect();
        for name in &self.accounts {
            if known.contains(&name.as_str()) {
                continue;
            }
            let hint = crate::config::did_you_mean(name, &known)
                .map(|m| format!("; did you mean {m:?}?"))
                .unwrap_or_default();
            return Err(crate::Error::Argument(format!(
                "--account {name}: the configuration has no account block {name:?} (its accounts: {}){hint}",
                known.join(", ")
            )));
        }
        Ok(())
    }

    /// The functions this run covers: `--target` and `--account`.
    pub fn selected<'d>(
        &self,
        desired: &'d Desired,
        targets: &[Address],
    ) -> Vec<(&'d Address, &'d DesiredFunction)> {
        desired
            .functions
            .iter()
            .filter(|(a, f)| plan::is_targeted(a, targets) && self.in_scope(f))
            .collect()
    }
}

/// The Lambda clients of a run (one per account and region), and the
/// sandbox emulator behind them when `--sandbox`.
pub struct Connection {
    pub fleet: Fleet,
    sandbox: Option<crate::sim::SimHandle>,
}

impl Connection {
    /// Connects to every account-region the configuration's functions (in
    /// scope) live in, plus `extra` (for `import`).
    pub async fn open(
        global: &GlobalArgs,
        desired: &Desired,
        extra: &[Target],
    ) -> Result<Connection, crate::Error> {
        global.check_accounts(desired)?;
        let mut opts = ConnectOptions {
            region: global
                .region
                .first()
                .cloned()
                .or_else(|| desired.settings.region.clone()),
            profile: global.profile.clone(),
            env_profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
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
                // The sandbox plays every account a configuration names.
                trust_any_account: true,
                ..crate::sim::SimConfig::default()
            })
            .await?;
            opts.endpoint_url = Some(handle.url().to_string());
            opts.region = Some(region);
            opts.static_credentials = true;
            sandbox = Some(handle);
        }
        let accounts: Vec<AccountSpec> = desired
            .accounts
            .values()
            .map(|a| AccountSpec {
                name: a.name.clone(),
                assume_role_arn: a.assume_role_arn.clone(),
                external_id: a.external_id.clone(),
                profile: a.profile.clone(),
                account_id: a.account_id.clone(),
            })
            .collect();
        let mut targets: BTreeSet<Target> = desired
            .functions
            .values()
            .filter(|f| global.in_scope(f))
            .map(|f| Target {
                account: f.account.clone(),
                region: f.region.clone().unwrap_or_default(),
            })
            .collect();
        targets.extend(extra.iter().cloned());
        if targets.is_empty() {
            // Nothing declared (a first import): the default account-region.
            targets.insert(Target {
                account: None,
                region: String::new(),
            });
        }
        let fleet = Fleet::connect(&opts, &accounts, &targets).await?;
        Ok(Connection { fleet, sandbox })
    }

    pub async fn close(self) {
        if let Some(handle) = self.sandbox {
            handle.shutdown().await;
        }
    }
}

/// Reads the functions a run covers, on every account-region at once.
pub async fn read_desired(
    global: &GlobalArgs,
    desired: &Desired,
    fleet: &Fleet,
    targets: &[Address],
) -> Result<BTreeMap<Address, Result<Live, crate::aws::Error>>, crate::Error> {
    let items = global
        .selected(desired, targets)
        .into_iter()
        .map(|(a, f)| {
            (
                f.account.clone(),
                f.region.clone(),
                ReadItem {
                    key: a.clone(),
                    function: f.function.clone(),
                    qualifier: f.qualifier,
                },
            )
        })
        .collect();
    Ok(fleet.read_many(items, global.parallelism(desired)).await?)
}

/// Reads live for the targeted functions and computes the plan.
pub async fn make_plan(
    global: &GlobalArgs,
    desired: &Desired,
    store: &Store,
    fleet: &Fleet,
    targets: &[Address],
) -> Result<Plan, crate::Error> {
    let live: BTreeMap<Address, Result<Live, String>> =
        read_desired(global, desired, fleet, targets)
            .await?
            .into_iter()
            .map(|(address, result)| {
                let result = result.map_err(|e| {
                    let f = &desired.functions[&address];
                    if e.is_not_found() {
                        format!(
                            "function {} (qualifier {}) not found in {}{}: rtm does not create functions; create it, or remove the block ({})",
                            f.function.api_name(),
                            f.qualifier,
                            f.region.as_deref().unwrap_or(fleet.default_region()),
                            f.account
                                .as_ref()
                                .map(|a| format!(" of account {a}"))
                                .unwrap_or_default(),
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
    let mut plan = plan::build(&plan::BuildInput {
        desired,
        records: &records,
        live: &live,
        targets,
        salt: store.salt(),
        today: global.today()?,
        now,
        state_lineage: store.lineage().to_string(),
        state_serial: store.serial()?,
        region: fleet.default_region().to_string(),
    });
    plan.accounts = account_ids(fleet);
    Ok(plan)
}

/// The account ids the run's credentials reach, by account block
/// (`default` for the default credentials).
pub fn account_ids(fleet: &Fleet) -> BTreeMap<String, String> {
    fleet
        .account_ids()
        .iter()
        .map(|(name, id)| (name.clone().unwrap_or_else(|| "default".into()), id.clone()))
        .collect()
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
        &super::backend::location(global)?,
        command,
        global.lock_timeout,
    )?)
}
