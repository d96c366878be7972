//! The plan as a pull-request comment: a summary line, a table, and each
//! function's detail in a collapsible block, cut to fit GitHub's limit.

use std::fmt::Write;

use super::{MARKDOWN_LIMIT, cause_text, changed_names, steps_line, value_text};
use crate::plan::Plan;

pub fn plan(plan: &Plan) -> String {
    let changes = plan.change_count();
    let mut head = String::new();
    let _ = write!(
        head,
        "### rtm plan: {changes} to change, {} unchanged",
        plan.unchanged_count()
    );
    if plan.error_count() > 0 {
        let errors = plan.error_count();
        let _ = write!(
            head,
            ", {errors} error{}",
            if errors == 1 { "" } else { "s" }
        );
    }
    head.push_str("\n\n");
    let mut body = String::new();
    if changes > 0 {
        body.push_str("| function | action | changes |\n|---|---|---|\n");
        for f in plan.changes() {
            let _ = writeln!(
                body,
                "| `{}` | ~ update | {} |",
                escape_cell(&f.address.to_string()),
                escape_cell(&changed_names(f))
            );
        }
        body.push('\n');
    } else if plan.error_count() == 0 {
        body.push_str("No changes: live functions match the configuration.\n\n");
    } else {
        body.push_str(
            "The plan is incomplete: the errors below stopped it for some functions.\n\n",
        );
    }
    let mut details = Vec::new();
    for f in plan.changes() {
        let mut d = String::new();
        let _ = writeln!(
            d,
            "<details><summary><code>{}</code> ({}, {})</summary>\n",
            html_escape(&f.address.to_string()),
            html_escape(&f.function_name),
            f.qualifier
        );
        d.push_str("```diff\n");
        for a in &f.attributes {
            let why = cause_text(a)
                .map(|c| format!("  # {c}"))
                .unwrap_or_default();
            if a.before.is_some() {
                let _ = writeln!(d, "- {} = {}", a.path, value_text(&a.before));
            }
            if a.after.is_some() {
                let _ = writeln!(d, "+ {} = {}{why}", a.path, value_text(&a.after));
            } else if !why.is_empty() {
                let _ = writeln!(d, "  {why}");
            }
        }
        d.push_str("```\n\n");
        let _ = writeln!(d, "steps: {}\n", steps_line(f));
        for note in &f.notes {
            let _ = writeln!(d, "> {note}\n");
        }
        d.push_str("</details>\n\n");
        details.push(d);
    }
    let mut tail = String::new();
    for r in &plan.runtime_versions {
        let _ = writeln!(
            tail,
            "- ℹ️ `{}`: runtime version moved by Lambda ({}): `{}` -> `{}`",
            r.address,
            r.update_runtime_on,
            r.previous.short(),
            r.current.short()
        );
    }
    for d in &plan.diagnostics {
        let _ = writeln!(
            tail,
            "- **{:?}** {}{}",
            d.severity,
            d.address
                .as_ref()
                .map(|a| format!("`{a}`: "))
                .unwrap_or_default(),
            d.message
        );
    }

    let mut out = head + &body;
    let budget = MARKDOWN_LIMIT.saturating_sub(out.len() + tail.len() + 200);
    let mut used = 0;
    let mut left_out = 0;
    let mut left_chars = 0;
    for d in &details {
        if used + d.len() <= budget && left_out == 0 {
            out.push_str(d);
            used += d.len();
        } else {
            left_out += 1;
            left_chars += d.len();
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "_Cut to fit a comment: the details of {left_out} more function{} ({left_chars} characters) were left out; run `rtm show` on the saved plan for all of it._\n",
            if left_out == 1 { "" } else { "s" }
        );
    }
    out.push_str(&tail);
    out
}

fn escape_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
