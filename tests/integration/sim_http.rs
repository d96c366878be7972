//! The emulator on the wire, with raw HTTP/1.1: bad requests get Lambda-shaped
//! 400s and change nothing, error headers and body casing, request ids,
//! unsigned requests, quotas, injected faults, and the `rtm sim` admin
//! subcommands.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::Rtm;
use crate::support::sim::{
    SimProcess, admin, create_body, create_function, http, http_with_headers, sdk,
};

const CONFIG: &str = "/2015-03-31/functions/f/configuration";

#[test]
fn bad_requests_get_lambda_shaped_400s_and_change_nothing() {
    let sim = SimProcess::start(&[]);
    let url = sim.url.as_str();
    let before = create_function(url, "f", "python3.12");

    let cases: &[(&str, &str, &[u8], &str, &str)] = &[
        ("PUT", CONFIG, b"{\"MemorySize\": 256", "InvalidParameterValueException", "Could not parse request body into json"),
        ("PUT", CONFIG, b"not json", "InvalidParameterValueException", "Could not parse request body into json"),
        ("PUT", CONFIG, b"[1,2]", "InvalidParameterValueException", "Could not parse request body into json"),
        ("PUT", CONFIG, b"\xff\xfe", "InvalidParameterValueException", "Could not parse request body into json"),
        ("PUT", CONFIG, br#"{"MemorySize":"big"}"#, "InvalidParameterValueException", "Could not parse request body into json"),
        ("PUT", CONFIG, br#"{"Timeout":1.5}"#, "InvalidParameterValueException", "Could not parse request body into json"),
        ("PUT", CONFIG, br#"{"Environment":{"Variables":{"A":1}}}"#, "InvalidParameterValueException", "Could not parse request body into json"),
        ("PUT", CONFIG, br#"{"MemorySize":64}"#, "ValidationException", "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"),
        ("PUT", CONFIG, br#"{"Timeout":0,"Description":"x"}"#, "ValidationException", "at 'timeout'"),
        ("PUT", CONFIG, br#"{"Runtime":"PYTHON3.9"}"#, "InvalidParameterValueException", "Value PYTHON3.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ["),
        ("PUT", CONFIG, br#"{"Runtime":"python3.7"}"#, "InvalidParameterValueException", "The runtime parameter of python3.7 is no longer supported"),
        ("PUT", CONFIG, br#"{"TracingConfig":{"Mode":"Loud"}}"#, "ValidationException", "Member must satisfy enum value set: [Active, PassThrough]"),
        ("PUT", CONFIG, br#"{"Role":"nope"}"#, "ValidationException", "at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern"),
        ("PUT", CONFIG, br#"{"Layers":["a","b","c","d","e","f"]}"#, "InvalidParameterValueException", "Cannot reference more than 5 layers."),
        ("POST", "/2015-03-31/functions", br#"{"FunctionName":"g","Runtime":"python3.12","Handler":"a.b"}"#, "ValidationException", "2 validation errors detected: Value null at 'role' failed to satisfy constraint: Member must not be null; Value null at 'code'"),
        ("POST", "/2015-03-31/functions", br#"{"FunctionName":"g","Role":"arn:aws:iam::123456789012:role/r","Code":{},"PackageType":"Zip2"}"#, "ValidationException", "Value 'Zip2' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Zip, Image]"),
        ("POST", "/2015-03-31/functions", br#"{"FunctionName":"g","Role":"arn:aws:iam::123456789012:role/r","Runtime":"python3.12","Handler":"a.b","Code":{"ZipFile":"bm90IGEgemlw"}}"#, "InvalidParameterValueException", "Could not unzip uploaded file."),
        ("POST", "/2015-03-31/functions", br#"{"FunctionName":"g","Role":"arn:aws:iam::123456789012:role/r","Runtime":"python3.12","Handler":"a.b","Architectures":["x86_64","arm64"],"Code":{"S3Bucket":"b","S3Key":"k"}}"#, "ValidationException", "at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"),
        ("PUT", "/2021-07-20/functions/f/runtime-management-config", br#"{}"#, "ValidationException", "Value null at 'updateRuntimeOn' failed to satisfy constraint: Member must not be null"),
        ("PUT", "/2021-07-20/functions/f/runtime-management-config", br#"{"UpdateRuntimeOn":"Sometimes"}"#, "ValidationException", "Value 'Sometimes' at 'updateRuntimeOn' failed to satisfy constraint: Member must satisfy enum value set: [Auto, Manual, FunctionUpdate]"),
        ("PUT", "/2021-07-20/functions/f/runtime-management-config", br#"{"UpdateRuntimeOn":"Manual","RuntimeVersionArn":"arn:nope"}"#, "ValidationException", "at 'runtimeVersionArn'"),
        ("GET", "/2015-03-31/functions?FunctionVersion=invalid", b"", "ValidationException", "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"),
        ("GET", "/2015-03-31/functions?MaxItems=0", b"", "ValidationException", "at 'maxItems'"),
        ("GET", "/2015-03-31/functions?MaxItems=lots", b"", "ValidationException", "at 'maxItems'"),
        ("GET", "/2015-03-31/functions?Marker=%%%", b"", "", ""),
        ("GET", "/2015-03-31/functions/f?Qualifier=a%20b", b"", "ValidationException", "at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern"),
    ];
    for (method, path, body, code, message) in cases {
        let r = http(url, method, path, body);
        let shown = String::from_utf8_lossy(body);
        assert_eq!(r.status, 400, "{method} {path} {shown}: {r:?}");
        assert!(r.header("x-amzn-RequestId").is_some());
        if code.is_empty() {
            continue;
        }
        assert_eq!(r.error_type(), *code, "{method} {path} {shown}: {r:?}");
        let b = r.json();
        assert_eq!(b["Type"], "User");
        let m = b["message"]
            .as_str()
            .unwrap_or_else(|| panic!("lowercase message in {b}"));
        assert!(
            m.contains(message),
            "{method} {path} {shown}: wanted {message:?} in {m:?}"
        );
    }

    // Oversized: 413 RequestEntityTooLargeException, as Lambda answers it
    // ("Request must be smaller than N bytes for the X operation").
    let huge = vec![b' '; 7 * 1024 * 1024];
    let r = http(url, "PUT", CONFIG, &huge);
    assert_eq!(
        (r.status, r.error_type()),
        (413, "RequestEntityTooLargeException"),
        "{r:?}"
    );
    assert_eq!(
        r.json()["message"],
        "Request must be smaller than 6291456 bytes for the UpdateFunctionConfiguration operation"
    );
    let mut env = serde_json::Map::new();
    for i in 0..200 {
        env.insert(format!("VAR_{i}"), json!("x".repeat(30)));
    }
    let r = http(
        url,
        "PUT",
        CONFIG,
        json!({ "Environment": { "Variables": env } })
            .to_string()
            .as_bytes(),
    );
    assert_eq!(
        (r.status, r.error_type()),
        (400, "InvalidParameterValueException")
    );
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap_or("")
            .contains("exceeded the 4KB limit")
    );

    let after = http(url, "GET", CONFIG, b"").json();
    assert_eq!(
        after["RevisionId"], before["RevisionId"],
        "no bad request changed anything"
    );
    assert_eq!(after["MemorySize"], 128);
    let listed = http(url, "GET", "/2015-03-31/functions", b"").json();
    assert_eq!(
        listed["Functions"].as_array().map(Vec::len),
        Some(1),
        "no half-created function"
    );
}

#[test]
fn errors_carry_the_code_header_and_the_per_exception_message_casing() {
    let sim = SimProcess::start(&["--update-delay-ms", "2000"]);
    let url = sim.url.as_str();
    let r = http(url, "GET", "/2015-03-31/functions/missing", b"");
    assert_eq!(
        (r.status, r.error_type()),
        (404, "ResourceNotFoundException")
    );
    assert_eq!(
        r.json(),
        json!({ "Type": "User", "Message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing" })
    );
    assert_eq!(r.header("content-type"), Some("application/json"));

    let r = http(
        url,
        "POST",
        "/2015-03-31/functions",
        create_body("f", "python3.12").as_bytes(),
    );
    assert_eq!(r.status, 201);
    let r = http(url, "PUT", CONFIG, b"{}");
    assert_eq!(
        (r.status, r.error_type()),
        (409, "ResourceConflictException")
    );
    assert_eq!(
        r.json(),
        json!({ "Type": "User", "message": "The operation cannot be performed at this time. The resource arn:aws:lambda:us-east-1:123456789012:function:f is currently in the following state: 'Pending'. StateReasonCode: 'Creating'" })
    );
    let r = http(url, "POST", "/2015-03-31/functions/f/invocations", b"{}");
    assert_eq!((r.status, r.error_type()), (501, "NotImplementedException"));
    assert!(
        r.json()["Message"]
            .as_str()
            .unwrap_or("")
            .contains("Invoke")
    );
    let r = http(url, "GET", "/nothing/here", b"");
    assert_eq!(
        (r.status, r.error_type()),
        (404, "UnknownOperationException")
    );
    let r = http(url, "GET", "/_sim/health", b"");
    assert_eq!(r.status, 200);
    assert!(
        r.header("x-amzn-RequestId").is_some(),
        "admin responses carry a request id too"
    );
    // Percent-encoded names, as the SDKs send them, are decoded exactly once.
    let r = http(
        url,
        "GET",
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A%24LATEST",
        b"",
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.json()["Configuration"]["FunctionArn"],
        "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"
    );
}

#[test]
fn the_authorization_header_is_accepted_and_never_logged() {
    let mut child = Command::new(crate::support::RTM)
        .args(["-vv", "sim", "serve", "--listen", "127.0.0.1:0"])
        .env("RTM_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("ready");
    let url = line
        .trim()
        .strip_prefix("SIM_READY ")
        .expect("ready line")
        .to_owned();
    let secret = "Signature=supersecretsignaturevalue";
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, {secret}"
    );
    let r = http_with_headers(
        &url,
        "GET",
        "/2015-03-31/functions",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ListFunctions"),
        "debug logging was on: {stderr}"
    );
    assert!(!stderr.contains("supersecret"), "{stderr}");
}

#[test]
fn quotas_throttle_like_lambda_and_spare_the_admin_api() {
    // Scale 0.2: GetFunction 20/s, everything else 3/s together.
    let sim = SimProcess::start(&["--quotas", "--quota-scale", "0.2"]);
    let url = sim.url.as_str();
    // The buckets refill as time passes (one ListFunctions token per 333 ms,
    // one GetFunction token per 50 ms), so how many get through depends on
    // how fast this machine sends: the bounds below allow for that.
    let allowed_by = |capacity: usize, rate: f64, started: Instant| {
        capacity + (started.elapsed().as_secs_f64() * rate).ceil() as usize
    };
    let started = Instant::now();
    let mut listed = 0;
    let r = loop {
        let r = http(url, "GET", "/2015-03-31/functions", b"");
        if r.status != 200 {
            break r;
        }
        listed += 1;
        assert!(listed < 50, "ListFunctions never throttled");
    };
    assert!(
        (3..=allowed_by(3, 3.0, started)).contains(&listed),
        "{listed} ListFunctions calls got through"
    );
    assert_eq!(
        (r.status, r.error_type()),
        (429, "TooManyRequestsException")
    );
    assert_eq!(
        r.body,
        r#"{"Reason":"CallerRateLimitExceeded","Type":"User","message":"Rate exceeded"}"#
    );
    assert!(
        r.header("Retry-After")
            .and_then(|s| s.parse::<u64>().ok())
            .is_some_and(|s| s >= 1)
    );
    // GetFunction has its own, larger bucket.
    let started = Instant::now();
    let get: Vec<u16> = (0..25)
        .map(|_| http(url, "GET", "/2015-03-31/functions/none", b"").status)
        .collect();
    let found = get.iter().filter(|s| **s == 404).count();
    let bound = allowed_by(20, 20.0, started);
    assert!((20..=bound).contains(&found), "{get:?}");
    assert_eq!(
        get.iter().filter(|s| **s == 429).count(),
        25 - found,
        "{get:?}"
    );
    for _ in 0..30 {
        assert_eq!(http(url, "GET", "/_sim/stats", b"").status, 200);
    }
    let stats = admin(url, "GET", "/_sim/stats", json!(null));
    assert_eq!(stats["Calls"]["ListFunctions"], listed + 1);
    assert_eq!(stats["Calls"]["GetFunction"], 25);
    assert_eq!(stats["Throttled"], 1 + 25 - found);
    assert!(
        stats["Calls"].get("Stats").is_none(),
        "admin calls are not Lambda calls"
    );
    admin(url, "DELETE", "/_sim/stats", json!(null));
    assert_eq!(
        admin(url, "GET", "/_sim/stats", json!(null))["TotalCalls"],
        0
    );
}

#[tokio::test]
async fn injected_throttles_errors_and_latency() {
    // Seeded, the faults drawn below are the same on every run.
    let sim = SimProcess::start(&["--throttle-rate", "1", "--fault-seed", "7"]);
    let url = sim.url.clone();
    let r = http(&url, "GET", "/2015-03-31/functions", b"");
    assert_eq!(
        (r.status, r.error_type()),
        (429, "TooManyRequestsException")
    );
    admin(
        &url,
        "PUT",
        "/_sim/faults",
        json!({ "ThrottleRate": 0.0, "ErrorRate": 1.0 }),
    );
    let r = http(&url, "GET", "/2015-03-31/functions", b"");
    assert_eq!((r.status, r.error_type()), (500, "ServiceException"));
    assert_eq!(r.json()["Type"], "Service");
    assert!(r.json()["Message"].is_string());
    let stats = admin(&url, "GET", "/_sim/stats", json!(null));
    assert_eq!(
        (stats["Throttled"].as_u64(), stats["ServiceErrors"].as_u64()),
        (Some(1), Some(1))
    );

    // The SDK retries both, so a third of the calls failing still succeeds.
    admin(
        &url,
        "PUT",
        "/_sim/faults",
        json!({ "ThrottleRate": 0.2, "ErrorRate": 0.2 }),
    );
    admin(&url, "DELETE", "/_sim/stats", json!(null));
    let c = sdk(&url, true).await;
    for _ in 0..10 {
        c.list_functions().send().await.expect("retried to success");
    }
    let stats = admin(&url, "GET", "/_sim/stats", json!(null));
    assert!(
        stats["Throttled"].as_u64() > Some(0) && stats["ServiceErrors"].as_u64() > Some(0),
        "both kinds of fault were injected and retried: {stats}"
    );
    admin(
        &url,
        "PUT",
        "/_sim/faults",
        json!({ "ThrottleRate": 0.0, "ErrorRate": 0.0, "LatencyMs": 150 }),
    );
    let start = Instant::now();
    assert_eq!(http(&url, "GET", "/2015-03-31/functions", b"").status, 200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    let start = Instant::now();
    assert_eq!(http(&url, "GET", "/_sim/faults", b"").status, 200);
    assert!(
        start.elapsed() < Duration::from_millis(150),
        "no latency on the admin API"
    );
}

#[test]
fn rtm_sim_subcommands_drive_the_admin_api() {
    let sim = SimProcess::start(&[]);
    let url = sim.url.as_str();
    create_function(url, "f", "python3.12");
    let out = Rtm::new()
        .args([
            "sim",
            "runtimes",
            "--endpoint",
            url,
            "--runtime",
            "python3.12",
        ])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("python:3.12.v17"), "{}", out.stdout);
    assert_eq!(
        out.stdout.lines().count(),
        2,
        "latest per architecture: {}",
        out.stdout
    );
    let out = Rtm::new()
        .args([
            "sim",
            "release",
            "--endpoint",
            url,
            "--runtime",
            "python3.12",
            "--arch",
            "x86_64",
        ])
        .run()
        .expect_code(0);
    assert!(
        out.stdout.contains("released python:3.12.v18"),
        "{}",
        out.stdout
    );
    let out = Rtm::new()
        .args(["sim", "phase2", "--endpoint", url])
        .run()
        .expect_code(0);
    assert!(
        out.stdout
            .contains("moved f:$LATEST python:3.12.v17 -> python:3.12.v18"),
        "{}",
        out.stdout
    );
    let out = Rtm::new()
        .args([
            "sim",
            "faults",
            "--endpoint",
            url,
            "--latency-ms",
            "5",
            "--fail-next-update",
            "f",
            "--reason-code",
            "InvalidRuntime",
        ])
        .run()
        .expect_code(0);
    assert!(out.stdout.contains("\"LatencyMs\":5"), "{}", out.stdout);
    let r = http(url, "PUT", CONFIG, br#"{"Timeout":9}"#);
    assert_eq!(r.status, 200);
    let settled = crate::support::sim::wait_settled(url, "f");
    assert_eq!(settled["LastUpdateStatus"], "Failed");
    assert_eq!(settled["LastUpdateStatusReasonCode"], "InvalidRuntime");
    let out = Rtm::new()
        .args(["sim", "stats", "--endpoint", url, "--json"])
        .run()
        .expect_code(0);
    let stats: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(stats["Calls"]["UpdateFunctionConfiguration"], 1);
    let out = Rtm::new()
        .args(["sim", "stats", "--endpoint", url, "--reset"])
        .run()
        .expect_code(0);
    assert!(
        out.stdout.contains("GetFunctionConfiguration"),
        "{}",
        out.stdout
    );
    assert_eq!(
        admin(url, "GET", "/_sim/stats", json!(null))["TotalCalls"],
        0
    );
    let out = Rtm::new()
        .args(["sim", "release", "--endpoint", url, "--runtime", "cobol"])
        .run()
        .expect_code(1);
    assert!(
        out.stderr.contains("not a managed runtime"),
        "{}",
        out.stderr
    );
}
