//! What a plan saw of one function version: every value it diffed against,
//! sensitive ones only as salted hashes. A saved plan carries it, so apply
//! can re-derive the plan's steps from the configuration and these values,
//! and re-read live and refuse to write when anything here changed.

use std::collections::BTreeMap;

use crate::model::{
    ARN_PATH, AttrValue, Live, MODE_PATH, RuntimeVersionArn, Salt, StoredValue, UpdateRuntimeOn,
    is_sensitive,
};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Observed {
    /// The unqualified function ARN.
    pub function_arn: String,
    pub revision_id: String,
    /// `Zip` or `Image`.
    pub package_type: String,
    pub architecture: String,
    /// `InProgress`, `Successful` or `Failed`, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_status: Option<String>,
    pub update_runtime_on: UpdateRuntimeOn,
    /// The pinned runtime version (Manual only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_version_arn: Option<RuntimeVersionArn>,
    /// The runtime version the function runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_runtime_version_arn: Option<RuntimeVersionArn>,
    /// Every configuration attribute Lambda reported, by path.
    pub attributes: BTreeMap<String, StoredValue>,
    /// When it was read: apply right after plan reuses a read this fresh
    /// instead of repeating it.
    pub read_at: jiff::Timestamp,
}

impl Observed {
    pub fn of(live: &Live, salt: &Salt, read_at: jiff::Timestamp) -> Observed {
        Observed {
            read_at,
            function_arn: live.function_arn.clone(),
            revision_id: live.revision_id.clone(),
            package_type: live.package_type.clone(),
            architecture: live.architecture.clone(),
            last_update_status: live.last_update_status.clone(),
            update_runtime_on: live.runtime_management.update_runtime_on,
            runtime_version_arn: live.runtime_management.runtime_version_arn.clone(),
            running_runtime_version_arn: live.running_runtime_version_arn.clone(),
            attributes: live
                .configuration
                .attributes()
                .into_iter()
                .map(|(path, v)| {
                    let stored = salt.store(&path, &v);
                    (path, stored)
                })
                .collect(),
        }
    }

    /// The value at an attribute path (runtime management included).
    pub fn value(&self, path: &str) -> Option<StoredValue> {
        match path {
            MODE_PATH => Some(StoredValue::Plain(AttrValue::String(
                self.update_runtime_on.to_string(),
            ))),
            ARN_PATH => self
                .runtime_version_arn
                .as_ref()
                .map(|a| StoredValue::Plain(AttrValue::String(a.to_string()))),
            _ => self.attributes.get(path).cloned(),
        }
    }

    /// The runtime the function runs (`configuration.runtime`).
    pub fn runtime(&self) -> Option<&str> {
        match self.attributes.get("configuration.runtime") {
            Some(StoredValue::Plain(AttrValue::String(r))) => Some(r),
            _ => None,
        }
    }

    /// The runtime version it ran, with what it ran it on.
    pub fn sighting(&self) -> Option<crate::model::Sighting<'_>> {
        Some(crate::model::Sighting {
            arn: self.running_runtime_version_arn.as_ref()?,
            runtime: self.runtime(),
            architecture: &self.architecture,
        })
    }

    /// The account and region of the function, from its ARN
    /// (`arn:aws:lambda:REGION:ACCOUNT:function:NAME`).
    pub fn account_id(&self) -> &str {
        self.function_arn.split(':').nth(4).unwrap_or_default()
    }

    pub fn region(&self) -> &str {
        self.function_arn.split(':').nth(3).unwrap_or_default()
    }

    pub fn update_in_progress(&self) -> bool {
        self.last_update_status.as_deref() == Some("InProgress")
    }

    /// The first difference between what the plan saw and a fresh read
    /// (both hashed with the same salt), described for the user; `None`
    /// when nothing changed.
    pub fn first_difference(&self, now: &Observed) -> Option<String> {
        let arn = |a: &Option<RuntimeVersionArn>| a.as_ref().map_or("(none)".into(), |a| a.short());
        if now.update_runtime_on != self.update_runtime_on {
            return Some(format!(
                "{MODE_PATH} was {} at plan time and is now {}",
                self.update_runtime_on, now.update_runtime_on
            ));
        }
        if now.runtime_version_arn != self.runtime_version_arn {
            return Some(format!(
                "{ARN_PATH} was {} at plan time and is now {}",
                arn(&self.runtime_version_arn),
                arn(&now.runtime_version_arn)
            ));
        }
        let paths: std::collections::BTreeSet<&String> = self
            .attributes
            .keys()
            .chain(now.attributes.keys())
            .collect();
        for path in paths {
            let (was, is) = (self.attributes.get(path), now.attributes.get(path));
            if was == is {
                continue;
            }
            let shown = match (was, is) {
                _ if is_sensitive(path) => "changed".to_string(),
                (Some(StoredValue::Plain(old)), Some(StoredValue::Plain(new))) => {
                    format!("was {old}, is now {new}")
                }
                (None, Some(_)) => "was added".to_string(),
                (Some(_), None) => "was removed".to_string(),
                _ => "changed".to_string(),
            };
            return Some(format!("{path} {shown} outside rtm"));
        }
        if now.revision_id != self.revision_id && !self.update_in_progress() {
            // (read_at differs between any two reads: it is not compared.)
            return Some(format!(
                "RevisionId {} is now {}",
                short_id(&self.revision_id),
                short_id(&now.revision_id)
            ));
        }
        None
    }
}

fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
