//! `rtm report`: which functions are not getting runtime patches, and whose
//! job it is (Lambda's shared-responsibility model for runtimes). Reads live
//! with the same reads and limits as plan; uses state's runtime version
//! history when there is one, never its lock, and writes nothing.

use std::io::Write;

use super::{Format, GlobalArgs, Outcome, session};
use crate::aws::ReadItem;
use crate::model::{FunctionRef, Qualifier};
use crate::plan::report::{self, FunctionReport, ReportInput};
use crate::render;
use crate::state::Store;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub scope: super::AccountScope,
    /// human: a summary for a person; json: a versioned document for
    /// dashboards; markdown: a PR comment or wiki page.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also every live function the configuration does not declare.
    #[arg(long)]
    pub all_live: bool,
    /// Exit 2 when any policy threshold is crossed (for cron).
    #[arg(long)]
    pub fail_on_violation: bool,
}

pub fn run(global: &GlobalArgs, args: ReportArgs) -> Result<Outcome, crate::Error> {
    let loaded = session::load_config(global)?;
    let desired = &loaded.desired;
    let now = global.now()?;
    let snapshot = Store::snapshot(&super::backend::location(global)?, "report")?;
    let (declared, undeclared) = session::block_on(async {
        let conn = session::Connection::open(global, desired, &[]).await?;
        let declared = session::read_desired(global, desired, &conn.fleet, &[]).await?;
        let mut undeclared = Vec::new();
        if args.all_live {
            let known: std::collections::BTreeSet<String> = declared
                .values()
                .filter_map(|r| r.as_ref().ok())
                .filter(|l| l.qualifier.is_latest())
                .map(|l| l.function_arn.clone())
                .collect();
            // Every function of every account-region the run covers.
            for (target, lambda) in conn.fleet.targets() {
                let items: Vec<ReadItem<String>> = lambda
                    .list_functions()
                    .await?
                    .into_iter()
                    .filter(|l| !known.contains(&l.function_arn))
                    .filter_map(|l| {
                        let (function, _) = FunctionRef::parse(&l.function_arn).ok()?;
                        Some(ReadItem {
                            key: l.function_arn,
                            function,
                            qualifier: Qualifier::Latest,
                        })
                    })
                    .collect();
                for (_, live) in lambda.read_many(items, global.parallelism(desired)).await? {
                    undeclared.push((target.account.clone(), live?));
                }
            }
        }
        conn.close().await;
        Ok((declared, undeclared))
    })?;

    let mut reports: Vec<FunctionReport> = Vec::new();
    for (address, result) in &declared {
        let live = result.as_ref().map_err(|e| crate::Error::Aws(e.clone()))?;
        reports.push(report::classify(
            &ReportInput::declared(
                &desired.functions[address],
                live,
                snapshot.records.get(address),
            ),
            &desired.policy,
            now,
        ));
    }
    for (account, live) in &undeclared {
        reports.push(report::classify(
            &ReportInput {
                address: None,
                account: account.as_deref(),
                live,
                recorded: None,
                pin_until: None,
            },
            &desired.policy,
            now,
        ));
    }
    let text = match args.format {
        Format::Human => {
            render::report::human(&reports, render::Styler::new(super::stdout_styled()))
        }
        Format::Json => render::report::json(&reports, now),
        Format::Markdown => render::report::markdown(&reports),
    };
    let mut out = anstream::stdout();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| crate::Error::io("cannot write to stdout", e))?;
    let violated = reports.iter().any(|r| !r.violations.is_empty());
    Ok(if args.fail_on_violation && violated {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
