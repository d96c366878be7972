//! What a request shape is (string, number, list, map or structure, with its
//! lengths, ranges, patterns and enums) and how a request's JSON is checked
//! against one, as Lambda's request deserializer and validator do: a wrong
//! type or an unknown member fails the parse (InvalidParameterValueException
//! "Could not parse request body into json: ..."), a value outside its
//! constraints is a violation (`Value '...' at 'camelCase.path' failed to
//! satisfy constraint: ...`, collected into one ValidationException). The
//! shapes themselves are in `request_shapes`. It must not know about
//! operations or storage.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::protocol::{ApiError, Violations};

/// A model pattern: shown in messages as the model writes it, matched by an
/// equivalent the `regex` crate can compile (anchored), plus a check for what
/// `regex` cannot say (lookarounds).
pub struct Pattern {
    pub shown: &'static str,
    matcher: &'static str,
    extra: Option<fn(&str) -> bool>,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// A pattern `regex` compiles as the model writes it.
    pub const fn new(shown: &'static str) -> Pattern {
        Pattern::with(shown, shown, None)
    }

    /// A model pattern with lookarounds: `matcher` and `extra` together say
    /// what `shown` says.
    pub const fn with(
        shown: &'static str,
        matcher: &'static str,
        extra: Option<fn(&str) -> bool>,
    ) -> Pattern {
        Pattern {
            shown,
            matcher,
            extra,
            compiled: OnceLock::new(),
        }
    }

    pub fn is_match(&self, value: &str) -> bool {
        let re = self
            .compiled
            .get_or_init(|| Regex::new(&format!("^(?:{})$", self.matcher)).ok());
        // A pattern that does not compile matches nothing; the unit tests
        // compile every one of them.
        re.as_ref().is_some_and(|re| re.is_match(value)) && self.extra.is_none_or(|f| f(value))
    }

    /// Whether the matcher compiles (for the unit tests).
    #[cfg(test)]
    pub fn compiles(&self) -> bool {
        Regex::new(&format!("^(?:{})$", self.matcher)).is_ok()
    }
}

/// A string shape's constraints.
pub struct Text {
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub pattern: Option<&'static Pattern>,
    pub values: Option<&'static [&'static str]>,
    /// Sensitive values are never echoed in messages (`Value at '...'`).
    pub sensitive: bool,
}

impl Text {
    pub const ANY: Text = Text {
        min: None,
        max: None,
        pattern: None,
        values: None,
        sensitive: false,
    };
}

pub struct Member {
    pub name: &'static str,
    pub shape: &'static Shape,
    pub required: bool,
}

pub enum Shape {
    String(Text),
    /// A 32-bit integer (Lambda's `Integer`), with its range.
    Integer {
        min: Option<f64>,
        max: Option<f64>,
    },
    Double {
        min: Option<f64>,
        max: Option<f64>,
    },
    Boolean,
    /// base64 in JSON.
    Blob,
    List {
        member: &'static Shape,
        min: Option<usize>,
        max: Option<usize>,
    },
    Map {
        key: &'static Shape,
        value: &'static Shape,
        sensitive: bool,
    },
    Structure(&'static [Member]),
}

/// Lambda's member paths: each member name with its first letter lowered,
/// joined by dots (`loggingConfig.logFormat`, `kMSKeyArn`).
pub fn camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        camel(name)
    } else {
        format!("{path}.{}", camel(name))
    }
}

