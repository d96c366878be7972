//! Domain types shared by the config loader, the state store, the AWS reader,
//! the planner and the renderers: function references, qualifiers, update
//! modes, runtime version ARNs, the desired state and the live state.
//!
//! No I/O here and no dependency on any other module of the crate: these types
//! are the vocabulary the rest of rtm speaks, so they must stay plain data.

mod address;
mod attributes;
mod configuration;
mod desired;
mod function_ref;
mod live;
mod recorded;
mod runtime;

pub use address::Address;
pub use attributes::{
    ARN_PATH, ATTRIBUTES, Absent, Attribute, Container, Kind, MODE_PATH, Pattern, RUNTIME_PATH,
    Read, Rule, Unit, attribute,
};
pub use configuration::Configuration;
pub use desired::{
    Account, Backend, Desired, DesiredFunction, Policy, RuntimeManagement, Settings, SourceLocation,
};
pub use function_ref::{FunctionRef, FunctionRefError};
pub use live::{CLAIM_TAG, Live, LiveRuntimeManagement};
pub use recorded::{ObservedRuntimeVersion, Recorded, Salt, Sighting, StoredValue};
pub use runtime::{
    DEPRECATED_RUNTIMES, Qualifier, QualifierError, RUNTIME_DEPRECATIONS, RUNTIMES,
    RuntimeVersionArn, RuntimeVersionArnError, UpdateRuntimeOn, deprecation_date,
};

/// A value of one managed attribute, as compared by the diff and stored in state.
///
/// Environment variable values are the only sensitive values: they are carried
/// in memory for comparison and for the request, but never rendered or stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    Bool(bool),
    Int(i64),
    String(String),
    List(Vec<String>),
}

impl std::fmt::Display for AttrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrValue::Bool(b) => write!(f, "{b}"),
            AttrValue::Int(i) => write!(f, "{i}"),
            AttrValue::String(s) => write!(f, "{s:?}"),
            AttrValue::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item:?}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// The path prefix under which every environment variable is an attribute of
/// its own (`configuration.environment.variables.LOG_LEVEL`). Values under it
/// are sensitive.
pub const ENVIRONMENT_PREFIX: &str = "configuration.environment.variables.";

/// Whether the attribute at `path` holds a secret.
pub fn is_sensitive(path: &str) -> bool {
    attribute(path).is_some_and(|a| a.sensitive)
}
