//! The local backend's own cases; the behaviours both backends share are
//! tested against both in `tests/integration/state_s3.rs`.

use super::*;
use crate::model::Qualifier;

fn record(name: &str) -> Recorded {
    Recorded {
        function_name: name.into(),
        qualifier: Qualifier::Latest,
        ..Default::default()
    }
}

fn local(dir: &Path) -> Location {
    Location::Local(dir.to_path_buf())
}

#[test]
fn writes_bump_the_serial_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let a = Address::parse("function.a").unwrap();
    let lineage;
    {
        let store = Store::open(&local(dir.path()), "test", Duration::ZERO).unwrap();
        assert_eq!(store.serial().unwrap(), 0);
        assert_eq!(store.put(&a, &record("a")).unwrap(), 1);
        assert_eq!(store.put(&a, &record("a2")).unwrap(), 2);
        lineage = store.lineage().to_string();
    }
    let store = Store::open(&local(dir.path()), "test", Duration::ZERO).unwrap();
    assert_eq!(store.serial().unwrap(), 2);
    assert_eq!(store.lineage(), lineage);
    assert_eq!(store.get(&a).unwrap().unwrap().function_name, "a2");
    assert!(store.remove(&a).unwrap());
    assert!(!store.remove(&a).unwrap());
    assert_eq!(store.serial().unwrap(), 3);
    assert!(store.all().unwrap().is_empty());
}

#[test]
fn a_second_open_reports_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(&local(dir.path()), "apply", Duration::ZERO).unwrap();
    let err = match Store::open(&local(dir.path()), "plan", Duration::from_millis(200)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("second open must fail while the first holds the lock"),
    };
    assert!(
        err.starts_with("state is locked by rtm apply (pid "),
        "{err}"
    );
}

#[test]
fn a_file_where_the_state_directory_goes_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state");
    std::fs::write(&file, "").unwrap();
    let Err(e) = Store::open(&local(&file), "plan", Duration::ZERO) else {
        panic!("opened a file as the state directory");
    };
    assert_eq!(
        e.to_string(),
        format!(
            "cannot use the state directory {}: it is a file, not a directory (see --state)",
            file.display()
        )
    );
}

#[test]
fn an_unreadable_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rtm.db")).unwrap();
    std::fs::write(dir.path().join("rtm.db").join("conf"), b"\xff\xfe garbage").unwrap();
    std::fs::write(dir.path().join("rtm.db").join("db"), b"garbage").unwrap();
    match Store::open(&local(dir.path()), "plan", Duration::ZERO) {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("to recover"), "{msg}");
        }
        Ok(_) => panic!("garbage must not open as a state"),
    }
}
