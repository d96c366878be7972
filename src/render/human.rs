//! The plan for a person at a terminal (Terraform-like).

use std::fmt::Write;

use super::{Styler, cause_text, is_multiline, lines_of, steps_line, value_text};
use crate::plan::{Plan, Severity};

const ALIGN_LIMIT: usize = 52;

/// How many accounts and regions the plan covers, when more than one
/// account-region.
fn spread(plan: &Plan) -> Option<(usize, usize)> {
    use std::collections::BTreeSet;
    let places: BTreeSet<(&str, &str)> = plan
        .functions
        .iter()
        .map(|f| (f.account_id.as_str(), f.region.as_str()))
        .collect();
    (places.len() > 1).then(|| {
        let accounts: BTreeSet<&str> = places.iter().map(|p| p.0).collect();
        let regions: BTreeSet<&str> = places.iter().map(|p| p.1).collect();
        (accounts.len(), regions.len())
    })
}

pub fn plan(plan: &Plan, s: Styler) -> String {
    let mut out = String::new();
    let total = plan.functions.len();
    let changes = plan.change_count();
    let errors = plan.error_count();
    if errors > 0 && changes == 0 {
        // Never "No changes" beside an error: what could not be read may differ.
        let _ = writeln!(
            out,
            "{} {errors} error{} (below); the plan is incomplete.",
            s.error("Plan failed:"),
            if errors == 1 { "" } else { "s" }
        );
    } else if changes == 0 {
        let _ = writeln!(
            out,
            "{} Live functions match the configuration ({total} function{}).",
            s.ok("No changes."),
            if total == 1 { "" } else { "s" }
        );
    } else if let Some((accounts, regions)) = spread(plan) {
        let _ = writeln!(
            out,
            "rtm will perform these actions ({total} function{} in {accounts} account{}, {regions} region{}; {changes} change{}):",
            if total == 1 { "" } else { "s" },
            if accounts == 1 { "" } else { "s" },
            if regions == 1 { "" } else { "s" },
            if changes == 1 { "" } else { "s" },
        );
    } else {
        let _ = writeln!(
            out,
            "rtm will perform these actions ({total} function{}, {changes} change{}):",
            if total == 1 { "" } else { "s" },
            if changes == 1 { "" } else { "s" },
        );
    }
    // Across accounts and regions, changes are grouped under a heading each.
    let grouped = spread(plan).is_some();
    let mut changed: Vec<&crate::plan::FunctionPlan> = plan.changes().collect();
    if grouped {
        changed.sort_by(|a, b| {
            (super::account_heading(a), &a.address).cmp(&(super::account_heading(b), &b.address))
        });
    }
    let mut heading = String::new();
    for f in changed {
        if grouped && super::account_heading(f) != heading {
            heading = super::account_heading(f);
            let _ = write!(out, "\n{}\n", s.bold(&heading));
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "  {} {}  {}",
            s.symbol("~"),
            s.bold(&f.address.to_string()),
            s.dim(&format!("({}, {})", f.function_name, f.qualifier))
        );
        let width = f
            .attributes
            .iter()
            .map(|a| a.path.len())
            .filter(|w| *w <= ALIGN_LIMIT)
            .max()
            .unwrap_or(0);
        // `-/+` is three columns wide: pad the others to keep paths aligned.
        let sym_width = if f.attributes.iter().any(|a| a.replace) {
            3
        } else {
            1
        };
        for a in &f.attributes {
            let sym = s.symbol(&format!("{:<sym_width$}", a.symbol()));
            let cause = cause_text(a)
                .map(|c| format!("    {}", s.dim(&c)))
                .unwrap_or_default();
            if a.sensitive {
                let what = match a.symbol() {
                    "+" => "sensitive value added",
                    "-" => "sensitive value removed",
                    _ => "sensitive value changed",
                };
                let _ = writeln!(out, "      {sym} {:width$}  ({what}){cause}", a.path);
            } else if is_multiline(&a.before) || is_multiline(&a.after) {
                let _ = writeln!(out, "      {sym} {}{cause}", a.path);
                let (old, new) = (lines_of(&a.before), lines_of(&a.after));
                let diff = similar::TextDiff::from_lines(&old, &new);
                for change in diff.iter_all_changes() {
                    let (mark, text) = match change.tag() {
                        similar::ChangeTag::Delete => (s.symbol("-"), change.value()),
                        similar::ChangeTag::Insert => (s.symbol("+"), change.value()),
                        similar::ChangeTag::Equal => (" ".to_string(), change.value()),
                    };
                    let _ = write!(out, "            {mark} {text}");
                }
            } else if a.path.len() > ALIGN_LIMIT {
                let _ = writeln!(out, "      {sym} {}{cause}", a.path);
                let _ = writeln!(
                    out,
                    "            {} -> {}",
                    value_text(&a.before),
                    value_text(&a.after)
                );
            } else {
                let _ = writeln!(
                    out,
                    "      {sym} {:width$}  {} -> {}{cause}",
                    a.path,
                    value_text(&a.before),
                    value_text(&a.after)
                );
            }
        }
        let _ = writeln!(out, "      {}", s.dim(&format!("steps: {}", steps_line(f))));
        for note in &f.notes {
            let _ = writeln!(out, "      {}", s.dim(&format!("({note})")));
        }
    }
    if !plan.runtime_versions.is_empty() {
        out.push('\n');
        for r in &plan.runtime_versions {
            let _ = writeln!(
                out,
                "  {} {}  runtime version moved by Lambda ({}): {} -> {}, last seen before {}",
                s.symbol("i"),
                r.address,
                r.update_runtime_on,
                r.previous.short(),
                r.current.short(),
                r.previous_seen.strftime("%Y-%m-%d %H:%M UTC"),
            );
        }
    }
    if !plan.diagnostics.is_empty() {
        out.push('\n');
        for d in &plan.diagnostics {
            let label = match d.severity {
                Severity::Error => s.error("error"),
                Severity::Warning => s.warn("warning"),
            };
            match &d.address {
                Some(a) => {
                    let _ = writeln!(out, "{label}: {a}: {}", d.message);
                }
                None => {
                    let _ = writeln!(out, "{label}: {}", d.message);
                }
            }
        }
    }
    out.push('\n');
    let _ = write!(
        out,
        "{} {changes} to change, {} unchanged",
        s.bold("Plan:"),
        plan.unchanged_count()
    );
    if errors > 0 {
        let _ = write!(
            out,
            ", {errors} error{}",
            if errors == 1 { "" } else { "s" }
        );
    }
    out.push_str(".\n");
    out
}
