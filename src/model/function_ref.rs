//! A reference to a Lambda function as a user writes it (name, partial ARN
//! or ARN), checked against the Lambda model's pattern and lengths.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// A reference to a Lambda function as a user may write it: a bare name, a
/// partial ARN (`123456789012:function:name`) or a full ARN. A qualifier
/// written after the name (`name:7`) is returned apart by [`FunctionRef::parse`].
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct FunctionRef {
    pub name: String,
    pub region: Option<String>,
    pub account: Option<String>,
    pub partition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FunctionRefError {
    #[error("function name must not be empty")]
    Empty,
    #[error("a bare function name is limited to 64 characters; {0:?} has {1}")]
    NameTooLong(String, usize),
    #[error("a function ARN is limited to 140 characters; {0:?} has {1}")]
    ArnTooLong(String, usize),
    #[error(
        "{0:?} is not a function name, partial ARN (123456789012:function:NAME) or function ARN \
         (arn:aws:lambda:REGION:ACCOUNT:function:NAME); names use letters, digits, - and _"
    )]
    Pattern(String),
}

// The FunctionName pattern of the Lambda model, anchored, with capture groups
// for the parts rtm needs.
static FUNCTION_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:arn:(?P<partition>aws[a-zA-Z-]*)?:lambda:)?(?:(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$",
    )
    .expect("static regex")
});

impl FunctionRef {
    /// Parses a name, partial ARN or full ARN, returning the qualifier written
    /// after the name, if any.
    pub fn parse(text: &str) -> Result<(FunctionRef, Option<String>), FunctionRefError> {
        if text.is_empty() {
            return Err(FunctionRefError::Empty);
        }
        let caps = FUNCTION_NAME
            .captures(text)
            .ok_or_else(|| FunctionRefError::Pattern(text.to_string()))?;
        let is_arn = text.contains(":function:") || text.starts_with("arn:");
        // `arn:aws:lambda:` without region/account is not a usable ARN.
        if text.starts_with("arn:")
            && (caps.name("region").is_none() || caps.name("account").is_none())
        {
            return Err(FunctionRefError::Pattern(text.to_string()));
        }
        let name = caps["name"].to_string();
        let qualifier = caps.name("qualifier").map(|m| m.as_str().to_string());
        if is_arn {
            if text.len() > 140 {
                return Err(FunctionRefError::ArnTooLong(text.to_string(), text.len()));
            }
        } else if name.len() > 64 {
            return Err(FunctionRefError::NameTooLong(name.clone(), name.len()));
        }
        // A bare `name:qualifier` whose "name" is 12 digits followed by a name
        // would be ambiguous; the regex already prefers the partial-ARN reading.
        Ok((
            FunctionRef {
                name,
                region: caps.name("region").map(|m| m.as_str().to_string()),
                account: caps.name("account").map(|m| m.as_str().to_string()),
                partition: caps.name("partition").map(|m| m.as_str().to_string()),
            },
            qualifier,
        ))
    }

    /// The value to send as `FunctionName`: the ARN when one was written, so
    /// the region and account the user meant are the ones Lambda checks.
    pub fn api_name(&self) -> String {
        match (&self.region, &self.account) {
            (Some(region), Some(account)) => format!(
                "arn:{}:lambda:{region}:{account}:function:{}",
                self.partition.as_deref().unwrap_or("aws"),
                self.name
            ),
            (None, Some(account)) => format!("{account}:function:{}", self.name),
            _ => self.name.clone(),
        }
    }
}

impl fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.api_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        let (r, q) = FunctionRef::parse("my-function").unwrap();
        assert_eq!((r.name.as_str(), q), ("my-function", None));
        let (r, q) = FunctionRef::parse("my-function:7").unwrap();
        assert_eq!((r.name.as_str(), q.as_deref()), ("my-function", Some("7")));
        let (r, _) = FunctionRef::parse("123456789012:function:my-function").unwrap();
        assert_eq!(r.account.as_deref(), Some("123456789012"));
        assert_eq!(r.api_name(), "123456789012:function:my-function");
        let (r, q) = FunctionRef::parse(
            "arn:aws:lambda:us-west-2:123456789012:function:my-function:$LATEST",
        )
        .unwrap();
        assert_eq!(r.region.as_deref(), Some("us-west-2"));
        assert_eq!(q.as_deref(), Some("$LATEST"));
        assert_eq!(
            r.api_name(),
            "arn:aws:lambda:us-west-2:123456789012:function:my-function"
        );
    }

    #[test]
    fn enforces_lengths_and_pattern() {
        let long = "a".repeat(65);
        assert!(matches!(
            FunctionRef::parse(&long),
            Err(FunctionRefError::NameTooLong(_, 65))
        ));
        assert!(FunctionRef::parse(&"a".repeat(64)).is_ok());
        assert!(FunctionRef::parse("has space").is_err());
        assert!(FunctionRef::parse("invalid:function:name").is_err());
        assert!(FunctionRef::parse("").is_err());
        let arn = format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{}",
            "a".repeat(100)
        );
        assert!(matches!(
            FunctionRef::parse(&arn),
            Err(FunctionRefError::ArnTooLong(..))
        ));
    }
}
