//! The one table of managed attributes: for each, its path in the
//! configuration language, its API member in UpdateFunctionConfiguration
//! (and where GetFunction reports it, when elsewhere), its type and the
//! rule the loader checks, Lambda's value when the member is absent,
//! whether its value is a secret, and whether a Manual pin on $LATEST
//! blocks changing it. The loader's schema and typing, the model, the
//! live read, the diff, the request the plan shows (and apply sends),
//! import and the renderers read it; adding an attribute is one row here
//! plus a test. The emulator keeps its own definitions on purpose, so the
//! two cannot agree by construction.

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

/// Where GetFunction's `Configuration` (and each of ListFunctions'
/// `Functions`) reports an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Where the request sends it: `Member`, `Object.Member`, or
    /// `List[0].Member`.
    AsSent,
    /// At this member path; a `*` segment takes that member of every
    /// element of a list (`Layers.*.Arn`).
    At(&'static [&'static str]),
}

/// Lambda's value for an attribute its answer leaves out, so that "unset"
/// compares equal to what a user would write for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// Not set: the attribute has no value (a container image's runtime).
    Unset,
    /// The empty value of its kind: `""`, `[]`, no variables.
    Empty,
    String(&'static str),
    Int(i64),
    Bool(bool),
}

/// A string that must match a pattern, else "`VALUE` is not `what`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern {
    /// A regular expression (the `regex` crate's syntax), anchored.
    pub regex: &'static str,
    /// At most this many bytes.
    pub max_bytes: Option<usize>,
    /// `""` is accepted too (Lambda's way of saying "none").
    pub empty: bool,
    /// "an IAM role ARN".
    pub what: &'static str,
    pub help: Option<&'static str>,
}

/// How a text limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Chars,
    Bytes,
}

/// What the loader checks of a value beyond its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Any value of its kind.
    Any,
    /// A whole number in `min..=max`; `unit` follows the bounds in the
    /// message (" MB").
    Range {
        min: i64,
        max: i64,
        unit: &'static str,
    },
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A string of `min..=max` characters (or bytes), without whitespace
    /// unless `whitespace`; else `message` (with the count of characters
    /// when they are what is counted).
    Length {
        min: usize,
        max: usize,
        unit: Unit,
        whitespace: bool,
        message: &'static str,
    },
    Pattern(Pattern),
    /// A list of at most `max` strings ("`too_many`; N are listed"), each
    /// matching `item` when given.
    List {
        max: usize,
        too_many: &'static str,
        help: Option<&'static str>,
        item: Option<Pattern>,
    },
    /// A Lambda runtime identifier: the loader checks it against the
    /// runtime list, the policy's forbidden runtimes and the deprecations.
    Runtime,
    /// Environment variables: each name matching `name`, and the JSON of
    /// the whole map at most `max_bytes`.
    Environment {
        name: &'static str,
        max_bytes: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    /// `configuration.logging_config.log_format`: the block it is written
    /// in, then its name.
    pub path: &'static str,
    pub container: Container,
    /// The API member (`LogFormat`).
    pub member: &'static str,
    pub kind: Kind,
    pub rule: Rule,
    /// Another attribute that must be written with this one (each of a
    /// file system's ARN and mount path needs the other).
    pub requires: Option<&'static str>,
    pub read: Read,
    pub absent: Absent,
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
        rule: Rule::Any,
        requires: None,
        read: Read::AsSent,
        absent: Absent::Unset,
        sensitive: false,
        blocked_by_manual: false,
    }
}

