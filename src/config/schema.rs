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
    "settings", "variable", "locals", "defaults", "policy", "account", "backend", "function",
];

pub static SETTINGS: Schema = Schema {
    what: "settings",
    attrs: &["region", "parallelism", "claim_functions"],
    blocks: &[],
};

pub static VARIABLE: Schema = Schema {
    what: "a variable block",
    attrs: &["default", "type", "description"],
    blocks: &[],
};

pub static POLICY: Schema = Schema {
    what: "policy",
    attrs: &[
        "allow_manual",
        "max_pin_days",
        "forbidden_runtimes",
        "max_function_update_age_days",
        "max_image_age_days",
        "deprecation_warning_days",
        "manual_exception_roles",
        "runtime_deprecations",
    ],
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
    attrs: &["account", "region"],
    blocks: &[
        ("runtime_management", &RUNTIME_MANAGEMENT),
        ("configuration", &CONFIGURATION),
    ],
};

pub static FUNCTION: Schema = Schema {
    what: "a function block",
    attrs: &["for_each", "name", "qualifier", "account", "region"],
    blocks: &[
        ("runtime_management", &RUNTIME_MANAGEMENT),
        ("configuration", &CONFIGURATION),
    ],
};

pub static ACCOUNT: Schema = Schema {
    what: "an account block",
    attrs: &[
        "assume_role_arn",
        "external_id",
        "account_id",
        "region",
        "profile",
    ],
    blocks: &[],
};

pub static BACKEND: Schema = Schema {
    what: "the s3 backend",
    attrs: &[
        "bucket",
        "key",
        "region",
        "profile",
        "endpoint_url",
        "use_path_style",
        "encrypt",
    ],
    blocks: &[],
};

/// Locals hold attributes only (their names are the locals').
pub static LOCALS_NONE: Schema = Schema {
    what: "locals",
    attrs: &[],
    blocks: &[],
};
