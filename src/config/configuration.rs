//! The `configuration { ... }` block: which attributes and nested blocks
//! it takes (its schema, derived from the attribute table in
//! `configuration_schema`), which of them hold secrets, and how each is typed
//! and checked into `model::Configuration`, as Lambda's
//! UpdateFunctionConfiguration accepts it, plus the policy's forbidden
//! runtimes.
//!
//! Sees evaluated fields only; never evaluates or reads files.

use std::sync::LazyLock;

use regex::Regex;

use super::diagnostic::did_you_mean;
use super::instance::{Env, View};
use super::syntax::{D, Reporter};
use super::typing::{
    expect_bool, expect_string, expect_string_map, expect_strings, in_range, one_of, regex,
};
use crate::model::{
    Configuration, DEPRECATED_RUNTIMES, FileSystemConfig, ImageConfig, LoggingConfig, RUNTIMES,
    VpcConfig,
};

pub use super::configuration_schema::CONFIGURATION;

/// Whether the attribute at `path` holds secrets (environment values): its
/// values are never quoted in a message.
pub fn is_sensitive(path: &str) -> bool {
    path == "configuration.environment.variables"
}

static ROLE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"));
static LAYER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$")
});
static GENERIC_ARN: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*$"));
static EFS_ACCESS_POINT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:access-point/fsap-[a-f0-9]{17}$",
    )
});
static MOUNT_PATH: LazyLock<Regex> = LazyLock::new(|| regex(r"^/mnt/[a-zA-Z0-9-_.]+$"));
static ENV_KEY: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z]([a-zA-Z0-9_])+$"));
static LOG_GROUP: LazyLock<Regex> = LazyLock::new(|| regex(r"^[\.\-_/#A-Za-z0-9]+$"));