impl Attribute {
    const fn rule(self, rule: Rule) -> Attribute {
        Attribute { rule, ..self }
    }
    const fn absent(self, absent: Absent) -> Attribute {
        Attribute { absent, ..self }
    }
    const fn read(self, at: &'static [&'static str]) -> Attribute {
        Attribute {
            read: Read::At(at),
            ..self
        }
    }
    const fn requires(self, path: &'static str) -> Attribute {
        Attribute {
            requires: Some(path),
            ..self
        }
    }

    /// Where GetFunction reports it, as member names (`*`: every element).
    pub fn read_path(&self) -> Vec<&'static str> {
        match (self.read, self.container) {
            (Read::At(at), _) => at.to_vec(),
            (Read::AsSent, Container::Top) => vec![self.member],
            (Read::AsSent, Container::Object(o)) => vec![o, self.member],
            (Read::AsSent, Container::ListOfOne(l)) => vec![l, "0", self.member],
        }
    }

    /// Lambda's value when its answer leaves the member out (`None`: not
    /// set). The environment row has no single value: its `absent` says
    /// whether no variables is an empty map (`Empty`) or none at all.
    pub fn absent_value(&self) -> Option<super::AttrValue> {
        use super::AttrValue;
        match (self.absent, self.kind) {
            (Absent::Unset, _) | (_, Kind::Map) => None,
            (Absent::String(s), _) => Some(AttrValue::String(s.to_string())),
            (Absent::Int(i), _) => Some(AttrValue::Int(i)),
            (Absent::Bool(b), _) => Some(AttrValue::Bool(b)),
            (Absent::Empty, Kind::String) => Some(AttrValue::String(String::new())),
            (Absent::Empty, Kind::Int) => Some(AttrValue::Int(0)),
            (Absent::Empty, Kind::Bool) => Some(AttrValue::Bool(false)),
            (Absent::Empty, Kind::List) => Some(AttrValue::List(Vec::new())),
        }
    }

    /// Its name in its block (`log_format`).
    pub fn name(&self) -> &'static str {
        self.path.rsplit('.').next().unwrap_or(self.path)
    }
}

const fn range(min: i64, max: i64, unit: &'static str) -> Rule {
    Rule::Range { min, max, unit }
}

const fn pattern(regex: &'static str, what: &'static str) -> Pattern {
    Pattern {
        regex,
        max_bytes: None,
        empty: false,
        what,
        help: None,
    }
}

impl Pattern {
    const fn help(self, help: &'static str) -> Pattern {
        Pattern {
            help: Some(help),
            ..self
        }
    }
    const fn or_empty(self) -> Pattern {
        Pattern {
            empty: true,
            ..self
        }
    }
    const fn max_bytes(self, n: usize) -> Pattern {
        Pattern {
            max_bytes: Some(n),
            ..self
        }
    }
}

const fn list(max: usize, too_many: &'static str) -> Rule {
    Rule::List {
        max,
        too_many,
        help: None,
        item: None,
    }
}

/// Any ARN (a KMS key, an SQS queue or SNS topic).
const ANY_ARN: &str = r"^arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*$";

use Container::{ListOfOne, Object, Top};

