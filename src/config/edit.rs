//! In-place edits of a function's `runtime_management` block, for
//! `rtm rollback`. Text is spliced at the spans hcl-edit reports, so every
//! comment and every line the edit does not touch stays as the user wrote
//! it; the caller then runs the formatter to realign `=`.
//!
//! This module never decides what to pin: it writes what it is told.

use std::ops::Range;

use hcl::edit::Span;
use hcl::edit::structure::{Block, BlockLabel, Body};

use crate::model::UpdateRuntimeOn;

/// What to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinEdit {
    /// Manual on `runtime_version_arn` until `pin_until`, with a reason.
    Pin {
        runtime_version_arn: String,
        pin_until: jiff::civil::Date,
        reason: Option<String>,
    },
    /// Remove the pin: drop the ARN, date and reason; set the mode, or
    /// remove it (`None`) so the `defaults` block's mode applies.
    Clear { mode: Option<UpdateRuntimeOn> },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the file does not parse: {0}")]
    Parse(String),
    #[error("no `function \"{0}\"` block in this file")]
    NotFound(String),
    #[error(
        "the `function \"{0}\"` block is written on one line; put its closing brace on a line of its own and run rollback again"
    )]
    OneLine(String),
}

fn label_is(block: &Block, label: &str) -> bool {
    block.ident.as_str() == "function"
        && match block.labels.first() {
            Some(BlockLabel::String(s)) => s.as_str() == label,
            Some(BlockLabel::Ident(i)) => i.as_str() == label,
            None => false,
        }
}

