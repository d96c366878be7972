//! The version-specific settings UpdateFunctionConfiguration changes, in
//! the configuration language's words, read by attribute path through the
//! attribute table.

use std::collections::BTreeMap;

use super::{ATTRIBUTES, AttrValue, ENVIRONMENT_PREFIX, Kind};

/// The version-specific settings UpdateFunctionConfiguration changes, in the
/// config language's words. In a desired configuration, `None` means "not
/// managed"; in a live configuration, every field Lambda reported is `Some`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
    /// `environment { variables = {...} }`: the whole map is managed, so a
    /// live variable the config does not name is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<BTreeMap<String, String>>,
    /// `ephemeral_storage { size = N }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage_size: Option<i64>,
    /// `tracing_config { mode = "Active" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_config: Option<LoggingConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
    /// `dead_letter_config { target_arn = "..." }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_target_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_system_config: Option<FileSystemConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_config: Option<ImageConfig>,
    /// `snap_start { apply_on = "PublishedVersions" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snap_start_apply_on: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoggingConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VpcConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_allowed_for_dual_stack: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileSystemConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_mount_path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
}

fn s(v: &Option<String>) -> Option<AttrValue> {
    v.clone().map(AttrValue::String)
}
fn i(v: &Option<i64>) -> Option<AttrValue> {
    v.map(AttrValue::Int)
}
fn l(v: &Option<Vec<String>>) -> Option<AttrValue> {
    v.clone().map(AttrValue::List)
}
fn b(v: &Option<bool>) -> Option<AttrValue> {
    v.map(AttrValue::Bool)
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
        let lc = self.logging_config.as_ref();
        let vpc = self.vpc_config.as_ref();
        let fs = self.file_system_config.as_ref();
        let img = self.image_config.as_ref();
        match path {
            "configuration.runtime" => s(&self.runtime),
            "configuration.handler" => s(&self.handler),
            "configuration.memory_size" => i(&self.memory_size),
            "configuration.timeout" => i(&self.timeout),
            "configuration.description" => s(&self.description),
            "configuration.role" => s(&self.role),
            "configuration.layers" => l(&self.layers),
            "configuration.kms_key_arn" => s(&self.kms_key_arn),
            "configuration.ephemeral_storage.size" => i(&self.ephemeral_storage_size),
            "configuration.tracing_config.mode" => s(&self.tracing_mode),
            "configuration.logging_config.log_format" => lc.and_then(|c| s(&c.log_format)),
            "configuration.logging_config.application_log_level" => {
                lc.and_then(|c| s(&c.application_log_level))
            }
            "configuration.logging_config.system_log_level" => {
                lc.and_then(|c| s(&c.system_log_level))
            }
            "configuration.logging_config.log_group" => lc.and_then(|c| s(&c.log_group)),
            "configuration.vpc_config.subnet_ids" => vpc.and_then(|c| l(&c.subnet_ids)),
            "configuration.vpc_config.security_group_ids" => {
                vpc.and_then(|c| l(&c.security_group_ids))
            }
            "configuration.vpc_config.ipv6_allowed_for_dual_stack" => {
                vpc.and_then(|c| b(&c.ipv6_allowed_for_dual_stack))
            }
            "configuration.dead_letter_config.target_arn" => s(&self.dead_letter_target_arn),
            "configuration.file_system_config.arn" => fs.and_then(|c| s(&c.arn)),
            "configuration.file_system_config.local_mount_path" => {
                fs.and_then(|c| s(&c.local_mount_path))
            }
            "configuration.image_config.command" => img.and_then(|c| l(&c.command)),
            "configuration.image_config.entry_point" => img.and_then(|c| l(&c.entry_point)),
            "configuration.image_config.working_directory" => {
                img.and_then(|c| s(&c.working_directory))
            }
            "configuration.snap_start.apply_on" => s(&self.snap_start_apply_on),
            _ => None,
        }
    }

    /// Every attribute this configuration sets, as (path, value), in display
    /// order; environment variables last, by name.
    pub fn attributes(&self) -> Vec<(String, AttrValue)> {
        let mut out: Vec<(String, AttrValue)> = ATTRIBUTES
            .iter()
            .filter(|a| a.kind != Kind::Map)
            .filter_map(|a| self.get(a.path).map(|v| (a.path.to_string(), v)))
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
        self == &Configuration::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_list_only_what_is_set() {
        let c = Configuration {
            memory_size: Some(512),
            environment: Some(BTreeMap::from([
                ("B".into(), "2".into()),
                ("A".into(), "1".into()),
            ])),
            vpc_config: Some(VpcConfig {
                subnet_ids: Some(vec!["subnet-1".into()]),
                ..Default::default()
            }),
            ..Default::default()
        };
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
    }

    #[test]
    fn every_listed_path_is_readable() {
        // A path listed but not wired in `get` would silently never be managed.
        let full = Configuration {
            runtime: Some("r".into()),
            handler: Some("h".into()),
            memory_size: Some(1),
            timeout: Some(1),
            description: Some("d".into()),
            role: Some("r".into()),
            layers: Some(vec![]),
            kms_key_arn: Some("k".into()),
            environment: None,
            ephemeral_storage_size: Some(1),
            tracing_mode: Some("t".into()),
            logging_config: Some(LoggingConfig {
                log_format: Some("x".into()),
                application_log_level: Some("x".into()),
                system_log_level: Some("x".into()),
                log_group: Some("x".into()),
            }),
            vpc_config: Some(VpcConfig {
                subnet_ids: Some(vec![]),
                security_group_ids: Some(vec![]),
                ipv6_allowed_for_dual_stack: Some(false),
            }),
            dead_letter_target_arn: Some("x".into()),
            file_system_config: Some(FileSystemConfig {
                arn: Some("x".into()),
                local_mount_path: Some("x".into()),
            }),
            image_config: Some(ImageConfig {
                command: Some(vec![]),
                entry_point: Some(vec![]),
                working_directory: Some("x".into()),
            }),
            snap_start_apply_on: Some("x".into()),
        };
        for a in ATTRIBUTES.iter().filter(|a| a.kind != Kind::Map) {
            assert!(
                full.get(a.path).is_some(),
                "{} is listed but not readable",
                a.path
            );
        }
    }
}
