//! Apply: walks a plan's ordered steps per function, and nothing else.
//!
//! Before the first write to a function it re-reads it and refuses to go on
//! if anything the plan saw has changed; UpdateFunctionConfiguration carries
//! the RevisionId; after it, apply waits for LastUpdateStatus Successful and
//! takes the next RevisionId from a fresh read. Each successful step is
//! recorded in state (and flushed) before the next starts, so a crash at any
//! point leaves state the next plan reads correctly. Progress goes through
//! the `Hook` trait; nothing here prints.

pub mod record;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use std::collections::BTreeMap;

use crate::aws::{Fleet, Lambda, UpdateOutcome};
use crate::model::{Address, FunctionRef, Live};
use crate::plan::{Action, FunctionPlan, Observed, Operation, Plan, SENSITIVE};
use crate::state::Store;

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    Ok,
    Failed { code: String, message: String },
}

/// Progress reports; the CLI turns them into lines, a bar or JSON events.
pub trait Hook: Send + Sync {
    fn step_started(&self, _address: &Address, _step: &str) {}
    fn waiting(&self, _address: &Address, _what: &str) {}
    fn step_finished(
        &self,
        _address: &Address,
        _step: &str,
        _outcome: &StepOutcome,
        _elapsed: Duration,
    ) {
    }
    fn function_finished(&self, _result: &FunctionResult) {}
    /// A function was claimed for this state (TagResource `rtm:lineage`),
    /// before any step.
    fn claim_finished(&self, _address: &Address, _outcome: &StepOutcome, _elapsed: Duration) {}
}

/// A hook that reports nothing.
pub struct Silent;
impl Hook for Silent {}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Functions changed at once, in each account-region.
    pub parallelism: usize,
    /// How long to wait for one update to reach Successful.
    pub update_timeout: Duration,
    /// How often to poll GetFunction while waiting (the waiter's 1 s).
    pub poll_interval: Duration,
    /// Set on Ctrl-C: no new step starts; steps in flight finish.
    pub stop: Arc<AtomicBool>,
    /// The time recorded in state (first-seen times, `manual_since`):
    /// the clock, unless the user fixed it with `--now`.
    pub fixed_now: Option<jiff::Timestamp>,
    /// Reuse the plan's runtime management read when it is at most this old
    /// at a function's first write (plan and apply in one run); `None`
    /// re-reads always (a saved plan).
    pub reuse_reads_for: Option<Duration>,
}

impl ApplyOptions {
    fn now(&self) -> jiff::Timestamp {
        self.fixed_now.unwrap_or_else(jiff::Timestamp::now)
    }
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 10,
            update_timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(1),
            stop: Arc::new(AtomicBool::new(false)),
            fixed_now: None,
            reuse_reads_for: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionStatus {
    /// Every step succeeded.
    Changed,
    /// A step failed or a precondition did not hold; later steps did not run.
    Failed { code: String, message: String },
    /// Not started (interrupted).
    Skipped { reason: String },
}

#[derive(Debug, Clone)]
pub struct FunctionResult {
    pub address: Address,
    pub status: FunctionStatus,
    pub steps_done: usize,
    pub steps_total: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ApplyReport {
    pub functions: Vec<FunctionResult>,
}

impl ApplyReport {
    fn count(&self, f: impl Fn(&FunctionStatus) -> bool) -> usize {
        self.functions.iter().filter(|r| f(&r.status)).count()
    }
    pub fn changed(&self) -> usize {
        self.count(|s| matches!(s, FunctionStatus::Changed))
    }
    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, FunctionStatus::Failed { .. }))
    }
    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, FunctionStatus::Skipped { .. }))
    }
    pub fn ok(&self) -> bool {
        self.failed() == 0 && self.skipped() == 0
    }
}

/// Errors that stop the whole apply before any write.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Record(#[from] record::RecordError),
}

/// The one thing apply takes from the configuration: each address's
/// environment variable values (a plan never holds secrets).
pub type Environment =
    std::collections::BTreeMap<Address, std::collections::BTreeMap<String, String>>;

#[derive(Debug, Clone)]
struct Failure {
    code: String,
    message: String,
    /// Lambda gave no answer at all, even after retries.
    unanswered: bool,
    /// State could not be written: what would follow could not be recorded.
    state_lost: bool,
}

impl Failure {
    /// A failure of rtm's own finding (Lambda did answer, or was not asked).
    fn new(code: &str, message: String) -> Failure {
        Failure {
            code: code.into(),
            message,
            unanswered: false,
            state_lost: false,
        }
    }
}

impl From<crate::aws::Error> for Failure {
    fn from(e: crate::aws::Error) -> Failure {
        Failure {
            unanswered: e.unanswered,
            state_lost: false,
            code: e.code.clone().unwrap_or_else(|| match e.status {
                Some(s) => format!("HTTP {s}"),
                None => "RequestFailed".into(),
            }),
            message: format!("{}: {}", e.operation, e.message),
        }
    }
}

