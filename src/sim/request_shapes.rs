//! The request bodies and parameters of the operations the emulator serves,
//! written out from botocore 1.43.11's Lambda model (service-2.json): every
//! member, its type, and its lengths, ranges, patterns and enums. Where
//! Lambda answers differently from the model, the shape says what Lambda
//! does and a comment says why. It holds definitions only: no operation
//! logic, and nothing here is loaded from botocore at run time.
//!
//! Members bound to the URI or query string are not body members; they are
//! checked by `names` (function names, qualifiers) or by the operations
//! with `check_text` and the parameter shapes below.

use super::shapes::{Member, Pattern, Shape, Text};

const fn text(min: Option<usize>, max: Option<usize>, pattern: Option<&'static Pattern>) -> Shape {
    Shape::String(Text {
        min,
        max,
        pattern,
        values: None,
        sensitive: false,
    })
}

const fn one_of(values: &'static [&'static str]) -> Shape {
    Shape::String(Text {
        values: Some(values),
        ..Text::ANY
    })
}

const fn member(name: &'static str, shape: &'static Shape) -> Member {
    Member {
        name,
        shape,
        required: false,
    }
}

const fn required(name: &'static str, shape: &'static Shape) -> Member {
    Member {
        name,
        shape,
        required: true,
    }
}

// ------------------------------------------------------------------ patterns

pub static ROLE_ARN_PATTERN: Pattern =
    Pattern::new(r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+");
static HANDLER_PATTERN: Pattern = Pattern::new(r"[^\s]+");
static ARN_OR_EMPTY: Pattern = Pattern::new(r"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()");
static LAYER_VERSION_ARN_PATTERN: Pattern =
    Pattern::new(r"arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+");
static FILE_SYSTEM_ARN_PATTERN: Pattern = Pattern::new(
    r"arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:access-point/fsap-[a-f0-9]{17}$|^arn:aws[-a-z]*:s3files:[0-9a-z-:]+:file-system/fs-[0-9a-f]{17,40}/access-point/fsap-[0-9a-f]{17,40}",
);
static LOCAL_MOUNT_PATH_PATTERN: Pattern = Pattern::new(r"/mnt/[a-zA-Z0-9-_.]+");
static CODE_SIGNING_CONFIG_ARN_PATTERN: Pattern = Pattern::new(
    r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}",
);
static LOG_GROUP_PATTERN: Pattern = Pattern::new(r"[\.\-_/#A-Za-z0-9]+");
static CAPACITY_PROVIDER_ARN_PATTERN: Pattern = Pattern::new(
    r"arn:aws[a-zA-Z-]*:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:capacity-provider:[a-zA-Z0-9-_]+",
);
static ENVIRONMENT_VARIABLE_NAME_PATTERN: Pattern = Pattern::new(r"[a-zA-Z]([a-zA-Z0-9_])+");
/// `regex` has no lookahead: the model's `(?!^[0-9]+$)` is the extra check.
pub static ALIAS_PATTERN: Pattern = Pattern::with(
    r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)",
    r"[a-zA-Z0-9-_]+",
    Some(|s| !s.bytes().all(|b| b.is_ascii_digit())),
);
static VERSION_WITH_LATEST_PUBLISHED_PATTERN: Pattern =
    Pattern::new(r"(\$LATEST(\.PUBLISHED)?|[0-9]+)");
static ADDITIONAL_VERSION_PATTERN: Pattern = Pattern::new(r"[0-9]+");
static RUNTIME_VERSION_ARN_PATTERN: Pattern = Pattern::new(
    r"arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}::runtime:.+",
);
/// `regex` has no lookbehind: the model's `(?<!\.)` is the extra check.
static S3_BUCKET_PATTERN: Pattern = Pattern::with(
    r"[0-9A-Za-z\.\-_]*(?<!\.)",
    r"[0-9A-Za-z\.\-_]*",
    Some(|s| !s.ends_with('.')),
);
static TAGGABLE_RESOURCE_PATTERN: Pattern = Pattern::new(
    r"arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)",
);
static MASTER_REGION_PATTERN: Pattern = Pattern::new(r"ALL|[a-z]{2}(-gov)?-[a-z]+-\d{1}");

