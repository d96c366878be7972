//! Typing of the `policy` block (allow_manual, max_pin_days,
//! forbidden_runtimes) into `model::Policy`, with where each is written, so
//! a function that breaks the policy is told which policy line it breaks.
//!
//! Sees evaluated fields only; never evaluates or reads files, and never
//! judges a function (runtime_management and configuration do).

use super::diagnostic::did_you_mean;
use super::syntax::{D, Loc, Reporter};
use super::typing::{Fields, expect_bool, expect_strings, in_range};
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
    (p, locs)
}
