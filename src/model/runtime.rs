//! Runtimes, qualifiers, update modes and runtime version ARNs: the words
//! of Lambda's runtime management, with the API's rules for each.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;

/// Every `Runtime` identifier the Lambda API model accepts (botocore 1.43).
pub const RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
    "provided.al2",
    "nodejs18.x",
    "python3.10",
    "java17",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "python3.11",
    "nodejs20.x",
    "provided.al2023",
    "python3.12",
    "java21",
    "python3.13",
    "nodejs22.x",
    "nodejs24.x",
    "python3.14",
    "java25",
    "dotnet10",
    "ruby4.0",
];

/// Runtimes past their deprecation date: still valid identifiers, but a
/// configuration that asks for one deserves a warning.
pub const DEPRECATED_RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "java8",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "ruby3.2",
    "provided",
];

/// Lambda's published deprecation date of each runtime it has announced
/// one for (the day security patches stop; creating and then updating
/// functions on it is blocked some weeks later). Checked 2026-12-01 against
/// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (the
/// "Supported runtimes" and "Deprecated runtimes" tables), cross-checked
/// with tflint-ruleset-aws's aws_lambda_function_deprecated_runtime table and
/// endoflife.date/aws-lambda. A date can move (python3.9 moved from
/// 2025-10-31 to 2025-12-15): `policy { runtime_deprecations = {...} }`
/// overrides any of them.
pub const RUNTIME_DEPRECATIONS: &[(&str, (i16, i8, i8))] = &[
    ("nodejs24.x", (2028, 4, 30)),
    ("nodejs22.x", (2027, 4, 30)),
    ("nodejs20.x", (2026, 4, 30)),
    ("nodejs18.x", (2025, 9, 1)),
    ("nodejs16.x", (2024, 6, 12)),
    ("nodejs14.x", (2023, 12, 4)),
    ("nodejs12.x", (2023, 3, 31)),
    ("nodejs10.x", (2021, 7, 30)),
    ("nodejs8.10", (2020, 3, 6)),
    ("nodejs6.10", (2019, 8, 12)),
    ("nodejs4.3", (2020, 3, 5)),
    ("nodejs4.3-edge", (2020, 3, 5)),
    ("nodejs", (2016, 10, 31)),
    ("python3.14", (2029, 6, 30)),
    ("python3.13", (2029, 6, 30)),
    ("python3.12", (2028, 10, 31)),
    ("python3.11", (2026, 6, 30)),
    ("python3.10", (2026, 6, 30)),
    ("python3.9", (2025, 12, 15)),
    ("python3.8", (2024, 10, 14)),
    ("python3.7", (2023, 12, 4)),
    ("python3.6", (2022, 7, 18)),
    ("python2.7", (2021, 7, 15)),
    ("java25", (2029, 6, 30)),
    ("java21", (2029, 6, 30)),
    ("java17", (2026, 6, 30)),
    ("java11", (2026, 6, 30)),
    ("java8.al2", (2026, 6, 30)),
    ("java8", (2024, 1, 8)),
    ("dotnet10", (2028, 11, 14)),
    ("dotnet8", (2026, 11, 10)),
    ("dotnet6", (2024, 11, 12)),
    ("dotnetcore3.1", (2023, 4, 3)),
    ("dotnetcore2.1", (2022, 1, 5)),
    ("dotnetcore2.0", (2019, 5, 30)),
    ("dotnetcore1.0", (2019, 7, 27)),
    ("ruby3.4", (2028, 3, 31)),
    ("ruby3.3", (2027, 3, 31)),
    ("ruby3.2", (2026, 3, 31)),
    ("ruby2.7", (2023, 11, 27)),
    ("ruby2.5", (2021, 7, 30)),
    ("provided.al2023", (2029, 6, 30)),
    ("provided.al2", (2026, 6, 30)),
    ("provided", (2024, 1, 8)),
    ("go1.x", (2024, 1, 8)),
];

/// The deprecation date of a runtime: the policy's override, else Lambda's
/// published date, else none announced.
pub fn deprecation_date(
    runtime: &str,
    overrides: &std::collections::BTreeMap<String, jiff::civil::Date>,
) -> Option<jiff::civil::Date> {
    if let Some(d) = overrides.get(runtime) {
        return Some(*d);
    }
    RUNTIME_DEPRECATIONS
        .iter()
        .find(|(r, _)| *r == runtime)
        .and_then(|(_, (y, m, d))| jiff::civil::Date::new(*y, *m, *d).ok())
}

/// The runtime update mode of one function version (`UpdateRuntimeOn`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum UpdateRuntimeOn {
    Auto,
    FunctionUpdate,
    Manual,
}

impl UpdateRuntimeOn {
    pub const ALL: [UpdateRuntimeOn; 3] = [
        UpdateRuntimeOn::Auto,
        UpdateRuntimeOn::FunctionUpdate,
        UpdateRuntimeOn::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UpdateRuntimeOn::Auto => "Auto",
            UpdateRuntimeOn::FunctionUpdate => "FunctionUpdate",
            UpdateRuntimeOn::Manual => "Manual",
        }
    }
}

