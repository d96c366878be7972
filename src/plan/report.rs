//! Who must act: the customer's side of Lambda's shared-responsibility model
//! for runtimes, per function. Auto functions are Lambda's to patch;
//! FunctionUpdate functions get patches only when updated; Manual is a
//! temporary rollback; container images are rebuilt by their owners. Pure,
//! like the diff: the caller reads live and state and passes `now`.

use crate::model::{
    Address, DesiredFunction, Live, Policy, Recorded, RuntimeVersionArn, UpdateRuntimeOn,
    deprecation_date,
};

/// Whose job it is to get a function its runtime patches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Responsibility {
    Lambda,
    UpdateRegularly,
    TemporaryPin,
    RebuildImage,
}

impl Responsibility {
    pub const ALL: [Responsibility; 4] = [
        Responsibility::Lambda,
        Responsibility::UpdateRegularly,
        Responsibility::TemporaryPin,
        Responsibility::RebuildImage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Responsibility::Lambda => "lambda",
            Responsibility::UpdateRegularly => "you: update regularly",
            Responsibility::TemporaryPin => "you: temporary pin",
            Responsibility::RebuildImage => "you: rebuild the image",
        }
    }
}

/// A policy threshold a function crosses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// `stale_function_update`, `pin_too_long`, `pin_expired`,
    /// `stale_image` or `deprecated_runtime`.
    pub kind: &'static str,
    pub message: String,
}

/// The runtime's place on Lambda's deprecation calendar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deprecation {
    pub date: jiff::civil::Date,
    /// Days until the date (negative: past it).
    pub days_left: i64,
    /// Past the date, or within the policy's `deprecation_warning_days`.
    pub warn: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FunctionReport {
    /// `None` for a live function no block declares (`--all-live`).
    pub address: Option<Address>,
    pub function_name: String,
    pub function_arn: String,
    /// The account block's name, `default` for the default credentials.
    pub account: String,
    pub account_id: String,
    pub region: String,
    pub runtime: Option<String>,
    pub architecture: String,
    pub package_type: String,
    pub update_runtime_on: UpdateRuntimeOn,
    /// The runtime version it runs, and since when state first saw it.
    pub runtime_version_arn: Option<RuntimeVersionArn>,
    pub running_since: Option<jiff::Timestamp>,
    pub last_modified: Option<jiff::Timestamp>,
    pub responsibility: Responsibility,
    /// Days since the last update (FunctionUpdate), pinned (Manual) or
    /// since the last deploy (image).
    pub days: Option<i64>,
    pub pin_until: Option<jiff::civil::Date>,
    pub deprecation: Option<Deprecation>,
    pub violations: Vec<Violation>,
}

/// What one function's report is made of.
pub struct ReportInput<'a> {
    pub address: Option<&'a Address>,
    /// The account block the function was read through (`None`: the
    /// default credentials).
    pub account: Option<&'a str>,
    pub live: &'a Live,
    pub recorded: Option<&'a Recorded>,
    /// The configuration's `pin_until`, when a block declares one.
    pub pin_until: Option<jiff::civil::Date>,
}

impl<'a> ReportInput<'a> {
    /// A function a block declares, as read: its address, account and the
    /// `pin_until` of its Manual pin.
    pub fn declared(
        desired: &'a DesiredFunction,
        live: &'a Live,
        recorded: Option<&'a Recorded>,
    ) -> ReportInput<'a> {
        ReportInput {
            address: Some(&desired.address),
            account: desired.account.as_deref(),
            live,
            recorded,
            pin_until: desired
                .runtime_management
                .as_ref()
                .filter(|rm| rm.update_runtime_on == UpdateRuntimeOn::Manual)
                .and_then(|rm| rm.pin_until),
        }
    }
}

/// `FunctionUpdate, last updated 200 days ago`, `Manual for 40 days`, ...
pub fn age_text(r: Responsibility, days: i64) -> String {
    let n = format!("{days} day{}", if days == 1 { "" } else { "s" });
    match r {
        Responsibility::Lambda => String::new(),
        Responsibility::UpdateRegularly => format!("FunctionUpdate, last updated {n} ago"),
        Responsibility::TemporaryPin => format!("Manual for {n}"),
        Responsibility::RebuildImage => format!("image deployed {n} ago"),
    }
}

