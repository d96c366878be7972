//! Drift classification: for each address, whether live still matches what
//! rtm last applied, and what Lambda did to its runtime version. Pure, like
//! the diff: the caller reads live and state, and records observations.

use super::diff::live_value;
use crate::model::{ARN_PATH, MODE_PATH};
use crate::model::{
    AttrValue, DesiredFunction, ENVIRONMENT_PREFIX, Live, Policy, Recorded, RuntimeVersionArn,
    Salt, StoredValue, UpdateRuntimeOn, is_sensitive,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftStatus {
    InSync,
    Pending,
    Drifted,
    Missing,
    PinExpired,
    PinOverdue,
}

impl DriftStatus {
    pub const ALL: [DriftStatus; 6] = [
        DriftStatus::Drifted,
        DriftStatus::Missing,
        DriftStatus::PinExpired,
        DriftStatus::PinOverdue,
        DriftStatus::Pending,
        DriftStatus::InSync,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DriftStatus::InSync => "in_sync",
            DriftStatus::Pending => "pending",
            DriftStatus::Drifted => "drifted",
            DriftStatus::Missing => "missing",
            DriftStatus::PinExpired => "pin_expired",
            DriftStatus::PinOverdue => "pin_overdue",
        }
    }

    /// Whether this status pages someone (exit 2).
    pub fn alerts(self) -> bool {
        matches!(
            self,
            DriftStatus::Drifted
                | DriftStatus::Missing
                | DriftStatus::PinExpired
                | DriftStatus::PinOverdue
        )
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DriftField {
    pub path: String,
    pub expected: Option<AttrValue>,
    pub live: Option<AttrValue>,
    pub last_applied: Option<AttrValue>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuntimeVersionObservation {
    pub current: Option<RuntimeVersionArn>,
    /// The version before the most recent change in the window, if any.
    pub previous: Option<RuntimeVersionArn>,
    /// When the most recent change in the window was first seen.
    pub changed_at: Option<jiff::Timestamp>,
    /// Every change first seen in the window, oldest first: each drift run
    /// reports them all again, so one missed cron run loses nothing.
    pub changes: Vec<RuntimeVersionChange>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuntimeVersionChange {
    pub previous: RuntimeVersionArn,
    pub current: RuntimeVersionArn,
    pub first_seen: jiff::Timestamp,
}

/// What classification needs besides the three inputs.
pub struct DriftContext<'a> {
    pub policy: &'a Policy,
    pub salt: &'a Salt,
    pub today: jiff::civil::Date,
    /// Dates the observation of a new runtime version.
    pub now: jiff::Timestamp,
    /// Runtime version changes first seen at or after this are reported.
    pub runtime_changes_since: jiff::Timestamp,
}

/// The runtime version changes first seen since `since`, from the recorded
/// history plus what is running now (not yet recorded).
fn runtime_changes(
    recorded: Option<&Recorded>,
    running: Option<&RuntimeVersionArn>,
    now: jiff::Timestamp,
    since: jiff::Timestamp,
) -> Vec<RuntimeVersionChange> {
    let mut seen: Vec<(&RuntimeVersionArn, jiff::Timestamp)> = recorded
        .map(|r| {
            r.runtime_versions
                .iter()
                .map(|v| (&v.arn, v.first_seen))
                .collect()
        })
        .unwrap_or_default();
    if let Some(arn) = running
        && seen.last().is_none_or(|(last, _)| *last != arn)
    {
        seen.push((arn, now));
    }
    seen.windows(2)
        .filter(|pair| pair[1].1 >= since)
        .map(|pair| RuntimeVersionChange {
            previous: pair[0].0.clone(),
            current: pair[1].0.clone(),
            first_seen: pair[1].1,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FunctionDrift {
    pub address: crate::model::Address,
    pub function_name: String,
    /// The account block (`None`: default credentials), account id and
    /// region (from the live ARN; absent for a missing function).
    pub account: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub status: DriftStatus,
    pub fields: Vec<DriftField>,
    pub runtime_version: RuntimeVersionObservation,
    /// Why, in a few words (pin dates, missing function's error).
    pub detail: Option<String>,
    pub update_runtime_on: Option<UpdateRuntimeOn>,
    /// Policy thresholds the function crosses (the report's: a stale
    /// FunctionUpdate, a long pin, an old image, a deprecated runtime).
    pub violations: Vec<super::report::Violation>,
}

fn expected_value(d: &DesiredFunction, path: &str, today: jiff::civil::Date) -> Option<AttrValue> {
    let rm = d.runtime_management.as_ref();
    let expired = rm.is_some_and(|r| {
        r.update_runtime_on == UpdateRuntimeOn::Manual && r.pin_until.is_some_and(|u| u < today)
    });
    match path {
        MODE_PATH => rm.map(|r| {
            AttrValue::String(if expired {
                "Auto".into()
            } else {
                r.update_runtime_on.to_string()
            })
        }),
        ARN_PATH => rm
            .filter(|r| r.update_runtime_on == UpdateRuntimeOn::Manual && !expired)
            .and_then(|r| r.runtime_version_arn.as_ref())
            .map(|a| AttrValue::String(a.to_string())),
        _ => d.configuration.get(path),
    }
}

fn shown(path: &str, v: Option<AttrValue>) -> Option<AttrValue> {
    if is_sensitive(path) {
        v.map(|_| AttrValue::String(super::SENSITIVE.into()))
    } else {
        v
    }
}

fn plain(stored: Option<&StoredValue>, path: &str) -> Option<AttrValue> {
    match stored? {
        StoredValue::Plain(v) => Some(v.clone()),
        StoredValue::Hashed { .. } => shown(path, Some(AttrValue::String(String::new()))),
    }
}

/// Classifies one address. `live` is `Err(message)` when the read failed
/// because the function or version is gone.
pub fn classify(
    d: &DesiredFunction,
    recorded: Option<&Recorded>,
    live: Result<&Live, &str>,
    ctx: &DriftContext<'_>,
) -> FunctionDrift {
    let DriftContext {
        policy,
        salt,
        today,
        now,
        ..
    } = *ctx;
    let mut out = FunctionDrift {
        address: d.address.clone(),
        function_name: d.function.api_name(),
        account: d.account.clone(),
        account_id: None,
        region: d.region.clone(),
        status: DriftStatus::InSync,
        fields: Vec::new(),
        runtime_version: RuntimeVersionObservation {
            current: None,
            previous: None,
            changed_at: None,
            changes: Vec::new(),
        },
        detail: None,
        update_runtime_on: None,
        violations: Vec::new(),
    };
    let live = match live {
        Ok(l) => l,
        Err(message) => {
            out.status = DriftStatus::Missing;
            out.detail = Some(message.to_string());
            return out;
        }
    };
    out.update_runtime_on = Some(live.runtime_management.update_runtime_on);
    out.violations = super::report::classify(
        &super::report::ReportInput::declared(d, live, recorded),
        policy,
        now,
    )
    .violations
    .into_iter()
    // An expired pin is its own status (pin_expired).
    .filter(|v| v.kind != "pin_expired" && v.kind != "pin_too_long")
    .collect();
    let part = |i: usize| live.function_arn.split(':').nth(i).map(str::to_string);
    out.account_id = part(4);
    out.region = part(3).or(out.region.take());

    // Runtime version: every change seen in the window, the newest also as
    // `previous`/`changed_at`.
    out.runtime_version.current = live.running_runtime_version_arn.clone();
    out.runtime_version.changes = runtime_changes(
        recorded,
        live.running_runtime_version_arn.as_ref(),
        now,
        ctx.runtime_changes_since,
    );
    if let Some(last) = out.runtime_version.changes.last() {
        out.runtime_version.previous = Some(last.previous.clone());
        out.runtime_version.changed_at = Some(last.first_seen);
    }

    // Fields: every managed path, plus live environment variables the
    // config does not name.
    let mut paths: Vec<String> = Vec::new();
    if d.runtime_management.is_some() {
        paths.push(MODE_PATH.into());
        paths.push(ARN_PATH.into());
    }
    paths.extend(d.configuration.attributes().into_iter().map(|(p, _)| p));
    if let (Some(want), Some(have)) = (
        &d.configuration.environment,
        &live.configuration.environment,
    ) {
        paths.extend(
            have.keys()
                .filter(|k| !want.contains_key(*k))
                .map(|k| format!("{ENVIRONMENT_PREFIX}{k}")),
        );
    }
    let mut pending = false;
    for path in paths {
        let expected = expected_value(d, &path, today);
        let have = live_value(live, &path);
        // Live as the configuration asks is in sync, whether or not rtm
        // applied it (the plan says "No changes" for it too).
        if expected == have {
            continue;
        }
        let last = recorded.and_then(|r| r.last_applied.get(&path));
        let applied_before = recorded.is_some_and(|r| !r.last_applied.is_empty());
        let live_matches_last = match (last, &have) {
            (Some(l), Some(h)) => salt.matches(l, h),
            (None, None) => true,
            // Never recorded for this path: drift only for a variable added
            // outside rtm to a map rtm manages, or a pin rtm did not set;
            // anything else is a newly managed attribute (pending).
            (None, Some(_)) => {
                let r = recorded.map(|r| &r.last_applied);
                let env_added = expected.is_none()
                    && path.starts_with(ENVIRONMENT_PREFIX)
                    && r.is_some_and(|l| l.keys().any(|k| k.starts_with(ENVIRONMENT_PREFIX)));
                let pin_added = path == ARN_PATH && r.is_some_and(|l| l.contains_key(MODE_PATH));
                !(env_added || pin_added)
            }
            (Some(_), None) => false,
        };
        let config_matches_last = match (last, &expected) {
            (Some(l), Some(e)) => salt.matches(l, e),
            (None, None) => true,
            _ => false,
        };
        if !live_matches_last && applied_before {
            out.fields.push(DriftField {
                expected: shown(&path, expected),
                live: shown(&path, have),
                last_applied: plain(last, &path),
                path,
            });
        } else if !config_matches_last || !applied_before {
            pending = true;
        }
    }

    let rm = d.runtime_management.as_ref();
    let pin_expired = rm.and_then(|r| r.pin_until.filter(|u| *u < today).map(|u| (r, u)));
    let overdue = match (policy.max_pin_days, recorded.and_then(|r| r.manual_since)) {
        (Some(days), Some(since))
            if live.runtime_management.update_runtime_on == UpdateRuntimeOn::Manual =>
        {
            let age = now.duration_since(since).as_secs() / 86_400;
            (age > i64::from(days)).then(|| {
                format!(
                    "Manual since {} ({age} days; the policy allows {days})",
                    since.strftime("%Y-%m-%d")
                )
            })
        }
        _ => None,
    };
    out.status = if !out.fields.is_empty() {
        DriftStatus::Drifted
    } else if let (Some((r, until)), UpdateRuntimeOn::Manual) =
        (pin_expired, live.runtime_management.update_runtime_on)
    {
        out.detail = Some(format!(
            "Manual on {}, pin_until {until}{}",
            live.runtime_management
                .runtime_version_arn
                .as_ref()
                .map_or("(unknown)".into(), |a| a.short()),
            r.reason
                .as_ref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        ));
        DriftStatus::PinExpired
    } else if let Some(why) = overdue {
        out.detail = Some(why);
        DriftStatus::PinOverdue
    } else if pending {
        DriftStatus::Pending
    } else {
        DriftStatus::InSync
    };
    out
}
