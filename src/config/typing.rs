//! Typing of evaluated attributes: a field's value as the string, number,
//! bool, list or map an attribute expects (by HCL's conversions, see
//! `value`), each mismatch reported at the field, plus the range and
//! one-of checks most attributes share.
//!
//! Knows no attribute by name and never evaluates expressions or reads
//! files: the settings, policy, runtime_management and configuration files
//! say what each attribute is and call these.

use std::collections::BTreeMap;

use hcl::Value;
use regex::Regex;

use super::diagnostic::did_you_mean;
use super::syntax::{D, Loc, Reporter};
use super::value::{to_bool, to_number, to_string, type_name};

/// One evaluated attribute: its value, where the value is written, and
/// where its name is written.
#[derive(Debug, Clone)]
pub struct Field {
    pub value: Value,
    pub loc: Loc,
    pub key_loc: Loc,
}

/// Evaluated attributes keyed by dotted path (`configuration.logging_config.log_format`).
pub type Fields = BTreeMap<String, Field>;

/// A pattern written in the source (a bad one fails the first test).
pub fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

fn short_name(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// "`memory_size` must be a whole number; got a string", at the field.
fn wrong_type(path: &str, f: &Field, got: &Value, expected: &str) -> D {
    D::error(
        &f.loc,
        format!(
            "{} must be {expected}; got a {}",
            short_name(path),
            type_name(got)
        ),
    )
}

/// The field's value converted by `convert`, or a "must be EXPECTED" error.
fn expect<T>(
    r: &mut Reporter<'_>,
    path: &str,
    f: &Field,
    expected: &str,
    convert: impl FnOnce(&Value) -> Option<T>,
) -> Option<T> {
    let converted = convert(&f.value);
    if converted.is_none() {
        r.emit(
            wrong_type(path, f, &f.value, expected)
                .label(format!("this is {}", render_value(&f.value))),
        );
    }
    converted
}

pub fn expect_string(r: &mut Reporter<'_>, path: &str, f: &Field) -> Option<String> {
    expect(r, path, f, "a string", to_string)
}

pub fn expect_int(r: &mut Reporter<'_>, path: &str, f: &Field) -> Option<i64> {
    expect(r, path, f, "a whole number", |v| {
        let n = to_number(v)?;
        n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9e15)
                .map(|x| x as i64)
        })
    })
}

pub fn expect_bool(r: &mut Reporter<'_>, path: &str, f: &Field) -> Option<bool> {
    expect(r, path, f, "true or false", to_bool)
}

pub fn expect_strings(r: &mut Reporter<'_>, path: &str, f: &Field) -> Option<Vec<String>> {
    match &f.value {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match to_string(item) {
                    Some(s) => out.push(s),
                    None => {
                        r.emit(D::error(
                            &f.loc,
                            format!(
                                "{} must be a list of strings; found a {} element",
                                short_name(path),
                                type_name(item)
                            ),
                        ));
                        return None;
                    }
                }
            }
            Some(out)
        }
        other => {
            r.emit(wrong_type(path, f, other, "a list of strings").help("write [\"a\", \"b\"]"));
            None
        }
    }
}

pub fn expect_string_map(
    r: &mut Reporter<'_>,
    path: &str,
    f: &Field,
) -> Option<BTreeMap<String, String>> {
    match &f.value {
        Value::Object(items) => {
            let mut out = BTreeMap::new();
            for (k, v) in items {
                match to_string(v) {
                    Some(s) => {
                        out.insert(k.clone(), s);
                    }
                    None => {
                        r.emit(
                            D::error(
                                &f.loc,
                                format!(
                                    "{} must map names to strings; {k} is a {}",
                                    short_name(path),
                                    type_name(v)
                                ),
                            )
                            .help("quote the value: Lambda environment values are strings"),
                        );
                        return None;
                    }
                }
            }
            Some(out)
        }
        other => {
            r.emit(
                wrong_type(path, f, other, "a map of strings").help("write { NAME = \"value\" }"),
            );
            None
        }
    }
}

fn render_value(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(37).collect::<String>())
    } else {
        s
    }
}

pub fn one_of(r: &mut Reporter<'_>, path: &str, f: &Field, allowed: &[&str]) -> Option<String> {
    let s = expect_string(r, path, f)?;
    if allowed.contains(&s.as_str()) {
        return Some(s);
    }
    let list = allowed
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut d = D::error(&f.loc, format!("{s:?} is not a valid {}", short_name(path)))
        .help(format!("allowed: {list}"));
    if let Some(m) = did_you_mean(&s, allowed) {
        d = d.label(format!("did you mean {m:?}?"));
    }
    r.emit(d);
    None
}

pub fn in_range(
    r: &mut Reporter<'_>,
    path: &str,
    f: &Field,
    min: i64,
    max: i64,
    unit: &str,
) -> Option<i64> {
    let n = expect_int(r, path, f)?;
    if n < min || n > max {
        r.emit(
            D::error(
                &f.loc,
                format!(
                    "{} must be between {min} and {max}{unit}; got {n}",
                    short_name(path)
                ),
            )
            .label(format!("allowed: {min}..={max}")),
        );
        return None;
    }
    Some(n)
}
