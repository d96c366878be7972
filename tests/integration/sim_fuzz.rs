//! The emulator never panics and never answers 5xx (other than 501 for an
//! operation it does not implement) on mutated requests: random names,
//! qualifiers, query strings and JSON bodies, sent over raw HTTP/1.1. Every
//! answer carries a request id, and every error a Lambda-shaped type header
//! and JSON message, as a client's error parser expects.

use std::sync::atomic::{AtomicUsize, Ordering};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::sim::{SimProcess, create_function, http};

/// Requests of every implemented operation (and a few unimplemented ones);
/// `{n}` is the function name, `{q}` a qualifier.
const TEMPLATES: &[(&str, &str)] = &[
    ("GET", "/2015-03-31/functions/{n}"),
    ("GET", "/2015-03-31/functions/{n}?Qualifier={q}"),
    (
        "GET",
        "/2015-03-31/functions/{n}/configuration?Qualifier={q}",
    ),
    ("PUT", "/2015-03-31/functions/{n}/configuration"),
    ("GET", "/2015-03-31/functions/?MaxItems={q}&Marker={n}"),
    ("GET", "/2015-03-31/functions/?FunctionVersion={q}"),
    ("POST", "/2015-03-31/functions"),
    ("POST", "/2015-03-31/functions/{n}/versions"),
    ("GET", "/2015-03-31/functions/{n}/versions?Marker={q}"),
    ("POST", "/2015-03-31/functions/{n}/aliases"),
    ("GET", "/2015-03-31/functions/{n}/aliases/{q}"),
    ("GET", "/2015-03-31/functions/{n}/aliases"),
    ("DELETE", "/2015-03-31/functions/{n}?Qualifier={q}"),
    (
        "GET",
        "/2021-07-20/functions/{n}/runtime-management-config?Qualifier={q}",
    ),
    (
        "PUT",
        "/2021-07-20/functions/{n}/runtime-management-config?Qualifier={q}",
    ),
    ("POST", "/2017-03-31/tags/{n}"),
    ("GET", "/2017-03-31/tags/{n}"),
    ("DELETE", "/2017-03-31/tags/{n}?tagKeys={q}"),
    ("POST", "/2015-03-31/functions/{n}/invocations"),
    ("PATCH", "/2015-03-31/functions/{n}"),
    ("GET", "/{n}/{q}"),
];

/// Names and qualifiers near the edges of what Lambda accepts; mostly valid
/// ones, so that requests get past the first check often enough.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => Just("f".to_owned()),
        4 => Just("$LATEST".to_owned()),
        4 => Just("1".to_owned()),
        1 => Just("live".to_owned()),
        1 => Just("arn:aws:lambda:us-east-1:123456789012:function:f".to_owned()),
        1 => Just("arn:aws:lambda:us-east-1:123456789012:function:f:1".to_owned()),
        1 => Just("123456789012:function:f".to_owned()),
        1 => Just("0".to_owned()),
        1 => Just("-1".to_owned()),
        1 => Just("99999999999999999999".to_owned()),
        1 => Just("x".repeat(200)),
        1 => "\\PC{0,12}",
        1 => "[a-zA-Z0-9_:$.-]{0,70}",
    ]
}

/// JSON values of every type, nested a little.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
        Just(json!("python3.12")),
        Just(json!("Manual")),
        Just(json!(
            "arn:aws:lambda:us-east-1::runtime:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        )),
        Just(json!("arn:aws:iam::123456789012:role/r")),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(field(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The request fields the emulator reads, and some it does not.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FunctionName"),
        Just("Runtime"),
        Just("Role"),
        Just("Handler"),
        Just("Code"),
        Just("ZipFile"),
        Just("S3Bucket"),
        Just("S3Key"),
        Just("ImageUri"),
        Just("PackageType"),
        Just("MemorySize"),
        Just("Timeout"),
        Just("Description"),
        Just("Environment"),
        Just("Variables"),
        Just("Layers"),
        Just("Architectures"),
        Just("RevisionId"),
        Just("UpdateRuntimeOn"),
        Just("RuntimeVersionArn"),
        Just("Name"),
        Just("FunctionVersion"),
        Just("TracingConfig"),
        Just("Mode"),
        Just("EphemeralStorage"),
        Just("Size"),
        Just("Publish"),
        Just("CodeSha256"),
        Just("Tags"),
        Just("Unknown"),
    ]
    .prop_map(str::to_owned)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => Just(Vec::new()),
        3 => Just(br#"{"UpdateRuntimeOn":"Auto"}"#.to_vec()),
        3 => Just(br#"{"MemorySize":256}"#.to_vec()),
        2 => Just(br#"{"Name":"live","FunctionVersion":"1"}"#.to_vec()),
        2 => Just(br#"{"FunctionName":"g","Role":"arn:aws:iam::123456789012:role/r","PackageType":"Image","Code":{"ImageUri":"123456789012.dkr.ecr.us-east-1.amazonaws.com/r:1"}}"#.to_vec()),
        3 => proptest::collection::btree_map(field(), value(), 0..6).prop_map(|m| Value::Object(
            m.into_iter().collect()
        )
        .to_string()
        .into_bytes()),
        1 => value().prop_map(|v| v.to_string().into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Sends one request and checks its answer; returns the status.
fn check(url: &str, template: usize, name: &str, qualifier: &str, body: &[u8]) -> u16 {
    let (method, path) = TEMPLATES[template];
    let path = path
        .replace("{n}", &encode(name))
        .replace("{q}", &encode(qualifier));
    let r = http(url, method, &path, body);
    let shown = String::from_utf8_lossy(body);
    let what = format!("{method} {path} {shown}: {r:?}");
    assert!(r.status < 500 || r.status == 501, "{what}");
    assert!(r.header("x-amzn-RequestId").is_some(), "{what}");
    if r.status >= 400 {
        assert!(!r.error_type().is_empty(), "{what}");
        let message = r.json();
        assert!(
            message.get("message").or(message.get("Message")).is_some(),
            "{what}"
        );
    }
    r.status
}

#[test]
fn mutated_requests_get_lambda_shaped_answers() {
    let sim = SimProcess::start(&["--update-delay-ms", "0"]);
    let url = sim.url.clone();
    create_function(&url, "f", "python3.12");
    let cases = crate::support::fuzz_cases(300);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let ok = AtomicUsize::new(0);
    let rejected = AtomicUsize::new(0);
    runner
        .run(
            &(0..TEMPLATES.len(), word(), word(), body()),
            |(t, n, q, b)| {
                let counter = if check(&url, t, &n, &q, &b) < 400 {
                    &ok
                } else {
                    &rejected
                };
                counter.fetch_add(1, Ordering::Relaxed);
                // A DELETE may have removed `f`: bring it back, so that later
                // cases reach past the lookup.
                if http(&url, "GET", "/2015-03-31/functions/f", b"").status == 404 {
                    create_function(&url, "f", "python3.12");
                }
                Ok(())
            },
        )
        .unwrap();
    eprintln!(
        "sim_fuzz: {} answered 2xx/3xx, {} rejected",
        ok.load(Ordering::Relaxed),
        rejected.load(Ordering::Relaxed)
    );
    // The mutations reach both the handlers' success paths and their checks.
    let (ok, rejected) = (ok.into_inner(), rejected.into_inner());
    assert!(ok >= cases as usize / 40, "only {ok} of {cases} succeeded");
    assert!(
        rejected >= cases as usize / 2,
        "only {rejected} of {cases} rejected"
    );
    // Still serving after all of it.
    check(&url, 0, "f", "", b"");
}
