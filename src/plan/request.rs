//! The requests a plan's steps make, as data: method, path, query and the
//! JSON body exactly as Lambda receives it (environment values shown as
//! `(sensitive)`: apply fills them from the configuration, the one thing it
//! takes from there). `aws` sends these bodies as they are, so what a
//! reviewer reads in the plan is what is sent.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{Observed, SENSITIVE};
use crate::model::{
    ATTRIBUTES, AttrValue, Configuration, Container, ENVIRONMENT_PREFIX, Kind, Qualifier,
    RuntimeVersionArn, StoredValue, UpdateRuntimeOn,
};

/// One HTTP request of the Lambda API.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Request {
    pub method: String,
    /// The URI path, with the function name percent-encoded as the SDK does.
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    pub body: Value,
}

/// A URI label encoded as the AWS SDKs encode it: every byte outside the
/// RFC 3986 unreserved set as `%XX`. For display only (the SDK builds the
/// URI it sends), so a dozen lines rather than a dependency.
fn encode_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// PutRuntimeManagementConfig for one version.
pub fn put_runtime_management(
    function_name: &str,
    qualifier: Qualifier,
    mode: UpdateRuntimeOn,
    arn: Option<&RuntimeVersionArn>,
) -> Request {
    let mut body = Map::new();
    body.insert("UpdateRuntimeOn".into(), json!(mode.as_str()));
    if let Some(a) = arn {
        body.insert("RuntimeVersionArn".into(), json!(a.as_str()));
    }
    Request {
        method: "PUT".into(),
        path: format!(
            "/2021-07-20/functions/{}/runtime-management-config",
            encode_label(function_name)
        ),
        query: BTreeMap::from([("Qualifier".to_string(), qualifier.to_string())]),
        body: Value::Object(body),
    }
}

/// TagResource claiming a function for the state of `lineage`.
pub fn tag_resource(function_arn: &str, lineage: &str) -> Request {
    Request {
        method: "POST".into(),
        path: format!("/2017-03-31/tags/{}", encode_label(function_arn)),
        query: BTreeMap::new(),
        body: json!({ "Tags": { crate::model::CLAIM_TAG: lineage } }),
    }
}

fn json_of(v: &AttrValue) -> Value {
    match v {
        AttrValue::Bool(b) => json!(b),
        AttrValue::Int(i) => json!(i),
        AttrValue::String(s) => json!(s),
        AttrValue::List(items) => json!(items),
    }
}

/// The configuration paths an update with `changed` sends: a changed
/// top-level member, every managed member of a changed object (objects go
/// whole), and the whole environment when any variable changed.
pub fn sent_paths(desired: &Configuration, changed: &BTreeSet<String>) -> Vec<String> {
    let touched = |container: Container| {
        ATTRIBUTES
            .iter()
            .filter(|a| a.container == container)
            .any(|a| {
                changed.contains(a.path)
                    || (a.kind == Kind::Map
                        && changed.iter().any(|p| p.starts_with(ENVIRONMENT_PREFIX)))
            })
    };
    let mut out = Vec::new();
    for a in ATTRIBUTES {
        let send = match a.container {
            Container::Top => changed.contains(a.path),
            c => touched(c),
        };
        if !send {
            continue;
        }
        if a.kind == Kind::Map {
            out.extend(
                desired
                    .environment
                    .iter()
                    .flat_map(|vars| vars.keys().map(|k| format!("{ENVIRONMENT_PREFIX}{k}"))),
            );
        } else if desired.get(a.path).is_some() {
            out.push(a.path.to_string());
        }
    }
    out
}

/// UpdateFunctionConfiguration of $LATEST setting the `changed` paths to
/// their desired values, guarded by `revision_id`. Objects Lambda replaces
/// whole carry their unmanaged members with the values `observed` saw.
pub fn update_function_configuration(
    function_name: &str,
    desired: &Configuration,
    changed: &BTreeSet<String>,
    observed: &Observed,
) -> Request {
    let sent: BTreeSet<String> = sent_paths(desired, changed).into_iter().collect();
    let mut body = Map::new();
    let mut objects: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let mut lists: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for a in ATTRIBUTES {
        if a.kind == Kind::Map {
            if let Some(vars) = &desired.environment
                && sends_environment(desired, changed)
            {
                let shown: Map<String, Value> =
                    vars.keys().map(|k| (k.clone(), json!(SENSITIVE))).collect();
                body.insert("Environment".into(), json!({ "Variables": shown }));
            }
            continue;
        }
        let value = if sent.contains(a.path) {
            desired.get(a.path).map(|v| json_of(&v))
        } else if a.container != Container::Top && container_sent(a.container, &sent) {
            match observed.attributes.get(a.path) {
                Some(StoredValue::Plain(v)) => Some(json_of(v)),
                _ => None,
            }
        } else {
            None
        };
        let Some(value) = value else { continue };
        match a.container {
            Container::Top => {
                body.insert(a.member.into(), value);
            }
            Container::Object(name) => {
                objects
                    .entry(name)
                    .or_default()
                    .insert(a.member.into(), value);
            }
            Container::ListOfOne(name) => {
                lists
                    .entry(name)
                    .or_default()
                    .insert(a.member.into(), value);
            }
        }
    }
    for (name, members) in objects {
        body.insert(name.into(), Value::Object(members));
    }
    for (name, members) in lists {
        // No ARN: no file system (Lambda's way of removing it).
        let empty = members.get("Arn").is_none_or(|a| a == "");
        body.insert(
            name.into(),
            if empty {
                json!([])
            } else {
                json!([Value::Object(members)])
            },
        );
    }
    body.insert("RevisionId".into(), json!(observed.revision_id));
    Request {
        method: "PUT".into(),
        path: format!(
            "/2015-03-31/functions/{}/configuration",
            encode_label(function_name)
        ),
        query: BTreeMap::new(),
        body: Value::Object(body),
    }
}

/// Whether any managed member of `container` is sent.
fn container_sent(container: Container, sent: &BTreeSet<String>) -> bool {
    ATTRIBUTES
        .iter()
        .any(|a| a.container == container && sent.contains(a.path))
}

/// Whether the update sends the environment: the configuration manages it
/// and a variable changed (an emptied map, `variables = {}`, included).
pub fn sends_environment(desired: &Configuration, changed: &BTreeSet<String>) -> bool {
    desired.environment.is_some() && changed.iter().any(|p| p.starts_with(ENVIRONMENT_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_encoded_as_the_sdk_does() {
        assert_eq!(
            encode_label("arn:aws:lambda:us-east-1:123456789012:function:f"),
            "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af"
        );
        assert_eq!(encode_label("my_fn-1"), "my_fn-1");
    }
}