pub fn configuration(r: &mut Reporter<'_>, env: &Env<'_>, view: &View<'_>) -> Configuration {
    let mut c = Configuration::default();
    let p = |s: &str| format!("configuration.{s}");
    if let Some(f) = view.get(&p("runtime"))
        && let Some(rt) = expect_string(r, "runtime", f)
    {
        if !RUNTIMES.contains(&rt.as_str()) {
            let mut d = D::error(&f.loc, format!("{rt:?} is not a Lambda runtime"));
            if let Some(m) = did_you_mean(&rt, RUNTIMES) {
                d = d.label(format!("did you mean {m:?}?"));
            }
            r.emit(d.help("see the Runtime values of UpdateFunctionConfiguration, e.g. \"python3.12\", \"nodejs22.x\""));
        } else {
            if env.policy.forbidden_runtimes.contains(&rt) {
                let mut d = D::error(&f.loc, format!("runtime {rt:?} is forbidden by the policy"))
                    .help("choose a runtime the policy allows");
                if let Some(l) = &env.policy_locs.forbidden_runtimes {
                    d = d.note(l, "policy forbidden_runtimes is set here");
                }
                r.emit(d);
            } else if DEPRECATED_RUNTIMES.contains(&rt.as_str()) {
                r.emit(
                        D::warning(&f.loc, format!("runtime {rt:?} is deprecated"))
                            .help("Lambda no longer applies security patches to deprecated runtimes; move to a supported one"),
                    );
            }
            c.runtime = Some(rt);
        }
    }
    if let Some(f) = view.get(&p("handler"))
        && let Some(h) = expect_string(r, "handler", f)
    {
        if h.is_empty() || h.chars().count() > 128 || h.chars().any(char::is_whitespace) {
            r.emit(
                D::error(
                    &f.loc,
                    "handler must be 1 to 128 characters without whitespace",
                )
                .label(format!("{} characters", h.chars().count())),
            );
        } else {
            c.handler = Some(h);
        }
    }
    if let Some(f) = view.get(&p("memory_size")) {
        c.memory_size = in_range(r, "memory_size", f, 128, 10240, " MB");
    }
    if let Some(f) = view.get(&p("timeout")) {
        c.timeout = in_range(r, "timeout", f, 1, 900, " seconds");
    }
    if let Some(f) = view.get(&p("description"))
        && let Some(d) = expect_string(r, "description", f)
    {
        if d.chars().count() > 256 {
            r.emit(
                D::error(&f.loc, "description is limited to 256 characters")
                    .label(format!("{} characters", d.chars().count())),
            );
        } else {
            c.description = Some(d);
        }
    }
    if let Some(f) = view.get(&p("role"))
        && let Some(role) = expect_string(r, "role", f)
    {
        if ROLE.is_match(&role) {
            c.role = Some(role);
        } else {
            r.emit(
                D::error(&f.loc, format!("{role:?} is not an IAM role ARN"))
                    .help("expected arn:aws:iam::123456789012:role/NAME"),
            );
        }
    }
    if let Some(f) = view.get(&p("layers"))
        && let Some(layers) = expect_strings(r, "layers", f)
    {
        let mut ok = true;
        if layers.len() > 5 {
            ok = false;
            r.emit(
                D::error(
                    &f.loc,
                    format!(
                        "a function can use at most 5 layers; {} are listed",
                        layers.len()
                    ),
                )
                .help("merge layers, or move dependencies into the deployment package"),
            );
        }
        for l in &layers {
            if l.len() > 140 || !LAYER.is_match(l) {
                ok = false;
                r.emit(
                        D::error(&f.loc, format!("{l:?} is not a layer version ARN"))
                            .help("expected arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION (at most 140 characters)"),
                    );
            }
        }
        if ok {
            c.layers = Some(layers);
        }
    }
    if let Some(f) = view.get(&p("kms_key_arn"))
        && let Some(k) = expect_string(r, "kms_key_arn", f)
    {
        if k.is_empty() || GENERIC_ARN.is_match(&k) {
            c.kms_key_arn = Some(k);
        } else {
            r.emit(
                D::error(&f.loc, format!("{k:?} is not a KMS key ARN")).help(
                    "expected arn:aws:kms:REGION:ACCOUNT:key/ID, or \"\" for the default key",
                ),
            );
        }
    }
    if let Some(f) = view.get(&p("environment.variables"))
        && let Some(vars) = expect_string_map(r, "variables", f)
    {
        let mut ok = true;
        for k in vars.keys() {
            if !ENV_KEY.is_match(k) {
                ok = false;
                r.emit(
                        D::error(&f.loc, format!("{k:?} is not a valid environment variable name"))
                            .help("names start with a letter, have at least 2 characters, and use letters, digits and _"),
                    );
            }
        }
        // Lambda limits the JSON of the variables map, as sent, to 4 KB.
        let size = serde_json::to_string(&vars).map(|s| s.len()).unwrap_or(0);
        if size > 4096 {
            ok = false;
            r.emit(
                    D::error(&f.loc, format!("environment variables take {size} bytes; Lambda allows 4 KB (4096 bytes)"))
                        .help("the limit applies to the JSON of all names and values together; move large values to SSM or Secrets Manager"),
                );
        }
        if ok {
            c.environment = Some(vars);
        }
    }
    if let Some(f) = view.get(&p("ephemeral_storage.size")) {
        c.ephemeral_storage_size = in_range(r, "size", f, 512, 10240, " MB");
    }
    if let Some(f) = view.get(&p("tracing_config.mode")) {
        c.tracing_mode = one_of(r, "mode", f, &["Active", "PassThrough"]);
    }
    let mut logging = LoggingConfig::default();
    if let Some(f) = view.get(&p("logging_config.log_format")) {
        logging.log_format = one_of(r, "log_format", f, &["JSON", "Text"]);
    }
    if let Some(f) = view.get(&p("logging_config.application_log_level")) {
        logging.application_log_level = one_of(
            r,
            "application_log_level",
            f,
            &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"],
        );
    }
    if let Some(f) = view.get(&p("logging_config.system_log_level")) {
        logging.system_log_level = one_of(r, "system_log_level", f, &["DEBUG", "INFO", "WARN"]);
    }
    if let Some(f) = view.get(&p("logging_config.log_group"))
        && let Some(g) = expect_string(r, "log_group", f)
    {
        if g.is_empty() || g.len() > 512 || !LOG_GROUP.is_match(&g) {
            r.emit(
                D::error(&f.loc, format!("{g:?} is not a log group name"))
                    .help("1 to 512 characters: letters, digits, and . - _ / #"),
            );
        } else {
            logging.log_group = Some(g);
        }
    }
    if logging != LoggingConfig::default() {
        let text_with_levels = logging.log_format.as_deref() == Some("Text")
            && (logging.application_log_level.is_some() || logging.system_log_level.is_some());
        if text_with_levels && let Some(f) = view.get(&p("logging_config.log_format")) {
            r.emit(
                D::error(&f.loc, "log levels require log_format = \"JSON\"")
                    .help("Lambda filters by level only for JSON logs"),
            );
        }
        c.logging_config = Some(logging);
    }
    let mut vpc = VpcConfig::default();
    if let Some(f) = view.get(&p("vpc_config.subnet_ids"))
        && let Some(ids) = expect_strings(r, "subnet_ids", f)
    {
        if ids.len() > 16 {
            r.emit(D::error(
                &f.loc,
                format!("at most 16 subnets; {} are listed", ids.len()),
            ));
        } else {
            vpc.subnet_ids = Some(ids);
        }
    }
    if let Some(f) = view.get(&p("vpc_config.security_group_ids"))
        && let Some(ids) = expect_strings(r, "security_group_ids", f)
    {
        if ids.len() > 5 {
            r.emit(D::error(
                &f.loc,
                format!("at most 5 security groups; {} are listed", ids.len()),
            ));
        } else {
            vpc.security_group_ids = Some(ids);
        }
    }
    if let Some(f) = view.get(&p("vpc_config.ipv6_allowed_for_dual_stack")) {
        vpc.ipv6_allowed_for_dual_stack = expect_bool(r, "ipv6_allowed_for_dual_stack", f);
    }
    if vpc != VpcConfig::default() {
        c.vpc_config = Some(vpc);
    }
    if let Some(f) = view.get(&p("dead_letter_config.target_arn"))
        && let Some(t) = expect_string(r, "target_arn", f)
    {
        if t.is_empty() || GENERIC_ARN.is_match(&t) {
            c.dead_letter_target_arn = Some(t);
        } else {
            r.emit(D::error(
                &f.loc,
                format!("{t:?} is not an SQS queue or SNS topic ARN"),
            ));
        }
    }
    let fs_arn = view.get(&p("file_system_config.arn"));
    let fs_path = view.get(&p("file_system_config.local_mount_path"));
    if fs_arn.is_some() || fs_path.is_some() {
        let mut fs = FileSystemConfig::default();
        match fs_arn {
            Some(f) => {
                if let Some(a) = expect_string(r, "arn", f) {
                    if EFS_ACCESS_POINT.is_match(&a) {
                        fs.arn = Some(a);
                    } else {
                        r.emit(
                            D::error(&f.loc, format!("{a:?} is not an EFS access point ARN"))
                                .help("expected arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-<17 hex digits>"),
                        );
                    }
                }
            }
            None => {
                if let Some(f) = fs_path {
                    r.emit(D::error(
                        &f.key_loc,
                        "file_system_config needs arn as well as local_mount_path",
                    ));
                }
            }
        }
        match fs_path {
            Some(f) => {
                if let Some(m) = expect_string(r, "local_mount_path", f) {
                    if m.len() <= 160 && MOUNT_PATH.is_match(&m) {
                        fs.local_mount_path = Some(m);
                    } else {
                        r.emit(
                            D::error(&f.loc, format!("{m:?} is not a mount path"))
                                .help("expected /mnt/NAME (letters, digits, - _ .)"),
                        );
                    }
                }
            }
            None => {
                if let Some(f) = fs_arn {
                    r.emit(D::error(
                        &f.key_loc,
                        "file_system_config needs local_mount_path as well as arn",
                    ));
                }
            }
        }
        c.file_system_config = Some(fs);
    }
    let mut image = ImageConfig::default();
    if let Some(f) = view.get(&p("image_config.command")) {
        image.command = expect_strings(r, "command", f);
    }
    if let Some(f) = view.get(&p("image_config.entry_point")) {
        image.entry_point = expect_strings(r, "entry_point", f);
    }
    if let Some(f) = view.get(&p("image_config.working_directory"))
        && let Some(w) = expect_string(r, "working_directory", f)
    {
        if w.len() > 1000 {
            r.emit(D::error(
                &f.loc,
                "working_directory is limited to 1000 characters",
            ));
        } else {
            image.working_directory = Some(w);
        }
    }
    if image != ImageConfig::default() {
        c.image_config = Some(image);
    }
    if let Some(f) = view.get(&p("snap_start.apply_on")) {
        c.snap_start_apply_on = one_of(r, "apply_on", f, &["PublishedVersions", "None"]);
    }
    c
}
