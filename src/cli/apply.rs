//! `rtm apply`: plan (or read a saved plan), confirm, execute, report.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{GlobalArgs, Outcome, session};
use crate::apply::{
    self, ApplyOptions, ApplyReport, FunctionResult, FunctionStatus, Hook, StepOutcome,
};
use crate::model::Address;
use crate::plan::{self, Plan};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ApplyFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub scope: super::AccountScope,
    /// A plan saved with `rtm plan --out`: apply exactly it, without asking.
    pub planfile: Option<PathBuf>,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Limit the apply to these addresses; repeatable.
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// human: the plan, then one line per step; json: one JSON event per line.
    #[arg(long, value_enum, default_value_t = ApplyFormat::Human)]
    pub format: ApplyFormat,
    /// How long to wait for one configuration update to finish.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub update_timeout: Duration,
}

pub fn run(global: &GlobalArgs, args: ApplyArgs) -> Result<Outcome, crate::Error> {
    if let Some(path) = &args.planfile
        && !args.targets.is_empty()
    {
        // As Terraform: a saved plan is applied whole, exactly as reviewed.
        return Err(crate::Error::Argument(format!(
            "--target cannot be used with a saved plan: {} is applied exactly as it was saved; make a targeted plan instead (rtm plan --target ADDR --out FILE)",
            path.display()
        )));
    }
    // A saved plan is read and checked before anything else: a damaged or
    // foreign file is refused before any call.
    let saved = args
        .planfile
        .as_deref()
        .map(plan::read_plan_file)
        .transpose()?;
    let loaded = session::load_config(global)?;
    let desired = &loaded.desired;
    let targets = global.targets(&args.targets, desired)?;
    let store = session::open_store(global, "apply")?;
    if let (Some(plan), Some(path)) = (&saved, &args.planfile) {
        check_fresh(plan, desired, &store)?;
        plan::verify_saved(plan, desired, &store.all()?, store.salt()).map_err(|why| {
            crate::Error::StalePlan {
                reason: format!(
                    "{}'s steps do not follow from the configuration ({why}); nothing was applied: make the plan again",
                    path.display()
                ),
            }
        })?;
    }
    let rt = session::runtime()?;
    rt.block_on(async {
        let conn = session::Connection::open(global, desired, &[]).await?;
        let result = run_with(global, &args, saved, desired, &store, &conn.fleet, &targets).await;
        conn.close().await;
        let finished = session::finish(&store);
        result.and_then(|code| finished.map(|()| code))
    })
}