fn wire_join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn malformed(message: String) -> ApiError {
    ApiError::InvalidParameterValue(format!("Could not parse request body into json: {message}"))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// How a value is shown in a violation, as the Java service prints it
/// (`[a, b]`, `{k=v}`).
fn shown(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(shown).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}={}", shown(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// Checks the body of a request (a JSON object) against its structure:
/// `Err` when the body does not parse as the shape, violations otherwise.
pub fn check_body(body: &Value, shape: &'static Shape, v: &mut Violations) -> Result<(), ApiError> {
    if !body.is_object() {
        return Err(malformed(format!(
            "the request body must be a JSON object, not {}",
            type_name(body)
        )));
    }
    check_types(body, shape, "")?;
    check_constraints(body, shape, "", v);
    Ok(())
}

/// The first pass: every value has its shape's JSON type and every member
/// is known. `null` reads as absent, as the service's deserializer does.
fn check_types(value: &Value, shape: &Shape, wire: &str) -> Result<(), ApiError> {
    if value.is_null() {
        return Ok(());
    }
    let at = |expected: &str| {
        malformed(format!(
            "Cannot deserialize {} as {expected} at '{}'",
            type_name(value),
            if wire.is_empty() { "(body)" } else { wire }
        ))
    };
    match shape {
        Shape::String(_) | Shape::Blob => value
            .is_string()
            .then_some(())
            .ok_or_else(|| at("a string")),
        Shape::Integer { .. } => value
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(|_| ())
            .ok_or_else(|| at("a 32-bit integer")),
        Shape::Double { .. } => value.as_f64().map(|_| ()).ok_or_else(|| at("a number")),
        Shape::Boolean => value
            .is_boolean()
            .then_some(())
            .ok_or_else(|| at("a boolean")),
        Shape::List { member, .. } => {
            let items = value.as_array().ok_or_else(|| at("a list"))?;
            for (i, item) in items.iter().enumerate() {
                check_types(item, member, &format!("{wire}[{i}]"))?;
            }
            Ok(())
        }
        Shape::Map { value: of, .. } => {
            let entries = value.as_object().ok_or_else(|| at("a map"))?;
            for (k, item) in entries {
                check_types(item, of, &format!("{wire}.{k}"))?;
            }
            Ok(())
        }
        Shape::Structure(members) => {
            let given = value.as_object().ok_or_else(|| at("a structure"))?;
            for (k, item) in given {
                let member = members.iter().find(|m| m.name == k).ok_or_else(|| {
                    malformed(format!(
                        "Unrecognized field \"{k}\" at '{}', not marked as ignorable",
                        if wire.is_empty() { "(body)" } else { wire }
                    ))
                })?;
                check_types(item, member.shape, &wire_join(wire, k))?;
            }
            Ok(())
        }
    }
}

/// The constraints of a scalar `shape`, as Lambda words them (in the order
/// of the service's messages: max, min, pattern, enum): all of them when
/// `value` is `None`, else those `value` breaks.
fn constraints(shape: &Shape, value: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    let mut rule = |applies: &dyn Fn(&Value) -> bool, text: String| {
        if value.is_none_or(applies) {
            out.push(text);
        }
    };
    let number = |v: &Value| v.as_f64().unwrap_or_default();
    match shape {
        Shape::String(t) => {
            let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
            if let Some(max) = t.max {
                rule(
                    &|v| len(v) > max,
                    format!("Member must have length less than or equal to {max}"),
                );
            }
            if let Some(min) = t.min.filter(|m| *m > 0) {
                rule(
                    &|v| len(v) < min,
                    format!("Member must have length greater than or equal to {min}"),
                );
            }
            if let Some(p) = t.pattern {
                rule(
                    &|v| !p.is_match(v.as_str().unwrap_or_default()),
                    format!(
                        "Member must satisfy regular expression pattern: {}",
                        p.shown
                    ),
                );
            }
            if let Some(values) = t.values {
                rule(
                    &|v| !values.contains(&v.as_str().unwrap_or_default()),
                    format!(
                        "Member must satisfy enum value set: [{}]",
                        values.join(", ")
                    ),
                );
            }
        }
        Shape::Integer { min, max } | Shape::Double { min, max } => {
            if let Some(max) = *max {
                rule(
                    &|v| number(v) > max,
                    format!("Member must have value less than or equal to {max}"),
                );
            }
            if let Some(min) = *min {
                rule(
                    &|v| number(v) < min,
                    format!("Member must have value greater than or equal to {min}"),
                );
            }
        }
        _ => {}
    }
    out
}

/// Whether a list member or map value breaks its shape (`null` always does).
fn member_fails(item: &Value, shape: &Shape) -> bool {
    item.is_null() || !constraints(shape, Some(item)).is_empty()
}

/// Every constraint of a list member or map value, `Member must not be null` last.
fn member_constraints(shape: &Shape) -> String {
    let mut all = constraints(shape, None);
    all.push("Member must not be null".into());
    all.join(", ")
}

fn is_sensitive(shape: &Shape) -> bool {
    match shape {
        Shape::String(t) => t.sensitive,
        Shape::Map { sensitive, .. } => *sensitive,
        Shape::Blob => true,
        _ => false,
    }
}

fn violation(v: &mut Violations, value: &Value, shape: &Shape, path: &str, constraint: &str) {
    if is_sensitive(shape) {
        v.add_unshown(path, constraint);
    } else {
        v.add(&shown(value), path, constraint);
    }
}

/// The second pass, over a value whose types are right: required members,
/// lengths, ranges, patterns and enums. A list of scalars is reported once,
/// naming every constraint its members have; a list of structures by member
/// (`fileSystemConfigs.1.member.arn`), as the service does.
fn check_constraints(value: &Value, shape: &Shape, path: &str, v: &mut Violations) {
    match shape {
        Shape::Structure(members) => {
            for m in *members {
                let item = value.get(m.name).filter(|i| !i.is_null());
                let at = join(path, m.name);
                match item {
                    None if m.required => v.add_null(&at),
                    None => {}
                    Some(item) => check_constraints(item, m.shape, &at, v),
                }
            }
        }
        Shape::List { member, min, max } => {
            let items = value.as_array().map_or(&[][..], Vec::as_slice);
            if let Some(max) = max.filter(|max| items.len() > *max) {
                violation(
                    v,
                    value,
                    shape,
                    path,
                    &format!("Member must have length less than or equal to {max}"),
                );
            }
            if let Some(min) = min.filter(|min| items.len() < *min) {
                violation(
                    v,
                    value,
                    shape,
                    path,
                    &format!("Member must have length greater than or equal to {min}"),
                );
            }
            if let Shape::Structure(_) = member {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{path}.{}.member", i + 1);
                    match item {
                        Value::Null => v.add_null(&at),
                        item => check_constraints(item, member, &at, v),
                    }
                }
            } else if items.iter().any(|i| member_fails(i, member)) {
                violation(
                    v,
                    value,
                    shape,
                    path,
                    &format!(
                        "Member must satisfy constraint: [{}]",
                        member_constraints(member)
                    ),
                );
            }
        }
        Shape::Map {
            key,
            value: of,
            sensitive: _,
        } => {
            let entries = value.as_object();
            let keys_fail = entries.is_some_and(|m| {
                m.keys()
                    .any(|k| member_fails(&Value::String(k.clone()), key))
            });
            if keys_fail {
                violation(
                    v,
                    value,
                    shape,
                    path,
                    &format!(
                        "Map keys must satisfy constraint: [{}]",
                        constraints(key, None).join(", ")
                    ),
                );
            }
            if entries.is_some_and(|m| m.values().any(|i| member_fails(i, of))) {
                violation(
                    v,
                    value,
                    shape,
                    path,
                    &format!(
                        "Map value must satisfy constraint: [{}]",
                        member_constraints(of)
                    ),
                );
            }
        }
        scalar => {
            for constraint in constraints(scalar, Some(value)) {
                violation(v, value, scalar, path, &constraint);
            }
        }
    }
}

