//! Typing of a function's `runtime_management` block (with the defaults'
//! merged in) into `model::RuntimeManagement`: the mode, the pinned runtime
//! version ARN and its region, pin_until, the reason, and the policy's
//! rules on Manual pins. What Lambda's PutRuntimeManagementConfig accepts.
//!
//! Sees evaluated fields only; never evaluates or reads files.

use std::sync::LazyLock;

use regex::Regex;

use super::instance::{Env, Instance, View};
use super::syntax::{D, Reporter};
use super::typing::{expect_string, one_of, regex};
use crate::model::{MODE_PATH, RuntimeManagement, RuntimeVersionArn, UpdateRuntimeOn};

static DATE: LazyLock<Regex> = LazyLock::new(|| regex(r"^\d{4}-\d{2}-\d{2}$"));

pub fn runtime_management(
    r: &mut Reporter<'_>,
    env: &Env<'_>,
    inst: &Instance<'_>,
    view: &View<'_>,
    function_region: Option<&str>,
) -> Option<RuntimeManagement> {
    let block_loc = inst.block_locs.get("runtime_management");
    if block_loc.is_none() && !view.any_under("runtime_management.") {
        return None;
    }
    let mode_field = view.get(MODE_PATH);
    let Some(mode_field) = mode_field else {
        if inst.poisoned.iter().any(|p| p == MODE_PATH) {
            return None;
        }
        let loc = block_loc.unwrap_or(inst.label_loc);
        r.emit(
            D::error(loc, "runtime_management needs update_runtime_on")
                .help("set update_runtime_on = \"Auto\", \"FunctionUpdate\" or \"Manual\""),
        );
        return None;
    };
    let modes = ["Auto", "FunctionUpdate", "Manual"];
    let mode: UpdateRuntimeOn = one_of(r, "update_runtime_on", mode_field, &modes)?
        .parse()
        .ok()?;
    let manual = mode == UpdateRuntimeOn::Manual;

    let mut arn = None;
    if let Some(f) = view.get("runtime_management.runtime_version_arn") {
        if !manual {
            r.emit(
                D::error(
                    &f.key_loc,
                    "runtime_version_arn is only allowed with update_runtime_on = \"Manual\"",
                )
                .label("remove it, or set update_runtime_on = \"Manual\" to pin this version")
                .note(&mode_field.loc, format!("update_runtime_on is {mode} here")),
            );
        } else if let Some(s) = expect_string(r, "runtime_version_arn", f) {
            match RuntimeVersionArn::parse(&s) {
                Ok(a) => {
                    if let Some(region) = function_region
                        && a.region() != region
                    {
                        r.emit(
                                D::error(&f.loc, format!(
                                    "runtime version ARN is in {} but the function is in {region}",
                                    a.region()
                                ))
                                .help("runtime version ARNs differ per region; take the ARN from the function's own region (GetFunction RuntimeVersionConfig)"),
                            );
                    }
                    arn = Some(a);
                }
                Err(e) => r.emit(D::error(&f.loc, e.to_string())),
            }
        }
    } else if manual
        && !inst
            .poisoned
            .iter()
            .any(|p| p == "runtime_management.runtime_version_arn")
    {
        r.emit(
            D::error(&mode_field.loc, "update_runtime_on = \"Manual\" requires runtime_version_arn")
                .help("add runtime_version_arn = \"arn:aws:lambda:REGION::runtime:...\": the version to pin"),
        );
    }

    let mut pin_until = None;
    let pin_field = view.get("runtime_management.pin_until");
    if let Some(f) = pin_field {
        if !manual {
            r.emit(
                D::error(
                    &f.key_loc,
                    "pin_until is only allowed with update_runtime_on = \"Manual\"",
                )
                .label("remove it: only a Manual pin expires")
                .note(&mode_field.loc, format!("update_runtime_on is {mode} here")),
            );
        } else if let Some(s) = expect_string(r, "pin_until", f) {
            let parsed = if DATE.is_match(&s) {
                s.parse::<jiff::civil::Date>().ok()
            } else {
                None
            };
            match parsed {
                None => r.emit(
                    D::error(&f.loc, format!("pin_until {s:?} is not a valid date"))
                        .help("write the date as YYYY-MM-DD, e.g. \"2026-12-31\""),
                ),
                Some(date) => {
                    if date < env.today {
                        r.emit(
                            D::warning(&f.loc, format!(
                                "pin_until {date} is in the past: the pin on {} has expired",
                                inst.address
                            ))
                            .help("plan will propose update_runtime_on = \"Auto\"; extend pin_until or remove the pin"),
                        );
                    }
                    pin_until = Some(date);
                }
            }
        }
    }
    let mut reason = None;
    if let Some(f) = view.get("runtime_management.reason")
        && let Some(s) = expect_string(r, "reason", f)
    {
        if s.chars().count() > 1024 {
            r.emit(D::error(&f.loc, "reason is limited to 1024 characters"));
        }
        reason = Some(s);
    }

    if manual {
        if !env.policy.allow_manual {
            let mut d = D::error(&mode_field.loc, format!(
                "{} uses update_runtime_on = \"Manual\", which the policy forbids",
                inst.address
            ))
            .help("this account's policy keeps every function patched: use \"Auto\" or \"FunctionUpdate\"");
            if let Some(l) = &env.policy_locs.allow_manual {
                d = d.note(l, "policy allow_manual = false is set here");
            }
            r.emit(d);
        }
        if let Some(max) = env.policy.max_pin_days {
            let limit = env
                .today
                .checked_add(jiff::Span::new().days(i64::from(max)))
                .ok();
            match (pin_until, pin_field) {
                (Some(date), Some(f)) if limit.is_some_and(|l| date > l) => {
                    let mut d = D::error(&f.loc, format!(
                            "pin_until {date} is more than {max} days ahead (the policy's max_pin_days)"
                        ))
                        .help(format!(
                            "pin until {} at the latest",
                            limit.map(|l| l.to_string()).unwrap_or_default()
                        ));
                    if let Some(l) = &env.policy_locs.max_pin_days {
                        d = d.note(l, format!("policy max_pin_days = {max} is set here"));
                    }
                    r.emit(d);
                }
                _ if pin_field.is_none() => {
                    let mut d = D::error(&mode_field.loc, format!(
                        "a Manual pin must carry pin_until: the policy limits pins to {max} days"
                    ))
                    .help("add pin_until = \"YYYY-MM-DD\"");
                    if let Some(l) = &env.policy_locs.max_pin_days {
                        d = d.note(l, format!("policy max_pin_days = {max} is set here"));
                    }
                    r.emit(d);
                }
                _ => {}
            }
        } else if pin_field.is_none() {
            r.emit(
                D::warning(&mode_field.loc, format!("{} is pinned with Manual but has no pin_until", inst.address))
                    .help("Manual is a temporary mitigation: without patches the function stays on an old runtime; add pin_until = \"YYYY-MM-DD\""),
            );
        }
    }
    Some(RuntimeManagement {
        update_runtime_on: mode,
        runtime_version_arn: arn,
        pin_until,
        reason,
    })
}
