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
