//! Typing and validation: turns the evaluated fields of settings, policy and
//! each function instance (with `defaults` merged in field by field) into
//! model values, checking every constraint Lambda's PutRuntimeManagementConfig
//! and UpdateFunctionConfiguration place on them, and rtm's policy.
//!
//! Never evaluates expressions and never reads files: it sees values with
//! their source locations only.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use hcl::Value;
use regex::Regex;

use super::diagnostic::did_you_mean;
use super::syntax::{D, Loc, Reporter};
use super::value::{to_bool, to_number, to_string, type_name};
use crate::model::{
    Address, Configuration, DEPRECATED_RUNTIMES, DesiredFunction, FileSystemConfig, FunctionRef,
    ImageConfig, LoggingConfig, Policy, Qualifier, RUNTIMES, RuntimeManagement, RuntimeVersionArn,
    Settings, SourceLocation, UpdateRuntimeOn, VpcConfig,
};

/// One evaluated attribute: its value, where the value is written, and
/// where its name is written.
#[derive(Debug, Clone)]
pub struct Field {
    pub value: Value,
    pub loc: Loc,
    pub key_loc: Loc,
}

/// Evaluated attributes keyed by dotted path (`configuration.logging_config.log_format`).
pub type Fields = BTreeMap<String, Field>;

/// Where the policy's attributes are written, for messages that name both
/// the policy line and the offending line.
#[derive(Debug, Clone, Default)]
pub struct PolicyLocs {
    pub allow_manual: Option<Loc>,
    pub max_pin_days: Option<Loc>,
    pub forbidden_runtimes: Option<Loc>,
}

/// What every function is checked against.
pub struct Env<'a> {
    pub settings: &'a Settings,
    pub policy: &'a Policy,
    pub policy_locs: &'a PolicyLocs,
    pub defaults: &'a Fields,
    pub today: jiff::civil::Date,
}

/// One function instance to type and check.
pub struct Instance<'a> {
    /// Paths whose value could not be evaluated (already reported): their
    /// absence must not cause follow-on errors such as "requires X".
    pub poisoned: &'a [String],
    pub address: &'a Address,
    pub label_loc: &'a Loc,
    pub fields: &'a Fields,
    pub block_locs: &'a BTreeMap<String, Loc>,
    pub source: &'a SourceLocation,
}

/// Whether the attribute at `path` holds secrets (environment values): its
/// values are never quoted in a message.
pub fn is_sensitive(path: &str) -> bool {
    path == "configuration.environment.variables"
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

static REGION: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"));
static ROLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"));
static LAYER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$")
});
static GENERIC_ARN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*$"));
static EFS_ACCESS_POINT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:access-point/fsap-[a-f0-9]{17}$",
    )
});
static MOUNT_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"^/mnt/[a-zA-Z0-9-_.]+$"));
static ENV_KEY: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-zA-Z]([a-zA-Z0-9_])+$"));
static LOG_GROUP: LazyLock<Regex> = LazyLock::new(|| re(r"^[\.\-_/#A-Za-z0-9]+$"));
static DATE: LazyLock<Regex> = LazyLock::new(|| re(r"^\d{4}-\d{2}-\d{2}$"));

fn short_name(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// "`memory_size` must be a whole number; got a string", at the field.
fn wrong_type(path: &str, f: &Field, got: &Value, expected: &str) -> D {
    D::error(
        &f.loc,
        format!(
            "{} must be {expected}; got a {}",
            short_name(path),
            type_name(got)
        ),
    )
}

/// The field's value converted by `convert`, or a "must be EXPECTED" error.
fn expect<T>(
    r: &mut Reporter<'_>,
    path: &str,
    f: &Field,
    expected: &str,
    convert: impl FnOnce(&Value) -> Option<T>,
) -> Option<T> {
    let converted = convert(&f.value);
    if converted.is_none() {
        r.emit(
            wrong_type(path, f, &f.value, expected)
                .label(format!("this is {}", render_value(&f.value))),
        );
    }
    converted
}

fn expect_string(r: &mut Reporter<'_>, path: &str, f: &Field) -> Option<String> {
    expect(r, path, f, "a string", to_string)
}

fn expect_int(r: &mut Reporter<'_>, path: &str, f: &Field) -> Option<i64> {
    expect(r, path, f, "a whole number", |v| {
        let n = to_number(v)?;
        n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9e15)
                .map(|x| x as i64)
        })
    })
}

