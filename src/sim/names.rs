//! Function names as Lambda accepts them: name, `name:qualifier`, partial ARN
//! and full ARN, their length and pattern checks with AWS's messages, region
//! and account checks, and the agreement of a qualifier in the name with the
//! `Qualifier` query parameter. Also builds the ARNs the emulator returns.
//! It must not look functions up; that is the operations' job.

use std::sync::LazyLock;

use regex::Regex;

use super::protocol::{ApiError, Violations};
use super::records::FunctionKey;

/// The model's `FunctionName` pattern (Create, UpdateFunctionConfiguration,
/// PublishVersion, aliases), as AWS prints it in messages.
const FUNCTION_NAME_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";
/// The model's `NamespacedFunctionName` pattern (Get*, ListVersionsByFunction,
/// runtime management): the name may contain dots.
const NAMESPACED_FUNCTION_NAME_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
const QUALIFIER_PATTERN: &str = r"(|[a-zA-Z0-9$_-]+)";

static FUNCTION_NAME: LazyLock<Regex> = LazyLock::new(|| {
    anchored(
        r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((?<region>(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):)?((?<account>\d{12}):)?(function:)?(?<name>[a-zA-Z0-9-_]+)(:(?<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?",
    )
});
static NAMESPACED_FUNCTION_NAME: LazyLock<Regex> = LazyLock::new(|| {
    anchored(
        r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((?<region>(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):)?((?<account>\d{12}):)?(function:)?(?<name>[a-zA-Z0-9-_\.]+)(:(?<qualifier>\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?",
    )
});
static FUNCTION_NAME_CHECK: LazyLock<Regex> = LazyLock::new(|| anchored(FUNCTION_NAME_PATTERN));
static NAMESPACED_CHECK: LazyLock<Regex> =
    LazyLock::new(|| anchored(NAMESPACED_FUNCTION_NAME_PATTERN));
static QUALIFIER: LazyLock<Regex> = LazyLock::new(|| anchored(r"[a-zA-Z0-9$_-]+"));

fn anchored(pattern: &str) -> Regex {
    // The patterns are constants of this module; a typo is caught by the unit tests.
    Regex::new(&format!("^(?:{pattern})$")).unwrap_or_else(|e| panic!("bad pattern: {e}"))
}

/// Which of the model's two function-name shapes an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameShape {
    /// `FunctionName`: up to 140 characters, no dots.
    Plain,
    /// `NamespacedFunctionName`: up to 256 characters, dots allowed.
    Namespaced,
}

/// A function name as a request gave it, resolved to its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    /// The qualifier from the name or the `Qualifier` parameter (they agree).
    pub qualifier: Option<String>,
    /// True when only a bare name (with or without qualifier) was given.
    pub bare: bool,
}

/// The account and region a request is served in (from its credentials and
/// signature); used for ARNs, for the region and account checks of names,
/// and to find functions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub region: String,
    pub account: String,
}

impl Place {
    /// The key of the function `name` in this place.
    pub fn key(&self, name: &str) -> FunctionKey {
        FunctionKey {
            account: self.account.clone(),
            region: self.region.clone(),
            name: name.to_owned(),
        }
    }

    pub fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }

    pub fn qualified_arn(&self, name: &str, qualifier: &str) -> String {
        format!("{}:{qualifier}", self.function_arn(name))
    }

    /// The ARN for messages: qualified when a qualifier was given.
    pub fn arn_of(&self, f: &FunctionRef) -> String {
        match &f.qualifier {
            Some(q) => self.qualified_arn(&f.name, q),
            None => self.function_arn(&f.name),
        }
    }

    /// Parses and checks `raw` (already percent-decoded) and the optional
    /// `Qualifier` parameter.
    pub fn parse(
        &self,
        raw: &str,
        query_qualifier: Option<&str>,
        shape: NameShape,
    ) -> Result<FunctionRef, ApiError> {
        let (max, check, shown, parse) = match shape {
            NameShape::Plain => (
                140,
                &*FUNCTION_NAME_CHECK,
                FUNCTION_NAME_PATTERN,
                &*FUNCTION_NAME,
            ),
            NameShape::Namespaced => (
                256,
                &*NAMESPACED_CHECK,
                NAMESPACED_FUNCTION_NAME_PATTERN,
                &*NAMESPACED_FUNCTION_NAME,
            ),
        };
        let mut v = Violations::default();
        v.min_length(raw, "functionName", 1);
        v.max_length(raw, "functionName", max);
        if !raw.is_empty() {
            v.pattern(raw, "functionName", check, shown);
        }
        if let Some(q) = query_qualifier {
            v.min_length(q, "qualifier", 1);
            v.max_length(q, "qualifier", 128);
            if !q.is_empty() {
                v.pattern(q, "qualifier", &QUALIFIER, QUALIFIER_PATTERN);
            }
        }
        v.into_result()?;
        let caps = parse.captures(raw).ok_or_else(|| {
            ApiError::Validation(format!(
                "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {shown}"
            ))
        })?;
        let name = caps.name("name").map_or("", |m| m.as_str()).to_owned();
        let region = caps.name("region").map(|m| m.as_str());
        let account = caps.name("account").map(|m| m.as_str());
        let bare = region.is_none() && account.is_none() && !raw.contains("function:");
        if let Some(region) = region
            && region != self.region
        {
            return Err(ApiError::ResourceNotFound(format!(
                "Functions from '{region}' are not reachable in this region ('{}')",
                self.region
            )));
        }
        if let Some(account) = account
            && account != self.account
        {
            return Err(ApiError::AccessDenied);
        }
        let from_name = caps.name("qualifier").map(|m| m.as_str().to_owned());
        let qualifier = match (from_name, query_qualifier) {
            (Some(a), Some(b)) if a != b => {
                return Err(ApiError::InvalidParameterValue(
                    "The derived qualifier from the function name does not match the specified qualifier.".into(),
                ));
            }
            (Some(a), _) => Some(a),
            (None, q) => q.map(str::to_owned),
        };
        Ok(FunctionRef {
            name,
            qualifier,
            bare,
        })
    }
}

/// What a qualifier names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qualifier {
    Latest,
    Version(u64),
    Alias(String),
}

impl Qualifier {
    pub fn of(q: Option<&str>) -> Qualifier {
        match q {
            None | Some("$LATEST") => Qualifier::Latest,
            Some(q) if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) => q
                .parse()
                .map_or(Qualifier::Alias(q.to_owned()), Qualifier::Version),
            Some(q) => Qualifier::Alias(q.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            region: "us-east-1".into(),
            account: "123456789012".into(),
        }
    }

    #[test]
    fn every_name_form_resolves_to_the_same_function() {
        let p = place();
        for raw in [
            "orders",
            "123456789012:function:orders",
            "arn:aws:lambda:us-east-1:123456789012:function:orders",
        ] {
            let f = p.parse(raw, None, NameShape::Plain).expect(raw);
            assert_eq!(f.name, "orders");
            assert_eq!(f.qualifier, None);
        }
        let f = p
            .parse(
                "arn:aws:lambda:us-east-1:123456789012:function:orders:7",
                None,
                NameShape::Plain,
            )
            .expect("qualified");
        assert_eq!(f.qualifier.as_deref(), Some("7"));
        let f = p
            .parse("orders:$LATEST", Some("$LATEST"), NameShape::Namespaced)
            .expect("agree");
        assert_eq!(f.qualifier.as_deref(), Some("$LATEST"));
    }

    #[test]
    fn disagreeing_qualifiers_are_rejected() {
        let e = place()
            .parse("orders:1", Some("2"), NameShape::Plain)
            .unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValueException");
    }

    #[test]
    fn other_regions_are_not_reachable() {
        let e = place()
            .parse(
                "arn:aws:lambda:ap-southeast-1:123456789012:function:x",
                None,
                NameShape::Plain,
            )
            .unwrap_err();
        assert_eq!(
            e,
            ApiError::ResourceNotFound(
                "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')"
                    .into()
            )
        );
    }

    #[test]
    fn bad_names_fail_the_pattern_or_length() {
        let p = place();
        let e = p
            .parse("invalid:function:name", None, NameShape::Plain)
            .unwrap_err();
        assert_eq!(e.code(), "ValidationException");
        let long = "a".repeat(141);
        let e = p.parse(&long, None, NameShape::Plain).unwrap_err();
        assert!(
            e.to_string().contains("length less than or equal to 140"),
            "{e}"
        );
        assert!(p.parse("my.fn", None, NameShape::Namespaced).is_ok());
        assert!(p.parse("my.fn", None, NameShape::Plain).is_err());
    }

    #[test]
    fn qualifiers_classify() {
        assert_eq!(Qualifier::of(None), Qualifier::Latest);
        assert_eq!(Qualifier::of(Some("12")), Qualifier::Version(12));
        assert_eq!(Qualifier::of(Some("live")), Qualifier::Alias("live".into()));
        assert_eq!(
            Qualifier::of(Some("$latest")),
            Qualifier::Alias("$latest".into())
        );
    }
}
