//! `rtm drift`: compare live with what rtm last applied; record the runtime
//! versions Lambda moved functions to. Exit 2 pages someone.

use std::io::Write;
use std::process::ExitCode;

use super::{Format, GlobalArgs, session};
use crate::aws::ReadItem;
use crate::model::Address;
use crate::plan::{self, drift};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct DriftArgs {
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
}

pub fn run(global: &GlobalArgs, args: DriftArgs) -> Result<ExitCode, crate::Error> {
    let loaded = session::load_config(global)?;
    let desired = &loaded.desired;
    let targets = global.targets(&args.targets, desired)?;
    let store = session::open_store(global, "drift")?;
    let now = global.now()?;
    let today = global.today()?;
    let rt = session::runtime()?;
    let live = rt.block_on(async {
        let conn = session::Connection::open(global, desired).await?;
        let items: Vec<ReadItem<Address>> = desired
            .functions
            .iter()
            .filter(|(a, _)| plan::is_targeted(a, &targets))
            .map(|(a, f)| ReadItem {
                key: a.clone(),
                function: f.function.clone(),
                qualifier: f.qualifier,
            })
            .collect();
        let live = conn
            .lambda
            .read_many(items, global.parallelism(desired))
            .await;
        conn.close().await;
        Ok::<_, crate::Error>(live?)
    })?;

    let mut records = store.all()?;
    let mut report = Vec::new();
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
        let f = drift::classify(
            d,
            records.get(address),
            match &live_ref {
                Ok(l) => Ok(*l),
                Err(m) => Err(m.as_str()),
            },
            &desired.policy,
            store.salt(),
            today,
            now,
        );
        // Record the observation (never desired or last-applied values).
        if let Ok(l) = &live_ref {
            let r = records.entry(address.clone()).or_default();
            if r.function_name.is_empty() {
                r.function_name = d.function.api_name();
                r.qualifier = d.qualifier;
            }
            r.function_arn = Some(l.function_arn.clone());
            if let Some(arn) = &l.running_runtime_version_arn {
                r.observe_runtime_version(arn, now);
            }
            if l.runtime_management.update_runtime_on == crate::model::UpdateRuntimeOn::Manual {
                r.manual_since.get_or_insert(now);
            } else {
                r.manual_since = None;
            }
            r.revision_id = Some(l.revision_id.clone());
            r.refreshed_at = Some(now);
            store.put(address, r)?;
        }
        report.push(f);
    }
    let _ = store.write_backup();

    let text = match args.format {
        Format::Human => render::drift::human(&report, render::Styler::new(super::stdout_styled())),
        Format::Json => render::drift::json(&report, now),
        Format::Markdown => render::drift::markdown(&report),
    };
    let mut out = anstream::stdout();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| crate::Error::io("cannot write to stdout", e))?;
    let alert = report.iter().any(|f| {
        f.status.alerts() || (args.fail_on_pending && f.status == drift::DriftStatus::Pending)
    });
    Ok(if alert {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