fn expect_bool(r: &mut Reporter<'_>, path: &str, f: &Field) -> Option<bool> {
    expect(r, path, f, "true or false", to_bool)
}

fn expect_strings(r: &mut Reporter<'_>, path: &str, f: &Field) -> Option<Vec<String>> {
    match &f.value {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match to_string(item) {
                    Some(s) => out.push(s),
                    None => {
                        r.emit(D::error(
                            &f.loc,
                            format!(
                                "{} must be a list of strings; found a {} element",
                                short_name(path),
                                type_name(item)
                            ),
                        ));
                        return None;
                    }
                }
            }
            Some(out)
        }
        other => {
            r.emit(wrong_type(path, f, other, "a list of strings").help("write [\"a\", \"b\"]"));
            None
        }
    }
}

fn expect_string_map(
    r: &mut Reporter<'_>,
    path: &str,
    f: &Field,
) -> Option<BTreeMap<String, String>> {
    match &f.value {
        Value::Object(items) => {
            let mut out = BTreeMap::new();
            for (k, v) in items {
                match to_string(v) {
                    Some(s) => {
                        out.insert(k.clone(), s);
                    }
                    None => {
                        r.emit(
                            D::error(
                                &f.loc,
                                format!(
                                    "{} must map names to strings; {k} is a {}",
                                    short_name(path),
                                    type_name(v)
                                ),
                            )
                            .help("quote the value: Lambda environment values are strings"),
                        );
                        return None;
                    }
                }
            }
            Some(out)
        }
        other => {
            r.emit(
                wrong_type(path, f, other, "a map of strings").help("write { NAME = \"value\" }"),
            );
            None
        }
    }
}

fn render_value(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(37).collect::<String>())
    } else {
        s
    }
}

fn one_of(r: &mut Reporter<'_>, path: &str, f: &Field, allowed: &[&str]) -> Option<String> {
    let s = expect_string(r, path, f)?;
    if allowed.contains(&s.as_str()) {
        return Some(s);
    }
    let list = allowed
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut d = D::error(&f.loc, format!("{s:?} is not a valid {}", short_name(path)))
        .help(format!("allowed: {list}"));
    if let Some(m) = did_you_mean(&s, allowed) {
        d = d.label(format!("did you mean {m:?}?"));
    }
    r.emit(d);
    None
}

fn in_range(
    r: &mut Reporter<'_>,
    path: &str,
    f: &Field,
    min: i64,
    max: i64,
    unit: &str,
) -> Option<i64> {
    let n = expect_int(r, path, f)?;
    if n < min || n > max {
        r.emit(
            D::error(
                &f.loc,
                format!(
                    "{} must be between {min} and {max}{unit}; got {n}",
                    short_name(path)
                ),
            )
            .label(format!("allowed: {min}..={max}")),
        );
        return None;
    }
    Some(n)
}

pub fn settings(r: &mut Reporter<'_>, fields: &Fields) -> Settings {
    let mut s = Settings::default();
    if let Some(f) = fields.get("region")
        && let Some(region) = expect_string(r, "region", f)
    {
        if REGION.is_match(&region) {
            s.region = Some(region);
        } else {
            r.emit(
                D::error(&f.loc, format!("{region:?} is not an AWS region"))
                    .help("write a region code such as \"us-east-1\""),
            );
        }
    }
    if let Some(f) = fields.get("parallelism")
        && let Some(n) = in_range(r, "parallelism", f, 1, 64, "")
    {
        s.parallelism = Some(n as u32);
    }
    s
}