/// Every pattern above, for the unit test that compiles them.
#[cfg(test)]
pub static PATTERNS: &[&Pattern] = &[
    &ROLE_ARN_PATTERN,
    &HANDLER_PATTERN,
    &ARN_OR_EMPTY,
    &LAYER_VERSION_ARN_PATTERN,
    &FILE_SYSTEM_ARN_PATTERN,
    &LOCAL_MOUNT_PATH_PATTERN,
    &CODE_SIGNING_CONFIG_ARN_PATTERN,
    &LOG_GROUP_PATTERN,
    &CAPACITY_PROVIDER_ARN_PATTERN,
    &ENVIRONMENT_VARIABLE_NAME_PATTERN,
    &ALIAS_PATTERN,
    &VERSION_WITH_LATEST_PUBLISHED_PATTERN,
    &ADDITIONAL_VERSION_PATTERN,
    &RUNTIME_VERSION_ARN_PATTERN,
    &S3_BUCKET_PATTERN,
    &MASTER_REGION_PATTERN,
    &TAGGABLE_RESOURCE_PATTERN,
];

// -------------------------------------------------------------------- leaves

static STRING: Shape = Shape::String(Text::ANY);
static BOOLEAN: Shape = Shape::Boolean;
static BLOB: Shape = Shape::Blob;
static ROLE_ARN: Shape = text(None, None, Some(&ROLE_ARN_PATTERN));
static HANDLER: Shape = text(Some(0), Some(128), Some(&HANDLER_PATTERN));
static DESCRIPTION: Shape = text(Some(0), Some(256), None);
/// The model gives no maximum; Lambda's is 900 seconds.
static TIMEOUT: Shape = Shape::Integer {
    min: Some(1.0),
    max: Some(900.0),
};
/// The model's maximum is 32768 (for Lambda Managed Instances); a function
/// without a capacity provider is held to 10240 MB, the documented limit.
static MEMORY_SIZE: Shape = Shape::Integer {
    min: Some(128.0),
    max: Some(10_240.0),
};
static KMS_KEY_ARN: Shape = text(None, None, Some(&ARN_OR_EMPTY));
/// Lambda's `Runtime` is an enum, but an unknown value is answered with
/// InvalidParameterValueException and its own wording (`... or be a valid
/// ARN`), so the operations check it, not the shape.
static RUNTIME: Shape = Shape::String(Text::ANY);
static PACKAGE_TYPE: Shape = one_of(&["Zip", "Image"]);
static ARCHITECTURE: Shape = one_of(&["x86_64", "arm64"]);
static ARCHITECTURES: Shape = Shape::List {
    member: &ARCHITECTURE,
    min: Some(1),
    max: Some(1),
};
static LAYER_VERSION_ARN: Shape = text(Some(1), Some(140), Some(&LAYER_VERSION_ARN_PATTERN));
/// More than 5 layers is Lambda's InvalidParameterValueException, checked by the operations.
static LAYERS: Shape = Shape::List {
    member: &LAYER_VERSION_ARN,
    min: None,
    max: None,
};
/// The model leaves tag keys and values unconstrained; Lambda holds them to
/// its documented limits, 1..128 and 0..256 characters.
static TAG_KEY: Shape = text(Some(1), Some(128), None);
static TAGS: Shape = Shape::Map {
    key: &TAG_KEY,
    value: &text(Some(0), Some(256), None),
    sensitive: false,
};
static CODE_SIGNING_CONFIG_ARN: Shape =
    text(Some(0), Some(200), Some(&CODE_SIGNING_CONFIG_ARN_PATTERN));
static PUBLISH_TO: Shape = one_of(&["LATEST_PUBLISHED"]);
static STRING_LIST: Shape = Shape::List {
    member: &STRING,
    min: Some(0),
    max: Some(1500),
};

