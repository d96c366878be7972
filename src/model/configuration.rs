//! The version-specific settings UpdateFunctionConfiguration changes, in
//! the configuration language's words, read and written by attribute path
//! through the attribute table: a value per managed path, plus the
//! environment map.

use std::collections::BTreeMap;

use super::{ATTRIBUTES, AttrValue, Attribute, ENVIRONMENT_PREFIX, Kind, RUNTIME_PATH, attribute};

/// The version-specific settings UpdateFunctionConfiguration changes, in the
/// config language's words. In a desired configuration, an absent path means
/// "not managed"; in a live configuration, every attribute Lambda reported
/// (or whose absence means a value) is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Wire", into = "Wire")]
pub struct Configuration {
    /// By the row's path; every row but the environment's.
    values: BTreeMap<&'static str, AttrValue>,
    /// `environment { variables = {...} }`: the whole map is managed, so a
    /// live variable the config does not name is removed.
    pub environment: Option<BTreeMap<String, String>>,
}

/// How a configuration is serialised (the config hash covers it): values by
/// path, then the environment.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    values: BTreeMap<String, AttrValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    environment: Option<BTreeMap<String, String>>,
}

impl From<Configuration> for Wire {
    fn from(c: Configuration) -> Wire {
        Wire {
            values: c
                .values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            environment: c.environment,
        }
    }
}

impl TryFrom<Wire> for Configuration {
    type Error = String;
    fn try_from(w: Wire) -> Result<Configuration, String> {
        let mut c = Configuration {
            values: BTreeMap::new(),
            environment: w.environment,
        };
        for (path, value) in w.values {
            if !c.set(&path, value) {
                return Err(format!("{path} is not a managed attribute of its type"));
            }
        }
        Ok(c)
    }
}

/// Whether `value` is of the row's kind.
fn fits(a: &Attribute, value: &AttrValue) -> bool {
    matches!(
        (a.kind, value),
        (Kind::String, AttrValue::String(_))
            | (Kind::Int, AttrValue::Int(_))
            | (Kind::Bool, AttrValue::Bool(_))
            | (Kind::List, AttrValue::List(_))
    )
}

impl Configuration {
    /// The value at one attribute path, or `None` when not set (not managed,
    /// for a desired configuration). Environment variables are addressed as
    /// `configuration.environment.variables.NAME`.
    pub fn get(&self, path: &str) -> Option<AttrValue> {
        if let Some(name) = path.strip_prefix(ENVIRONMENT_PREFIX) {
            return self
                .environment
                .as_ref()
                .and_then(|vars| vars.get(name).cloned().map(AttrValue::String));
        }
        self.values.get(path).cloned()
    }

    /// Sets the attribute at `path`, a row of the table other than the
    /// environment (which is `environment`). Returns false, and sets
    /// nothing, when `path` is no such row or `value` is not of its kind.
    #[must_use]
    pub fn set(&mut self, path: &str, value: AttrValue) -> bool {
        match attribute(path) {
            Some(a) if a.path == path && fits(a, &value) => {
                self.values.insert(a.path, value);
                true
            }
            _ => false,
        }
    }

    /// This configuration with `path` set (see [`Configuration::set`]); a
    /// path that is no row of the value's kind is a bug in the caller.
    pub fn with(mut self, path: &str, value: AttrValue) -> Configuration {
        let set = self.set(path, value);
        debug_assert!(set, "{path} is not a managed attribute of its type");
        self
    }

    /// Stops managing (or forgets) the attribute at `path`.
    pub fn remove(&mut self, path: &str) {
        self.values.remove(path);
    }