impl From<record::RecordError> for Failure {
    fn from(e: record::RecordError) -> Failure {
        Failure {
            state_lost: true,
            ..Failure::new("StateWriteFailed", e.to_string())
        }
    }
}

fn changed_since_plan(why: String) -> Failure {
    Failure::new(
        "ChangedSincePlan",
        format!("changed since plan ({why}); nothing written to it: plan again"),
    )
}

/// Executes the plan, and nothing else: every request is the plan's, every
/// state record is what the plan says its step records. `environment`
/// supplies the secret values the plan shows as `(sensitive)`.
pub async fn execute(
    plan: &Plan,
    environment: &Environment,
    fleet: &Fleet,
    store: &Store,
    hook: &dyn Hook,
    opts: &ApplyOptions,
) -> Result<ApplyReport, Error> {
    // Claims first, every one, before any other write: a second state that
    // plans while this apply runs finds every function already owned.
    let to_claim: Vec<&FunctionPlan> = plan
        .functions
        .iter()
        .filter(|f| f.claim.is_some())
        .collect();
    let claim_failures: BTreeMap<Address, FunctionResult> =
        per_target(&to_claim, fleet, opts, |fp, lambda| async move {
            let failure = match claim(fp, lambda, store, hook).await {
                Ok(()) => return None,
                Err(f) => f,
            };
            let result = FunctionResult {
                address: fp.address.clone(),
                status: FunctionStatus::Failed {
                    code: failure.code,
                    message: failure.message,
                },
                steps_done: 0,
                steps_total: fp.steps.len(),
            };
            hook.function_finished(&result);
            Some(result)
        })
        .await
        .into_iter()
        .flatten()
        .map(|r| (r.address.clone(), r))
        .collect();
    // Record the last applied values of functions already in sync, so
    // drift detection knows what to expect of them.
    for f in plan
        .functions
        .iter()
        .filter(|f| f.action == Action::NoOp && !claim_failures.contains_key(&f.address))
    {
        record::function_done(store, f, None, environment.get(&f.address), opts.now())?;
    }
    // Each account-region at once, each at most `parallelism` functions at
    // a time under its own quotas: a slow or throttled one slows no other.
    let changes: Vec<&FunctionPlan> = plan
        .changes()
        .filter(|f| !claim_failures.contains_key(&f.address))
        .collect();
    let mut results: Vec<FunctionResult> =
        per_target(&changes, fleet, opts, |fp, lambda| async move {
            let result = apply_function(fp, environment, lambda, store, hook, opts).await;
            hook.function_finished(&result);
            result
        })
        .await;
    results.extend(claim_failures.into_values());
    results.sort_by(|a, b| a.address.cmp(&b.address));
    Ok(ApplyReport { functions: results })
}

