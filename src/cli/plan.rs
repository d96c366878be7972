//! `rtm plan` and `rtm show`.

use std::io::Write;
use std::path::PathBuf;

use super::{Format, GlobalArgs, Outcome, session};
use crate::plan::Plan;
use crate::render;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub scope: super::AccountScope,
    /// Save the plan to FILE, for `rtm show` and `rtm apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes (0: none, 1: error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// human: the plan for a terminal; json: one document for scripts and
    /// policy checks; markdown: a pull-request comment.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Limit the plan to these addresses (function.NAME selects every
    /// instance of a for_each block); repeatable.
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// A plan file saved with `rtm plan --out`.
    pub file: PathBuf,
    /// human: the plan for a terminal; json: one document for scripts and
    /// policy checks; markdown: a pull-request comment.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(global: &GlobalArgs, args: PlanArgs) -> Result<Outcome, crate::Error> {
    let loaded = session::load_config(global)?;
    let desired = &loaded.desired;
    let targets = global.targets(&args.targets, desired)?;
    let store = session::open_store(global, "plan")?;
    let plan = session::block_on(async {
        let conn = session::Connection::open(global, desired, &[]).await?;
        let plan = session::make_plan(global, desired, &store, &conn.fleet, &targets).await;
        conn.close().await;
        plan
    })?;
    print_plan(&plan, args.format)?;
    if let Some(out) = &args.out {
        crate::plan::write_plan_file(out, &plan)?;
        if args.format == Format::Human {
            eprintln!(
                "Saved the plan to {}: apply exactly it with `rtm apply {}`.",
                out.display(),
                out.display()
            );
        }
    }
    Ok(plan_exit_code(&plan, args.detailed_exitcode))
}

pub fn show(_global: &GlobalArgs, args: ShowArgs) -> Result<Outcome, crate::Error> {
    let plan = crate::plan::read_plan_file(&args.file)?;
    print_plan(&plan, args.format)?;
    Ok(Outcome::Success)
}

pub fn plan_exit_code(plan: &Plan, detailed: bool) -> Outcome {
    if plan.error_count() > 0 {
        Outcome::Failed
    } else if detailed && plan.has_changes() {
        Outcome::Findings
    } else {
        Outcome::Success
    }
}

pub fn print_plan(plan: &Plan, format: Format) -> Result<(), crate::Error> {
    let text = match format {
        Format::Human => render::human_plan(plan, render::Styler::new(super::stdout_styled())),
        Format::Json => render::json_plan(plan),
        Format::Markdown => render::markdown_plan(plan),
    };
    let mut out = anstream::stdout();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| crate::Error::io("cannot write the plan to stdout", e))
}