/// Checks one string that is not in a body (a path label or a query
/// parameter) against `shape`, reporting it at `path`.
pub fn check_text(value: &str, shape: &Shape, path: &str, v: &mut Violations) {
    check_constraints(&Value::String(value.to_owned()), shape, path, v);
}

/// Checks a value that is not in a body (a repeated query parameter, as a
/// list) against `shape`, reporting it at `path`.
pub fn check_value(value: &Value, shape: &Shape, path: &str, v: &mut Violations) {
    check_constraints(value, shape, path, v);
}

/// Checks one number that is not in a body (a query parameter).
pub fn check_number(value: i64, shape: &Shape, path: &str, v: &mut Violations) {
    check_constraints(&Value::from(value), shape, path, v);
}

#[cfg(test)]
mod tests {
    use super::*;

    static NAME: Pattern = Pattern::new(r"[a-zA-Z]([a-zA-Z0-9_])+");
    static VARIABLES: Shape = Shape::Map {
        key: &Shape::String(Text {
            pattern: Some(&NAME),
            ..Text::ANY
        }),
        value: &Shape::String(Text {
            sensitive: true,
            ..Text::ANY
        }),
        sensitive: true,
    };
    static MODE: Shape = Shape::String(Text {
        values: Some(&["JSON", "Text"]),
        ..Text::ANY
    });
    static IDS: Shape = Shape::List {
        member: &Shape::String(Text::ANY),
        min: None,
        max: Some(2),
    };
    static BODY: Shape = Shape::Structure(&[
        Member {
            name: "Variables",
            shape: &VARIABLES,
            required: false,
        },
        Member {
            name: "LogFormat",
            shape: &MODE,
            required: true,
        },
        Member {
            name: "SubnetIds",
            shape: &IDS,
            required: false,
        },
    ]);

    fn run(body: Value) -> Result<String, ApiError> {
        let mut v = Violations::default();
        check_body(&body, &BODY, &mut v)?;
        Ok(v.into_result()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default())
    }

    #[test]
    fn constraints_are_worded_as_lambda_words_them() {
        let out = run(serde_json::json!({
            "Variables": { "1BAD": "secret" }, "LogFormat": "XML", "SubnetIds": ["a", "b", "c"]
        }))
        .expect("types are right");
        assert_eq!(
            out,
            "ValidationException: 3 validation errors detected: \
             Value at 'variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]; \
             Value 'XML' at 'logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]; \
             Value '[a, b, c]' at 'subnetIds' failed to satisfy constraint: Member must have length less than or equal to 2"
        );
        assert!(!out.contains("secret"));
        let out = run(serde_json::json!({})).expect("types are right");
        assert!(out.contains("Value null at 'logFormat'"), "{out}");
    }

    #[test]
    fn wrong_types_and_unknown_members_fail_the_parse() {
        for body in [
            serde_json::json!({ "LogFormat": "JSON", "SubnetIds": "subnet-1" }),
            serde_json::json!({ "LogFormat": 3 }),
            serde_json::json!({ "LogFormat": "JSON", "Extra": true }),
            serde_json::json!([]),
        ] {
            let e = run(body.clone()).expect_err("malformed");
            assert_eq!(e.code(), "InvalidParameterValueException", "{body}");
            assert!(
                e.to_string()
                    .contains("Could not parse request body into json"),
                "{e}"
            );
        }
    }

    #[test]
    fn member_paths_lower_the_first_letter_only() {
        assert_eq!(camel("KMSKeyArn"), "kMSKeyArn");
        assert_eq!(camel("LoggingConfig"), "loggingConfig");
        assert_eq!(join("environment", "Variables"), "environment.variables");
    }
}
