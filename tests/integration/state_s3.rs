//! The state backends: the behaviours both share, run against sled and
//! against S3 (moto_server); then what only S3 has (conditional writes,
//! batching, the lock object, unlock), through the library and the binary.

use std::time::{Duration, Instant};

use rtm::model::{Address, Qualifier, Recorded};
use rtm::state::{Document, Location, Store};

use crate::support::moto::{self, Moto};

/// A place for a state, on one backend.
enum Backend {
    Local(tempfile::TempDir),
    S3(Moto),
}

const KEY: &str = "lambda/prod.rtmstate";

impl Backend {
    async fn both() -> [Backend; 2] {
        [
            Backend::Local(tempfile::tempdir().expect("tempdir")),
            Backend::S3(Moto::with_bucket().await),
        ]
    }

    fn location(&self) -> Location {
        match self {
            Backend::Local(dir) => Location::Local(dir.path().join("state")),
            Backend::S3(moto) => Location::S3(Box::new(moto.location(KEY))),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Local(_) => "sled",
            Backend::S3(_) => "s3",
        }
    }

    fn open(&self, command: &str) -> Store {
        Store::open(&self.location(), command, Duration::ZERO)
            .unwrap_or_else(|e| panic!("{}: open: {e}", self.name()))
    }
}

fn record(name: &str) -> Recorded {
    Recorded {
        function_name: name.into(),
        qualifier: Qualifier::Latest,
        ..Default::default()
    }
}

fn address(text: &str) -> Address {
    Address::parse(text).expect("address")
}

fn err<T>(result: Result<T, rtm::state::Error>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_answers_conditional_writes_with_412_as_s3_does() {
    // The locking and lost-update tests below rely on these answers: if a
    // moto release stopped giving them, this fails first and says why.
    let moto = Moto::with_bucket().await;
    let c = moto.client().await;
    let put = |body: &'static str| {
        c.put_object()
            .bucket(moto::BUCKET)
            .key("k")
            .body(body.as_bytes().to_vec().into())
    };
    let status = |e: &aws_sdk_s3::error::SdkError<_>| e.raw_response().map(|r| r.status().as_u16());
    let first = put("1").if_none_match("*").send().await.expect("create");
    let etag = first.e_tag().expect("etag").to_string();
    let again = put("2")
        .if_none_match("*")
        .send()
        .await
        .expect_err("If-None-Match on an object");
    assert_eq!(status(&again), Some(412));
    let stale = put("2")
        .if_match("\"0123\"")
        .send()
        .await
        .expect_err("If-Match on another ETag");
    assert_eq!(status(&stale), Some(412));
    let next = put("3")
        .if_match(&etag)
        .send()
        .await
        .expect("If-Match on the ETag");
    assert_ne!(next.e_tag(), Some(etag.as_str()));
    let delete = c
        .delete_object()
        .bucket(moto::BUCKET)
        .key("k")
        .if_match(&etag)
        .send()
        .await
        .expect_err("DeleteObject If-Match on an old ETag");
    assert_eq!(
        delete.raw_response().map(|r| r.status().as_u16()),
        Some(412)
    );
    assert_eq!(moto.object("k").await.as_deref(), Some(&b"3"[..]));
}

