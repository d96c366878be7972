//! The `configuration { ... }` block, read through the attribute table: its
//! schema (which attributes and nested blocks it takes, derived from the
//! rows' paths in `configuration_schema`), which of its attributes hold
//! secrets, and how each is typed and checked into `model::Configuration`
//! by its row's kind and rule, as Lambda's UpdateFunctionConfiguration
//! accepts it. The rules that span attributes or need the policy stay
//! here by name: the runtime's list, deprecations and the policy's
//! forbidden runtimes, and log levels needing JSON logs.
//!
//! Sees evaluated fields only; never evaluates or reads files.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::diagnostic::did_you_mean;
use super::instance::{Env, View};
use super::syntax::{D, Reporter};
use super::typing::{
    Field, expect_bool, expect_int, expect_string, expect_string_map, expect_strings, in_range,
    one_of,
};
use crate::model::{
    ATTRIBUTES, AttrValue, Attribute, Configuration, DEPRECATED_RUNTIMES, Kind, Pattern, RUNTIMES,
    Rule, Unit,
};

pub use super::configuration_schema::CONFIGURATION;

/// Whether the attribute at `path` holds secrets (environment values): its
/// values are never quoted in a message.
pub fn is_sensitive(path: &str) -> bool {
    crate::model::is_sensitive(path)
}

/// Every pattern of the table, compiled once. A pattern that does not
/// compile is missing here (a test compiles them all): what it checks is
/// then reported as uncheckable, never accepted.
static PATTERNS: LazyLock<BTreeMap<&'static str, Regex>> = LazyLock::new(|| {
    ATTRIBUTES
        .iter()
        .filter_map(|a| match a.rule {
            Rule::Pattern(p) => Some(p.regex),
            Rule::List { item: Some(p), .. } => Some(p.regex),
            Rule::Environment { name, .. } => Some(name),
            _ => None,
        })
        .filter_map(|p| Regex::new(p).ok().map(|re| (p, re)))
        .collect()
});

/// Whether `s` matches `regex`; `None` (reported at `f`) when the pattern
/// does not compile.
fn is_match(r: &mut Reporter<'_>, f: &Field, regex: &str, s: &str) -> Option<bool> {
    match PATTERNS.get(regex) {
        Some(re) => Some(re.is_match(s)),
        None => {
            r.emit(D::error(
                &f.loc,
                format!("rtm cannot check this value: its pattern {regex:?} does not compile"),
            ));
            None
        }
    }
}

pub fn configuration(r: &mut Reporter<'_>, env: &Env<'_>, view: &View<'_>) -> Configuration {
    let mut c = Configuration::default();
    for a in ATTRIBUTES {
        let Some(f) = view.get(a.path) else {
            continue;
        };
        if a.kind == Kind::Map {
            c.environment = environment(r, a, f);
        } else if let Some(v) = typed(r, env, a, f) {
            // Typed by the row's own kind: always its kind.
            let _ = c.set(a.path, v);
        }
    }
    for a in ATTRIBUTES {
        if let (Some(other), Some(f)) = (a.requires, view.get(a.path))
            && view.get(other).is_none()
        {
            let block = a.path.split('.').rev().nth(1).unwrap_or("configuration");
            let other_name = other.rsplit('.').next().unwrap_or(other);
            r.emit(D::error(
                &f.key_loc,
                format!("{block} needs {other_name} as well as {}", a.name()),
            ));
        }
    }
    log_levels_need_json(r, view, &c);
    c
}

/// Lambda filters by level only for JSON logs.
fn log_levels_need_json(r: &mut Reporter<'_>, view: &View<'_>, c: &Configuration) {
    const FORMAT: &str = "configuration.logging_config.log_format";
    let levels = [
        "configuration.logging_config.application_log_level",
        "configuration.logging_config.system_log_level",
    ];
    if c.string(FORMAT) == Some("Text")
        && levels.iter().any(|l| c.get(l).is_some())
        && let Some(f) = view.get(FORMAT)
    {
        r.emit(
            D::error(&f.loc, "log levels require log_format = \"JSON\"")
                .help("Lambda filters by level only for JSON logs"),
        );
    }
}