pub fn policy(r: &mut Reporter<'_>, fields: &Fields) -> (Policy, PolicyLocs) {
    let mut p = Policy::default();
    let mut locs = PolicyLocs::default();
    if let Some(f) = fields.get("allow_manual")
        && let Some(b) = expect_bool(r, "allow_manual", f)
    {
        p.allow_manual = b;
        locs.allow_manual = Some(f.key_loc.clone());
    }
    if let Some(f) = fields.get("max_pin_days")
        && let Some(n) = in_range(r, "max_pin_days", f, 1, 3650, " days")
    {
        p.max_pin_days = Some(n as u32);
        locs.max_pin_days = Some(f.key_loc.clone());
    }
    if let Some(f) = fields.get("forbidden_runtimes")
        && let Some(list) = expect_strings(r, "forbidden_runtimes", f)
    {
        for rt in &list {
            if !RUNTIMES.contains(&rt.as_str()) {
                let mut d = D::error(
                    &f.loc,
                    format!("{rt:?} in forbidden_runtimes is not a Lambda runtime"),
                );
                if let Some(m) = did_you_mean(rt, RUNTIMES) {
                    d = d.label(format!("did you mean {m:?}?"));
                }
                r.emit(d.help("a misspelt runtime here would forbid nothing"));
            }
        }
        p.forbidden_runtimes = list;
        locs.forbidden_runtimes = Some(f.loc.clone());
    }
    (p, locs)
}

/// The effective field at `path`: the function's own, else the defaults'.
struct View<'a> {
    own: &'a Fields,
    defaults: &'a Fields,
    /// Published versions are immutable: defaults' configuration does not apply.
    config_defaults: bool,
}

impl<'a> View<'a> {
    fn get(&self, path: &str) -> Option<&'a Field> {
        self.own.get(path).or_else(|| {
            if !self.config_defaults && path.starts_with("configuration.") {
                None
            } else {
                self.defaults.get(path)
            }
        })
    }
    fn any_under(&self, prefix: &str) -> bool {
        let in_own = self
            .own
            .range(prefix.to_string()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(prefix));
        let in_defaults = (self.config_defaults || !prefix.starts_with("configuration."))
            && self
                .defaults
                .range(prefix.to_string()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(prefix));
        in_own || in_defaults
    }
}

pub fn build(r: &mut Reporter<'_>, env: &Env<'_>, inst: &Instance<'_>) -> Option<DesiredFunction> {
    let errors_before = r.error_count();
    let poisoned_before = !inst.poisoned.is_empty();
    let own = inst.fields;

    // Name: the block label unless written.
    let name_text = match own.get("name") {
        Some(f) => expect_string(r, "name", f),
        None => Some(inst.address.label().to_string()),
    };
    let name_loc = own.get("name").map_or(inst.label_loc, |f| &f.loc);
    let mut function_ref = None;
    let mut qualifier_in_name = None;
    if let Some(text) = &name_text {
        match FunctionRef::parse(text) {
            Ok((f, q)) => {
                function_ref = Some(f);
                qualifier_in_name = q;
            }
            Err(e) => {
                let mut d = D::error(name_loc, format!("invalid function name: {e}"));
                if own.get("name").is_none() {
                    d = d.help("the name defaults to the block label; set name = \"...\" to the function's name");
                }
                r.emit(d);
            }
        }
    }

    // Qualifier: attribute, else the one written after the name, else $LATEST.
    let qualifier_field = own.get("qualifier");
    let qualifier_text = match qualifier_field {
        Some(f) => expect_string(r, "qualifier", f),
        None => Some(
            qualifier_in_name
                .clone()
                .unwrap_or_else(|| "$LATEST".into()),
        ),
    };
    let qualifier_loc = qualifier_field.map_or(name_loc, |f| &f.loc);
    let mut qualifier = None;
    if let Some(q) = &qualifier_text {
        match q.parse::<Qualifier>() {
            Ok(parsed) => qualifier = Some(parsed),
            Err(e) => r.emit(
                D::error(qualifier_loc, e.to_string())
                    .help("use \"$LATEST\" or a published version number such as \"7\""),
            ),
        }
        if let (Some(in_name), Some(_)) = (&qualifier_in_name, qualifier_field)
            && in_name != q
        {
            r.emit(
                    D::error(qualifier_loc, format!(
                        "qualifier {q:?} does not match the qualifier {in_name:?} written in the name"
                    ))
                    .note(name_loc, "the name carries a qualifier here"),
                );
        }
    }
    let is_version = matches!(qualifier, Some(Qualifier::Version(_)));
    let view = View {
        own,
        defaults: env.defaults,
        config_defaults: !is_version,
    };

    if is_version && let Some(loc) = inst.block_locs.get("configuration") {
        r.emit(
                D::error(loc, format!(
                    "configuration is not allowed on a published version (qualifier {})",
                    qualifier.map(|q| q.to_string()).unwrap_or_default()
                ))
                .help("published versions are immutable; only their runtime_management can change. Manage configuration on $LATEST"),
            );
    }

    let function_region = function_ref
        .as_ref()
        .and_then(|f| f.region.clone())
        .or_else(|| env.settings.region.clone());

    let runtime_management = runtime_management(r, env, inst, &view, function_region.as_deref());
    let configuration = if is_version {
        Configuration::default()
    } else {
        configuration(r, env, &view)
    };

    if r.error_count() > errors_before || poisoned_before {
        return None;
    }
    Some(DesiredFunction {
        address: inst.address.clone(),
        function: function_ref?,
        qualifier: qualifier?,
        runtime_management,
        configuration,
        source: inst.source.clone(),
    })
}

