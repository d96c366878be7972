//! The address of a declared function instance (`function.orders`,
//! `function.worker["resize"]`): how the configuration, the plan and
//! state name it, and how `--target` selects it.

use std::fmt;

/// The address of one declared function instance: `function.orders` or
/// `function.worker["resize"]` for a `for_each` instance.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct Address {
    label: String,
    key: Option<String>,
}

impl Address {
    pub fn new(label: impl Into<String>, key: Option<String>) -> Self {
        Address {
            label: label.into(),
            key,
        }
    }

    /// The block label (`orders` in `function.orders`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The `for_each` key, when the address is an instance of a `for_each` block.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Parses `function.NAME` or `function.NAME["KEY"]`.
    pub fn parse(text: &str) -> Result<Address, String> {
        let rest = text.strip_prefix("function.").ok_or_else(|| {
            format!("invalid address {text:?}: expected function.NAME or function.NAME[\"KEY\"]")
        })?;
        let (label, key) = match rest.find('[') {
            None => (rest, None),
            Some(open) => {
                let inner = rest[open..]
                    .strip_prefix("[\"")
                    .and_then(|s| s.strip_suffix("\"]"))
                    .ok_or_else(|| {
                        format!("invalid address {text:?}: the key must be written [\"KEY\"]")
                    })?;
                (&rest[..open], Some(unescape(inner)))
            }
        };
        let valid_label = !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_label {
            return Err(format!(
                "invalid address {text:?}: {label:?} is not a block label (letters, digits, _ and -)"
            ));
        }
        Ok(Address::new(label, key))
    }

    /// Whether this address is selected by a `--target` value: the exact
    /// address, or `function.NAME` selecting every instance of a `for_each` block.
    pub fn matches_target(&self, target: &Address) -> bool {
        self.label == target.label && (target.key.is_none() || target.key == self.key)
    }
}

fn unescape(s: &str) -> String {
    s.replace("\\\"", "\"").replace("\\\\", "\\")
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            None => write!(f, "function.{}", self.label),
            Some(key) => write!(
                f,
                "function.{}[\"{}\"]",
                self.label,
                key.replace('\\', "\\\\").replace('"', "\\\"")
            ),
        }
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Address {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Address::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_plain_and_keyed_addresses() {
        for text in [
            "function.orders",
            "function.worker[\"resize\"]",
            "function.w[\"a\\\"b\"]",
        ] {
            assert_eq!(Address::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn rejects_other_shapes() {
        assert!(Address::parse("orders").is_err());
        assert!(Address::parse("function.").is_err());
        assert!(Address::parse("function.w[resize]").is_err());
    }

    #[test]
    fn label_target_selects_all_instances() {
        let target = Address::parse("function.worker").unwrap();
        assert!(
            Address::parse("function.worker[\"a\"]")
                .unwrap()
                .matches_target(&target)
        );
        assert!(
            !Address::parse("function.workers")
                .unwrap()
                .matches_target(&target)
        );
        let exact = Address::parse("function.worker[\"a\"]").unwrap();
        assert!(
            !Address::parse("function.worker[\"b\"]")
                .unwrap()
                .matches_target(&exact)
        );
    }
}
