//! Renderers: pure functions of a `Plan` (or a drift report) to text. The
//! output format is chosen once, by the caller; nothing here prints or
//! decides exit codes.

pub mod drift;
pub mod failure;
mod human;
mod json;
mod markdown;
pub mod report;
mod style;

pub use human::plan as human_plan;
pub use json::plan as json_plan;
pub use markdown::plan as markdown_plan;
pub use style::Styler;

use crate::model::AttrValue;
use crate::plan::{AttributeChange, Cause, FunctionPlan};

/// The version of every JSON document rtm prints (plan, drift, validate,
/// apply events, state). Its own number, apart from the plan file's: the
/// printed documents and the saved plan change for different reasons.
/// Fields are a contract with users' pipelines: add, never rename.
pub const JSON_FORMAT_VERSION: &str = "1.0";

/// Where GitHub's comment limit (65,536) leaves room for our note.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Text from live values or messages, safe in Markdown outside code spans:
/// HTML is shown, not rendered (a description `<b>x</b>` stays literal), and
/// a `|` does not end a table cell.
pub fn markdown_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

fn value_text(v: &Option<AttrValue>) -> String {
    match v {
        None => "(none)".into(),
        Some(AttrValue::String(s)) if s == crate::plan::SENSITIVE => s.clone(),
        // Runtime version ARNs differ only in their 64-digit hash: show its
        // ends, as a reviewer compares them.
        Some(AttrValue::String(s)) if s.contains("::runtime:") => {
            match crate::model::RuntimeVersionArn::parse(s) {
                Ok(arn) => format!("{:?}", arn.short()),
                Err(_) => format!("{s:?}"),
            }
        }
        Some(v) => v.to_string(),
    }
}

/// Multi-line values (long lists, strings with newlines) are shown as a
/// unified diff rather than `before -> after`.
fn is_multiline(v: &Option<AttrValue>) -> bool {
    match v {
        Some(AttrValue::List(items)) => items.len() > 3,
        Some(AttrValue::String(s)) => s.contains('\n'),
        _ => false,
    }
}

fn lines_of(v: &Option<AttrValue>) -> String {
    match v {
        None => String::new(),
        Some(AttrValue::List(items)) => items.iter().map(|i| format!("{i:?}\n")).collect(),
        Some(AttrValue::String(s)) => format!("{s}\n"),
        Some(v) => format!("{v}\n"),
    }
}

/// The words after an attribute line that say why it changes.
fn cause_text(change: &AttributeChange) -> Option<String> {
    match change.cause {
        Cause::Config => None,
        Cause::Drift => Some(match &change.last_applied {
            Some(v) => format!("drift: changed outside rtm since the last apply (was {v})"),
            None => "drift: changed outside rtm since the last apply".into(),
        }),
        Cause::PinExpired => Some("pin expired: back to Auto".into()),
    }
}

/// `PutRuntimeManagementConfig(Auto) -> UpdateFunctionConfiguration -> wait Successful -> ...`
fn steps_line(f: &FunctionPlan) -> String {
    let mut parts = Vec::new();
    for step in &f.steps {
        parts.push(step.label());
        if step.wait.is_some() {
            parts.push("wait Successful".into());
        }
    }
    parts.join(" -> ")
}

/// `account prod (111111111111) / eu-west-1`: where a function is.
pub fn account_heading(f: &FunctionPlan) -> String {
    format!(
        "account {} ({}) / {}",
        f.account.as_deref().unwrap_or("default"),
        f.account_id,
        f.region
    )
}

/// Short names of the changed attributes, for summary tables.
fn changed_names(f: &FunctionPlan) -> String {
    let mut names: Vec<String> = Vec::new();
    for a in &f.attributes {
        let name = if a.path.starts_with(crate::model::ENVIRONMENT_PREFIX) {
            "environment".to_string()
        } else if let Some(rest) = a.path.strip_prefix("runtime_management.") {
            match rest {
                "update_runtime_on" => "update mode".into(),
                _ => "runtime version pin".into(),
            }
        } else {
            a.path.trim_start_matches("configuration.").to_string()
        };
        let name = match a.cause {
            Cause::Drift => format!("{name} (drift)"),
            Cause::PinExpired => format!("{name} (pin expired)"),
            Cause::Config => name,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(", ")
}
