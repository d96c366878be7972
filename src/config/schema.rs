//! Which blocks and attributes each block of the language takes (the top
//! level, settings, variable, policy, runtime_management, defaults,
//! function, locals), checked by `Reporter::check_schema` before any value
//! is evaluated. The `configuration { ... }` schema lives beside its typing
//! in `configuration.rs`.
//!
//! Tables only; no checking or typing here.

use super::configuration::CONFIGURATION;
use super::syntax::Schema;

/// The blocks a file may hold at the top level.
pub const TOP_LEVEL: &[&str] = &[
    "settings", "variable", "locals", "defaults", "policy", "function",
];

pub static SETTINGS: Schema = Schema {
    what: "settings",
    attrs: &["region", "parallelism"],
    blocks: &[],
};

pub static VARIABLE: Schema = Schema {
    what: "a variable block",
    attrs: &["default", "type", "description"],
    blocks: &[],
};

pub static POLICY: Schema = Schema {
    what: "policy",
    attrs: &["allow_manual", "max_pin_days", "forbidden_runtimes"],
    blocks: &[],
};

pub static RUNTIME_MANAGEMENT: Schema = Schema {
    what: "runtime_management",
    attrs: &[
        "update_runtime_on",
        "runtime_version_arn",
        "pin_until",
        "reason",
    ],
    blocks: &[],
};

pub static DEFAULTS: Schema = Schema {
    what: "defaults",
    attrs: &[],
    blocks: &[
        ("runtime_management", &RUNTIME_MANAGEMENT),
        ("configuration", &CONFIGURATION),
    ],
};

pub static FUNCTION: Schema = Schema {
    what: "a function block",
    attrs: &["for_each", "name", "qualifier"],
    blocks: &[
        ("runtime_management", &RUNTIME_MANAGEMENT),
        ("configuration", &CONFIGURATION),
    ],
};

/// Locals hold attributes only (their names are the locals').
pub static LOCALS_NONE: Schema = Schema {
    what: "locals",
    attrs: &[],
    blocks: &[],
};
