//! `rtm rollback ADDR`: write a runtime version pin (or remove one) into the
//! configuration file, for review and `rtm apply`. It never calls a write
//! API: the change goes through the same plan, review and apply as any other.

use std::io::Write;
use std::path::Path;

use super::{GlobalArgs, Outcome, session};
use crate::config::edit::{PinEdit, edit_runtime_management};
use crate::model::{Address, DesiredFunction, RuntimeVersionArn, UpdateRuntimeOn};

#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The function to pin, e.g. function.orders.
    pub address: String,
    /// `previous` (the runtime version observed before the current one, from
    /// state history) or a runtime version ARN.
    #[arg(long, default_value = "previous", value_name = "previous|ARN")]
    pub to: String,
    /// Last day of the pin (YYYY-MM-DD) [default: today + the policy's
    /// max_pin_days, or 14 days].
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Why the pin exists, for reviewers and for whoever lifts it.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Remove the pin instead (back to the defaults' mode, or Auto).
    #[arg(long, conflicts_with_all = ["until", "reason"])]
    pub clear: bool,
}

pub fn run(global: &GlobalArgs, args: RollbackArgs) -> Result<Outcome, crate::Error> {
    let loaded = session::load_config(global)?;
    let desired = &loaded.desired;
    let address = Address::parse(&args.address).map_err(crate::Error::Argument)?;
    let function = desired.functions.get(&address).ok_or_else(|| {
        crate::Error::Rollback(format!(
            "{address} is not declared in the configuration in {}",
            global.dir.display()
        ))
    })?;
    let file = function.source.file.clone();
    if function.source.for_each {
        return Err(crate::Error::Rollback(for_each_help(&address, function)));
    }
    let label = address.label().to_string();
    let source = std::fs::read_to_string(&file)
        .map_err(|e| crate::Error::io(format!("cannot read {}", file.display()), e))?;

    let edited = if args.clear {
        // Without update_runtime_on the defaults block's mode applies; if
        // there is none, the function would fall out of management while
        // still pinned, so write Auto instead.
        let to_defaults = edit(&source, &label, &PinEdit::Clear { mode: None })?;
        match reload(global, &file, &to_defaults)?.and_then(|d| d.functions.get(&address).cloned())
        {
            Some(f) if f.runtime_management.is_some() => to_defaults,
            _ => edit(
                &source,
                &label,
                &PinEdit::Clear {
                    mode: Some(UpdateRuntimeOn::Auto),
                },
            )?,
        }
    } else {
        let today = global.today()?;
        let arn = target_arn(global, &args.to, &address, function, desired)?;
        let pin_until = match &args.until {
            Some(text) => text.parse::<jiff::civil::Date>().map_err(|_| {
                crate::Error::Argument(format!("--until {text:?} is not a date (YYYY-MM-DD)"))
            })?,
            None => today
                .checked_add(
                    jiff::Span::new().days(i64::from(desired.policy.max_pin_days.unwrap_or(14))),
                )
                .map_err(|e| crate::Error::Rollback(e.to_string()))?,
        };
        // A pin that has already ended would be planned straight back to Auto.
        if pin_until <= today {
            return Err(crate::Error::Rollback(format!(
                "--until {pin_until} is not after today ({today}): the pin would already have expired; give a later date"
            )));
        }
        let reason = args.reason.clone().unwrap_or_else(|| {
            format!(
                "rolled back to {} with rtm rollback on {today}",
                arn.short()
            )
        });
        edit(
            &source,
            &label,
            &PinEdit::Pin {
                runtime_version_arn: arn.to_string(),
                pin_until,
                reason: Some(reason),
            },
        )?
    };
    // Realign `=` as `rtm fmt` would; the edit itself keeps every comment.
    let edited = crate::config::fmt::format_source(&edited).unwrap_or(edited);
    if edited == source {
        let _ = writeln!(
            anstream::stdout(),
            "{} already says that; nothing to change.",
            file.display()
        );
        return Ok(Outcome::Success);
    }
    // Check the result before touching the file: a pin the policy forbids
    // is reported now, not at plan time.
    if reload(global, &file, &edited)?.is_none() {
        return Err(crate::Error::Rollback(format!(
            "the edit would make the configuration invalid (see above); {} is unchanged",
            file.display()
        )));
    }
    std::fs::write(&file, &edited)
        .map_err(|e| crate::Error::io(format!("cannot write {}", file.display()), e))?;
    let name = file.display().to_string();
    // Environment values in the lines around the edit are secrets too.
    let (before, after) = (
        crate::config::hide_secrets(&source),
        crate::config::hide_secrets(&edited),
    );
    let diff = similar::TextDiff::from_lines(&before, &after);
    let mut out = anstream::stdout();
    let _ = write!(
        out,
        "{}",
        diff.unified_diff().context_radius(3).header(&name, &name)
    );
    let _ = writeln!(
        out,
        "\nWrote the change to {name}. Review it (in a pull request, if that is how changes reach production), then run `rtm plan` and `rtm apply`."
    );
    Ok(Outcome::Success)
}

fn edit(source: &str, label: &str, e: &PinEdit) -> Result<String, crate::Error> {
    edit_runtime_management(source, label, e).map_err(|e| crate::Error::Rollback(e.to_string()))
}