fn runtime_management(
    r: &mut Reporter<'_>,
    env: &Env<'_>,
    inst: &Instance<'_>,
    view: &View<'_>,
    function_region: Option<&str>,
) -> Option<RuntimeManagement> {
    let block_loc = inst.block_locs.get("runtime_management");
    if block_loc.is_none() && !view.any_under("runtime_management.") {
        return None;
    }
    let mode_field = view.get("runtime_management.update_runtime_on");
    let Some(mode_field) = mode_field else {
        if inst
            .poisoned
            .iter()
            .any(|p| p == "runtime_management.update_runtime_on")
        {
            return None;
        }
        let loc = block_loc.unwrap_or(inst.label_loc);
        r.emit(
            D::error(loc, "runtime_management needs update_runtime_on")
                .help("set update_runtime_on = \"Auto\", \"FunctionUpdate\" or \"Manual\""),
        );
        return None;
    };
    let modes = ["Auto", "FunctionUpdate", "Manual"];
    let mode: UpdateRuntimeOn = one_of(r, "update_runtime_on", mode_field, &modes)?
        .parse()
        .ok()?;
    let manual = mode == UpdateRuntimeOn::Manual;

    let mut arn = None;
    if let Some(f) = view.get("runtime_management.runtime_version_arn") {
        if !manual {
            r.emit(
                D::error(
                    &f.key_loc,
                    "runtime_version_arn is only allowed with update_runtime_on = \"Manual\"",
                )
                .label("remove it, or set update_runtime_on = \"Manual\" to pin this version")
                .note(&mode_field.loc, format!("update_runtime_on is {mode} here")),
            );
        } else if let Some(s) = expect_string(r, "runtime_version_arn", f) {
            match RuntimeVersionArn::parse(&s) {
                Ok(a) => {
                    if let Some(region) = function_region
                        && a.region() != region
                    {
                        r.emit(
                                D::error(&f.loc, format!(
                                    "runtime version ARN is in {} but the function is in {region}",
                                    a.region()
                                ))
                                .help("runtime version ARNs differ per region; take the ARN from the function's own region (GetFunction RuntimeVersionConfig)"),
                            );
                    }
                    arn = Some(a);
                }
                Err(e) => r.emit(D::error(&f.loc, e.to_string())),
            }
        }
    } else if manual
        && !inst
            .poisoned
            .iter()
            .any(|p| p == "runtime_management.runtime_version_arn")
    {
        r.emit(
            D::error(&mode_field.loc, "update_runtime_on = \"Manual\" requires runtime_version_arn")
                .help("add runtime_version_arn = \"arn:aws:lambda:REGION::runtime:...\": the version to pin"),
        );
    }

    let mut pin_until = None;
    let pin_field = view.get("runtime_management.pin_until");
    if let Some(f) = pin_field {
        if !manual {
            r.emit(
                D::error(
                    &f.key_loc,
                    "pin_until is only allowed with update_runtime_on = \"Manual\"",
                )
                .label("remove it: only a Manual pin expires")
                .note(&mode_field.loc, format!("update_runtime_on is {mode} here")),
            );
        } else if let Some(s) = expect_string(r, "pin_until", f) {
            let parsed = if DATE.is_match(&s) {
                s.parse::<jiff::civil::Date>().ok()
            } else {
                None
            };
            match parsed {
                None => r.emit(
                    D::error(&f.loc, format!("pin_until {s:?} is not a valid date"))
                        .help("write the date as YYYY-MM-DD, e.g. \"2026-12-31\""),
                ),
                Some(date) => {
                    if date < env.today {
                        r.emit(
                            D::warning(&f.loc, format!(
                                "pin_until {date} is in the past: the pin on {} has expired",
                                inst.address
                            ))
                            .help("plan will propose update_runtime_on = \"Auto\"; extend pin_until or remove the pin"),
                        );
                    }
                    pin_until = Some(date);
                }
            }
        }
    }
    let mut reason = None;
    if let Some(f) = view.get("runtime_management.reason")
        && let Some(s) = expect_string(r, "reason", f)
    {
        if s.chars().count() > 1024 {
            r.emit(D::error(&f.loc, "reason is limited to 1024 characters"));
        }
        reason = Some(s);
    }

    if manual {
        if !env.policy.allow_manual {
            let mut d = D::error(&mode_field.loc, format!(
                "{} uses update_runtime_on = \"Manual\", which the policy forbids",
                inst.address
            ))
            .help("this account's policy keeps every function patched: use \"Auto\" or \"FunctionUpdate\"");
            if let Some(l) = &env.policy_locs.allow_manual {
                d = d.note(l, "policy allow_manual = false is set here");
            }
            r.emit(d);
        }
        if let Some(max) = env.policy.max_pin_days {
            let limit = env
                .today
                .checked_add(jiff::Span::new().days(i64::from(max)))
                .ok();
            match (pin_until, pin_field) {
                (Some(date), Some(f)) if limit.is_some_and(|l| date > l) => {
                    let mut d = D::error(&f.loc, format!(
                            "pin_until {date} is more than {max} days ahead (the policy's max_pin_days)"
                        ))
                        .help(format!(
                            "pin until {} at the latest",
                            limit.map(|l| l.to_string()).unwrap_or_default()
                        ));
                    if let Some(l) = &env.policy_locs.max_pin_days {
                        d = d.note(l, format!("policy max_pin_days = {max} is set here"));
                    }
                    r.emit(d);
                }
                _ if pin_field.is_none() => {
                    let mut d = D::error(&mode_field.loc, format!(
                        "a Manual pin must carry pin_until: the policy limits pins to {max} days"
                    ))
                    .help("add pin_until = \"YYYY-MM-DD\"");
                    if let Some(l) = &env.policy_locs.max_pin_days {
                        d = d.note(l, format!("policy max_pin_days = {max} is set here"));
                    }
                    r.emit(d);
                }
                _ => {}
            }
        } else if pin_field.is_none() {
            r.emit(
                D::warning(&mode_field.loc, format!("{} is pinned with Manual but has no pin_until", inst.address))
                    .help("Manual is a temporary mitigation: without patches the function stays on an old runtime; add pin_until = \"YYYY-MM-DD\""),
            );
        }
    }
    Some(RuntimeManagement {
        update_runtime_on: mode,
        runtime_version_arn: arn,
        pin_until,
        reason,
    })
}

fn configuration(r: &mut Reporter<'_>, env: &Env<'_>, view: &View<'_>) -> Configuration {
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