/// Finds the `function "LABEL"` block in a body.
pub fn find_function<'a>(body: &'a Body, label: &str) -> Option<&'a Block> {
    body.blocks().find(|b| label_is(b, label))
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The start of the line holding byte `pos`.
fn line_start(src: &str, pos: usize) -> usize {
    src[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The indentation of the line holding byte `pos`.
fn indent_at(src: &str, pos: usize) -> String {
    let start = line_start(src, pos);
    src[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The range covering a whole line (with its newline) when the span is the
/// only thing on it, else just the span.
fn whole_line(src: &str, span: Range<usize>) -> Range<usize> {
    let start = line_start(src, span.start);
    let end = src[span.end..]
        .find('\n')
        .map_or(src.len(), |i| span.end + i + 1);
    let before = &src[start..span.start];
    let after = &src[span.end..end];
    let after_code = after.trim_start();
    if before.trim().is_empty()
        && (after_code.is_empty() || after_code.starts_with('#') || after_code.starts_with("//"))
    {
        start..end
    } else {
        span
    }
}

/// Applies `edit` to the `function "LABEL"` block of `source`.
pub fn edit_runtime_management(
    source: &str,
    label: &str,
    edit: &PinEdit,
) -> Result<String, EditError> {
    // A byte-order mark is kept where it was, outside the edited text.
    if let Some(rest) = source.strip_prefix(super::files::BOM) {
        return edit_runtime_management(rest, label, edit)
            .map(|edited| format!("{}{edited}", super::files::BOM));
    }
    let body =
        hcl::edit::parser::parse_body(source).map_err(|e| EditError::Parse(e.to_string()))?;
    let function =
        find_function(&body, label).ok_or_else(|| EditError::NotFound(label.to_string()))?;
    let fspan = function
        .span()
        .ok_or_else(|| EditError::NotFound(label.to_string()))?;
    if !source[fspan.clone()].contains('\n') {
        return Err(EditError::OneLine(label.to_string()));
    }
    let (set, remove): (Vec<(&str, String)>, Vec<&str>) = match edit {
        PinEdit::Pin {
            runtime_version_arn,
            pin_until,
            reason,
        } => {
            let mut set = vec![
                ("update_runtime_on", quote("Manual")),
                ("runtime_version_arn", quote(runtime_version_arn)),
                ("pin_until", quote(&pin_until.to_string())),
            ];
            let mut remove = Vec::new();
            match reason {
                Some(r) => set.push(("reason", quote(r))),
                None => remove.push("reason"),
            }
            (set, remove)
        }
        PinEdit::Clear { mode } => {
            let mut remove = vec!["runtime_version_arn", "pin_until", "reason"];
            let set = match mode {
                Some(m) => vec![("update_runtime_on", quote(m.as_str()))],
                None => {
                    remove.push("update_runtime_on");
                    Vec::new()
                }
            };
            (set, remove)
        }
    };

    let mut splices: Vec<(Range<usize>, String)> = Vec::new();
    match function
        .body
        .blocks()
        .find(|b| b.ident.as_str() == "runtime_management")
    {
        Some(rm) => {
            let span = rm
                .span()
                .ok_or_else(|| EditError::NotFound(label.to_string()))?;
            let close = span.end - 1;
            let one_line = !source[span.clone()].contains('\n');
            let indent = indent_at(source, span.start);
            let inner = format!("{indent}  ");
            let remaining: Vec<&str> = rm
                .body
                .attributes()
                .map(|a| a.key.as_str())
                .filter(|k| !remove.contains(k))
                .collect();
            let untouched: Vec<(String, String)> = rm
                .body
                .attributes()
                .filter(|a| {
                    !remove.contains(&a.key.as_str())
                        && !set.iter().any(|(k, _)| *k == a.key.as_str())
                })
                .filter_map(|a| {
                    a.value
                        .span()
                        .map(|s| (a.key.as_str().to_string(), source[s].to_string()))
                })
                .collect();
            if remaining.is_empty() && set.is_empty() {
                // Nothing left: drop the block.
                splices.push((whole_line(source, span), String::new()));
            } else if one_line {
                let mut text = String::from("runtime_management {\n");
                for (k, v) in set
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .chain(untouched)
                {
                    text.push_str(&format!("{inner}{k} = {v}\n"));
                }
                text.push_str(&format!("{indent}}}"));
                splices.push((span, text));
            } else {
                for attr in rm.body.attributes() {
                    let key = attr.key.as_str();
                    if remove.contains(&key) {
                        if let Some(s) = attr.span() {
                            splices.push((whole_line(source, s), String::new()));
                        }
                    } else if let Some((_, v)) = set.iter().find(|(k, _)| *k == key)
                        && let Some(s) = attr.value.span()
                    {
                        splices.push((s, v.clone()));
                    }
                }
                let missing: String = set
                    .iter()
                    .filter(|(k, _)| !rm.body.has_attribute(k))
                    .map(|(k, v)| format!("{inner}{k} = {v}\n"))
                    .collect();
                if !missing.is_empty() {
                    let at = line_start(source, close);
                    splices.push((at..at, missing));
                }
            }
        }
        None if !set.is_empty() => {
            let close = fspan.end - 1;
            let indent = indent_at(source, fspan.start);
            let inner = format!("{indent}  ");
            let mut text = format!("\n{inner}runtime_management {{\n");
            for (k, v) in &set {
                text.push_str(&format!("{inner}  {k} = {v}\n"));
            }
            text.push_str(&format!("{inner}}}\n"));
            let at = line_start(source, close);
            splices.push((at..at, text));
        }
        None => {}
    }
    splices.sort_by(|a, b| b.0.start.cmp(&a.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut out = source.to_string();
    for (range, text) in splices {
        out.replace_range(range, &text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"# the orders API
function "orders" {
  name = "orders-prod" # prod

  # pinned? not yet
  runtime_management {
    update_runtime_on = "Auto" # default
  }
}

function "other" {
  name = "x"
}
"#;

    fn pin() -> PinEdit {
        PinEdit::Pin {
            runtime_version_arn: "arn:aws:lambda:us-east-1::runtime:abc".into(),
            pin_until: jiff::civil::date(2026, 12, 5),
            reason: Some("v18 breaks pydantic".into()),
        }
    }

    #[test]
    fn pins_in_place_keeping_comments() {
        let out = edit_runtime_management(SRC, "orders", &pin()).unwrap();
        assert!(
            out.contains("update_runtime_on = \"Manual\" # default"),
            "{out}"
        );
        assert!(
            out.contains("    runtime_version_arn = \"arn:aws:lambda:us-east-1::runtime:abc\"\n"),
            "{out}"
        );
        assert!(out.contains("    pin_until = \"2026-12-05\"\n"), "{out}");
        assert!(out.contains("# pinned? not yet"), "{out}");
        assert!(out.contains("# the orders API"), "{out}");
        assert!(
            out.contains("function \"other\" {\n  name = \"x\"\n}"),
            "{out}"
        );
        hcl::edit::parser::parse_body(&out).unwrap();
    }

    #[test]
    fn clearing_restores_the_mode_and_round_trips() {
        let pinned = edit_runtime_management(SRC, "orders", &pin()).unwrap();
        let cleared = edit_runtime_management(
            &pinned,
            "orders",
            &PinEdit::Clear {
                mode: Some(UpdateRuntimeOn::Auto),
            },
        )
        .unwrap();
        assert_eq!(cleared, SRC);
        let to_defaults =
            edit_runtime_management(&pinned, "orders", &PinEdit::Clear { mode: None }).unwrap();
        assert!(!to_defaults.contains("runtime_management"), "{to_defaults}");
        assert!(to_defaults.contains("# pinned? not yet"));
    }

    #[test]
    fn a_byte_order_mark_stays_in_front_of_the_edited_file() {
        let src = format!("\u{feff}{SRC}");
        let out = edit_runtime_management(&src, "orders", &pin()).unwrap();
        let rest = out.strip_prefix('\u{feff}').expect("the mark is kept");
        assert_eq!(
            rest,
            edit_runtime_management(SRC, "orders", &pin()).unwrap()
        );
    }

    #[test]
    fn adds_a_block_when_there_is_none() {
        let out = edit_runtime_management(SRC, "other", &pin()).unwrap();
        assert!(out.contains("function \"other\" {\n  name = \"x\"\n\n  runtime_management {\n    update_runtime_on = \"Manual\"\n"), "{out}");
        hcl::edit::parser::parse_body(&out).unwrap();
    }

    #[test]
    fn one_line_blocks_are_rewritten_as_blocks() {
        let src = "function \"w\" {\n  runtime_management { update_runtime_on = \"FunctionUpdate\" }\n}\n";
        let out = edit_runtime_management(src, "w", &pin()).unwrap();
        assert!(
            out.contains("  runtime_management {\n    update_runtime_on = \"Manual\"\n"),
            "{out}"
        );
        hcl::edit::parser::parse_body(&out).unwrap();
        assert_eq!(
            edit_runtime_management(src, "nope", &pin()),
            Err(EditError::NotFound("nope".into()))
        );
    }
}
