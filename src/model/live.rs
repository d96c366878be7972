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
    pub configuration: Configuration,
    /// `RuntimeVersionConfig.RuntimeVersionArn`: the runtime version the
    /// function runs now (absent for container images).
    pub running_runtime_version_arn: Option<RuntimeVersionArn>,
    pub runtime_management: LiveRuntimeManagement,
}

/// GetRuntimeManagementConfig's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveRuntimeManagement {
    pub update_runtime_on: UpdateRuntimeOn,
    /// Set only in Manual mode.
    pub runtime_version_arn: Option<RuntimeVersionArn>,
}

impl Live {
    /// The runtime version it runs, with what it runs it on.
    pub fn sighting(&self) -> Option<super::Sighting<'_>> {
        Some(super::Sighting {
            arn: self.running_runtime_version_arn.as_ref()?,
            runtime: self.configuration.runtime.as_deref(),
            architecture: &self.architecture,
        })
    }
}