/// Loads the configuration with `file`'s text replaced by `text` in memory;
/// `None` when it is invalid (diagnostics already printed, naming `file`).
fn reload(
    global: &GlobalArgs,
    file: &Path,
    text: &str,
) -> Result<Option<crate::model::Desired>, crate::Error> {
    let mut opts = super::validate::load_options(global)?;
    opts.overrides = vec![(file.to_path_buf(), text.to_string())];
    match crate::config::load(&opts) {
        Ok(l) => Ok(Some(l.desired)),
        Err(crate::config::Error::Invalid(d)) => {
            eprint!(
                "{}",
                crate::config::render_human(&d.diagnostics, &d.sources, super::stderr_styled())
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The runtime version to pin: the one observed before the current one, or
/// an explicit ARN checked against the function's region.
fn target_arn(
    global: &GlobalArgs,
    to: &str,
    address: &Address,
    function: &DesiredFunction,
    desired: &crate::model::Desired,
) -> Result<RuntimeVersionArn, crate::Error> {
    if to != "previous" {
        let arn = RuntimeVersionArn::parse(to)
            .map_err(|e| crate::Error::Argument(format!("--to: {e}")))?;
        let region = function
            .function
            .region
            .clone()
            .or_else(|| global.region.first().cloned())
            .or_else(|| desired.settings.region.clone());
        if let Some(region) = region
            && arn.region() != region
        {
            return Err(crate::Error::Rollback(format!(
                "--to: the runtime version ARN is in {} but {address} is in {region}; runtime version ARNs differ per region",
                arn.region()
            )));
        }
        return Ok(arn);
    }
    let store = session::open_store(global, "rollback")?;
    let record = store.get(address)?.ok_or_else(|| {
        crate::Error::Rollback(format!(
            "{address} has no runtime version history in state yet: run `rtm drift` (a cron job does it) so rtm records the versions Lambda moves it to, or pass --to ARN"
        ))
    })?;
    previous_version(address, function, &record.runtime_versions)
}

/// The runtime version before the current one *of the runtime and
/// architecture the function runs (or, after a runtime change in the
/// configuration, will run)*: a version of another runtime cannot be pinned.
fn previous_version(
    address: &Address,
    function: &DesiredFunction,
    history: &[crate::model::ObservedRuntimeVersion],
) -> Result<RuntimeVersionArn, crate::Error> {
    let Some(current) = history.last() else {
        return Err(crate::Error::Rollback(format!(
            "{address} has no runtime version in rtm's history yet: run `rtm drift` so rtm records the versions Lambda moves it to, or pass --to ARN"
        )));
    };
    // Records of an older rtm do not say what a version ran on: then the
    // history is taken as one runtime's, as that rtm did.
    if history.iter().all(|v| v.runtime.is_none()) {
        return match history.len() {
            1 => Err(crate::Error::Rollback(format!(
                "{address} has run only {} in rtm's history, so there is no previous version to return to; pass --to ARN",
                current.arn.short()
            ))),
            n => Ok(history[n - 2].arn.clone()),
        };
    }
    let runtime = function
        .configuration
        .runtime()
        .map(str::to_string)
        .or_else(|| current.runtime.clone())
        .unwrap_or_default();
    let architecture = current.architecture.clone().unwrap_or_default();
    let on = |v: &crate::model::ObservedRuntimeVersion| {
        v.runtime.as_deref() == Some(runtime.as_str())
            && v.architecture.as_deref() == Some(architecture.as_str())
    };
    let same: Vec<&crate::model::ObservedRuntimeVersion> =
        history.iter().filter(|v| on(v)).collect();
    let runs_it_now = on(current);
    match (runs_it_now, same.len()) {
        (true, n) if n >= 2 => Ok(same[n - 2].arn.clone()),
        (true, _) => Err(crate::Error::Rollback(format!(
            "{address} has run only one version of {runtime} ({architecture}) in rtm's history ({}), so there is no previous version of {runtime} to return to; pass --to ARN",
            current.arn.short()
        ))),
        (false, _) => Err(crate::Error::Rollback(format!(
            "{address} will run {runtime} ({architecture}), but it runs {} now, so there is no previous version of {runtime} to return to (a runtime version belongs to one runtime and architecture); apply the runtime change first, or pass --to ARN",
            current.runtime.as_deref().unwrap_or("another runtime")
        ))),
    }
}

fn for_each_help(address: &Address, f: &DesiredFunction) -> String {
    format!(
        "{address} is an instance of the for_each block `function \"{label}\"` at {file}:{line}; a pin written in that block would apply to every instance, so rtm does not guess.\n  \
         to pin only this instance, either move it into a block of its own (function \"{label}_{key}\" {{ ... }}) and run rollback on that,\n  \
         or make the block's runtime_management depend on each.key, e.g.\n    \
         update_runtime_on   = each.key == \"{key}\" ? \"Manual\" : \"Auto\"\n    \
         runtime_version_arn = each.key == \"{key}\" ? \"<ARN>\" : null",
        label = address.label(),
        key = address.key().unwrap_or_default(),
        file = f.source.file.display(),
        line = f.source.line,
    )
}
