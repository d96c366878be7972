//! `rtm drift`: compare live with what rtm last applied; record the runtime
//! versions Lambda moved functions to. Exit 2 pages someone.
//!
//! Drift never fails because another run (a CI apply) holds the state lock:
//! it compares against a snapshot read without keeping the lock, and records
//! what it observed only if it gets the lock within `--lock-timeout`.

use std::io::Write;
use std::time::Duration;

use super::{Format, GlobalArgs, Outcome, session};
use crate::plan::{self, drift};
use crate::render;
use crate::state::Store;

#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub scope: super::AccountScope,
    /// human: a report for a person or a cron job's mail; json: one document
    /// for alerting pipelines; markdown: a chat or issue message.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Limit the check to these addresses; repeatable.
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Exit 2 also when the configuration has changes not yet applied.
    #[arg(long)]
    pub fail_on_pending: bool,
    /// Exit 2 also when a function crosses a policy threshold (a stale
    /// FunctionUpdate, an old image, a deprecated runtime).
    #[arg(long)]
    pub fail_on_policy: bool,
    /// Report every runtime version change first seen this long ago or
    /// less (e.g. 7d, 36h), so a missed cron run loses nothing.
    #[arg(long, default_value = "7d", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub runtime_changes_since: Duration,
}

pub fn run(global: &GlobalArgs, args: DriftArgs) -> Result<Outcome, crate::Error> {
    let loaded = session::load_config(global)?;
    let desired = &loaded.desired;
    let targets = global.targets(&args.targets, desired)?;
    let now = global.now()?;
    let today = global.today()?;
    let snapshot = Store::snapshot(&super::backend::location(global)?, "drift")?;
    if let Some(holder) = &snapshot.locked_by {
        eprintln!(
            "note: state is locked by rtm {} (pid {} on {} since {}); comparing with the state it started from",
            holder.command, holder.pid, holder.host, holder.started
        );
    }
    let live = session::block_on(async {
        let conn = session::Connection::open(global, desired, &[]).await?;
        let live = session::read_desired(global, desired, &conn.fleet, &targets).await;
        conn.close().await;
        live
    })?;

    let warnings: Vec<String> = plan::orphan_warning(&snapshot.records, desired)
        .into_iter()
        .collect();
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let since = now
        .checked_sub(
            jiff::SignedDuration::try_from(args.runtime_changes_since)
                .unwrap_or(jiff::SignedDuration::MAX),
        )
        .unwrap_or(jiff::Timestamp::MIN);
    let ctx = drift::DriftContext {
        policy: &desired.policy,
        salt: &snapshot.salt,
        today,
        now,
        runtime_changes_since: since,
    };
    let mut report = Vec::new();
    let mut observed = Vec::new();
    for (address, result) in &live {
        let d = &desired.functions[address];
        let live_ref = match result {
            Ok(l) => Ok(l),
            Err(e) if e.is_not_found() => Err(format!(
                "{} (qualifier {}) not found: {}",
                d.function.api_name(),
                d.qualifier,
                e.message
            )),
            Err(e) => return Err(crate::Error::Aws(e.clone())),
        };
        report.push(drift::classify(
            d,
            snapshot.records.get(address),
            match &live_ref {
                Ok(l) => Ok(*l),
                Err(m) => Err(m.as_str()),
            },
            &ctx,
        ));
        if let Ok(l) = live_ref {
            observed.push((d, l));
        }
    }
    record_observations(global, &observed, now);

    let text = match args.format {
        Format::Human => render::drift::human(&report, render::Styler::new(super::stdout_styled())),
        Format::Json => render::drift::json(&report, now, &warnings),
        Format::Markdown => render::drift::markdown(&report),
    };
    let mut out = anstream::stdout();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| crate::Error::io("cannot write to stdout", e))?;
    let alert = report.iter().any(|f| {
        f.status.alerts()
            || (args.fail_on_pending && f.status == drift::DriftStatus::Pending)
            || (args.fail_on_policy && !f.violations.is_empty())
    });
    Ok(if alert {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

/// Records what drift saw (runtime versions, RevisionIds), if the lock can be
/// had within `--lock-timeout`; otherwise says so and leaves state alone: the
/// report does not depend on it.
fn record_observations(
    global: &GlobalArgs,
    observed: &[(&crate::model::DesiredFunction, &crate::model::Live)],
    now: jiff::Timestamp,
) {
    let store = match session::open_store(global, "drift") {
        Ok(store) => store,
        Err(e) => {
            eprintln!("note: observations were not recorded this time: {e}");
            return;
        }
    };
    for (d, live) in observed {
        if let Err(e) = crate::apply::record::observation(&store, d, live, now) {
            eprintln!("warning: observations were not all recorded: {e}");
            break;
        }
    }
    if let Err(e) = session::finish(&store) {
        eprintln!("warning: observations were not all recorded: {e}");
    }
}