/// Every managed attribute, in display order.
pub const ATTRIBUTES: &[Attribute] = &[
    Attribute {
        blocked_by_manual: true,
        ..attr(RUNTIME_PATH, Top, "Runtime", Kind::String).rule(Rule::Runtime)
    },
    attr("configuration.handler", Top, "Handler", Kind::String).rule(Rule::Length {
        min: 1,
        max: 128,
        unit: Unit::Chars,
        whitespace: false,
        message: "handler must be 1 to 128 characters without whitespace",
    }),
    attr("configuration.memory_size", Top, "MemorySize", Kind::Int)
        .rule(range(128, 10240, " MB")),
    attr("configuration.timeout", Top, "Timeout", Kind::Int).rule(range(1, 900, " seconds")),
    attr(
        "configuration.description",
        Top,
        "Description",
        Kind::String,
    )
    .rule(Rule::Length {
        min: 0,
        max: 256,
        unit: Unit::Chars,
        whitespace: true,
        message: "description is limited to 256 characters",
    })
    .absent(Absent::Empty),
    attr("configuration.role", Top, "Role", Kind::String).rule(Rule::Pattern(
        pattern(
            r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$",
            "an IAM role ARN",
        )
        .help("expected arn:aws:iam::123456789012:role/NAME"),
    )),
    attr("configuration.layers", Top, "Layers", Kind::List)
        .rule(Rule::List {
            max: 5,
            too_many: "a function can use at most 5 layers",
            help: Some("merge layers, or move dependencies into the deployment package"),
            item: Some(
                pattern(
                    r"^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$",
                    "a layer version ARN",
                )
                .max_bytes(140)
                .help("expected arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION (at most 140 characters)"),
            ),
        })
        // GetFunction reports each layer as an object: its ARN and size.
        .read(&["Layers", "*", "Arn"])
        .absent(Absent::Empty),
    attr("configuration.kms_key_arn", Top, "KMSKeyArn", Kind::String)
        .rule(Rule::Pattern(
            pattern(ANY_ARN, "a KMS key ARN")
                .or_empty()
                .help("expected arn:aws:kms:REGION:ACCOUNT:key/ID, or \"\" for the default key"),
        ))
        .absent(Absent::Empty),
    attr(
        "configuration.ephemeral_storage.size",
        Object("EphemeralStorage"),
        "Size",
        Kind::Int,
    )
    .rule(range(512, 10240, " MB"))
    .absent(Absent::Int(512)),
    attr(
        "configuration.tracing_config.mode",
        Object("TracingConfig"),
        "Mode",
        Kind::String,
    )
    .rule(Rule::OneOf(&["Active", "PassThrough"]))
    .absent(Absent::String("PassThrough")),
    attr(
        "configuration.logging_config.log_format",
        Object("LoggingConfig"),
        "LogFormat",
        Kind::String,
    )
    .rule(Rule::OneOf(&["JSON", "Text"])),
    attr(
        "configuration.logging_config.application_log_level",
        Object("LoggingConfig"),
        "ApplicationLogLevel",
        Kind::String,
    )
    .rule(Rule::OneOf(&[
        "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL",
    ])),
    attr(
        "configuration.logging_config.system_log_level",
        Object("LoggingConfig"),
        "SystemLogLevel",
        Kind::String,
    )
    .rule(Rule::OneOf(&["DEBUG", "INFO", "WARN"])),
    attr(
        "configuration.logging_config.log_group",
        Object("LoggingConfig"),
        "LogGroup",
        Kind::String,
    )
    .rule(Rule::Pattern(
        pattern(r"^[\.\-_/#A-Za-z0-9]+$", "a log group name")
            .max_bytes(512)
            .help("1 to 512 characters: letters, digits, and . - _ / #"),
    )),
    attr(
        "configuration.vpc_config.subnet_ids",
        Object("VpcConfig"),
        "SubnetIds",
        Kind::List,
    )
    .rule(list(16, "at most 16 subnets"))
    .absent(Absent::Empty),
    attr(
        "configuration.vpc_config.security_group_ids",
        Object("VpcConfig"),
        "SecurityGroupIds",
        Kind::List,
    )
    .rule(list(5, "at most 5 security groups"))
    .absent(Absent::Empty),
    attr(
        "configuration.vpc_config.ipv6_allowed_for_dual_stack",
        Object("VpcConfig"),
        "Ipv6AllowedForDualStack",
        Kind::Bool,
    )
    .absent(Absent::Bool(false)),
    attr(
        "configuration.dead_letter_config.target_arn",
        Object("DeadLetterConfig"),
        "TargetArn",
        Kind::String,
    )
    .rule(Rule::Pattern(
        pattern(ANY_ARN, "an SQS queue or SNS topic ARN").or_empty(),
    ))
    .absent(Absent::Empty),
    attr(
        "configuration.file_system_config.arn",
        ListOfOne("FileSystemConfigs"),
        "Arn",
        Kind::String,
    )
    .rule(Rule::Pattern(
        pattern(
            r"^arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:access-point/fsap-[a-f0-9]{17}$",
            "an EFS access point ARN",
        )
        .help("expected arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-<17 hex digits>"),
    ))
    .requires("configuration.file_system_config.local_mount_path")
    .absent(Absent::Empty),
    attr(
        "configuration.file_system_config.local_mount_path",
        ListOfOne("FileSystemConfigs"),
        "LocalMountPath",
        Kind::String,
    )
    .rule(Rule::Pattern(
        pattern(r"^/mnt/[a-zA-Z0-9-_.]+$", "a mount path")
            .max_bytes(160)
            .help("expected /mnt/NAME (letters, digits, - _ .)"),
    ))
    .requires("configuration.file_system_config.arn")
    .absent(Absent::Empty),
    attr(
        "configuration.image_config.command",
        Object("ImageConfig"),
        "Command",
        Kind::List,
    )
    .read(&["ImageConfigResponse", "ImageConfig", "Command"])
    .absent(Absent::Empty),
    attr(
        "configuration.image_config.entry_point",
        Object("ImageConfig"),
        "EntryPoint",
        Kind::List,
    )
    .read(&["ImageConfigResponse", "ImageConfig", "EntryPoint"])
    .absent(Absent::Empty),
    attr(
        "configuration.image_config.working_directory",
        Object("ImageConfig"),
        "WorkingDirectory",
        Kind::String,
    )
    .rule(Rule::Length {
        min: 0,
        max: 1000,
        unit: Unit::Bytes,
        whitespace: true,
        message: "working_directory is limited to 1000 characters",
    })
    .read(&["ImageConfigResponse", "ImageConfig", "WorkingDirectory"])
    .absent(Absent::Empty),
    attr(
        "configuration.snap_start.apply_on",
        Object("SnapStart"),
        "ApplyOn",
        Kind::String,
    )
    .rule(Rule::OneOf(&["PublishedVersions", "None"]))
    .absent(Absent::String("None")),
    Attribute {
        sensitive: true,
        ..attr(
            "configuration.environment.variables",
            Object("Environment"),
            "Variables",
            Kind::Map,
        )
        .rule(Rule::Environment {
            name: r"^[a-zA-Z]([a-zA-Z0-9_])+$",
            max_bytes: 4096,
        })
        .absent(Absent::Empty)
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

/// The runtime: what runtime versions, deprecations and pins are about.
pub const RUNTIME_PATH: &str = "configuration.runtime";

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

    #[test]
    fn rules_fit_their_rows() {
        for a in ATTRIBUTES {
            let fits = match a.rule {
                Rule::Any => a.kind != Kind::Map,
                Rule::Range { min, max, .. } => a.kind == Kind::Int && min <= max,
                Rule::OneOf(values) => a.kind == Kind::String && !values.is_empty(),
                Rule::Length { min, max, .. } => a.kind == Kind::String && min <= max,
                Rule::Pattern(_) | Rule::Runtime => a.kind == Kind::String,
                Rule::List { .. } => a.kind == Kind::List,
                Rule::Environment { .. } => a.kind == Kind::Map,
            };
            assert!(fits, "{}: {:?} does not fit a {:?}", a.path, a.rule, a.kind);
            let absent_fits = match a.absent {
                Absent::Unset | Absent::Empty => true,
                Absent::String(_) => a.kind == Kind::String,
                Absent::Int(_) => a.kind == Kind::Int,
                Absent::Bool(_) => a.kind == Kind::Bool,
            };
            assert!(absent_fits, "{}: {:?}", a.path, a.absent);
            if let Some(other) = a.requires {
                assert!(
                    attribute(other).is_some_and(|o| o.requires == Some(a.path)),
                    "{} requires {other}, which must require it back",
                    a.path
                );
            }
            // The loader derives blocks from paths: one level at most.
            let rest = a.path.strip_prefix("configuration.").unwrap_or_default();
            assert!(
                !rest.is_empty() && rest.split('.').count() <= 2,
                "{}",
                a.path
            );
        }
    }
}