// ---------------------------------------------------------------- structures

static FUNCTION_CODE: Shape = Shape::Structure(&[
    member("ZipFile", &BLOB),
    member(
        "S3Bucket",
        &text(Some(3), Some(63), Some(&S3_BUCKET_PATTERN)),
    ),
    member("S3Key", &text(Some(1), Some(1024), None)),
    member("S3ObjectVersion", &text(Some(1), Some(1024), None)),
    member("ImageUri", &STRING),
    member("SourceKMSKeyArn", &KMS_KEY_ARN),
]);

static VPC_CONFIG: Shape = Shape::Structure(&[
    member(
        "SubnetIds",
        &Shape::List {
            member: &STRING,
            min: Some(0),
            max: Some(16),
        },
    ),
    member(
        "SecurityGroupIds",
        &Shape::List {
            member: &STRING,
            min: Some(0),
            max: Some(5),
        },
    ),
    member("Ipv6AllowedForDualStack", &BOOLEAN),
]);

static DEAD_LETTER_CONFIG: Shape = Shape::Structure(&[member("TargetArn", &KMS_KEY_ARN)]);

static ENVIRONMENT: Shape = Shape::Structure(&[member(
    "Variables",
    &Shape::Map {
        key: &Shape::String(Text {
            pattern: Some(&ENVIRONMENT_VARIABLE_NAME_PATTERN),
            sensitive: true,
            ..Text::ANY
        }),
        value: &Shape::String(Text {
            sensitive: true,
            ..Text::ANY
        }),
        sensitive: true,
    },
)]);

static TRACING_CONFIG: Shape =
    Shape::Structure(&[member("Mode", &one_of(&["Active", "PassThrough"]))]);

static FILE_SYSTEM_CONFIGS: Shape = Shape::List {
    member: &Shape::Structure(&[
        required(
            "Arn",
            &text(Some(0), Some(256), Some(&FILE_SYSTEM_ARN_PATTERN)),
        ),
        required(
            "LocalMountPath",
            &text(Some(0), Some(160), Some(&LOCAL_MOUNT_PATH_PATTERN)),
        ),
    ]),
    min: Some(0),
    max: Some(1),
};

static IMAGE_CONFIG: Shape = Shape::Structure(&[
    member("EntryPoint", &STRING_LIST),
    member("Command", &STRING_LIST),
    member("WorkingDirectory", &text(Some(0), Some(1000), None)),
]);

static EPHEMERAL_STORAGE: Shape = Shape::Structure(&[required(
    "Size",
    &Shape::Integer {
        min: Some(512.0),
        max: Some(10_240.0),
    },
)]);

static SNAP_START: Shape =
    Shape::Structure(&[member("ApplyOn", &one_of(&["PublishedVersions", "None"]))]);

