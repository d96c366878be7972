//! The emulator's data: a SIGKILL during writes loses no acknowledged write,
//! a clean SIGTERM exits 0, and a seed fills a data directory only on its
//! first use (so a sandbox fleet persists between runs).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::support::sim::{SimProcess, create_body, has_store, http};

#[test]
fn a_sigkill_during_writes_loses_no_acknowledged_write() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_str().expect("utf8").to_owned();
    let mut sim = SimProcess::start(&["--data", &dir, "--update-delay-ms", "0"]);
    let url = sim.url.clone();
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    // Two writers: creates, and runtime-management changes of the first function.
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (url, acknowledged, stop) = (url.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let name = format!("w{w}-{i:04}");
                    let Ok(r) = std::panic::catch_unwind(|| {
                        http(
                            &url,
                            "POST",
                            "/2015-03-31/functions",
                            create_body(&name, "python3.12").as_bytes(),
                        )
                    }) else {
                        break; // the server is gone
                    };
                    if r.status == 201 {
                        let revision = r.json()["RevisionId"].as_str().unwrap_or("").to_owned();
                        acknowledged.lock().expect("lock").push((name, revision));
                    }
                    i += 1;
                }
            })
        })
        .collect();
    while acknowledged.lock().expect("lock").len() < 40 {
        std::thread::sleep(Duration::from_millis(5));
    }
    sim.kill();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        let _ = w.join();
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(has_store(data.path()));

    let sim = SimProcess::start(&["--data", &dir]);
    for (name, _) in &acknowledged {
        let r = http(
            &sim.url,
            "GET",
            &format!("/2015-03-31/functions/{name}/configuration"),
            b"",
        );
        assert_eq!(r.status, 200, "acknowledged {name} was lost: {r:?}");
        assert_eq!(r.json()["FunctionName"], name.as_str());
    }
    // Every stored function is whole: it lists and reads back.
    let listed = http(&sim.url, "GET", "/2015-03-31/functions?MaxItems=50", b"");
    assert_eq!(listed.status, 200);
}

#[test]
fn state_survives_a_clean_restart_and_sigterm_exits_zero() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_str().expect("utf8").to_owned();
    let mut sim = SimProcess::start(&["--data", &dir]);
    let r = http(
        &sim.url,
        "POST",
        "/2015-03-31/functions",
        create_body("kept", "python3.12").as_bytes(),
    );
    assert_eq!(r.status, 201);
    let released = http(
        &sim.url,
        "POST",
        "/_sim/runtimes/release",
        br#"{"Runtime":"python3.12"}"#,
    );
    assert_eq!(released.status, 200);
    assert_eq!(sim.terminate(), Some(0));
    let sim = SimProcess::start(&["--data", &dir]);
    let c = crate::support::sim::wait_settled(&sim.url, "kept");
    assert_eq!(c["State"], "Active", "creation completes across a restart");
    let runtimes = http(
        &sim.url,
        "GET",
        "/_sim/runtimes?Runtime=python3.12&Architecture=arm64",
        b"",
    )
    .json();
    assert_eq!(
        runtimes["Runtimes"][0]["LatestVersion"], 18,
        "releases persist"
    );
}

