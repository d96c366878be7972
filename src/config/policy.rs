//! Typing of the `policy` block (allow_manual, max_pin_days,
//! forbidden_runtimes, the staleness thresholds, manual_exception_roles,
//! runtime_deprecations) into `model::Policy`, with where each is written, so
//! a function that breaks the policy is told which policy line it breaks.
//!
//! Sees evaluated fields only; never evaluates or reads files, and never
//! judges a function (runtime_management and configuration do).

use super::diagnostic::did_you_mean;
use super::syntax::{D, Loc, Reporter};
use super::typing::{Fields, expect_bool, expect_string_map, expect_strings, in_range};
use crate::model::{Policy, RUNTIMES};

/// Where the policy's attributes are written, for messages that name both
/// the policy line and the offending line.
#[derive(Debug, Clone, Default)]
pub struct PolicyLocs {
    pub allow_manual: Option<Loc>,
    pub max_pin_days: Option<Loc>,
    pub forbidden_runtimes: Option<Loc>,
}

pub fn policy(r: &mut Reporter<'_>, fields: &Fields) -> (Policy, PolicyLocs) {
    let mut p = Policy::default();
    let mut locs = PolicyLocs::default();
    if let Some(f) = fields.get("allow_manual")
        && let Some(b) = expect_bool(r, "allow_manual", f)
    {
        p.allow_manual = b;
        locs.allow_manual = Some(f.key_loc.clone());
    }
    if let Some(f) = fields.get("max_pin_days")
        && let Some(n) = in_range(r, "max_pin_days", f, 1, 3650, " days")
    {
        p.max_pin_days = Some(n as u32);
        locs.max_pin_days = Some(f.key_loc.clone());
    }
    if let Some(f) = fields.get("forbidden_runtimes")
        && let Some(list) = expect_strings(r, "forbidden_runtimes", f)
    {
        for rt in &list {
            if !RUNTIMES.contains(&rt.as_str()) {
                let mut d = D::error(
                    &f.loc,
                    format!("{rt:?} in forbidden_runtimes is not a Lambda runtime"),
                );
                if let Some(m) = did_you_mean(rt, RUNTIMES) {
                    d = d.label(format!("did you mean {m:?}?"));
                }
                r.emit(d.help("a misspelt runtime here would forbid nothing"));
            }
        }
        p.forbidden_runtimes = list;
        locs.forbidden_runtimes = Some(f.loc.clone());
    }
    for (name, slot, max) in [
        (
            "max_function_update_age_days",
            &mut p.max_function_update_age_days,
            3650,
        ),
        ("max_image_age_days", &mut p.max_image_age_days, 3650),
    ] {
        if let Some(f) = fields.get(name)
            && let Some(n) = in_range(r, name, f, 1, max, " days")
        {
            *slot = Some(n as u32);
        }
    }
    if let Some(f) = fields.get("deprecation_warning_days")
        && let Some(n) = in_range(r, "deprecation_warning_days", f, 0, 3650, " days")
    {
        p.deprecation_warning_days = n as u32;
    }
    if let Some(f) = fields.get("manual_exception_roles")
        && let Some(list) = expect_strings(r, "manual_exception_roles", f)
    {
        for role in &list {
            if !PRINCIPAL_ARN.is_match(role) {
                r.emit(
                    D::error(&f.loc, format!("{role:?} in manual_exception_roles is not an IAM role ARN"))
                        .help("write arn:aws:iam::111111111111:role/NAME (a * wildcard is allowed: the SCP matches with ArnNotLike)"),
                );
            }
        }
        p.manual_exception_roles = list;
    }
    if let Some(f) = fields.get("runtime_deprecations")
        && let Some(map) = expect_string_map(r, "runtime_deprecations", f)
    {
        for (runtime, date) in map {
            if !RUNTIMES.contains(&runtime.as_str()) {
                let mut d = D::error(
                    &f.loc,
                    format!("{runtime:?} in runtime_deprecations is not a Lambda runtime"),
                );
                if let Some(m) = did_you_mean(&runtime, RUNTIMES) {
                    d = d.label(format!("did you mean {m:?}?"));
                }
                r.emit(d);
                continue;
            }
            match date.parse::<jiff::civil::Date>() {
                Ok(d) => {
                    p.runtime_deprecations.insert(runtime, d);
                }
                Err(_) => r.emit(
                    D::error(
                        &f.loc,
                        format!("runtime_deprecations: {date:?} for {runtime} is not a date"),
                    )
                    .help("write the date as YYYY-MM-DD, e.g. \"2025-12-15\""),
                ),
            }
        }
    }
    (p, locs)
}

/// A role ARN, with IAM's `*` and `?` wildcards allowed (ArnNotLike).
static PRINCIPAL_ARN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    super::typing::regex(r"^arn:aws[a-zA-Z-]*:iam::(\d{12}|\*):role/[a-zA-Z_0-9+=,.@\-_/*?]+$")
});