static LOGGING_CONFIG: Shape = Shape::Structure(&[
    member("LogFormat", &one_of(&["JSON", "Text"])),
    member(
        "ApplicationLogLevel",
        &one_of(&["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]),
    ),
    member("SystemLogLevel", &one_of(&["DEBUG", "INFO", "WARN"])),
    member(
        "LogGroup",
        &text(Some(1), Some(512), Some(&LOG_GROUP_PATTERN)),
    ),
]);

static CAPACITY_PROVIDER_CONFIG: Shape = Shape::Structure(&[required(
    "LambdaManagedInstancesCapacityProviderConfig",
    &Shape::Structure(&[
        required(
            "CapacityProviderArn",
            &text(Some(1), Some(140), Some(&CAPACITY_PROVIDER_ARN_PATTERN)),
        ),
        member(
            "PerExecutionEnvironmentMaxConcurrency",
            &Shape::Integer {
                min: Some(1.0),
                max: Some(1600.0),
            },
        ),
        member(
            "ExecutionEnvironmentMemoryGiBPerVCpu",
            &Shape::Double {
                min: Some(2.0),
                max: Some(8.0),
            },
        ),
    ]),
)]);

static DURABLE_CONFIG: Shape = Shape::Structure(&[
    member(
        "RetentionPeriodInDays",
        &Shape::Integer {
            min: Some(1.0),
            max: Some(90.0),
        },
    ),
    member(
        "ExecutionTimeout",
        &Shape::Integer {
            min: Some(1.0),
            max: Some(31_622_400.0),
        },
    ),
]);

static TENANCY_CONFIG: Shape =
    Shape::Structure(&[required("TenantIsolationMode", &one_of(&["PER_TENANT"]))]);

static ROUTING_CONFIG: Shape = Shape::Structure(&[member(
    "AdditionalVersionWeights",
    &Shape::Map {
        key: &text(Some(1), Some(1024), Some(&ADDITIONAL_VERSION_PATTERN)),
        value: &Shape::Double {
            min: Some(0.0),
            max: Some(1.0),
        },
        sensitive: false,
    },
)]);

// -------------------------------------------------------------- request bodies

/// CreateFunctionRequest. `FunctionName` is checked by `names` (it may be
/// an ARN, whose region and account must be this one).
pub static CREATE_FUNCTION: Shape = Shape::Structure(&[
    required("FunctionName", &STRING),
    member("Runtime", &RUNTIME),
    required("Role", &ROLE_ARN),
    member("Handler", &HANDLER),
    required("Code", &FUNCTION_CODE),
    member("Description", &DESCRIPTION),
    member("Timeout", &TIMEOUT),
    member("MemorySize", &MEMORY_SIZE),
    member("Publish", &BOOLEAN),
    member("VpcConfig", &VPC_CONFIG),
    member("PackageType", &PACKAGE_TYPE),
    member("DeadLetterConfig", &DEAD_LETTER_CONFIG),
    member("Environment", &ENVIRONMENT),
    member("KMSKeyArn", &KMS_KEY_ARN),
    member("TracingConfig", &TRACING_CONFIG),
    member("Tags", &TAGS),
    member("Layers", &LAYERS),
    member("FileSystemConfigs", &FILE_SYSTEM_CONFIGS),
    member("ImageConfig", &IMAGE_CONFIG),
    member("CodeSigningConfigArn", &CODE_SIGNING_CONFIG_ARN),
    member("Architectures", &ARCHITECTURES),
    member("EphemeralStorage", &EPHEMERAL_STORAGE),
    member("SnapStart", &SNAP_START),
    member("LoggingConfig", &LOGGING_CONFIG),
    member("CapacityProviderConfig", &CAPACITY_PROVIDER_CONFIG),
    member("PublishTo", &PUBLISH_TO),
    member("DurableConfig", &DURABLE_CONFIG),
    member("TenancyConfig", &TENANCY_CONFIG),
]);

/// UpdateFunctionConfigurationRequest's body (`FunctionName` is the URI).
pub static UPDATE_FUNCTION_CONFIGURATION: Shape = Shape::Structure(&[
    member("Role", &ROLE_ARN),
    member("Handler", &HANDLER),
    member("Description", &DESCRIPTION),
    member("Timeout", &TIMEOUT),
    member("MemorySize", &MEMORY_SIZE),
    member("VpcConfig", &VPC_CONFIG),
    member("Environment", &ENVIRONMENT),
    member("Runtime", &RUNTIME),
    member("DeadLetterConfig", &DEAD_LETTER_CONFIG),
    member("KMSKeyArn", &KMS_KEY_ARN),
    member("TracingConfig", &TRACING_CONFIG),
    member("RevisionId", &STRING),
    member("Layers", &LAYERS),
    member("FileSystemConfigs", &FILE_SYSTEM_CONFIGS),
    member("ImageConfig", &IMAGE_CONFIG),
    member("EphemeralStorage", &EPHEMERAL_STORAGE),
    member("SnapStart", &SNAP_START),
    member("LoggingConfig", &LOGGING_CONFIG),
    member("CapacityProviderConfig", &CAPACITY_PROVIDER_CONFIG),
    member("DurableConfig", &DURABLE_CONFIG),
]);

/// PublishVersionRequest's body.
pub static PUBLISH_VERSION: Shape = Shape::Structure(&[
    member("CodeSha256", &STRING),
    member("Description", &DESCRIPTION),
    member("RevisionId", &STRING),
    member("PublishTo", &PUBLISH_TO),
]);

/// The `Alias` shape: CreateAlias's `Name` and GetAlias's `{Name}` label.
pub static ALIAS: Shape = text(Some(1), Some(128), Some(&ALIAS_PATTERN));

/// `VersionWithLatestPublished`: CreateAlias's `FunctionVersion`, and
/// ListAliases's `FunctionVersion` parameter.
pub static VERSION_WITH_LATEST_PUBLISHED: Shape = text(
    Some(1),
    Some(1024),
    Some(&VERSION_WITH_LATEST_PUBLISHED_PATTERN),
);

/// CreateAliasRequest's body.
pub static CREATE_ALIAS: Shape = Shape::Structure(&[
    required("Name", &ALIAS),
    required("FunctionVersion", &VERSION_WITH_LATEST_PUBLISHED),
    member("Description", &DESCRIPTION),
    member("RoutingConfig", &ROUTING_CONFIG),
]);

/// PutRuntimeManagementConfigRequest's body.
pub static PUT_RUNTIME_MANAGEMENT_CONFIG: Shape = Shape::Structure(&[
    required(
        "UpdateRuntimeOn",
        &one_of(&["Auto", "Manual", "FunctionUpdate"]),
    ),
    member(
        "RuntimeVersionArn",
        &text(Some(26), Some(2048), Some(&RUNTIME_VERSION_ARN_PATTERN)),
    ),
]);

/// TagResourceRequest's body (`Resource` is the URI).
pub static TAG_RESOURCE: Shape = Shape::Structure(&[required("Tags", &TAGS)]);

// ---------------------------------------------------------- query parameters

/// The `{Resource}` label of TagResource, UntagResource and ListTags.
pub static TAGGABLE_RESOURCE: Shape = text(Some(1), Some(256), Some(&TAGGABLE_RESOURCE_PATTERN));
/// UntagResource's `tagKeys` (repeated).
pub static TAG_KEYS: Shape = Shape::List {
    member: &TAG_KEY,
    min: None,
    max: None,
};

/// ListFunctions's `FunctionVersion`.
pub static FUNCTION_VERSION: Shape = one_of(&["ALL"]);
/// ListFunctions's `MasterRegion`.
pub static MASTER_REGION: Shape = text(None, None, Some(&MASTER_REGION_PATTERN));
/// `MaxItems` of every list operation.
pub static MAX_LIST_ITEMS: Shape = Shape::Integer {
    min: Some(1.0),
    max: Some(10_000.0),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_means_what_the_model_says() {
        for p in PATTERNS {
            assert!(p.compiles(), "{}", p.shown);
        }
        assert!(ROLE_ARN_PATTERN.is_match("arn:aws:iam::123456789012:role/lambda-role"));
        assert!(!ROLE_ARN_PATTERN.is_match("not-a-role"));
        assert!(ALIAS_PATTERN.is_match("live") && ALIAS_PATTERN.is_match("v2"));
        assert!(!ALIAS_PATTERN.is_match("12"));
        assert!(S3_BUCKET_PATTERN.is_match("my.bucket") && !S3_BUCKET_PATTERN.is_match("b."));
        assert!(FILE_SYSTEM_ARN_PATTERN.is_match(
            "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"
        ));
        assert!(!FILE_SYSTEM_ARN_PATTERN.is_match("arn:aws:s3:::bucket"));
        assert!(ARN_OR_EMPTY.is_match("") && ARN_OR_EMPTY.is_match("arn:aws:sqs:us-east-1:1:q"));
        assert!(!ENVIRONMENT_VARIABLE_NAME_PATTERN.is_match("1BAD"));
        assert!(!ENVIRONMENT_VARIABLE_NAME_PATTERN.is_match("A"));
    }
}