/// One attribute's value, typed by its row's kind and checked by its rule
/// (each mistake reported at the field); `None` when it is not valid.
fn typed(r: &mut Reporter<'_>, env: &Env<'_>, a: &Attribute, f: &Field) -> Option<AttrValue> {
    let path = a.path;
    match a.rule {
        Rule::Runtime => runtime(r, env, f).map(AttrValue::String),
        Rule::Range { min, max, unit } => in_range(r, path, f, min, max, unit).map(AttrValue::Int),
        Rule::OneOf(allowed) => one_of(r, path, f, allowed).map(AttrValue::String),
        Rule::Length {
            min,
            max,
            unit,
            whitespace,
            message,
        } => {
            let s = expect_string(r, path, f)?;
            let chars = s.chars().count();
            let n = match unit {
                Unit::Chars => chars,
                Unit::Bytes => s.len(),
            };
            if n < min || n > max || (!whitespace && s.chars().any(char::is_whitespace)) {
                let mut d = D::error(&f.loc, message);
                if unit == Unit::Chars {
                    d = d.label(format!("{chars} characters"));
                }
                r.emit(d);
                return None;
            }
            Some(AttrValue::String(s))
        }
        Rule::Pattern(p) => {
            let s = expect_string(r, path, f)?;
            matches_pattern(r, f, &p, &s)?.then_some(AttrValue::String(s))
        }
        Rule::List {
            max,
            too_many,
            help,
            item,
        } => {
            let items = expect_strings(r, path, f)?;
            let mut ok = true;
            if items.len() > max {
                ok = false;
                let mut d = D::error(&f.loc, format!("{too_many}; {} are listed", items.len()));
                if let Some(h) = help {
                    d = d.help(h);
                }
                r.emit(d);
            }
            if let Some(p) = item {
                for i in &items {
                    ok &= matches_pattern(r, f, &p, i).unwrap_or(false);
                }
            }
            ok.then_some(AttrValue::List(items))
        }
        Rule::Any | Rule::Environment { .. } => match a.kind {
            Kind::String => expect_string(r, path, f).map(AttrValue::String),
            Kind::Int => expect_int(r, path, f).map(AttrValue::Int),
            Kind::Bool => expect_bool(r, path, f).map(AttrValue::Bool),
            Kind::List | Kind::Map => expect_strings(r, path, f).map(AttrValue::List),
        },
    }
}

/// Whether `s` is what `p` asks for; if not, says so at the field.
fn matches_pattern(r: &mut Reporter<'_>, f: &Field, p: &Pattern, s: &str) -> Option<bool> {
    let ok = (p.empty && s.is_empty())
        || (p.max_bytes.is_none_or(|m| s.len() <= m) && is_match(r, f, p.regex, s)?);
    if !ok {
        let mut d = D::error(&f.loc, format!("{s:?} is not {}", p.what));
        if let Some(h) = p.help {
            d = d.help(h);
        }
        r.emit(d);
    }
    Some(ok)
}

/// A Lambda runtime identifier, not forbidden by the policy; a deprecated
/// one is a warning.
fn runtime(r: &mut Reporter<'_>, env: &Env<'_>, f: &Field) -> Option<String> {
    let rt = expect_string(r, "runtime", f)?;
    if !RUNTIMES.contains(&rt.as_str()) {
        let mut d = D::error(&f.loc, format!("{rt:?} is not a Lambda runtime"));
        if let Some(m) = did_you_mean(&rt, RUNTIMES) {
            d = d.label(format!("did you mean {m:?}?"));
        }
        r.emit(d.help(
            "see the Runtime values of UpdateFunctionConfiguration, e.g. \"python3.12\", \"nodejs22.x\"",
        ));
        return None;
    }
    if env.policy.forbidden_runtimes.contains(&rt) {
        let mut d = D::error(&f.loc, format!("runtime {rt:?} is forbidden by the policy"))
            .help("choose a runtime the policy allows");
        if let Some(l) = &env.policy_locs.forbidden_runtimes {
            d = d.note(l, "policy forbidden_runtimes is set here");
        }
        r.emit(d);
    } else if DEPRECATED_RUNTIMES.contains(&rt.as_str()) {
        r.emit(
            D::warning(&f.loc, format!("runtime {rt:?} is deprecated")).help(
                "Lambda no longer applies security patches to deprecated runtimes; move to a supported one",
            ),
        );
    }
    Some(rt)
}

/// The environment map: names Lambda accepts, within its size limit.
fn environment(r: &mut Reporter<'_>, a: &Attribute, f: &Field) -> Option<BTreeMap<String, String>> {
    let vars = expect_string_map(r, a.path, f)?;
    let Rule::Environment { name, max_bytes } = a.rule else {
        return Some(vars);
    };
    let mut ok = true;
    for k in vars.keys() {
        if !is_match(r, f, name, k)? {
            ok = false;
            r.emit(
                D::error(&f.loc, format!("{k:?} is not a valid environment variable name"))
                    .help("names start with a letter, have at least 2 characters, and use letters, digits and _"),
            );
        }
    }
    // Lambda limits the JSON of the variables map, as sent.
    let size = serde_json::to_string(&vars).map(|s| s.len()).unwrap_or(0);
    if size > max_bytes {
        ok = false;
        r.emit(
            D::error(
                &f.loc,
                format!(
                    "environment variables take {size} bytes; Lambda allows {} KB ({max_bytes} bytes)",
                    max_bytes / 1024
                ),
            )
            .help("the limit applies to the JSON of all names and values together; move large values to SSM or Secrets Manager"),
        );
    }
    ok.then_some(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_of_the_table_compiles() {
        for a in ATTRIBUTES {
            let patterns: Vec<&str> = match a.rule {
                Rule::Pattern(p) => vec![p.regex],
                Rule::List { item: Some(p), .. } => vec![p.regex],
                Rule::Environment { name, .. } => vec![name],
                _ => vec![],
            };
            for p in patterns {
                assert!(
                    PATTERNS.contains_key(p),
                    "{}: {p:?} does not compile",
                    a.path
                );
            }
        }
    }
}
