//! The drift report: a cron job's mail (human), a chat or issue message
//! (Markdown), and a versioned JSON document for alerting pipelines.

use std::fmt::Write;

use serde_json::json;

use super::Styler;
use crate::model::AttrValue;
use crate::plan::drift::{DriftStatus, FunctionDrift, RuntimeVersionChange};

fn v(value: &Option<AttrValue>) -> String {
    match value {
        None => "(none)".into(),
        Some(AttrValue::String(s)) if s == crate::plan::SENSITIVE => s.clone(),
        Some(x) => x.to_string(),
    }
}

fn counts(functions: &[FunctionDrift]) -> Vec<(DriftStatus, usize)> {
    DriftStatus::ALL
        .iter()
        .map(|s| (*s, functions.iter().filter(|f| f.status == *s).count()))
        .collect()
}

/// Every runtime version change in the report's window, by function.
fn changes(functions: &[FunctionDrift]) -> Vec<(&FunctionDrift, &RuntimeVersionChange)> {
    functions
        .iter()
        .flat_map(|f| f.runtime_version.changes.iter().map(move |c| (f, c)))
        .collect()
}

fn headline(functions: &[FunctionDrift]) -> String {
    let parts: Vec<String> = counts(functions)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str().replace('_', " ")))
        .collect();
    let moved = changes(functions).len();
    let mut line = if parts.is_empty() {
        "no functions".to_string()
    } else {
        parts.join(", ")
    };
    if moved > 0 {
        let _ = write!(
            line,
            "; {moved} runtime version change{} seen",
            if moved == 1 { "" } else { "s" }
        );
    }
    line
}

pub fn human(functions: &[FunctionDrift], s: Styler) -> String {
    let mut out = format!("drift: {}\n", headline(functions));
    let width = functions
        .iter()
        .filter(|f| f.status != DriftStatus::InSync)
        .map(|f| f.address.to_string().len())
        .max()
        .unwrap_or(0);
    let mut body = String::new();
    for f in functions.iter().filter(|f| f.status != DriftStatus::InSync) {
        let status = format!("{:<12}", f.status.as_str());
        let status = if f.status.alerts() {
            s.warn(&status)
        } else {
            s.dim(&status)
        };
        let address = format!("{:<width$}", f.address.to_string());
        if f.fields.is_empty() {
            let _ = writeln!(
                body,
                "  {status} {address}  {}",
                f.detail.clone().unwrap_or_else(|| {
                    "configuration changed since the last apply; run rtm plan".into()
                })
            );
        }
        for field in &f.fields {
            let _ = writeln!(
                body,
                "  {status} {address}  {}  expected {}, live {} (last applied {})",
                field.path,
                v(&field.expected),
                v(&field.live),
                v(&field.last_applied)
            );
        }
    }
    for f in functions {
        for v in &f.violations {
            let _ = writeln!(
                body,
                "  {} {:<width$}  past policy: {}",
                s.warn(&format!("{:<12}", "policy")),
                f.address.to_string(),
                v.message
            );
        }
    }
    for (f, change) in changes(functions) {
        let _ = writeln!(
            body,
            "  {} {:<width$}  {} -> {} ({}), first seen {}",
            s.symbol(&format!("{:<12}", "runtime")),
            f.address.to_string(),
            change.previous.short(),
            change.current.short(),
            f.update_runtime_on
                .map_or("unknown mode".into(), |m| m.to_string()),
            change.first_seen.strftime("%Y-%m-%d %H:%M UTC")
        );
    }
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
    }
    out
}

pub fn json(
    functions: &[FunctionDrift],
    generated_at: jiff::Timestamp,
    warnings: &[String],
) -> String {
    let summary: serde_json::Map<String, serde_json::Value> = counts(functions)
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    let doc = json!({
        "format_version": super::JSON_FORMAT_VERSION,
        "generated_at": generated_at.to_string(),
        "summary": summary,
        "warnings": warnings,
        "functions": functions.iter().map(|f| json!({
            "address": f.address.to_string(),
            "function_name": f.function_name,
            "account": f.account.as_deref().unwrap_or("default"),
            "account_id": f.account_id,
            "region": f.region,
            "status": f.status.as_str(),
            "detail": f.detail,
            "violations": f.violations,
            "fields": f.fields.iter().map(|x| json!({
                "path": x.path, "expected": x.expected, "live": x.live, "last_applied": x.last_applied,
            })).collect::<Vec<_>>(),
            "runtime_version": {
                "current": f.runtime_version.current,
                "previous": f.runtime_version.previous,
                "changed_at": f.runtime_version.changed_at.map(|t| t.to_string()),
                "changes": f.runtime_version.changes.iter().map(|c| json!({
                    "previous": c.previous,
                    "current": c.current,
                    "first_seen": c.first_seen.to_string(),
                })).collect::<Vec<_>>(),
            },
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

pub fn markdown(functions: &[FunctionDrift]) -> String {
    let mut out = format!("### rtm drift: {}\n\n", headline(functions));
    let flagged: Vec<&FunctionDrift> = functions
        .iter()
        .filter(|f| f.status != DriftStatus::InSync)
        .collect();
    if !flagged.is_empty() {
        out.push_str("| function | status | detail |\n|---|---|---|\n");
        for f in flagged {
            let detail = if f.fields.is_empty() {
                f.detail.clone().unwrap_or_default()
            } else {
                f.fields
                    .iter()
                    .map(|x| {
                        format!(
                            "`{}`: expected {}, live {} (last applied {})",
                            x.path,
                            v(&x.expected),
                            v(&x.live),
                            v(&x.last_applied)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                f.address,
                f.status.as_str(),
                detail.replace('|', "\\|")
            );
        }
        out.push('\n');
    }
    let moved = changes(functions);
    if !moved.is_empty() {
        out.push_str("Runtime version changes:\n\n");
        for (f, c) in moved {
            let _ = writeln!(
                out,
                "- `{}`: `{}` -> `{}`, first seen {}",
                f.address,
                c.previous.short(),
                c.current.short(),
                c.first_seen.strftime("%Y-%m-%d %H:%M UTC")
            );
        }
    }
    out
}