#[tokio::test(flavor = "multi_thread")]
async fn both_backends_bump_the_serial_on_every_write_and_keep_records_across_runs() {
    for backend in Backend::both().await {
        let name = backend.name();
        let (a, b) = (address("function.a"), address("function.b"));
        let lineage = {
            let store = backend.open("apply");
            assert_eq!(store.serial().unwrap(), 0, "{name}");
            assert_eq!(store.put(&a, &record("a")).unwrap(), 1, "{name}");
            assert_eq!(store.put(&a, &record("a2")).unwrap(), 2, "{name}");
            assert_eq!(store.put(&b, &record("b")).unwrap(), 3, "{name}");
            store.lineage().to_string()
        };
        let store = backend.open("state");
        assert_eq!(store.lineage(), lineage, "{name}");
        assert_eq!(store.serial().unwrap(), 3, "{name}");
        assert_eq!(
            store.get(&a).unwrap().unwrap().function_name,
            "a2",
            "{name}"
        );
        let c = address("function.c");
        assert_eq!(
            err(store.rename(&c, &a)),
            "function.c is not in state",
            "{name}"
        );
        assert_eq!(
            err(store.rename(&a, &b)),
            "function.b is already in state; rtm state rm it first if it is stale",
            "{name}"
        );
        store.rename(&a, &c).unwrap();
        assert!(store.get(&a).unwrap().is_none(), "{name}");
        assert!(store.remove(&b).unwrap(), "{name}");
        assert!(!store.remove(&b).unwrap(), "{name}");
        assert_eq!(store.serial().unwrap(), 5, "{name}");
        drop(store);
        let store = backend.open("state");
        let all = store.all().unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), [&c], "{name}");
        assert_eq!(all[&c].function_name, "a2", "{name}");
        assert_eq!(store.serial().unwrap(), 5, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn both_backends_name_the_lock_holder_and_wait_for_it_with_a_timeout() {
    for backend in Backend::both().await {
        let name = backend.name();
        let first = backend.open("apply");
        let started = Instant::now();
        let refused = err(Store::open(
            &backend.location(),
            "plan",
            Duration::from_millis(600),
        ));
        assert!(
            started.elapsed() >= Duration::from_millis(600),
            "{name}: did not wait"
        );
        let pid = std::process::id();
        assert!(
            refused.starts_with(&format!("state is locked by rtm apply (pid {pid} on ")),
            "{name}: {refused}"
        );
        if let Some(id) = first.lock_id() {
            assert!(
                refused.contains(&format!(
                    "if that run was killed, remove the lock with `rtm state unlock {id}`"
                )),
                "{name}: {refused}"
            );
        }
        // A waiting run gets the lock once the holder ends.
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(first);
        });
        let second = Store::open(&backend.location(), "plan", Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        release.join().expect("release");
        drop(second);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn both_backends_push_refuses_another_lineage_or_a_serial_not_higher_unless_forced() {
    for backend in Backend::both().await {
        let name = backend.name();
        let a = address("function.a");
        let pulled = {
            let store = backend.open("apply");
            store.put(&a, &record("a")).unwrap();
            store.put(&a, &record("a2")).unwrap();
            store.document().unwrap()
        };
        assert_eq!((pulled.serial, pulled.resources.len()), (2, 1), "{name}");
        let push = |doc: &Document, force: bool| {
            Store::open_to_replace(&backend.location(), "state push", Duration::ZERO)
                .unwrap()
                .push(doc.clone(), "state.json", force)
        };
        assert_eq!(
            err(push(&pulled, false)),
            "state.json has serial 2, not higher than this state's 2, so it would undo changes; nothing was pushed: `rtm state pull` the current state and edit that, or pass --force",
            "{name}"
        );
        let foreign = Document {
            lineage: "another".into(),
            serial: 9,
            ..pulled.clone()
        };
        assert!(
            err(push(&foreign, false))
                .starts_with("state.json is a state of another lineage (another; this state is "),
            "{name}"
        );
        let mut newer = pulled.clone();
        newer.serial = 3;
        newer.resources.insert("function.b".into(), record("b"));
        let done = push(&newer, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((done.serial, done.records), (3, 2), "{name}");
        // Forced, an older document still lands above the current serial.
        let forced = push(&pulled, true).unwrap();
        assert_eq!(forced.serial, 4, "{name}");
        let store = backend.open("state");
        assert_eq!(store.serial().unwrap(), 4, "{name}");
        assert_eq!(store.lineage(), pulled.lineage, "{name}");
        assert_eq!(store.salt().0, pulled.salt.clone().unwrap(), "{name}");
        assert_eq!(store.all().unwrap().len(), 1, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn both_backends_snapshot_reads_the_state_while_another_run_holds_the_lock() {
    for backend in Backend::both().await {
        let name = backend.name();
        let a = address("function.a");
        {
            let store = backend.open("apply");
            store.put(&a, &record("a")).unwrap();
            store.write_backup().unwrap();
        }
        let holder = backend.open("apply");
        let snapshot =
            Store::snapshot(&backend.location(), "drift").unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(snapshot.lineage, holder.lineage(), "{name}");
        assert_eq!(snapshot.serial, 1, "{name}");
        assert_eq!(snapshot.records[&a].function_name, "a", "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_a_state_written_behind_the_runs_back_fails_the_write_and_every_later_one() {
    let moto = Moto::with_bucket().await;
    let location = Location::S3(Box::new(moto.location(KEY)));
    let a = address("function.a");
    let store = Store::open(&location, "apply", Duration::ZERO).unwrap();
    store.put(&a, &record("a")).unwrap();
    store.flush().unwrap();
    // Another writer (a run that ignored the lock, a hand edit) replaces it.
    let mut theirs = moto.json(KEY).await;
    theirs["serial"] = 7.into();
    let theirs = serde_json::to_vec(&theirs).unwrap();
    moto.put(KEY, theirs.clone()).await;
    store.put(&a, &record("a2")).unwrap();
    let expected = format!(
        "state changed in s3://{}/{KEY} since this run read it (serial 1); nothing more was written",
        moto::BUCKET
    );
    assert_eq!(err(store.flush()), expected);
    assert_eq!(err(store.put(&a, &record("a3"))), expected);
    assert_eq!(err(store.remove(&a)), expected);
    drop(store);
    assert_eq!(moto.object(KEY).await, Some(theirs), "rtm wrote over it");
    assert_eq!(moto.object(&format!("{KEY}.lock")).await, None, "lock kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_puts_only_change_memory_and_reach_s3_at_most_once_a_second() {
    let moto = Moto::with_bucket().await;
    let location = Location::S3(Box::new(moto.location(KEY)));
    let store = Store::open(&location, "apply", Duration::ZERO).unwrap();
    assert_eq!(
        moto.versions(KEY).await,
        1,
        "a new state is written when it opens"
    );
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut puts = 0u64;
    while started.elapsed() < Duration::from_millis(2500) {
        puts += 1;
        let t = Instant::now();
        store
            .put(&address(&format!("function.f{puts}")), &record("f"))
            .unwrap();
        slowest = slowest.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    drop(store);
    let writes = moto.versions(KEY).await - 1;
    assert!(puts > 50, "{puts}");
    // One a second while the run goes on (the first at once), one at the end.
    let most = elapsed.as_secs() as usize + 2;
    assert!(
        (2..=most).contains(&writes),
        "{writes} writes for {puts} puts in {elapsed:?}"
    );
    assert!(
        slowest < Duration::from_millis(100),
        "a put waited {slowest:?}"
    );
    let doc = moto.json(KEY).await;
    assert_eq!(doc["serial"], puts);
    assert_eq!(
        doc["resources"].as_object().map(|r| r.len()),
        Some(puts as usize)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_the_lock_object_says_who_holds_it_and_goes_when_the_run_ends() {
    let moto = Moto::with_bucket().await;
    let location = Location::S3(Box::new(moto.location(KEY)));
    let lock_key = format!("{KEY}.lock");
    let store = Store::open(&location, "apply", Duration::ZERO).unwrap();
    let lock = moto.json(&lock_key).await;
    let fields: Vec<&str> = lock
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "created",
            "host",
            "id",
            "operation",
            "pid",
            "rtm_version",
            "who"
        ]
    );
    assert_eq!(lock["id"], store.lock_id().unwrap());
    assert_eq!(lock["operation"], "apply");
    assert_eq!(lock["who"], "tester");
    assert_eq!(lock["pid"], std::process::id());
    assert_eq!(lock["rtm_version"], env!("CARGO_PKG_VERSION"));
    drop(store);
    assert_eq!(moto.object(&lock_key).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_a_lock_left_by_a_killed_run_is_removed_only_by_its_id() {
    let moto = Moto::with_bucket().await;
    let location = Location::S3(Box::new(moto.location(KEY)));
    let lock_key = format!("{KEY}.lock");
    let left = serde_json::json!({
        "id": "5f0c1e9a-dead-4bee-8f00-000000000001", "operation": "apply", "who": "ci",
        "host": "runner-7", "pid": 4242, "created": "2026-11-21T10:00:00Z", "rtm_version": "0.1.0",
    });
    moto.put(&lock_key, serde_json::to_vec(&left).unwrap())
        .await;
    let refused = err(Store::open(&location, "plan", Duration::ZERO));
    assert_eq!(
        refused,
        format!(
            "state is locked by rtm apply (pid 4242 on runner-7 since 2026-11-21T10:00:00Z); wait for it to finish, or pass --lock-timeout to wait (lock s3://{}/{lock_key}, id 5f0c1e9a-dead-4bee-8f00-000000000001, taken by ci); if that run was killed, remove the lock with `rtm state unlock 5f0c1e9a-dead-4bee-8f00-000000000001`",
            moto::BUCKET
        )
    );
    let wrong = err(Store::unlock(&location, "5f0c1e9a"));
    assert!(
        wrong.starts_with(&format!(
            "the lock at s3://{}/{lock_key} has id 5f0c1e9a-dead-4bee-8f00-000000000001 (rtm apply, pid 4242 on runner-7",
            moto::BUCKET
        )) && wrong.ends_with("not 5f0c1e9a; nothing was removed"),
        "{wrong}"
    );
    assert!(
        moto.object(&lock_key).await.is_some(),
        "a wrong id removed the lock"
    );
    let removed = Store::unlock(&location, "5f0c1e9a-dead-4bee-8f00-000000000001").unwrap();
    assert_eq!((removed.pid, removed.host.as_str()), (4242, "runner-7"));
    assert_eq!(moto.object(&lock_key).await, None);
    assert_eq!(
        err(Store::unlock(
            &location,
            "5f0c1e9a-dead-4bee-8f00-000000000001"
        )),
        format!(
            "there is no lock at s3://{}/{lock_key}; nothing was removed",
            moto::BUCKET
        )
    );
    Store::open(&location, "plan", Duration::ZERO).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_an_empty_backend_beside_a_local_state_names_migrate_and_writes_nothing() {
    let moto = Moto::with_bucket().await;
    let dir = tempfile::tempdir().unwrap();
    let local = Location::Local(dir.path().to_path_buf());
    Store::open(&local, "apply", Duration::ZERO)
        .unwrap()
        .put(&address("function.a"), &record("a"))
        .unwrap();
    let s3 = Location::S3(Box::new(rtm::state::S3Location {
        local_state: Some(dir.path().to_path_buf()),
        ..moto.location(KEY)
    }));
    let expected = format!(
        "s3://{}/{KEY} holds no state yet, but the local state in {} has 1 address: run `rtm state migrate` to copy it there first (or drop the backend configuration to go on with the local state)",
        moto::BUCKET,
        dir.path().display()
    );
    assert_eq!(err(Store::open(&s3, "plan", Duration::ZERO)), expected);
    assert_eq!(err(Store::snapshot(&s3, "drift")), expected);
    assert_eq!(moto.object(KEY).await, None);
    assert_eq!(moto.object(&format!("{KEY}.lock")).await, None);
    // Migrated, it opens: the same lineage, serial and records.
    let from = Store::open(&local, "state migrate", Duration::ZERO).unwrap();
    let to = Store::open_to_replace(&s3, "state migrate", Duration::ZERO).unwrap();
    assert_eq!(
        to.migrate_check(&from).unwrap(),
        rtm::state::MigrateCheck::Copy { records: 1 }
    );
    to.migrate_from(&from).unwrap();
    let moved = Store::open(&s3, "plan", Duration::ZERO).unwrap();
    assert_eq!(
        (moved.lineage(), moved.serial().unwrap(), moved.salt()),
        (from.lineage(), from.serial().unwrap(), from.salt())
    );
    assert_eq!(moved.all().unwrap(), from.all().unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_when_the_store_stops_answering_put_still_returns_at_once_and_flush_says_why() {
    let mut moto = Some(Moto::with_bucket().await);
    let url = moto.as_ref().unwrap().url.clone();
    let location = Location::S3(Box::new(moto.as_ref().unwrap().location(KEY)));
    let store = Store::open(&location, "apply", Duration::ZERO).unwrap();
    drop(moto.take());
    let t = Instant::now();
    store.put(&address("function.a"), &record("a")).unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(100),
        "{:?}",
        t.elapsed()
    );
    let failed = err(store.flush());
    assert!(
        failed.starts_with(&format!(
            "cannot write the state s3://{}/{KEY}: ",
            moto::BUCKET
        )) && failed.contains("no answer from the S3 endpoint: check endpoint_url and the network"),
        "{failed} ({url})"
    );
}

// ---- through the binary: the state commands, pull/push/migrate/unlock and
// ---- the acceptance runs of issue 12 (emulator for Lambda, moto for S3).

use std::process::{Child, Command, Stdio};

use crate::apply_resilience::{Watched, fleet_config, seed};
use crate::plan_apply::{Workspace, plan_json};
use crate::support::{Output, RTM, fleet};

/// A configuration with a secret, for the tests that look for it.
const SECRET: &str = "hunter2-s3cret-value";

fn secret_config() -> String {
    format!(
        r#"
settings {{
  region = "us-east-1"
}}

function "api" {{
  name = "api"
  runtime_management {{
    update_runtime_on = "FunctionUpdate"
  }}
  configuration {{
    memory_size = 256
    environment {{
      variables = {{ API_KEY = "{SECRET}" }}
    }}
  }}
}}

function "batch" {{
  runtime_management {{
    update_runtime_on = "Auto"
  }}
}}
"#
    )
}

/// `rtm ARGS` in `dir` against the emulator, with `backend` (the
/// `--backend-config` arguments, or none for sled).
fn rtm_in(dir: &std::path::Path, w: &Workspace, backend: &[String], args: &[&str]) -> Output {
    let mut all = w.sim.rtm_args();
    all.extend(backend.iter().cloned());
    all.extend(args.iter().map(|s| s.to_string()));
    let mut env = fleet::aws_env();
    env.push(("RTM_RATE_SCALE".into(), "50".into()));
    crate::support::run_in(dir, &all, &env, None)
}

/// `rtm apply --auto-approve ARGS` in `dir`, in the background.
fn spawn_apply(dir: &std::path::Path, w: &Workspace, backend: &[String], args: &[&str]) -> Child {
    let mut all = w.sim.rtm_args();
    all.extend(backend.iter().cloned());
    all.extend(["apply", "--auto-approve"].map(String::from));
    all.extend(args.iter().map(|s| s.to_string()));
    Command::new(RTM)
        .current_dir(dir)
        .args(&all)
        .envs(fleet::aws_env())
        .env("RTM_RATE_SCALE", "50")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apply")
}

/// moto with the bucket, and an emulator seeded with `count` functions
/// whose updates take `delay_ms` (the seed file lives as long as it).
async fn fleet_with_backend(
    count: usize,
    delay_ms: &str,
) -> (Moto, Workspace, tempfile::NamedTempFile) {
    let moto = Moto::with_bucket().await;
    let s = seed(count);
    let w = Workspace::new(&[
        "--seed",
        s.path().to_str().expect("path"),
        "--update-delay-ms",
        delay_ms,
    ]);
    (moto, w, s)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}\n{}", out.stdout))
}

fn kill9(pid: &str) {
    let status = Command::new("kill")
        .args(["-9", pid])
        .status()
        .expect("kill -9");
    assert!(status.success());
}

/// The serials of every version of the state object, oldest first.
async fn serials(moto: &Moto) -> Vec<u64> {
    let c = moto.client().await;
    let listed = c
        .list_object_versions()
        .bucket(moto::BUCKET)
        .prefix(KEY)
        .send()
        .await
        .expect("list versions");
    let mut out = Vec::new();
    for v in listed.versions().iter().filter(|v| v.key() == Some(KEY)) {
        let got = c
            .get_object()
            .bucket(moto::BUCKET)
            .key(KEY)
            .version_id(v.version_id().expect("version id"))
            .send()
            .await
            .expect("get version");
        let bytes = got.body.collect().await.expect("body").into_bytes();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("state JSON");
        out.push(doc["serial"].as_u64().expect("serial"));
    }
    // S3 lists the newest version first.
    out.reverse();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn both_backends_state_list_show_history_mv_rm_and_pull_say_the_same() {
    let moto = Moto::with_bucket().await;
    let mut listed = Vec::new();
    for backend in [Vec::new(), moto.backend_args(KEY)] {
        let name = if backend.is_empty() { "sled" } else { "s3" };
        let w = Workspace::new(&[]);
        let c = w.sim.client().await;
        for f in ["api", "batch"] {
            fleet::create(&c, f, "python3.12").await;
        }
        w.config(&secret_config());
        let dir = w.rtm.path().to_path_buf();
        let printed = std::cell::RefCell::new(String::new());
        let run = |args: &[&str]| {
            let out = rtm_in(&dir, &w, &backend, args);
            printed
                .borrow_mut()
                .push_str(&format!("{}{}", out.stdout, out.stderr));
            out
        };
        run(&["apply", "--auto-approve"]).expect_code(0);
        let list = json(&run(&["state", "list", "--format", "json"]).expect_code(0));
        let pulled = json(&run(&["state", "pull"]).expect_code(0));
        assert_eq!(pulled["format_version"], 1, "{name}");
        assert_eq!(pulled["lineage"], list["lineage"], "{name}");
        assert_eq!(pulled["serial"], list["serial"], "{name}");
        let keys: Vec<&str> = pulled["resources"]
            .as_object()
            .expect("resources")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["function.api", "function.batch"], "{name}");
        let shown = run(&["state", "show", "function.api"]).expect_code(0);
        assert!(
            shown.stdout.contains("API_KEY = (sensitive, sha256 "),
            "{name}: {}",
            shown.stdout
        );
        let history =
            json(&run(&["state", "history", "function.api", "--format", "json"]).expect_code(0));
        assert_eq!(
            history["runtime_versions"].as_array().map(Vec::len),
            Some(1),
            "{name}"
        );
        let moved = run(&["state", "mv", "function.api", "function.web"]).expect_code(0);
        assert_eq!(
            moved.stdout,
            "Moved function.api to function.web in state; Lambda was not touched.\n"
        );
        let missing = run(&["state", "show", "function.api"]).expect_code(1);
        assert!(
            missing.stderr.contains("function.api is not in state"),
            "{name}: {}",
            missing.stderr
        );
        run(&["state", "rm", "function.web"]).expect_code(0);
        let after = json(&run(&["state", "list", "--format", "json"]).expect_code(0));
        assert_eq!(
            after["serial"].as_u64(),
            list["serial"].as_u64().map(|s| s + 2),
            "{name}: mv and rm are one write each"
        );
        let human = run(&["state", "list"]).expect_code(0);
        let place = if backend.is_empty() {
            "./state".to_string()
        } else {
            format!("s3://{}/{KEY}", moto::BUCKET)
        };
        assert!(
            human
                .stdout
                .starts_with(&format!("state {place} (lineage ")),
            "{}",
            human.stdout
        );
        // Live is as configured: a forgotten record plans nothing.
        let plan = plan_json(&run(&["plan", "--format", "json"]).expect_code(0));
        assert_eq!((plan.summary.change, plan.summary.error), (0, 0), "{name}");
        listed.push((after["addresses"].clone(), keys.len()));
        assert!(
            !printed.borrow().contains(SECRET),
            "{name}: rtm printed a secret"
        );
        let stored = if backend.is_empty() {
            std::fs::read(dir.join("state").join("rtm.backup.json")).expect("backup")
        } else {
            moto.object(KEY).await.expect("state object")
        };
        assert!(
            !String::from_utf8_lossy(&stored).contains(SECRET),
            "{name}: a secret is in state"
        );
    }
    assert_eq!(listed[0], listed[1], "the backends disagree");
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_copies_the_local_state_push_refuses_an_older_serial_and_unlock_is_for_s3() {
    let moto = Moto::with_bucket().await;
    let s3 = moto.backend_args(KEY);
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    for f in ["api", "batch"] {
        fleet::create(&c, f, "python3.12").await;
    }
    w.config(&secret_config());
    let dir = w.rtm.path().to_path_buf();
    let sled = |args: &[&str]| rtm_in(&dir, &w, &[], args);
    let remote = |args: &[&str]| rtm_in(&dir, &w, &s3, args);
    sled(&["apply", "--auto-approve"]).expect_code(0);
    let before = sled(&["state", "list", "--format", "json"])
        .expect_code(0)
        .stdout;

    let unlock = sled(&["state", "unlock", "anything"]).expect_code(1);
    assert!(
        unlock
            .stderr
            .contains("is an OS lock: the OS releases it when the run holding it exits"),
        "{}",
        unlock.stderr
    );
    // A backend with no state beside a local one: stop, name migrate.
    let refused = remote(&["plan"]).expect_code(1);
    assert!(
        refused
            .stderr
            .contains("holds no state yet, but the local state in ")
            && refused
                .stderr
                .contains("has 2 addresses: run `rtm state migrate`"),
        "{}",
        refused.stderr
    );
    assert_eq!(moto.object(KEY).await, None);
    let unasked = remote(&["state", "migrate"]).expect_code(1);
    assert!(
        unasked.stderr.contains("pass --auto-approve"),
        "{}",
        unasked.stderr
    );
    let migrated = remote(&["state", "migrate", "--auto-approve"]).expect_code(0);
    assert!(
        migrated.stdout.starts_with("Copied the local state in "),
        "{}",
        migrated.stdout
    );
    assert_eq!(
        remote(&["state", "list", "--format", "json"])
            .expect_code(0)
            .stdout,
        before
    );
    let list: serde_json::Value = serde_json::from_str(&before).unwrap();
    let pulled = json(&remote(&["state", "pull"]).expect_code(0));
    assert_eq!(
        (&pulled["lineage"], &pulled["serial"]),
        (&list["lineage"], &list["serial"])
    );
    let addresses: Vec<&str> = list["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["address"].as_str().unwrap())
        .collect();
    let keys: Vec<&str> = pulled["resources"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, addresses);
    remote(&["plan", "--detailed-exitcode"]).expect_code(0);
    let again = remote(&["state", "migrate", "--auto-approve"]).expect_code(0);
    assert!(
        again.stdout.contains("already holds this state"),
        "{}",
        again.stdout
    );

    // push: the pulled document is not newer; one with a higher serial is.
    let file = dir.join("pulled.json");
    std::fs::write(&file, serde_json::to_vec(&pulled).unwrap()).unwrap();
    let file = file.to_str().unwrap();
    let old = remote(&["state", "push", file]).expect_code(1);
    assert!(
        old.stderr.contains("not higher than this state's"),
        "{}",
        old.stderr
    );
    let mut newer = pulled.clone();
    newer["serial"] = (pulled["serial"].as_u64().unwrap() + 5).into();
    std::fs::write(file, serde_json::to_vec(&newer).unwrap()).unwrap();
    let pushed = remote(&["state", "push", file]).expect_code(0);
    assert!(
        pushed
            .stdout
            .starts_with(&format!("Pushed {file} to s3://")),
        "{}",
        pushed.stdout
    );
    assert_eq!(moto.json(KEY).await["serial"], newer["serial"]);
    let wrong = remote(&["state", "unlock", "no-such-lock"]).expect_code(1);
    assert!(
        wrong.stderr.contains("there is no lock at s3://"),
        "{}",
        wrong.stderr
    );
    let bad = remote(&["--backend-config", "colour=blue", "state", "list"]).expect_code(1);
    assert!(
        bad.stderr.contains(
            "--backend-config: unknown key \"colour\"; the S3 backend takes bucket, key, region"
        ),
        "{}",
        bad.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_checkouts_sharing_the_backend_one_applies_one_is_told_then_a_waiting_one_finds_nothing_to_do()
 {
    let (moto, w, _seed) = fleet_with_backend(6, "1500").await;
    let s3 = moto.backend_args(KEY);
    w.config(&fleet_config(6, "FunctionUpdate", 640));
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("main.rtm.hcl"),
        fleet_config(6, "FunctionUpdate", 640),
    )
    .unwrap();
    // The first run's state write is the state's creation: let it exist.
    rtm_in(w.rtm.path(), &w, &s3, &["state", "list"]).expect_code(0);

    let mut a = Watched::new(spawn_apply(w.rtm.path(), &w, &s3, &["--parallelism", "2"]));
    a.wait_for("waiting for LastUpdateStatus Successful");
    let lock = moto.json(&format!("{KEY}.lock")).await;
    let told = rtm_in(other.path(), &w, &s3, &["apply", "--auto-approve"]).expect_code(1);
    assert!(
        told.stderr.contains("state is locked by rtm apply (pid ")
            && told.stderr.contains(&format!(
                "if that run was killed, remove the lock with `rtm state unlock {}`",
                lock["id"].as_str().unwrap()
            )),
        "{}",
        told.stderr
    );
    let waiter = spawn_apply(other.path(), &w, &s3, &["--lock-timeout", "2m"]);
    let a = a.finish().expect_code(0);
    assert!(
        a.stdout
            .contains("Apply complete: 6 changed, 0 failed, 0 skipped."),
        "{}",
        a.stdout
    );
    let b: Output = waiter.wait_with_output().expect("waiter").into();
    let b = b.expect_code(0);
    assert!(b.stdout.contains("No changes."), "{}", b.stdout);
    assert!(
        b.stdout
            .contains("Apply complete: 0 changed, 0 failed, 0 skipped."),
        "{}",
        b.stdout
    );
    for dir in [w.rtm.path(), other.path()] {
        rtm_in(dir, &w, &s3, &["plan", "--detailed-exitcode"]).expect_code(0);
    }
    let list = json(
        &rtm_in(
            other.path(),
            &w,
            &s3,
            &["state", "list", "--format", "json"],
        )
        .expect_code(0),
    );
    assert_eq!(
        list["addresses"].as_array().map(Vec::len),
        Some(6),
        "a record was lost"
    );
    let serials = serials(&moto).await;
    assert!(
        serials.windows(2).all(|p| p[0] < p[1]),
        "serials not strictly increasing: {serials:?}"
    );
    assert_eq!(moto.object(&format!("{KEY}.lock")).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_written_behind_the_runs_back_mid_apply_gives_the_412_message_and_no_further_write()
{
    let moto = Moto::with_bucket().await;
    let s3 = moto.backend_args(KEY);
    let w = Workspace::new(&["--update-delay-ms", "1000"]);
    let c = w.sim.client().await;
    for f in ["api", "batch"] {
        fleet::create(&c, f, "python3.12").await;
    }
    w.config(&secret_config());
    let mut run = Watched::new(spawn_apply(w.rtm.path(), &w, &s3, &["--parallelism", "1"]));
    run.wait_for("waiting for LastUpdateStatus Successful");
    let lock = moto
        .object(&format!("{KEY}.lock"))
        .await
        .expect("the run's lock");
    let mut theirs = moto.json(KEY).await;
    let read = theirs["serial"].as_u64().unwrap();
    theirs["serial"] = 1000.into();
    let theirs = serde_json::to_vec(&theirs).unwrap();
    moto.put(KEY, theirs.clone()).await;
    let out = run.finish().expect_code(1);
    // The serial named is the one this run last read or wrote: the one the
    // test read, or a later one the run wrote just before the test's write.
    let prefix = format!(
        "error: state changed in s3://{}/{KEY} since this run read it (serial ",
        moto::BUCKET
    );
    let named: u64 = out
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.strip_suffix("); nothing more was written"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no 412 message:\n{}", out.stderr));
    assert!(named >= read, "serial {named}, read {read}");
    assert_eq!(
        moto.object(KEY).await,
        Some(theirs),
        "rtm wrote after the 412"
    );
    assert_eq!(
        moto.object(&format!("{KEY}.lock")).await,
        None,
        "the lock was kept"
    );
    for bytes in [&lock, &moto.object(KEY).await.unwrap()] {
        assert!(
            !String::from_utf8_lossy(bytes).contains(SECRET),
            "a secret is in S3"
        );
    }
    assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_mid_apply_at_10_points_leaves_the_lock_unlock_clears_it_and_the_next_apply_converges()
 {
    const FUNCTIONS: usize = 12;
    let (moto, w, _seed) = fleet_with_backend(FUNCTIONS, "100").await;
    let s3 = moto.backend_args(KEY);
    let dir = w.rtm.path().to_path_buf();
    let run = |args: &[&str]| rtm_in(&dir, &w, &s3, args);
    let mut printed = String::new();
    for point in 1..=10usize {
        let (mode, memory) = if point % 2 == 0 {
            ("FunctionUpdate", 300)
        } else {
            ("Auto", 400)
        };
        w.config(&fleet_config(FUNCTIONS, mode, memory + point as u32));
        let mut apply = Watched::new(spawn_apply(&dir, &w, &s3, &["--parallelism", "2"]));
        // Killed after a different number of finished steps each time.
        for _ in 0..(point * 2) {
            apply.wait_for(" ok (");
        }
        kill9(&apply.pid());
        let killed = apply.finish();
        assert_eq!(
            killed.code, -1,
            "point {point}: the run ended before the kill"
        );
        let lock = moto.json(&format!("{KEY}.lock")).await;
        let id = lock["id"].as_str().expect("lock id").to_string();
        let locked = run(&["plan"]).expect_code(1);
        assert!(
            locked
                .stderr
                .contains(&format!("remove the lock with `rtm state unlock {id}`")),
            "point {point}: {}",
            locked.stderr
        );
        let wrong = run(&["state", "unlock", "not-the-id"]).expect_code(1);
        assert!(
            wrong.stderr.contains("nothing was removed"),
            "{}",
            wrong.stderr
        );
        let unlocked = run(&["state", "unlock", &id]).expect_code(0);
        assert!(
            unlocked
                .stdout
                .starts_with(&format!("Removed the lock {id} (rtm apply, pid "))
        );
        let plan = plan_json(&run(&["plan", "--format", "json"]).expect_code(0));
        assert_eq!(plan.summary.error, 0, "point {point}");
        assert!(
            plan.summary.change > 0,
            "point {point}: the kill came after the last step"
        );
        let done = run(&["apply", "--auto-approve"]).expect_code(0);
        assert!(
            done.stdout.contains(" 0 failed, 0 skipped."),
            "point {point}: {}",
            done.stdout
        );
        run(&["plan", "--detailed-exitcode"]).expect_code(0);
        for out in [&killed, &locked, &unlocked, &done] {
            printed.push_str(&out.stdout);
            printed.push_str(&out.stderr);
        }
    }
    let c = w.sim.client().await;
    for i in 1..=FUNCTIONS {
        let name = format!("svc-{i:03}");
        assert_eq!(
            fleet::configuration(&c, &name).await.memory_size(),
            Some(310),
            "{name}"
        );
        assert_eq!(
            fleet::mode(&c, &name, "$LATEST").await.0,
            "FunctionUpdate",
            "{name}"
        );
    }
    assert!(printed.contains("Apply complete:"));
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_mid_apply_writes_what_finished_to_s3_and_releases_the_lock() {
    let (moto, w, _seed) = fleet_with_backend(8, "1000").await;
    let s3 = moto.backend_args(KEY);
    w.config(&fleet_config(8, "FunctionUpdate", 768));
    let mut run = Watched::new(spawn_apply(w.rtm.path(), &w, &s3, &["--parallelism", "2"]));
    run.wait_for("waiting for LastUpdateStatus Successful");
    let status = Command::new("kill")
        .args(["-INT", &run.pid()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let out = run.finish().expect_code(130);
    assert_eq!(
        moto.object(&format!("{KEY}.lock")).await,
        None,
        "the lock was kept"
    );
    let changed: usize = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Apply complete: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary: {}", out.stdout));
    assert!(changed > 0, "{}", out.stdout);
    let plan =
        plan_json(&rtm_in(w.rtm.path(), &w, &s3, &["plan", "--format", "json"]).expect_code(0));
    assert_eq!(
        plan.summary.change,
        8 - changed,
        "what finished was not all written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_backend_block_keeps_state_in_s3_and_backend_config_overrides_it() {
    let moto = Moto::with_bucket().await;
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    let block = format!(
        "backend \"s3\" {{\n  bucket         = \"{}\"\n  key            = \"from/block.rtmstate\"\n  region         = \"us-east-1\"\n  endpoint_url   = \"{}\"\n  use_path_style = true\n}}\n\n",
        crate::support::moto::BUCKET,
        moto.url
    );
    w.config(&format!(
        "{block}function \"api\" {{\n  configuration {{\n    memory_size = 640\n  }}\n}}\n"
    ));
    rtm_in(w.rtm.path(), &w, &[], &["apply", "--auto-approve"]).expect_code(0);
    let doc = moto.json("from/block.rtmstate").await;
    assert!(doc["resources"]["function.api"].is_object(), "{doc:#}");
    assert!(
        !w.rtm.path().join("state/rtm.db").exists(),
        "state went to sled"
    );
    // --backend-config overrides the block's key (an empty state there, and
    // a local state is none: it starts afresh).
    let other = [
        "--backend-config".to_string(),
        "key=from/flag.rtmstate".to_string(),
    ];
    rtm_in(w.rtm.path(), &w, &other, &["state", "list"]).expect_code(0);
    // The block is literals only.
    w.config(
        "variable \"b\" {\n  default = \"x\"\n}\n\nbackend \"s3\" {\n  bucket = var.b\n  key    = \"k\"\n}\n",
    );
    let out = rtm_in(w.rtm.path(), &w, &[], &["state", "list"]).expect_code(1);
    assert!(
        out.stderr.contains("bucket must be a literal value"),
        "{}",
        out.stderr
    );
}
