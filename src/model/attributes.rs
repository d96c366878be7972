//! The one table of managed attributes: for each, its path in the
//! configuration language, its API member in UpdateFunctionConfiguration,
//! its type, whether its value is a secret, and whether a Manual pin on
//! $LATEST blocks changing it. The diff, the request the plan shows (and
//! apply sends), import and the renderers read it; adding an attribute is
//! one row here plus a test. The emulator keeps its own definitions on
//! purpose, so the two cannot agree by construction.

/// The value type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Int,
    Bool,
    /// A list of strings.
    List,
    /// The environment map: one attribute per variable, values sensitive.
    Map,
}

/// Where an attribute sits in the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A top-level member (`"MemorySize": 512`).
    Top,
    /// A member of an object sent whole (`"LoggingConfig": {"LogFormat": ..}`):
    /// Lambda replaces the object, so members the configuration does not
    /// manage are sent with their live values.
    Object(&'static str),
    /// A member of the one object of a list (`"FileSystemConfigs": [{..}]`);
    /// an empty `Arn` is sent as an empty list (no file system).
    ListOfOne(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    /// `configuration.logging_config.log_format`.
    pub path: &'static str,
    pub container: Container,
    /// The API member (`LogFormat`).
    pub member: &'static str,
    pub kind: Kind,
    /// Its values are never shown, planned or stored in clear.
    pub sensitive: bool,
    /// Lambda refuses to change it while $LATEST is Manual: the pin is
    /// lifted first (hashicorp/terraform-provider-aws#42699).
    pub blocked_by_manual: bool,
}

const fn attr(
    path: &'static str,
    container: Container,
    member: &'static str,
    kind: Kind,
) -> Attribute {
    Attribute {
        path,
        container,
        member,
        kind,
        sensitive: false,
        blocked_by_manual: false,
    }
}

use Container::{ListOfOne, Object, Top};

/// Every managed attribute, in display order.
pub const ATTRIBUTES: &[Attribute] = &[
    Attribute {
        blocked_by_manual: true,
        ..attr("configuration.runtime", Top, "Runtime", Kind::String)
    },
    attr("configuration.handler", Top, "Handler", Kind::String),
    attr("configuration.memory_size", Top, "MemorySize", Kind::Int),
    attr("configuration.timeout", Top, "Timeout", Kind::Int),
    attr(
        "configuration.description",
        Top,
        "Description",
        Kind::String,
    ),
    attr("configuration.role", Top, "Role", Kind::String),
    attr("configuration.layers", Top, "Layers", Kind::List),
    attr("configuration.kms_key_arn", Top, "KMSKeyArn", Kind::String),
    attr(
        "configuration.ephemeral_storage.size",
        Object("EphemeralStorage"),
        "Size",
        Kind::Int,
    ),
    attr(
        "configuration.tracing_config.mode",
        Object("TracingConfig"),
        "Mode",
        Kind::String,
    ),
    attr(
        "configuration.logging_config.log_format",
        Object("LoggingConfig"),
        "LogFormat",
        Kind::String,
    ),
    attr(
        "configuration.logging_config.application_log_level",
        Object("LoggingConfig"),
        "ApplicationLogLevel",
        Kind::String,
    ),
    attr(
        "configuration.logging_config.system_log_level",
        Object("LoggingConfig"),
        "SystemLogLevel",
        Kind::String,
    ),
    attr(
        "configuration.logging_config.log_group",
        Object("LoggingConfig"),
        "LogGroup",
        Kind::String,
    ),
    attr(
        "configuration.vpc_config.subnet_ids",
        Object("VpcConfig"),
        "SubnetIds",
        Kind::List,
    ),
    attr(
        "configuration.vpc_config.security_group_ids",
        Object("VpcConfig"),
        "SecurityGroupIds",
        Kind::List,
    ),
    attr(
        "configuration.vpc_config.ipv6_allowed_for_dual_stack",
        Object("VpcConfig"),
        "Ipv6AllowedForDualStack",
        Kind::Bool,
    ),
    attr(
        "configuration.dead_letter_config.target_arn",
        Object("DeadLetterConfig"),
        "TargetArn",
        Kind::String,
    ),
    attr(
        "configuration.file_system_config.arn",
        ListOfOne("FileSystemConfigs"),
        "Arn",
        Kind::String,
    ),
    attr(
        "configuration.file_system_config.local_mount_path",
        ListOfOne("FileSystemConfigs"),
        "LocalMountPath",
        Kind::String,
    ),
    attr(
        "configuration.image_config.command",
        Object("ImageConfig"),
        "Command",
        Kind::List,
    ),
    attr(
        "configuration.image_config.entry_point",
        Object("ImageConfig"),
        "EntryPoint",
        Kind::List,
    ),
    attr(
        "configuration.image_config.working_directory",
        Object("ImageConfig"),
        "WorkingDirectory",
        Kind::String,
    ),
    attr(
        "configuration.snap_start.apply_on",
        Object("SnapStart"),
        "ApplyOn",
        Kind::String,
    ),
    Attribute {
        sensitive: true,
        ..attr(
            "configuration.environment.variables",
            Object("Environment"),
            "Variables",
            Kind::Map,
        )
    },
];

/// The row for an attribute path; every environment variable
/// (`configuration.environment.variables.NAME`) is the environment row.
pub fn attribute(path: &str) -> Option<&'static Attribute> {
    ATTRIBUTES.iter().find(|a| {
        a.path == path
            || (a.kind == Kind::Map
                && path
                    .strip_prefix(a.path)
                    .is_some_and(|rest| rest.starts_with('.')))
    })
}

/// The runtime management paths, which the table's configuration rows do
/// not cover (they are set by PutRuntimeManagementConfig).
pub const MODE_PATH: &str = "runtime_management.update_runtime_on";
pub const ARN_PATH: &str = "runtime_management.runtime_version_arn";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_listed_once_and_found() {
        for (i, a) in ATTRIBUTES.iter().enumerate() {
            assert_eq!(attribute(a.path), Some(a));
            assert!(
                ATTRIBUTES[i + 1..].iter().all(|b| b.path != a.path),
                "{} twice",
                a.path
            );
        }
        assert_eq!(
            attribute("configuration.environment.variables.API_KEY").map(|a| a.sensitive),
            Some(true)
        );
        assert_eq!(attribute("configuration.environment.variablesX"), None);
        assert_eq!(attribute("configuration.nope"), None);
    }
}