async fn run_with(
    global: &GlobalArgs,
    args: &ApplyArgs,
    saved: Option<Plan>,
    desired: &crate::model::Desired,
    store: &crate::state::Store,
    fleet: &crate::aws::Fleet,
    targets: &[Address],
) -> Result<Outcome, crate::Error> {
    let json = args.format == ApplyFormat::Json;
    let plan = match saved {
        Some(plan) => {
            same_accounts(&plan, fleet)?;
            plan
        }
        None => {
            let plan = super::interrupt::or_interrupt(session::make_plan(
                global, desired, store, fleet, targets,
            ))
            .await?;
            if !json {
                super::plan::print_plan(&plan, super::Format::Human)?;
            }
            plan
        }
    };
    if plan.error_count() > 0 {
        return Err(crate::Error::PlanErrors(
            plan.diagnostics
                .iter()
                .filter(|d| d.severity == plan::Severity::Error)
                .map(|d| match &d.address {
                    Some(a) => format!("{a}: {}", d.message),
                    None => d.message.clone(),
                })
                .collect(),
        ));
    }
    if args.planfile.is_none() && plan.has_changes() && !args.auto_approve {
        confirm()?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    // Ctrl-C: no new step starts; the steps in flight finish and are
    // recorded (a second Ctrl-C exits at once).
    let graceful = super::interrupt::Graceful::begin();
    let interrupt = {
        let stop = stop.clone();
        tokio::spawn(async move {
            super::interrupt::wait().await;
            stop.store(true, Ordering::SeqCst);
            eprintln!(
                "Interrupt received: no new step starts; waiting for the steps in flight to finish (Ctrl-C again to stop at once)..."
            );
        })
    };
    let hook: Box<dyn Hook> = if json {
        Box::new(JsonHook)
    } else if std::io::stderr().is_terminal() {
        Box::new(BarHook::new(
            plan.changes().map(|f| f.steps.len() as u64).sum(),
        ))
    } else {
        Box::new(LineHook)
    };
    let opts = ApplyOptions {
        parallelism: global.parallelism(desired),
        update_timeout: args.update_timeout,
        stop: stop.clone(),
        fixed_now: global.now.is_some().then(|| global.now()).transpose()?,
        // Planned a moment ago in this run: the guard read of each function's
        // mode need not be repeated (a saved plan's always is).
        reuse_reads_for: args.planfile.is_none().then_some(Duration::from_secs(60)),
        ..ApplyOptions::default()
    };
    let environment: apply::Environment = desired
        .functions
        .iter()
        .filter_map(|(a, f)| Some((a.clone(), f.configuration.environment.clone()?)))
        .collect();
    let report = apply::execute(&plan, &environment, fleet, store, hook.as_ref(), &opts).await?;
    interrupt.abort();
    drop(graceful);
    drop(hook);
    print_summary(&report, json, fleet, global.verbose > 0);
    Ok(if super::interrupt::interrupted() {
        Outcome::Interrupted
    } else if report.ok() && !stop.load(Ordering::SeqCst) {
        Outcome::Success
    } else {
        Outcome::Failed
    })
}

/// A saved plan is applied only with credentials that reach the accounts it
/// was made for.
fn same_accounts(plan: &Plan, fleet: &crate::aws::Fleet) -> Result<(), crate::Error> {
    let now = session::account_ids(fleet);
    for (name, then) in &plan.accounts {
        if let Some(id) = now.get(name)
            && id != then
        {
            return Err(crate::Error::StalePlan {
                reason: format!(
                    "saved plan was made for {} {then}, but the credentials now reach account {id}; nothing was applied: check the credentials, or plan again",
                    if name == "default" {
                        "the default credentials' account".to_string()
                    } else {
                        format!("account {name} =")
                    }
                ),
            });
        }
    }
    Ok(())
}

/// A saved plan is applied only to the configuration and state it was made from.
fn check_fresh(
    plan: &Plan,
    desired: &crate::model::Desired,
    store: &crate::state::Store,
) -> Result<(), crate::Error> {
    let hash = plan::config_hash(desired);
    if plan.config_hash != hash {
        return Err(crate::Error::StalePlan {
            reason: format!(
                "saved plan is stale: the configuration changed since the plan was made (config hash {} then, {} now); plan again",
                &plan.config_hash[..12.min(plan.config_hash.len())],
                &hash[..12]
            ),
        });
    }
    if plan.state_lineage != store.lineage() {
        return Err(crate::Error::StalePlan {
            reason: format!(
                "saved plan is stale: it was made against another state (lineage {}, this state is {}); plan again",
                plan.state_lineage,
                store.lineage()
            ),
        });
    }
    let serial = store.serial()?;
    if plan.state_serial != serial {
        return Err(crate::Error::StalePlan {
            reason: format!(
                "saved plan is stale: the state changed since the plan was made (serial {} then, {serial} now); plan again",
                plan.state_serial
            ),
        });
    }
    Ok(())
}

pub(super) fn confirm() -> Result<(), crate::Error> {
    if !std::io::stdin().is_terminal() {
        return Err(crate::Error::NotConfirmed(
            "apply needs confirmation and there is no terminal to ask on: pass --auto-approve, or save a plan with `rtm plan --out FILE` and run `rtm apply FILE`".into(),
        ));
    }
    eprint!("\nDo you want to perform these actions? Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| crate::Error::io("cannot read the answer", e))?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(crate::Error::NotConfirmed(
            "apply cancelled; nothing was changed".into(),
        ))
    }
}

