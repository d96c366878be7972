//! What Lambda reported for one function version (GetFunction and
//! GetRuntimeManagementConfig), in the model's words.

use super::{Configuration, Qualifier, RuntimeVersionArn, UpdateRuntimeOn};

/// What Lambda reported for one function version, read through
/// GetFunction and GetRuntimeManagementConfig.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Live {
    /// The unqualified function ARN.
    pub function_arn: String,
    pub qualifier: Qualifier,
    pub revision_id: String,
    /// `Zip` or `Image`.
    pub package_type: String,
    pub architecture: String,
    /// `InProgress`, `Successful` or `Failed`, when reported.
    pub last_update_status: Option<String>,
    pub last_update_status_reason_code: Option<String>,
    /// `LastModified`: when the function's code or configuration last
    /// changed (Lambda's `2026-01-01T00:00:00.000+0000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    pub configuration: Configuration,
    /// `RuntimeVersionConfig.RuntimeVersionArn`: the runtime version the
    /// function runs now (absent for container images).
    pub running_runtime_version_arn: Option<RuntimeVersionArn>,
    pub runtime_management: LiveRuntimeManagement,
    /// The function's tags (GetFunction; empty from ListFunctions).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// The tag that says which rtm state manages a function: its value is the
/// state's lineage.
pub const CLAIM_TAG: &str = "rtm:lineage";

/// GetRuntimeManagementConfig's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveRuntimeManagement {
    pub update_runtime_on: UpdateRuntimeOn,
    /// Set only in Manual mode.
    pub runtime_version_arn: Option<RuntimeVersionArn>,
}

impl Live {
    /// `LastModified` as a timestamp, when Lambda gave one it can read.
    pub fn last_modified_at(&self) -> Option<jiff::Timestamp> {
        let text = self.last_modified.as_deref()?;
        jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%.f%z", text)
            .and_then(|t| t.to_timestamp())
            .or_else(|_| text.parse::<jiff::Timestamp>())
            .ok()
    }

    /// The runtime version it runs, with what it runs it on.
    pub fn sighting(&self) -> Option<super::Sighting<'_>> {
        Some(super::Sighting {
            arn: self.running_runtime_version_arn.as_ref()?,
            runtime: self.configuration.runtime(),
            architecture: &self.architecture,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn last_modified_reads_lambdas_format() {
        let live = super::Live {
            function_arn: String::new(),
            qualifier: super::Qualifier::Latest,
            revision_id: String::new(),
            package_type: "Zip".into(),
            architecture: "x86_64".into(),
            last_update_status: None,
            last_update_status_reason_code: None,
            last_modified: Some("2026-01-01T12:30:00.123+0000".into()),
            configuration: Default::default(),
            running_runtime_version_arn: None,
            runtime_management: super::LiveRuntimeManagement {
                update_runtime_on: super::UpdateRuntimeOn::Auto,
                runtime_version_arn: None,
            },
            tags: Default::default(),
        };
        assert_eq!(
            live.last_modified_at().map(|t| t.to_string()),
            Some("2026-01-01T12:30:00.123Z".to_string())
        );
    }
}