#[test]
fn a_seed_fills_an_empty_data_directory_once() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_str().expect("utf8").to_owned();
    let seed = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(
        seed.path(),
        json!({ "Functions": [
            { "FunctionName": "orders", "Runtime": "python3.12", "Handler": "app.handler", "MemorySize": 512,
              "Timeout": 30, "Environment": { "STAGE": "prod" }, "Architecture": "arm64",
              "UpdateRuntimeOn": "Manual", "RuntimeVersion": "python:3.12.v15", "PublishedVersions": 2 },
            { "FunctionName": "web", "Count": 3, "Runtime": "nodejs20.x", "UpdateRuntimeOn": "FunctionUpdate" },
            { "FunctionName": "img", "PackageType": "Image", "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1" }
        ] })
        .to_string(),
    )
    .expect("write seed");
    let seed_arg = seed.path().to_str().expect("utf8").to_owned();
    let mut sim = SimProcess::start(&["--data", &dir, "--seed", &seed_arg]);
    let url = sim.url.clone();
    let listed = http(&url, "GET", "/2015-03-31/functions", b"").json();
    let names: Vec<&str> = listed["Functions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|f| f["FunctionName"].as_str())
        .collect();
    assert_eq!(names, ["img", "orders", "web-001", "web-002", "web-003"]);
    let orders = http(
        &url,
        "GET",
        "/2015-03-31/functions/orders/configuration",
        b"",
    )
    .json();
    assert_eq!(
        (orders["MemorySize"].as_i64(), orders["Timeout"].as_i64()),
        (Some(512), Some(30))
    );
    assert_eq!(orders["Architectures"], json!(["arm64"]));
    assert_eq!(orders["State"], "Active");
    let rm = http(
        &url,
        "GET",
        "/2021-07-20/functions/orders/runtime-management-config",
        b"",
    )
    .json();
    assert_eq!(rm["UpdateRuntimeOn"], "Manual");
    let catalogue = http(
        &url,
        "GET",
        "/_sim/runtimes?Runtime=python3.12&Architecture=arm64",
        b"",
    )
    .json();
    let v15 = catalogue["Runtimes"][0]["Versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|v| v["Name"] == "python:3.12.v15")
        .expect("v15")["Arn"]
        .clone();
    assert_eq!(rm["RuntimeVersionArn"], v15);
    assert_eq!(orders["RuntimeVersionConfig"]["RuntimeVersionArn"], v15);
    let versions = http(&url, "GET", "/2015-03-31/functions/orders/versions", b"").json();
    assert_eq!(versions["Versions"].as_array().map(Vec::len), Some(3));
    let web = http(
        &url,
        "GET",
        "/2021-07-20/functions/web-002/runtime-management-config",
        b"",
    )
    .json();
    assert_eq!(web["UpdateRuntimeOn"], "FunctionUpdate");

    // Changes made after seeding survive; the seed is not applied again.
    assert_eq!(
        http(&url, "DELETE", "/2015-03-31/functions/web-001", b"").status,
        204
    );
    assert_eq!(sim.terminate(), Some(0));
    let sim = SimProcess::start(&["--data", &dir, "--seed", &seed_arg]);
    let listed = http(&sim.url, "GET", "/2015-03-31/functions", b"").json();
    assert_eq!(listed["Functions"].as_array().map(Vec::len), Some(4));
}

#[test]
fn a_bad_seed_is_reported_and_nothing_starts() {
    let stderr =
        crate::support::sim::seed_refused(r#"[{"FunctionName":"x","UpdateRuntimeOn":"Manual"}]"#);
    assert!(stderr.contains("Manual needs a RuntimeVersion"), "{stderr}");
}

#[tokio::test]
async fn the_in_process_emulator_keeps_its_data_between_runs() {
    let data = tempfile::tempdir().expect("tempdir");
    let config = || rtm::sim::SimConfig {
        data_dir: Some(data.path().to_owned()),
        settings: rtm::sim::Settings {
            update_delay: Duration::from_millis(10),
            ..Default::default()
        },
        ..Default::default()
    };
    let handle = rtm::sim::start(config()).await.expect("start");
    let url = handle.url().to_owned();
    let r = tokio::task::spawn_blocking(move || {
        http(
            &url,
            "POST",
            "/2015-03-31/functions",
            create_body("sandboxed", "python3.12").as_bytes(),
        )
    })
    .await
    .expect("create");
    assert_eq!(r.status, 201);
    handle.shutdown().await;

    let handle = rtm::sim::start(config()).await.expect("restart");
    let c = crate::support::sim::sdk(handle.url(), false).await;
    let got = c
        .get_function()
        .function_name("sandboxed")
        .send()
        .await
        .expect("kept");
    assert_eq!(
        got.configuration().and_then(|c| c.function_name()),
        Some("sandboxed")
    );
    handle.shutdown().await;
}