/// Runs `work` for each function with its account-region's client: every
/// account-region at once, at most `parallelism` functions at a time in each.
async fn per_target<'a, T, F, Fut>(
    functions: &[&'a FunctionPlan],
    fleet: &'a Fleet,
    opts: &ApplyOptions,
    work: F,
) -> Vec<T>
where
    F: Fn(&'a FunctionPlan, Result<&'a Lambda, Failure>) -> Fut + Copy,
    Fut: std::future::Future<Output = T>,
{
    let mut groups: BTreeMap<(Option<&str>, &str), Vec<&'a FunctionPlan>> = BTreeMap::new();
    for fp in functions {
        groups
            .entry((fp.account.as_deref(), fp.region.as_str()))
            .or_default()
            .push(fp);
    }
    let runs = groups
        .into_iter()
        .map(|((account, region), fps)| async move {
            let lambda = fleet.lambda(account, Some(region)).ok_or_else(|| {
                Failure::new(
                    "NoClient",
                    format!(
                        "no credentials were set up for {} in {region}",
                        crate::aws::Target::account_label(account)
                    ),
                )
            });
            futures_util::stream::iter(fps.into_iter().map(|fp| work(fp, lambda.clone())))
                .buffer_unordered(opts.parallelism.max(1))
                .collect::<Vec<T>>()
                .await
        });
    futures_util::future::join_all(runs)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// Claims a function for this state: TagResource `rtm:lineage`, refused
/// when another state claimed it since the plan, and checked after.
async fn claim(
    fp: &FunctionPlan,
    lambda: Result<&Lambda, Failure>,
    store: &Store,
    hook: &dyn Hook,
) -> Result<(), Failure> {
    let Some(step) = &fp.claim else {
        return Ok(());
    };
    let lambda = lambda?;
    let started = Instant::now();
    let result = async {
        let function = function_ref(fp)?;
        let ours = store.lineage();
        let owner = |live: &Live| live.tags.get(crate::model::CLAIM_TAG).cloned();
        let elsewhere = |theirs: &str| {
            Failure::new(
                "ClaimedElsewhere",
                format!(
                    "managed by another rtm state (lineage {}...), which claimed it after this plan; nothing written to it",
                    theirs.get(..8).unwrap_or(theirs)
                ),
            )
        };
        if let Some(theirs) = owner(&lambda.get_function(&function, fp.qualifier).await?)
            && theirs != ours
        {
            return Err(elsewhere(&theirs));
        }
        let tags: std::collections::BTreeMap<String, String> = step
            .request
            .body
            .get("Tags")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_default();
        lambda.tag_resource(&fp.function_arn, &tags).await?;
        // Tags are last-writer-wins: read back who holds it now.
        match owner(&lambda.get_function(&function, fp.qualifier).await?) {
            Some(theirs) if theirs != ours => Err(elsewhere(&theirs)),
            _ => Ok(()),
        }
    }
    .await;
    let outcome = match &result {
        Ok(()) => StepOutcome::Ok,
        Err(f) => StepOutcome::Failed {
            code: f.code.clone(),
            message: f.message.clone(),
        },
    };
    hook.claim_finished(&fp.address, &outcome, started.elapsed());
    result
}

fn function_ref(fp: &FunctionPlan) -> Result<FunctionRef, Failure> {
    FunctionRef::parse(&fp.function_name)
        .map(|(f, _)| f)
        .map_err(|e| Failure::new("InvalidPlan", e.to_string()))
}

async fn apply_function(
    fp: &FunctionPlan,
    environment: &Environment,
    lambda: Result<&Lambda, Failure>,
    store: &Store,
    hook: &dyn Hook,
    opts: &ApplyOptions,
) -> FunctionResult {
    let total = fp.steps.len();
    let mut done = 0;
    let env = environment.get(&fp.address);
    let run = match lambda {
        Ok(lambda) => run_steps(fp, env, lambda, store, hook, opts, &mut done).await,
        Err(f) => Err(f),
    };
    let status = match run {
        Ok(()) if done == total => FunctionStatus::Changed,
        Ok(()) => FunctionStatus::Skipped {
            reason: format!("interrupted after {done} of {total} steps"),
        },
        Err(f) => {
            if f.unanswered || f.state_lost {
                // Lambda stopped answering, or state cannot be written:
                // start nothing more (as on Ctrl-C); the steps in flight
                // finish or fail alone.
                opts.stop.store(true, Ordering::SeqCst);
            }
            FunctionStatus::Failed {
                code: f.code,
                message: f.message,
            }
        }
    };
    FunctionResult {
        address: fp.address.clone(),
        status,
        steps_done: done,
        steps_total: total,
    }
}

/// The request body with the secrets the plan shows as `(sensitive)`.
fn with_secrets(
    body: &serde_json::Value,
    env: Option<&std::collections::BTreeMap<String, String>>,
) -> Result<serde_json::Value, Failure> {
    let mut body = body.clone();
    if let Some(vars) = body
        .get_mut("Environment")
        .and_then(|e| e.get_mut("Variables"))
        .and_then(|v| v.as_object_mut())
    {
        for (name, value) in vars.iter_mut() {
            if value.as_str() != Some(SENSITIVE) {
                continue;
            }
            let secret = env.and_then(|e| e.get(name)).ok_or_else(|| {
                Failure::new(
                    "NotInConfiguration",
                    format!(
                        "the configuration sets no environment variable {name} (the plan does)"
                    ),
                )
            })?;
            *value = serde_json::Value::String(secret.clone());
        }
    }
    Ok(body)
}

#[allow(clippy::too_many_arguments)]
async fn run_steps(
    fp: &FunctionPlan,
    env: Option<&std::collections::BTreeMap<String, String>>,
    lambda: &Lambda,
    store: &Store,
    hook: &dyn Hook,
    opts: &ApplyOptions,
    done: &mut usize,
) -> Result<(), Failure> {
    if opts.stop.load(Ordering::SeqCst) {
        return Ok(());
    }
    let function = function_ref(fp)?;
    // Re-read before the first write: PutRuntimeManagementConfig has no
    // RevisionId, so this comparison is its only guard. GetFunction always
    // (its own quota bucket); the runtime management read, from the shared
    // 15/s bucket, only when the plan's is older than `reuse_reads_for`.
    let fresh = opts.reuse_reads_for.is_some_and(|window| {
        opts.now().duration_since(fp.observed.read_at)
            <= jiff::SignedDuration::try_from(window).unwrap_or_default()
    });
    let mut live: Live = if fresh {
        let mut live = lambda.get_function(&function, fp.qualifier).await?;
        live.runtime_management = crate::model::LiveRuntimeManagement {
            update_runtime_on: fp.observed.update_runtime_on,
            runtime_version_arn: fp.observed.runtime_version_arn.clone(),
        };
        live
    } else {
        lambda.read(&function, fp.qualifier).await?
    };
    if live.last_update_status.as_deref() == Some("InProgress") {
        hook.waiting(&fp.address, "an update in progress");
        live = wait_successful(fp, &function, lambda, opts).await?;
        live.runtime_management = lambda
            .get_runtime_management(&function, fp.qualifier)
            .await?;
    }
    let mut fresh = Observed::of(&live, store.salt(), opts.now());
    if fp.claim.is_some() && fresh.claim.as_deref() == Some(store.lineage()) {
        // This apply claimed it a moment ago.
        fresh.claim = None;
    }
    if let Some(why) = fp.observed.first_difference(&fresh) {
        return Err(changed_since_plan(why));
    }
    let mut revision_id = live.revision_id.clone();
    let mut config_seen = live.configuration.clone();
    let mut put_since_read = false;
    for step in &fp.steps {
        if opts.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let label = step.label();
        hook.step_started(&fp.address, &label);
        let started = Instant::now();
        let result: Result<(), Failure> = async {
            match step.operation {
                Operation::PutRuntimeManagementConfig => {
                    let mode = step.mode().ok_or_else(|| {
                        Failure::new("InvalidPlan", "the step names no UpdateRuntimeOn".into())
                    })?;
                    let rm = lambda
                        .put_runtime_management(
                            &function,
                            fp.qualifier,
                            mode,
                            step.pinned().as_ref(),
                        )
                        .await?;
                    live.runtime_management = rm;
                    put_since_read = true;
                }
                Operation::TagResource => {
                    return Err(Failure::new(
                        "InvalidPlan",
                        "a claim is not a step of its own".into(),
                    ));
                }
                Operation::UpdateFunctionConfiguration => {
                    if put_since_read || revision_id != fp.observed.revision_id {
                        // Whether PutRuntimeManagementConfig moves the
                        // RevisionId is not documented, and an update that
                        // was in progress moves it when it ends: re-read,
                        // and take the new one only if the configuration is
                        // as the plan saw it.
                        let fresh = lambda.get_function(&function, fp.qualifier).await?;
                        if fresh.configuration != config_seen {
                            return Err(changed_since_plan(
                                "its configuration changed while rtm was applying".into(),
                            ));
                        }
                        revision_id = fresh.revision_id;
                        put_since_read = false;
                    }
                    let mut body = with_secrets(&step.request.body, env)?;
                    body["RevisionId"] = revision_id.clone().into();
                    lambda
                        .update_configuration(&function, &body)
                        .await
                        .map_err(|e| {
                            if e.is_precondition_failed() {
                                changed_since_plan(format!(
                                    "RevisionId no longer matches: {}",
                                    e.message
                                ))
                            } else {
                                Failure::from(e)
                            }
                        })?;
                    hook.waiting(&fp.address, "LastUpdateStatus Successful");
                    let rm = live.runtime_management.clone();
                    live = wait_successful(fp, &function, lambda, opts).await?;
                    live.runtime_management = rm;
                    revision_id = live.revision_id.clone();
                    config_seen = live.configuration.clone();
                }
            }
            record::step_done(store, fp, &step.records, &live, env, opts.now())?;
            Ok(())
        }
        .await;
        let outcome = match &result {
            Ok(()) => StepOutcome::Ok,
            Err(f) => StepOutcome::Failed {
                code: f.code.clone(),
                message: f.message.clone(),
            },
        };
        hook.step_finished(&fp.address, &label, &outcome, started.elapsed());
        result?;
        *done += 1;
    }
    record::function_done(store, fp, Some(&live), env, opts.now())?;
    Ok(())
}

async fn wait_successful(
    fp: &FunctionPlan,
    function: &FunctionRef,
    lambda: &Lambda,
    opts: &ApplyOptions,
) -> Result<Live, Failure> {
    match lambda
        .wait_updated(function, opts.poll_interval, opts.update_timeout)
        .await?
    {
        UpdateOutcome::Successful(live) => Ok(*live),
        UpdateOutcome::Failed {
            reason_code,
            reason,
        } => Err(Failure::new(
            "UpdateFailed",
            format!(
                "the update of {} ended with LastUpdateStatus Failed ({}{})",
                fp.function_name,
                reason_code.as_deref().unwrap_or("no reason code"),
                reason.map(|r| format!(": {r}")).unwrap_or_default()
            ),
        )),
        UpdateOutcome::TimedOut => Err(Failure::new(
            "UpdateTimedOut",
            format!(
                "{} was still InProgress after {}s",
                fp.function_name,
                opts.update_timeout.as_secs()
            ),
        )),
    }
}