    /// The string at `path`, when set.
    pub fn string(&self, path: &str) -> Option<&str> {
        match self.values.get(path) {
            Some(AttrValue::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The whole number at `path`, when set.
    pub fn int(&self, path: &str) -> Option<i64> {
        match self.values.get(path) {
            Some(AttrValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// The flag at `path`, when set.
    pub fn bool(&self, path: &str) -> Option<bool> {
        match self.values.get(path) {
            Some(AttrValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// `configuration.runtime`.
    pub fn runtime(&self) -> Option<&str> {
        self.string(RUNTIME_PATH)
    }

    /// Every attribute this configuration sets, as (path, value), in display
    /// order; environment variables last, by name.
    pub fn attributes(&self) -> Vec<(String, AttrValue)> {
        let mut out: Vec<(String, AttrValue)> = ATTRIBUTES
            .iter()
            .filter_map(|a| {
                self.values
                    .get(a.path)
                    .map(|v| (a.path.to_string(), v.clone()))
            })
            .collect();
        if let Some(vars) = &self.environment {
            for (k, v) in vars {
                out.push((
                    format!("{ENVIRONMENT_PREFIX}{k}"),
                    AttrValue::String(v.clone()),
                ));
            }
        }
        out
    }

    /// Whether nothing is managed.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.environment.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_list_only_what_is_set() {
        let mut c = Configuration::default()
            .with(
                "configuration.vpc_config.subnet_ids",
                AttrValue::List(vec!["subnet-1".into()]),
            )
            .with("configuration.memory_size", AttrValue::Int(512));
        c.environment = Some(BTreeMap::from([
            ("B".into(), "2".into()),
            ("A".into(), "1".into()),
        ]));
        let paths: Vec<String> = c.attributes().into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "configuration.memory_size",
                "configuration.vpc_config.subnet_ids",
                "configuration.environment.variables.A",
                "configuration.environment.variables.B"
            ]
        );
        assert_eq!(c.get("configuration.timeout"), None);
        assert_eq!(c.int("configuration.memory_size"), Some(512));
    }

    #[test]
    fn every_row_is_settable_and_readable() {
        // A row the model cannot hold would silently never be managed.
        let mut full = Configuration::default();
        for a in ATTRIBUTES.iter().filter(|a| a.kind != Kind::Map) {
            let value = match a.kind {
                Kind::String => AttrValue::String("x".into()),
                Kind::Int => AttrValue::Int(1),
                Kind::Bool => AttrValue::Bool(true),
                _ => AttrValue::List(vec![]),
            };
            assert!(
                full.set(a.path, value.clone()),
                "{} is not settable",
                a.path
            );
            assert_eq!(full.get(a.path), Some(value), "{} is not readable", a.path);
        }
        assert_eq!(
            full.attributes().len(),
            ATTRIBUTES.len() - 1,
            "one per row but the environment's"
        );
    }

    #[test]
    fn only_rows_of_their_kind_are_set() {
        let mut c = Configuration::default();
        assert!(!c.set("configuration.memory_size", AttrValue::String("big".into())));
        assert!(!c.set("configuration.nope", AttrValue::Int(1)));
        assert!(!c.set("configuration.environment.variables", AttrValue::Int(1)));
        assert!(!c.set(
            "configuration.environment.variables.A",
            AttrValue::String("1".into())
        ));
        assert!(c.is_empty());
    }

    #[test]
    fn serialises_by_path_and_back() {
        let mut c = Configuration::default()
            .with(RUNTIME_PATH, AttrValue::String("python3.12".into()))
            .with("configuration.layers", AttrValue::List(vec![]))
            .with(
                "configuration.vpc_config.ipv6_allowed_for_dual_stack",
                AttrValue::Bool(false),
            );
        c.environment = Some(BTreeMap::from([("A".into(), "1".into())]));
        let text = serde_json::to_string(&c).expect("serialise");
        assert_eq!(
            text,
            r#"{"values":{"configuration.layers":[],"configuration.runtime":"python3.12","configuration.vpc_config.ipv6_allowed_for_dual_stack":false},"environment":{"A":"1"}}"#
        );
        assert_eq!(serde_json::from_str::<Configuration>(&text).ok(), Some(c));
        let wrong = r#"{"values":{"configuration.memory_size":"big"}}"#;
        assert!(serde_json::from_str::<Configuration>(wrong).is_err());
    }
}
