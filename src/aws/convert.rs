//! Conversions between aws-sdk-lambda's types (and the JSON Lambda sent)
//! and rtm's model.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::types as sdk;
use serde_json::Value;

use super::Error;
use crate::model::{
    ATTRIBUTES, Absent, AttrValue, Configuration, Kind, Live, LiveRuntimeManagement, Qualifier,
    RuntimeVersionArn, UpdateRuntimeOn,
};

pub fn mode_from_sdk(mode: &sdk::UpdateRuntimeOn) -> Option<UpdateRuntimeOn> {
    mode.as_str().parse().ok()
}

pub fn error_from_sdk<E>(operation: &'static str, e: SdkError<E>) -> (Error, Option<Duration>)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let raw = e.raw_response();
    let status = raw.map(|r| r.status().as_u16());
    let retry_after = raw.and_then(|r| {
        let headers = r.headers();
        if let Some(ms) = headers
            .get("x-amz-retry-after")
            .and_then(|v| v.parse::<u64>().ok())
        {
            return Some(Duration::from_millis(ms));
        }
        headers
            .get("retry-after")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(60.0)))
    });
    let unanswered = matches!(e, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_));
    let code = e.code().map(str::to_string);
    let message = match e.message() {
        Some(m) => m.to_string(),
        None => error_chain(&e),
    };
    (
        Error {
            operation,
            status,
            code,
            message,
            unanswered,
        },
        retry_after,
    )
}

/// A credentials error for a person: the service's code and message when a
/// call behind it (STS AssumeRole) failed, else its causes on one line
/// (without the SDK's Debug dump of the service error).
pub fn credentials_error(e: &(dyn std::error::Error + 'static)) -> String {
    let chain = error_chain(e);
    static SERVICE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"code: "([^"]+)", message: "([^"]*)""#).expect("static regex")
    });
    match SERVICE.captures(&chain) {
        Some(c) => format!("{}: {}", &c[1], &c[2]),
        None => chain,
    }
}

/// An error and its causes on one line, each cause once ("dispatch failure:
/// io error: dns error: ..."), without the SDK's Debug dump of the request.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// What Lambda reported for one version: the managed attributes read from
/// `raw`, the JSON of the `FunctionConfiguration` as Lambda sent it (by the
/// attribute table, see [`configuration_from_json`]); everything else (the
/// ARN, revision, package type, state, runtime version) from the SDK's
/// reading of the same object.
pub fn live_from_configuration(
    c: &sdk::FunctionConfiguration,
    raw: &Value,
    qualifier: Qualifier,
) -> Result<Live, String> {
    let arn = c.function_arn().unwrap_or_default();
    let raw_arn = raw.get("FunctionArn").and_then(Value::as_str);
    if raw_arn.unwrap_or_default() != arn {
        return Err(format!(
            "the response's FunctionArn {raw_arn:?} is not the one the SDK read ({arn:?})"
        ));
    }
    // GetFunction with a qualifier answers with the qualified ARN.
    let function_arn = strip_qualifier(arn);
    Ok(Live {
        function_arn,
        qualifier,
        revision_id: c.revision_id().unwrap_or_default().to_string(),
        package_type: c.package_type().map_or("Zip", |p| p.as_str()).to_string(),
        architecture: c
            .architectures()
            .first()
            .map_or("x86_64", |a| a.as_str())
            .to_string(),
        last_update_status: c.last_update_status().map(|s| s.as_str().to_string()),
        last_modified: c.last_modified().map(str::to_string),
        last_update_status_reason_code: c
            .last_update_status_reason_code()
            .map(|s| s.as_str().to_string()),
        configuration: configuration_from_json(raw)?,
        running_runtime_version_arn: c
            .runtime_version_config()
            .and_then(|r| r.runtime_version_arn())
            .and_then(|a| RuntimeVersionArn::parse(a).ok()),
        runtime_management: LiveRuntimeManagement {
            update_runtime_on: UpdateRuntimeOn::Auto,
            runtime_version_arn: None,
        },
        tags: Default::default(),
    })
}

/// Every managed attribute of a `FunctionConfiguration` (as JSON), row by
/// row at the place the table says Lambda reports it, with the row's
/// absent value where Lambda left the member out, so that "unset" compares
/// equal to what a user would write for it (an empty description, no
/// layers, ...). A member of another type than its row's is an error.
pub fn configuration_from_json(raw: &Value) -> Result<Configuration, String> {
    let mut c = Configuration::default();
    for a in ATTRIBUTES {
        let path = a.read_path();
        let found = member_at(raw, &path).map_err(|why| format!("{}: {why}", path.join(".")))?;
        let wrong = |v: &Value| {
            format!(
                "{} is {v}, not {}",
                path.join("."),
                match a.kind {
                    Kind::String => "a string",
                    Kind::Int => "a whole number",
                    Kind::Bool => "true or false",
                    Kind::List => "a list of strings",
                    Kind::Map => "a map of strings",
                }
            )
        };
        if a.kind == Kind::Map {
            c.environment = match found {
                Some(v) => Some(strings_map(&v).ok_or_else(|| wrong(&v))?),
                None => (a.absent == Absent::Empty).then(BTreeMap::new),
            };
            continue;
        }
        let value = match found {
            Some(v) => Some(typed(a.kind, &v).ok_or_else(|| wrong(&v))?),
            None => a.absent_value(),
        };
        if let Some(v) = value
            && !c.set(a.path, v)
        {
            return Err(format!("{} cannot be read as a {:?}", a.path, a.kind));
        }
    }
    Ok(c)
}

/// The value at a member path (`*`: that member of every element of a
/// list), or `None` when a member on the way is absent or null.
fn member_at(v: &Value, path: &[&str]) -> Result<Option<Value>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let Some((first, rest)) = path.split_first() else {
        return Ok(Some(v.clone()));
    };
    match (*first, v) {
        ("*", Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.extend(member_at(item, rest)?);
            }
            Ok(Some(Value::Array(out)))
        }
        (index, Value::Array(items)) if index.parse::<usize>().is_ok() => {
            match index.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(item) => member_at(item, rest),
                None => Ok(None),
            }
        }
        (name, Value::Object(members)) if name != "*" && name.parse::<usize>().is_err() => {
            match members.get(name) {
                Some(m) => member_at(m, rest),
                None => Ok(None),
            }
        }
        (name, other) => Err(format!("cannot take {name} of {other}")),
    }
}

fn typed(kind: Kind, v: &Value) -> Option<AttrValue> {
    match (kind, v) {
        (Kind::String, Value::String(s)) => Some(AttrValue::String(s.clone())),
        (Kind::Int, Value::Number(n)) => n.as_i64().map(AttrValue::Int),
        (Kind::Bool, Value::Bool(b)) => Some(AttrValue::Bool(*b)),
        (Kind::List, Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<String>>>()
            .map(AttrValue::List),
        _ => None,
    }
}

fn strings_map(v: &Value) -> Option<BTreeMap<String, String>> {
    v.as_object()?
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// `arn:...:function:name:7` -> `arn:...:function:name`.
pub fn strip_qualifier(arn: &str) -> String {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() == 8 && parts[5] == "function" {
        parts[..7].join(":")
    } else {
        arn.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_version_qualifiers_only() {
        assert_eq!(
            strip_qualifier("arn:aws:lambda:us-east-1:123456789012:function:f:7"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
        assert_eq!(
            strip_qualifier("arn:aws:lambda:us-east-1:123456789012:function:f"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
    }
}
