//! What state remembers about one address: the values last applied
//! (secrets only as salted hashes) and the runtime versions observed.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::{AttrValue, Qualifier, RuntimeVersionArn, is_sensitive};

/// A value as state keeps it: in clear, or for a sensitive attribute only as
/// a salted SHA-256, so the state file never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum StoredValue {
    Hashed { sha256: String },
    Plain(AttrValue),
}

/// The per-state random salt used for sensitive values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Salt(pub String);

impl Salt {
    fn digest(&self, value: &AttrValue) -> String {
        let mut h = Sha256::new();
        h.update(self.0.as_bytes());
        h.update([0u8]);
        h.update(serde_json::to_vec(value).unwrap_or_default());
        hex::encode(h.finalize())
    }

    /// How state stores `value` of attribute `path`.
    pub fn store(&self, path: &str, value: &AttrValue) -> StoredValue {
        if is_sensitive(path) {
            StoredValue::Hashed {
                sha256: self.digest(value),
            }
        } else {
            StoredValue::Plain(value.clone())
        }
    }

    /// Whether a stored value is the same as `value`.
    pub fn matches(&self, stored: &StoredValue, value: &AttrValue) -> bool {
        match stored {
            StoredValue::Plain(v) => v == value,
            StoredValue::Hashed { sha256 } => *sha256 == self.digest(value),
        }
    }
}

/// One runtime version ARN observed on a function, with when it was first
/// and last seen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObservedRuntimeVersion {
    pub arn: RuntimeVersionArn,
    /// The runtime and architecture the function ran it on (a runtime
    /// version belongs to one of each); absent in records of older rtm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    pub first_seen: jiff::Timestamp,
    pub last_seen: jiff::Timestamp,
}

/// A runtime version seen running, with what it ran on.
#[derive(Debug, Clone, Copy)]
pub struct Sighting<'a> {
    pub arn: &'a RuntimeVersionArn,
    pub runtime: Option<&'a str>,
    pub architecture: &'a str,
}

/// What state remembers about one address.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Recorded {
    pub function_name: String,
    pub function_arn: Option<String>,
    /// The account block (`None`: the default credentials), account id and
    /// region the function is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub qualifier: Qualifier,
    /// The desired value rtm last applied (or imported), per attribute path.
    #[serde(default)]
    pub last_applied: BTreeMap<String, StoredValue>,
    /// The live values seen at the last apply or refresh, per attribute path.
    #[serde(default)]
    pub live: BTreeMap<String, StoredValue>,
    pub revision_id: Option<String>,
    pub refreshed_at: Option<jiff::Timestamp>,
    /// Observed runtime version ARNs, oldest first.
    #[serde(default)]
    pub runtime_versions: Vec<ObservedRuntimeVersion>,
    /// When the version was first seen in Manual mode (for `pin_overdue`).
    pub manual_since: Option<jiff::Timestamp>,
}

impl Recorded {
    /// The most recently observed runtime version.
    pub fn current_runtime_version(&self) -> Option<&ObservedRuntimeVersion> {
        self.runtime_versions.last()
    }

    /// Records an observation of the running runtime version at `now`.
    /// Returns the previous ARN when this is a change.
    pub fn observe_runtime_version(
        &mut self,
        seen: Sighting<'_>,
        now: jiff::Timestamp,
    ) -> Option<RuntimeVersionArn> {
        match self.runtime_versions.last_mut() {
            Some(last) if &last.arn == seen.arn => {
                last.last_seen = now;
                last.runtime = seen.runtime.map(str::to_string).or(last.runtime.take());
                last.architecture = Some(seen.architecture.to_string());
                None
            }
            last => {
                let previous = last.map(|l| l.arn.clone());
                self.runtime_versions.push(ObservedRuntimeVersion {
                    arn: seen.arn.clone(),
                    runtime: seen.runtime.map(str::to_string),
                    architecture: Some(seen.architecture.to_string()),
                    first_seen: now,
                    last_seen: now,
                });
                // Keep the history bounded; 50 versions is years of patches.
                if self.runtime_versions.len() > 50 {
                    self.runtime_versions.remove(0);
                }
                previous
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_stored_hashed_and_still_comparable() {
        let salt = Salt("s".into());
        let path = "configuration.environment.variables.API_KEY";
        let v = AttrValue::String("hunter2".into());
        let stored = salt.store(path, &v);
        let json = serde_json::to_string(&stored).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(salt.matches(&stored, &v));
        assert!(!salt.matches(&stored, &AttrValue::String("other".into())));
        let back: StoredValue = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stored);
        let plain = salt.store("configuration.memory_size", &AttrValue::Int(5));
        assert_eq!(serde_json::to_string(&plain).unwrap(), "5");
    }

    #[test]
    fn runtime_version_history_reports_changes_once() {
        let a = RuntimeVersionArn::parse(&format!(
            "arn:aws:lambda:us-east-1::runtime:{}",
            "a".repeat(64)
        ))
        .unwrap();
        let b = RuntimeVersionArn::parse(&format!(
            "arn:aws:lambda:us-east-1::runtime:{}",
            "b".repeat(64)
        ))
        .unwrap();
        let mut r = Recorded::default();
        let t = jiff::Timestamp::UNIX_EPOCH;
        let on = |arn| Sighting {
            arn,
            runtime: Some("python3.12"),
            architecture: "x86_64",
        };
        assert_eq!(r.observe_runtime_version(on(&a), t), None);
        assert_eq!(r.observe_runtime_version(on(&a), t), None);
        assert_eq!(r.observe_runtime_version(on(&b), t), Some(a.clone()));
        assert_eq!(r.runtime_versions.len(), 2);
    }
}
