//! What `--format json` and `--format markdown` print when a command fails
//! before it has a plan or a report: one JSON document, or a `### rtm plan
//! failed` section a PR comment can carry, listing why. Never empty output.

use std::fmt::Write;

use serde_json::json;

/// One reason a command failed: a located configuration diagnostic, or an
/// error of rtm, AWS or the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `error` or `warning`.
    pub severity: &'static str,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub help: Option<String>,
}

impl Problem {
    pub fn error(message: String) -> Problem {
        Problem {
            severity: "error",
            message,
            file: None,
            line: None,
            column: None,
            help: None,
        }
    }

    fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        Some(match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.clone(),
        })
    }
}

fn errors(problems: &[Problem]) -> usize {
    problems.iter().filter(|p| p.severity == "error").count()
}

/// The failure as one JSON document. For `plan` it keeps the plan
/// document's `summary`, `changes` and `diagnostics` keys, so a pipeline
/// reading plans reads failures the same way.
pub fn json(command: &str, problems: &[Problem]) -> String {
    let diagnostics: Vec<serde_json::Value> = problems
        .iter()
        .map(|p| {
            json!({
                "severity": p.severity,
                "address": null,
                "message": p.message,
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "help": p.help,
            })
        })
        .collect();
    let mut doc = json!({
        "format_version": super::JSON_FORMAT_VERSION,
        "command": command,
        "ok": false,
        "error_count": errors(problems),
        "diagnostics": diagnostics,
    });
    if command == "plan" {
        doc["summary"] = json!({ "change": 0, "no_op": 0, "error": errors(problems) });
        doc["changes"] = json!([]);
    }
    if command == "drift" {
        doc["functions"] = json!([]);
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The failure as a Markdown section for a pull-request comment.
pub fn markdown(command: &str, problems: &[Problem]) -> String {
    let n = errors(problems);
    let mut out = format!(
        "### rtm {command} failed\n\n{n} error{} stopped it; nothing was changed.\n\n",
        if n == 1 { "" } else { "s" }
    );
    for p in problems {
        let place = p
            .location()
            .map(|l| format!("`{}`: ", l.replace('`', "'")))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- **{}** {place}{}",
            p.severity,
            super::markdown_escape(&p.message)
        );
        if let Some(h) = &p.help {
            let _ = writeln!(out, "  - {}", super::markdown_escape(h));
        }
    }
    out
}