impl fmt::Display for UpdateRuntimeOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UpdateRuntimeOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        UpdateRuntimeOn::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "{s:?} is not an update mode; allowed: \"Auto\", \"FunctionUpdate\", \"Manual\""
                )
            })
    }
}

/// Which version of a function a setting applies to. Aliases are not valid
/// here: Lambda's runtime-management operations reject them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Qualifier {
    #[default]
    Latest,
    Version(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QualifierError {
    #[error(
        "qualifier {0:?} is not \"$LATEST\" or a published version number; aliases are not allowed \
         (runtime management is set per version, and an alias points at one)"
    )]
    NotAVersion(String),
}

impl Qualifier {
    pub fn is_latest(self) -> bool {
        self == Qualifier::Latest
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Latest => f.write_str("$LATEST"),
            Qualifier::Version(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for Qualifier {
    type Err = QualifierError;
    fn from_str(s: &str) -> Result<Self, QualifierError> {
        if s == "$LATEST" {
            return Ok(Qualifier::Latest);
        }
        if !s.is_empty()
            && s.len() <= 20
            && s.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = s.parse::<u64>()
            && n > 0
        {
            return Ok(Qualifier::Version(n));
        }
        Err(QualifierError::NotAVersion(s.to_string()))
    }
}

impl serde::Serialize for Qualifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Qualifier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The ARN of one runtime version:
/// `arn:aws:lambda:REGION::runtime:<64 lowercase hex>` (the account is empty).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct RuntimeVersionArn(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a runtime version ARN; expected arn:aws:lambda:REGION::runtime:<64 hex digits>, \
     as shown by GetFunction's RuntimeVersionConfig.RuntimeVersionArn"
)]
pub struct RuntimeVersionArnError(pub String);

static RUNTIME_VERSION_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)::runtime:[0-9a-f]{64}$",
    )
    .expect("static regex")
});

impl RuntimeVersionArn {
    pub fn parse(s: &str) -> Result<Self, RuntimeVersionArnError> {
        if RUNTIME_VERSION_ARN.is_match(s) {
            Ok(RuntimeVersionArn(s.to_string()))
        } else {
            Err(RuntimeVersionArnError(s.to_string()))
        }
    }

    pub fn region(&self) -> &str {
        self.0.split(':').nth(3).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `arn:aws:lambda:us-east-1::runtime:7b62...e9e6`, for human output.
    pub fn short(&self) -> String {
        match self.0.rsplit_once(':') {
            Some((head, hash)) if hash.len() > 12 => {
                format!("{head}:{}...{}", &hash[..4], &hash[hash.len() - 4..])
            }
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for RuntimeVersionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<RuntimeVersionArn> for String {
    fn from(a: RuntimeVersionArn) -> String {
        a.0
    }
}

impl TryFrom<String> for RuntimeVersionArn {
    type Error = RuntimeVersionArnError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RuntimeVersionArn::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers() {
        assert_eq!("$LATEST".parse::<Qualifier>().unwrap(), Qualifier::Latest);
        assert_eq!("7".parse::<Qualifier>().unwrap(), Qualifier::Version(7));
        for bad in ["live", "$latest", "", "0", "-1", "7a"] {
            assert!(bad.parse::<Qualifier>().is_err(), "{bad}");
        }
    }

    #[test]
    fn runtime_version_arns() {
        let good = "arn:aws:lambda:eu-south-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6";
        let arn = RuntimeVersionArn::parse(good).unwrap();
        assert_eq!(arn.region(), "eu-south-1");
        assert_eq!(
            arn.short(),
            "arn:aws:lambda:eu-south-1::runtime:7b62...e9e6"
        );
        assert!(
            RuntimeVersionArn::parse("arn:aws:lambda:eu-south-1:123456789012:runtime:ab").is_err()
        );
        assert!(RuntimeVersionArn::parse(&good.to_uppercase()).is_err());
    }

    #[test]
    fn deprecation_dates_are_valid_and_overridable() {
        let none = std::collections::BTreeMap::new();
        for (runtime, _) in RUNTIME_DEPRECATIONS {
            assert!(deprecation_date(runtime, &none).is_some(), "{runtime}");
            assert!(RUNTIMES.contains(runtime), "{runtime} is not a runtime");
        }
        assert_eq!(
            deprecation_date("python3.9", &none),
            Some(jiff::civil::date(2025, 12, 15))
        );
        let moved = std::collections::BTreeMap::from([(
            "python3.9".to_string(),
            jiff::civil::date(2026, 1, 31),
        )]);
        assert_eq!(
            deprecation_date("python3.9", &moved),
            Some(jiff::civil::date(2026, 1, 31))
        );
        assert_eq!(deprecation_date("ruby4.0", &none), None);
    }

    #[test]
    fn modes_parse_exactly() {
        assert_eq!(
            "Manual".parse::<UpdateRuntimeOn>().unwrap(),
            UpdateRuntimeOn::Manual
        );
        assert!("manual".parse::<UpdateRuntimeOn>().is_err());
    }
}