/// The calls a run made, by operation and by quota bucket (GetFunction has
/// its own; every other control-plane call shares one 15/s bucket, per
/// account and region), and the 429s Lambda answered.
fn calls_json(fleet: &crate::aws::Fleet) -> serde_json::Value {
    let mut calls: std::collections::BTreeMap<&'static str, u64> = Default::default();
    let (mut own, mut shared, mut throttled, mut retries) = (0u64, 0u64, 0u64, 0u64);
    let mut per_target = Vec::new();
    for (target, stats) in fleet.stats() {
        let mut here = (0u64, 0u64);
        for (op, n) in stats.calls() {
            *calls.entry(op).or_default() += n;
            if crate::aws::RateLimits::own_bucket(op) {
                here.0 += n;
            } else {
                here.1 += n;
            }
        }
        own += here.0;
        shared += here.1;
        throttled += stats.throttled();
        retries += stats.retries();
        per_target.push(serde_json::json!({
            "account": target.account.as_deref().unwrap_or("default"),
            "region": target.region,
            "by_bucket": { "GetFunction": here.0, "shared": here.1 },
            "throttled": stats.throttled(),
        }));
    }
    serde_json::json!({
        "by_operation": calls,
        "by_bucket": { "GetFunction": own, "shared": shared },
        "by_target": per_target,
        "throttled": throttled,
        "retries": retries,
    })
}

