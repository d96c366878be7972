//! The plan as a pull-request comment: a summary line, a table, and each
//! function's detail in a collapsible block, cut to fit GitHub's limit.

use std::fmt::Write;

use super::{MARKDOWN_LIMIT, cause_text, changed_names, markdown_escape, steps_line, value_text};
use crate::plan::{Plan, Severity};

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
        // Across accounts and regions, a column says where each function is.
        let places: std::collections::BTreeSet<(&str, &str)> = plan
            .functions
            .iter()
            .map(|f| (f.account_id.as_str(), f.region.as_str()))
            .collect();
        let where_column = places.len() > 1;
        body.push_str(if where_column {
            "| function | account / region | action | changes |\n|---|---|---|---|\n"
        } else {
            "| function | action | changes |\n|---|---|---|\n"
        });
        // The table comes first and gets most of the room; a fleet too big
        // for one comment names how many rows it left out.
        let room = MARKDOWN_LIMIT * 3 / 4;
        let mut shown = 0;
        let mut used = chars(&head) + chars(&body);
        for f in plan.changes() {
            let place = if where_column {
                format!(
                    " {} ({}) / {} |",
                    markdown_escape(f.account.as_deref().unwrap_or("default")),
                    f.account_id,
                    f.region
                )
            } else {
                String::new()
            };
            let row = format!(
                "| `{}` |{place} ~ update | {} |\n",
                code_cell(&f.address.to_string()),
                markdown_escape(&changed_names(f))
            );
            used += chars(&row);
            if used > room {
                break;
            }
            body.push_str(&row);
            shown += 1;
        }
        if shown < changes {
            let _ = writeln!(
                body,
                "\nand {} more functions (full plan: --format json)",
                changes - shown
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
            markdown_escape(&f.address.to_string()),
            markdown_escape(&f.function_name),
            f.qualifier
        );
        let mut lines = String::new();
        for a in &f.attributes {
            let why = cause_text(a)
                .map(|c| format!("  # {c}"))
                .unwrap_or_default();
            if a.before.is_some() {
                let _ = writeln!(lines, "- {} = {}", a.path, value_text(&a.before));
            }
            if a.after.is_some() {
                let _ = writeln!(lines, "+ {} = {}{why}", a.path, value_text(&a.after));
            } else if !why.is_empty() {
                let _ = writeln!(lines, "  {why}");
            }
        }
        // Live values can hold backticks: the fence is longer than any run
        // of them, so no value ends the code block (CommonMark's rule).
        let fence = "`".repeat(longest_backtick_run(&lines).max(2) + 1);
        let _ = write!(d, "{fence}diff\n{lines}{fence}\n\n");
        let _ = writeln!(d, "steps: {}\n", steps_line(f));
        for note in &f.notes {
            let _ = writeln!(d, "> {}\n", markdown_escape(note));
        }
        d.push_str("</details>\n\n");
        details.push(d);
    }
    // Errors first: they are why a reviewer must look; then warnings, then
    // runtime version notes. Bounded, so one bad account cannot crowd out
    // the plan.
    let mut notes: Vec<String> = Vec::new();
    for severity in [Severity::Error, Severity::Warning] {
        for d in plan.diagnostics.iter().filter(|d| d.severity == severity) {
            notes.push(format!(
                "- **{:?}** {}{}\n",
                d.severity,
                d.address
                    .as_ref()
                    .map(|a| format!("`{}`: ", code_cell(&a.to_string())))
                    .unwrap_or_default(),
                markdown_escape(&d.message)
            ));
        }
    }
    for r in &plan.runtime_versions {
        notes.push(format!(
            "- ℹ️ `{}`: runtime version moved by Lambda ({}): `{}` -> `{}`\n",
            code_cell(&r.address.to_string()),
            r.update_runtime_on,
            r.previous.short(),
            r.current.short()
        ));
    }
    let mut tail = String::new();
    let mut tail_used = 0;
    for (i, note) in notes.iter().enumerate() {
        let n = chars(note);
        if tail_used + n > MARKDOWN_LIMIT / 5 {
            let _ = writeln!(
                tail,
                "- and {} more errors, warnings and notes (full plan: --format json)",
                notes.len() - i
            );
            break;
        }
        tail.push_str(note);
        tail_used += n;
    }

    let mut out = head + &body;
    // GitHub counts characters, not bytes.
    let budget = MARKDOWN_LIMIT.saturating_sub(chars(&out) + chars(&tail) + 200);
    let mut used = 0;
    let mut left_out = 0;
    let mut left_chars = 0;
    for d in &details {
        let n = chars(d);
        if used + n <= budget && left_out == 0 {
            out.push_str(d);
            used += n;
        } else {
            left_out += 1;
            left_chars += n;
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "_Cut to fit a comment: the details of {left_out} more function{} ({left_chars} characters) were left out (full plan: --format json, or `rtm show` on the saved plan)._\n",
            if left_out == 1 { "" } else { "s" }
        );
    }
    out.push_str(&tail);
    out
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Text for inside a code span: a backtick would end it.
fn code_cell(s: &str) -> String {
    s.replace('`', "'").replace('|', "\\|")
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}