fn days_between(from: jiff::Timestamp, to: jiff::Timestamp) -> i64 {
    to.duration_since(from).as_secs().div_euclid(86_400)
}

fn part(arn: &str, i: usize) -> String {
    arn.split(':').nth(i).unwrap_or_default().to_string()
}

pub fn classify(input: &ReportInput<'_>, policy: &Policy, now: jiff::Timestamp) -> FunctionReport {
    let live = input.live;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mode = live.runtime_management.update_runtime_on;
    let last_modified = live.last_modified_at();
    let responsibility = if live.package_type == "Image" {
        Responsibility::RebuildImage
    } else {
        match mode {
            UpdateRuntimeOn::Auto => Responsibility::Lambda,
            UpdateRuntimeOn::FunctionUpdate => Responsibility::UpdateRegularly,
            UpdateRuntimeOn::Manual => Responsibility::TemporaryPin,
        }
    };
    let since_modified = last_modified.map(|t| days_between(t, now));
    let days = match responsibility {
        Responsibility::Lambda => None,
        Responsibility::TemporaryPin => input
            .recorded
            .and_then(|r| r.manual_since)
            .map(|t| days_between(t, now))
            .or(since_modified),
        _ => since_modified,
    };
    let name = live
        .function_arn
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let mut violations = Vec::new();
    let limit = match responsibility {
        Responsibility::UpdateRegularly => policy
            .max_function_update_age_days
            .map(|l| ("stale_function_update", l)),
        Responsibility::RebuildImage => policy.max_image_age_days.map(|l| ("stale_image", l)),
        Responsibility::TemporaryPin => policy.max_pin_days.map(|l| ("pin_too_long", l)),
        Responsibility::Lambda => None,
    };
    if let (Some((kind, limit)), Some(d)) = (limit, days)
        && d > i64::from(limit)
    {
        violations.push(Violation {
            kind,
            message: format!("{} (policy {limit})", age_text(responsibility, d)),
        });
    }
    if responsibility == Responsibility::TemporaryPin
        && let Some(until) = input.pin_until
        && until < today
    {
        violations.push(Violation {
            kind: "pin_expired",
            message: format!("pin_until {until} has passed"),
        });
    }
    let runtime = live.configuration.runtime().map(str::to_string);
    let deprecation = runtime
        .as_deref()
        .and_then(|r| deprecation_date(r, &policy.runtime_deprecations))
        .map(|date| {
            let days_left = today.until(date).map_or(0, |s| i64::from(s.get_days()));
            Deprecation {
                date,
                days_left,
                warn: days_left <= i64::from(policy.deprecation_warning_days),
            }
        });
    if let (Some(d), Some(r)) = (&deprecation, &runtime)
        && d.days_left < 0
    {
        violations.push(Violation {
            kind: "deprecated_runtime",
            message: format!("{r} deprecated {}", d.date),
        });
    }
    let running_since = match (&live.running_runtime_version_arn, input.recorded) {
        (Some(arn), Some(r)) => r
            .runtime_versions
            .iter()
            .rev()
            .take_while(|v| &v.arn == arn)
            .last()
            .map(|v| v.first_seen),
        _ => None,
    };
    FunctionReport {
        address: input.address.cloned(),
        function_name: name,
        account: input.account.unwrap_or("default").to_string(),
        account_id: part(&live.function_arn, 4),
        region: part(&live.function_arn, 3),
        function_arn: live.function_arn.clone(),
        runtime,
        architecture: live.architecture.clone(),
        package_type: live.package_type.clone(),
        update_runtime_on: mode,
        runtime_version_arn: live.running_runtime_version_arn.clone(),
        running_since,
        last_modified,
        responsibility,
        days,
        pin_until: input.pin_until,
        deprecation,
        violations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Configuration, LiveRuntimeManagement, Qualifier};

    fn live(mode: UpdateRuntimeOn, package: &str, runtime: &str, modified: &str) -> Live {
        Live {
            function_arn: "arn:aws:lambda:eu-west-1:111111111111:function:f".into(),
            qualifier: Qualifier::Latest,
            revision_id: "r".into(),
            package_type: package.into(),
            architecture: "x86_64".into(),
            last_update_status: None,
            last_update_status_reason_code: None,
            last_modified: Some(modified.into()),
            configuration: if package == "Zip" {
                Configuration::default().with(
                    crate::model::RUNTIME_PATH,
                    crate::model::AttrValue::String(runtime.to_string()),
                )
            } else {
                Configuration::default()
            },
            running_runtime_version_arn: None,
            runtime_management: LiveRuntimeManagement {
                update_runtime_on: mode,
                runtime_version_arn: None,
            },
            tags: Default::default(),
        }
    }

    fn report(l: &Live, policy: &Policy) -> FunctionReport {
        classify(
            &ReportInput {
                address: None,
                account: None,
                live: l,
                recorded: None,
                pin_until: None,
            },
            policy,
            "2026-12-01T00:00:00Z".parse().unwrap(),
        )
    }

    #[test]
    fn each_mode_names_who_must_act_and_how_long_ago() {
        let policy = Policy {
            max_function_update_age_days: Some(90),
            max_image_age_days: Some(30),
            max_pin_days: Some(14),
            ..Policy::default()
        };
        let r = report(
            &live(
                UpdateRuntimeOn::Auto,
                "Zip",
                "python3.12",
                "2020-01-01T00:00:00.000+0000",
            ),
            &policy,
        );
        assert_eq!(
            (r.responsibility, r.days, r.violations.len()),
            (Responsibility::Lambda, None, 0)
        );
        assert_eq!(
            (r.account_id.as_str(), r.region.as_str()),
            ("111111111111", "eu-west-1")
        );
        let r = report(
            &live(
                UpdateRuntimeOn::FunctionUpdate,
                "Zip",
                "python3.12",
                "2026-05-15T00:00:00.000+0000",
            ),
            &policy,
        );
        assert_eq!(
            (r.responsibility, r.days),
            (Responsibility::UpdateRegularly, Some(200))
        );
        assert_eq!(r.violations[0].kind, "stale_function_update");
        let r = report(
            &live(
                UpdateRuntimeOn::FunctionUpdate,
                "Zip",
                "python3.12",
                "2026-11-21T00:00:00.000+0000",
            ),
            &policy,
        );
        assert!(r.violations.is_empty());
        let r = report(
            &live(
                UpdateRuntimeOn::Auto,
                "Image",
                "",
                "2026-10-02T00:00:00.000+0000",
            ),
            &policy,
        );
        assert_eq!(
            (r.responsibility, r.days),
            (Responsibility::RebuildImage, Some(60))
        );
        assert_eq!(r.violations[0].kind, "stale_image");
        let r = report(
            &live(
                UpdateRuntimeOn::Manual,
                "Zip",
                "python3.12",
                "2026-10-22T00:00:00.000+0000",
            ),
            &policy,
        );
        assert_eq!(
            (r.responsibility, r.days),
            (Responsibility::TemporaryPin, Some(40))
        );
        assert_eq!(r.violations[0].kind, "pin_too_long");
    }

    #[test]
    fn deprecated_runtimes_violate_and_near_ones_warn() {
        let policy = Policy::default();
        let r = report(
            &live(
                UpdateRuntimeOn::Auto,
                "Zip",
                "python3.9",
                "2026-11-01T00:00:00.000+0000",
            ),
            &policy,
        );
        let d = r.deprecation.clone().unwrap();
        assert!(d.days_left < 0 && d.warn);
        assert_eq!(r.violations[0].kind, "deprecated_runtime");
        let soon = Policy {
            runtime_deprecations: [("python3.12".to_string(), jiff::civil::date(2026, 12, 31))]
                .into(),
            ..Policy::default()
        };
        let r = report(
            &live(
                UpdateRuntimeOn::Auto,
                "Zip",
                "python3.12",
                "2026-11-01T00:00:00.000+0000",
            ),
            &soon,
        );
        let d = r.deprecation.clone().unwrap();
        assert_eq!((d.days_left, d.warn), (30, true));
        assert!(r.violations.is_empty());
        let r = report(
            &live(
                UpdateRuntimeOn::Auto,
                "Zip",
                "python3.13",
                "2026-11-01T00:00:00.000+0000",
            ),
            &policy,
        );
        assert!(!r.deprecation.unwrap().warn);
    }
}
