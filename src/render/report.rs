//! The "who must act" report: a terminal summary, a versioned JSON
//! document, and Markdown for a PR or a wiki page (summary table first,
//! within the same size limit as the plan's).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::json;

use super::{MARKDOWN_LIMIT, Styler, markdown_escape};
use crate::model::UpdateRuntimeOn;
use crate::plan::report::{FunctionReport, Responsibility, age_text};

fn name(f: &FunctionReport) -> String {
    f.address
        .as_ref()
        .map_or_else(|| f.function_name.clone(), |a| a.to_string())
}

fn accounts(functions: &[FunctionReport]) -> usize {
    functions
        .iter()
        .map(|f| f.account_id.as_str())
        .collect::<BTreeSet<_>>()
        .len()
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn headline(functions: &[FunctionReport]) -> String {
    let lambda = functions
        .iter()
        .filter(|f| f.responsibility == Responsibility::Lambda)
        .count();
    let past = functions
        .iter()
        .filter(|f| !f.violations.is_empty())
        .count();
    format!(
        "{} in {}; lambda patches {lambda}, you must act on {} ({past} past policy)",
        plural(functions.len(), "function"),
        plural(accounts(functions), "account"),
        functions.len() - lambda
    )
}

/// What the report says of one function, after its responsibility: its
/// age (with the threshold it crosses), and its pin's end.
fn detail(f: &FunctionReport) -> String {
    let age = f
        .violations
        .iter()
        .find(|v| v.kind != "deprecated_runtime" && v.kind != "pin_expired")
        .map(|v| v.message.clone())
        .or_else(|| f.days.map(|d| age_text(f.responsibility, d)))
        .unwrap_or_else(|| match f.responsibility {
            Responsibility::Lambda => format!("Auto on {}", f.runtime.as_deref().unwrap_or("?")),
            _ => "(age unknown)".into(),
        });
    let mut text = age;
    if let Some(u) = f.pin_until {
        let _ = write!(text, ", pin_until {u}");
    }
    if f.violations.iter().any(|v| v.kind == "pin_expired") {
        text.push_str(" (expired)");
    }
    text
}

fn deprecation_line(f: &FunctionReport) -> Option<String> {
    let d = f.deprecation.as_ref().filter(|d| d.warn)?;
    let runtime = f.runtime.as_deref().unwrap_or("?");
    Some(if d.days_left < 0 {
        format!("{runtime}, deprecated {}", d.date)
    } else {
        format!(
            "{runtime}, deprecated on {} (in {})",
            d.date,
            plural(d.days_left as usize, "day")
        )
    })
}

pub fn human(functions: &[FunctionReport], s: Styler) -> String {
    let mut out = format!("report: {}\n", headline(functions));
    let width = functions.iter().map(|f| name(f).len()).max().unwrap_or(0);
    let mut body = String::new();
    for f in functions
        .iter()
        .filter(|f| f.responsibility != Responsibility::Lambda || !f.violations.is_empty())
    {
        let who = format!("{:<22}", f.responsibility.as_str());
        let who = if f.violations.is_empty() {
            s.dim(&who)
        } else {
            s.warn(&who)
        };
        let _ = writeln!(body, "  {who} {:<width$}  {}", name(f), detail(f));
    }
    for f in functions {
        if let Some(line) = deprecation_line(f) {
            let label = format!("{:<22}", "deprecated runtime");
            let _ = writeln!(body, "  {} {:<width$}  {line}", s.warn(&label), name(f));
        }
    }
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
    }
    out
}

fn summary(functions: &[FunctionReport]) -> serde_json::Value {
    let mut modes: BTreeMap<&str, usize> = UpdateRuntimeOn::ALL
        .iter()
        .map(|m| (m.as_str(), 0))
        .collect();
    let mut images = 0;
    for f in functions {
        if f.package_type == "Image" {
            images += 1;
        } else {
            *modes.entry(f.update_runtime_on.as_str()).or_default() += 1;
        }
    }
    let responsibilities: BTreeMap<&str, usize> = Responsibility::ALL
        .iter()
        .map(|r| {
            (
                r.as_str(),
                functions.iter().filter(|f| f.responsibility == *r).count(),
            )
        })
        .collect();
    json!({
        "functions": functions.len(),
        "accounts": accounts(functions),
        "by_mode": modes,
        "images": images,
        "by_responsibility": responsibilities,
        "past_policy": functions.iter().filter(|f| !f.violations.is_empty()).map(name).collect::<Vec<_>>(),
        "deprecated_or_soon": functions.iter().filter(|f| f.deprecation.as_ref().is_some_and(|d| d.warn)).map(name).collect::<Vec<_>>(),
    })
}

pub fn json(functions: &[FunctionReport], generated_at: jiff::Timestamp) -> String {
    let doc = json!({
        "format_version": super::JSON_FORMAT_VERSION,
        "generated_at": generated_at.to_string(),
        "summary": summary(functions),
        "functions": functions.iter().map(|f| json!({
            "address": f.address.as_ref().map(|a| a.to_string()),
            "function_name": f.function_name,
            "function_arn": f.function_arn,
            "account": f.account,
            "account_id": f.account_id,
            "region": f.region,
            "runtime": f.runtime,
            "architecture": f.architecture,
            "package_type": f.package_type,
            "update_runtime_on": if f.package_type == "Image" { None } else { Some(f.update_runtime_on) },
            "runtime_version_arn": f.runtime_version_arn,
            "running_since": f.running_since.map(|t| t.to_string()),
            "last_modified": f.last_modified.map(|t| t.to_string()),
            "responsibility": f.responsibility.as_str(),
            "days": f.days,
            "pin_until": f.pin_until.map(|d| d.to_string()),
            "deprecation": f.deprecation.as_ref().map(|d| json!({
                "date": d.date.to_string(), "days_left": d.days_left, "warn": d.warn,
            })),
            "violations": f.violations,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

pub fn markdown(functions: &[FunctionReport]) -> String {
    let mut out = format!("### rtm report: {}\n\n", headline(functions));
    let s = summary(functions);
    out.push_str("| responsibility | functions |\n|---|---|\n");
    for r in Responsibility::ALL {
        let _ = writeln!(
            out,
            "| {} | {} |",
            r.as_str(),
            s["by_responsibility"][r.as_str()]
        );
    }
    out.push('\n');
    let act: Vec<&FunctionReport> = functions
        .iter()
        .filter(|f| {
            f.responsibility != Responsibility::Lambda
                || !f.violations.is_empty()
                || f.deprecation.as_ref().is_some_and(|d| d.warn)
        })
        .collect();
    if act.is_empty() {
        out.push_str("Lambda patches every function here.\n");
        return out;
    }
    out.push_str("| function | who must act | detail |\n|---|---|---|\n");
    let mut left = 0;
    let mut used = out.chars().count();
    for (i, f) in act.iter().enumerate() {
        let mut d = detail(f);
        if let Some(line) = deprecation_line(f) {
            let _ = write!(d, "; {line}");
        }
        let row = format!(
            "| `{}` | {} | {} |\n",
            name(f).replace('`', "'").replace('|', "\\|"),
            f.responsibility.as_str(),
            markdown_escape(&d)
        );
        used += row.chars().count();
        if used > MARKDOWN_LIMIT - 200 {
            left = act.len() - i;
            break;
        }
        out.push_str(&row);
    }
    if left > 0 {
        let _ = writeln!(
            out,
            "\nand {left} more functions (full report: --format json)"
        );
    }
    out
}