fn print_summary(report: &ApplyReport, json: bool, fleet: &crate::aws::Fleet, verbose: bool) {
    let calls = calls_json(fleet);
    if verbose && !json {
        let ops = calls["by_operation"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(op, n)| format!("{op} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        eprintln!(
            "calls: {ops} (GetFunction bucket {}, shared 15/s bucket {}); {} throttled (429), {} retried",
            calls["by_bucket"]["GetFunction"],
            calls["by_bucket"]["shared"],
            calls["throttled"],
            calls["retries"]
        );
    }
    let failures: Vec<&FunctionResult> = report
        .functions
        .iter()
        .filter(|f| matches!(f.status, FunctionStatus::Failed { .. }))
        .collect();
    if json {
        emit_json(&serde_json::json!({
            "event": "summary",
            "changed": report.changed(),
            "failed": report.failed(),
            "skipped": report.skipped(),
            "calls": calls,
            "failures": failures.iter().map(|f| match &f.status {
                FunctionStatus::Failed { code, message } => serde_json::json!({
                    "address": f.address.to_string(), "code": code, "message": message,
                }),
                _ => serde_json::Value::Null,
            }).collect::<Vec<_>>(),
        }));
        return;
    }
    let mut out = anstream::stdout();
    let _ = writeln!(
        out,
        "\nApply complete: {} changed, {} failed, {} skipped.",
        report.changed(),
        report.failed(),
        report.skipped()
    );
    for f in &report.functions {
        match &f.status {
            FunctionStatus::Failed { code, message } => {
                let _ = writeln!(out, "  failed  {}: {code}: {message}", f.address);
            }
            FunctionStatus::Skipped { reason } => {
                let _ = writeln!(out, "  skipped {}: {reason}", f.address);
            }
            FunctionStatus::Changed => {}
        }
    }
}

/// One event line; each carries the JSON format version, so a consumer can
/// check any line it reads.
fn emit_json(value: &serde_json::Value) {
    let mut value = value.clone();
    if let Some(fields) = value.as_object_mut() {
        fields.insert(
            "format_version".into(),
            crate::render::JSON_FORMAT_VERSION.into(),
        );
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

/// One line per step, for logs and pipelines without a terminal.
struct LineHook;

impl Hook for LineHook {
    fn claim_finished(&self, address: &Address, outcome: &StepOutcome, elapsed: Duration) {
        self.step_finished(address, "TagResource(claim)", outcome, elapsed);
    }
    fn waiting(&self, address: &Address, what: &str) {
        eprintln!("{address}: waiting for {what}...");
    }
    fn step_finished(
        &self,
        address: &Address,
        step: &str,
        outcome: &StepOutcome,
        elapsed: Duration,
    ) {
        match outcome {
            StepOutcome::Ok => eprintln!("{address}: {step} ok ({:.2}s)", elapsed.as_secs_f64()),
            StepOutcome::Failed { code, .. } => eprintln!("{address}: {step} failed ({code})"),
        }
    }
    fn function_finished(&self, result: &FunctionResult) {
        if let FunctionStatus::Failed { code, message } = &result.status {
            eprintln!("{}: {code}: {message}", result.address);
        }
    }
}

/// A progress bar on a terminal, with finished steps printed above it.
struct BarHook {
    bar: indicatif::ProgressBar,
}

impl BarHook {
    fn new(total: u64) -> BarHook {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} steps  {elapsed}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        BarHook { bar }
    }
}

impl Hook for BarHook {
    fn claim_finished(&self, address: &Address, outcome: &StepOutcome, _elapsed: Duration) {
        if let StepOutcome::Failed { code, .. } = outcome {
            self.bar
                .println(format!("{address}: TagResource(claim) failed ({code})"));
        }
    }
    fn step_started(&self, address: &Address, step: &str) {
        self.bar.set_message(format!("{address}: {step}"));
    }
    fn waiting(&self, address: &Address, what: &str) {
        self.bar
            .set_message(format!("{address}: waiting for {what}"));
    }
    fn step_finished(
        &self,
        address: &Address,
        step: &str,
        outcome: &StepOutcome,
        elapsed: Duration,
    ) {
        self.bar.inc(1);
        match outcome {
            StepOutcome::Ok => self.bar.println(format!(
                "{address}: {step} ok ({:.2}s)",
                elapsed.as_secs_f64()
            )),
            StepOutcome::Failed { code, .. } => self
                .bar
                .println(format!("{address}: {step} failed ({code})")),
        }
    }
    fn function_finished(&self, result: &FunctionResult) {
        if let FunctionStatus::Failed { code, message } = &result.status {
            self.bar
                .println(format!("{}: {code}: {message}", result.address));
        }
    }
}

impl Drop for BarHook {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// One JSON object per line on stdout, for pipelines.
struct JsonHook;

impl Hook for JsonHook {
    fn claim_finished(&self, address: &Address, outcome: &StepOutcome, elapsed: Duration) {
        let mut v = serde_json::json!({
            "event": "claim_finished",
            "address": address.to_string(),
            "elapsed_ms": elapsed.as_millis() as u64,
        });
        match outcome {
            StepOutcome::Ok => v["outcome"] = "ok".into(),
            StepOutcome::Failed { code, message } => {
                v["outcome"] = "failed".into();
                v["code"] = code.clone().into();
                v["message"] = message.clone().into();
            }
        }
        emit_json(&v);
    }
    fn step_started(&self, address: &Address, step: &str) {
        emit_json(
            &serde_json::json!({"event": "step_started", "address": address.to_string(), "step": step}),
        );
    }
    fn waiting(&self, address: &Address, what: &str) {
        emit_json(
            &serde_json::json!({"event": "waiting", "address": address.to_string(), "for": what}),
        );
    }
    fn step_finished(
        &self,
        address: &Address,
        step: &str,
        outcome: &StepOutcome,
        elapsed: Duration,
    ) {
        let mut v = serde_json::json!({
            "event": "step_finished",
            "address": address.to_string(),
            "step": step,
            "elapsed_ms": elapsed.as_millis() as u64,
        });
        match outcome {
            StepOutcome::Ok => v["outcome"] = "ok".into(),
            StepOutcome::Failed { code, message } => {
                v["outcome"] = "failed".into();
                v["code"] = code.clone().into();
                v["message"] = message.clone().into();
            }
        }
        emit_json(&v);
    }
    fn function_finished(&self, result: &FunctionResult) {
        let (status, code, message) = match &result.status {
            FunctionStatus::Changed => ("changed", None, None),
            FunctionStatus::Failed { code, message } => {
                ("failed", Some(code.clone()), Some(message.clone()))
            }
            FunctionStatus::Skipped { reason } => ("skipped", None, Some(reason.clone())),
        };
        emit_json(&serde_json::json!({
            "event": "function_finished",
            "address": result.address.to_string(),
            "status": status,
            "code": code,
            "message": message,
            "steps_done": result.steps_done,
            "steps_total": result.steps_total,
        }));
    }
}
