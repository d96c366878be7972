//! The state store: what rtm last applied per address, the live values and
//! RevisionId it last saw, the runtime versions it observed, and the lock
//! that keeps two rtm runs off the same state.
//!
//! Backed by sled under `--state DIR` (`DIR/rtm.db`), with our own lock file
//! (`DIR/rtm.lock`) taken before the database is opened, because sled's own
//! lock cannot wait and cannot say who holds it. Every write bumps the serial
//! and is flushed before it returns, so a SIGKILL loses nothing acknowledged.
//! This module never talks to AWS and never decides what to change.

mod lock;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sled::Transactional;

pub use lock::{LockGuard, LockHolder};

use crate::model::{Address, Recorded, Salt};

/// The state format version this build reads and writes.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "state is locked by rtm {} (pid {} on {} since {}); wait for it to finish, or pass --lock-timeout to wait{}",
        .0.command, .0.pid, .0.host, .0.started, lock_file_hint(.1)
    )]
    Locked(LockHolder, PathBuf),
    #[error("cannot use the state directory {path}: {message}")]
    Dir { path: PathBuf, message: String },
    #[error("cannot use the state lock file {path}: {source}")]
    LockFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the state database at {path} cannot be read: {message}\n  to recover: move {path} aside and run `rtm import --all` to rebuild state from live functions, or run `rtm state restore` to rebuild it from {backup} (written after every change)"
    )]
    Corrupt {
        path: PathBuf,
        backup: PathBuf,
        message: String,
    },
    #[error(
        "the state at {path} has format version {found}, but this rtm reads version {FORMAT_VERSION}; use a newer rtm"
    )]
    UnknownFormat { path: PathBuf, found: u64 },
    #[error("state write failed at {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error(
        "the state database {path} is missing or empty, but {backup} holds the records of state {lineage}: run `rtm state restore` to rebuild the database from it (or move the backup aside to start a new, empty state)"
    )]
    Lost {
        path: PathBuf,
        backup: PathBuf,
        lineage: String,
    },
    #[error(
        "{path} holds the backup of another state (lineage {theirs}, this state is {ours}); rtm never overwrites it: move it aside, or run this state's commands with another --state"
    )]
    ForeignBackup {
        path: PathBuf,
        theirs: String,
        ours: String,
    },
    #[error("{0} is not in state")]
    NotInState(Address),
    #[error("{0} is already in state; rtm state rm it first if it is stale")]
    AlreadyInState(Address),
    #[error("cannot restore state from {path}: {message}")]
    Backup { path: PathBuf, message: String },
}

/// What `Store::restore` did.
#[derive(Debug)]
pub struct Restored {
    pub records: usize,
    /// The restored state's serial: the backup's plus one.
    pub serial: u64,
    pub lineage: String,
    /// Where the database that was replaced was moved, if there was one.
    pub moved_aside: Option<PathBuf>,
    /// The backup had no salt, so sensitive values recorded in it no
    /// longer match their hashes until the next apply records them again.
    pub new_salt: bool,
}

/// The state as one moment saw it, read without keeping the lock: what
/// `rtm drift` compares with, so a drift overlapping an apply never fails.
#[derive(Debug)]
pub struct Snapshot {
    pub lineage: String,
    pub serial: u64,
    pub salt: Salt,
    pub records: BTreeMap<Address, Recorded>,
    /// Set when another run held the lock, so the snapshot is the backup
    /// that run started from (written after every command that changed state).
    pub locked_by: Option<LockHolder>,
}

/// The backup file as `write_backup` writes it.
#[derive(serde::Deserialize)]
struct Backup {
    format_version: u64,
    lineage: String,
    serial: u64,
    /// Absent in backups written before the salt was saved there; a new
    /// salt then makes sensitive values read as changed once.
    salt: Option<String>,
    resources: BTreeMap<String, Recorded>,
}

fn lock_file_hint(path: &Path) -> String {
    format!(" (lock file {})", path.display())
}

/// An open, locked state store.
pub struct Store {
    dir: PathBuf,
    db: sled::Db,
    meta: sled::Tree,
    resources: sled::Tree,
    lineage: String,
    salt: Salt,
    _lock: LockGuard,
}

const META_FORMAT: &[u8] = b"format_version";
const META_LINEAGE: &[u8] = b"lineage";
const META_SERIAL: &[u8] = b"serial";
const META_SALT: &[u8] = b"salt";

/// Creates the state directory if need be; a file in its place is named as such.
fn ensure_dir(dir: &Path) -> Result<(), Error> {
    let message = match std::fs::create_dir_all(dir) {
        Ok(()) => return Ok(()),
        Err(_) if dir.exists() && !dir.is_dir() => {
            "it is a file, not a directory (see --state)".into()
        }
        Err(e) => e.to_string(),
    };
    Err(Error::Dir {
        path: dir.to_path_buf(),
        message,
    })
}

impl Store {
    /// Locks and opens the state under `dir`, creating it on first use.
    /// `command` is recorded in the lock file for whoever has to wait.
    pub fn open(dir: &Path, command: &str, lock_timeout: Duration) -> Result<Store, Error> {
        ensure_dir(dir)?;
        let lock = LockGuard::acquire(&dir.join("rtm.lock"), command, lock_timeout)?;
        let db_path = dir.join("rtm.db");
        let corrupt = |message: String| Error::Corrupt {
            path: db_path.clone(),
            backup: dir.join("rtm.backup.json"),
            message,
        };
        let db = open_sled(&db_path).map_err(|e| corrupt(e.to_string()))?;
        let meta = db.open_tree("meta").map_err(|e| corrupt(e.to_string()))?;
        let resources = db
            .open_tree("resources")
            .map_err(|e| corrupt(e.to_string()))?;

        let read_string = |key: &[u8]| -> Result<Option<String>, Error> {
            match meta.get(key).map_err(|e| corrupt(e.to_string()))? {
                None => Ok(None),
                Some(v) => String::from_utf8(v.to_vec()).map(Some).map_err(|_| {
                    corrupt(format!(
                        "meta key {:?} is not UTF-8",
                        String::from_utf8_lossy(key)
                    ))
                }),
            }
        };
        let format = match meta.get(META_FORMAT).map_err(|e| corrupt(e.to_string()))? {
            None => None,
            Some(v) => Some(
                decode_u64(&v).ok_or_else(|| corrupt("format_version is not a number".into()))?,
            ),
        };
        let (lineage, salt) = match (format, read_string(META_LINEAGE)?, read_string(META_SALT)?) {
            (Some(FORMAT_VERSION), Some(lineage), Some(salt)) => (lineage, salt),
            (Some(found), _, _) if found != FORMAT_VERSION => {
                return Err(Error::UnknownFormat {
                    path: db_path,
                    found,
                });
            }
            (None, None, None) => {
                // A backup of some state but no database: the database was
                // lost. Starting afresh would orphan every record and then
                // overwrite the one copy of them.
                if let Some(other) = read_backup_lineage(&dir.join("rtm.backup.json"))? {
                    return Err(Error::Lost {
                        path: db_path,
                        backup: dir.join("rtm.backup.json"),
                        lineage: other,
                    });
                }
                let lineage = uuid::Uuid::new_v4().to_string();
                let salt = uuid::Uuid::new_v4().simple().to_string();
                meta.insert(META_FORMAT, &FORMAT_VERSION.to_be_bytes())
                    .and_then(|_| meta.insert(META_LINEAGE, lineage.as_bytes()))
                    .and_then(|_| meta.insert(META_SALT, salt.as_bytes()))
                    .and_then(|_| meta.insert(META_SERIAL, &0u64.to_be_bytes()))
                    .and_then(|_| db.flush())
                    .map_err(|e| corrupt(e.to_string()))?;
                (lineage, salt)
            }
            _ => return Err(corrupt("the meta tree is incomplete".into())),
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            db,
            meta,
            resources,
            lineage,
            salt: Salt(salt),
            _lock: lock,
        })
    }

    /// Reads the state without holding the lock past the read: from the
    /// database when no one holds the lock, else from the backup the holder
    /// started from (empty when there is none yet).
    pub fn snapshot(dir: &Path, command: &str) -> Result<Snapshot, Error> {
        match Store::open(dir, command, Duration::ZERO) {
            Ok(store) => Ok(Snapshot {
                lineage: store.lineage.clone(),
                serial: store.serial()?,
                salt: store.salt.clone(),
                records: store.all()?,
                locked_by: None,
            }),
            Err(Error::Locked(holder, _)) => {
                let path = dir.join("rtm.backup.json");
                let backup =
                    match std::fs::read_to_string(&path) {
                        Ok(text) => Some(serde_json::from_str::<Backup>(&text).map_err(|e| {
                            Error::Backup {
                                path: path.clone(),
                                message: e.to_string(),
                            }
                        })?),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                        Err(e) => {
                            return Err(Error::Backup {
                                path,
                                message: e.to_string(),
                            });
                        }
                    };
                let Some(backup) = backup else {
                    return Ok(Snapshot {
                        lineage: String::new(),
                        serial: 0,
                        salt: Salt(uuid::Uuid::new_v4().simple().to_string()),
                        records: BTreeMap::new(),
                        locked_by: Some(holder),
                    });
                };
                let mut records = BTreeMap::new();
                for (key, record) in backup.resources {
                    let address = Address::parse(&key).map_err(|message| Error::Backup {
                        path: path.clone(),
                        message,
                    })?;
                    records.insert(address, record);
                }
                Ok(Snapshot {
                    lineage: backup.lineage,
                    serial: backup.serial,
                    salt: Salt(
                        backup
                            .salt
                            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
                    ),
                    records,
                    locked_by: Some(holder),
                })
            }
            Err(e) => Err(e),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn lineage(&self) -> &str {
        &self.lineage
    }

    pub fn salt(&self) -> &Salt {
        &self.salt
    }

    /// The number of writes made to this state since it was created.
    pub fn serial(&self) -> Result<u64, Error> {
        match self.meta.get(META_SERIAL).map_err(|e| self.corrupt(e))? {
            Some(v) => decode_u64(&v).ok_or_else(|| self.corrupt("serial is not a number")),
            None => Ok(0),
        }
    }

    fn corrupt(&self, e: impl ToString) -> Error {
        Error::Corrupt {
            path: self.dir.join("rtm.db"),
            backup: self.dir.join("rtm.backup.json"),
            message: e.to_string(),
        }
    }

    pub fn get(&self, address: &Address) -> Result<Option<Recorded>, Error> {
        let key = address.to_string();
        match self
            .resources
            .get(key.as_bytes())
            .map_err(|e| self.corrupt(e))?
        {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| self.corrupt(format!("record {key}: {e}"))),
        }
    }

    /// Every record, by address.
    pub fn all(&self) -> Result<BTreeMap<Address, Recorded>, Error> {
        let mut out = BTreeMap::new();
        for item in self.resources.iter() {
            let (k, v) = item.map_err(|e| self.corrupt(e))?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let address = Address::parse(&key).map_err(|e| self.corrupt(e))?;
            let record: Recorded = serde_json::from_slice(&v)
                .map_err(|e| self.corrupt(format!("record {key}: {e}")))?;
            out.insert(address, record);
        }
        Ok(out)
    }

    /// Writes one record and bumps the serial in one transaction, then
    /// flushes: when this returns Ok the write survives a crash.
    pub fn put(&self, address: &Address, record: &Recorded) -> Result<u64, Error> {
        let bytes = serde_json::to_vec(record).map_err(|e| self.write_error(e))?;
        self.write(address, Some(bytes))
    }

    /// Forgets an address (no effect on Lambda).
    pub fn remove(&self, address: &Address) -> Result<bool, Error> {
        let existed = self
            .resources
            .contains_key(address.to_string().as_bytes())
            .map_err(|e| self.corrupt(e))?;
        if existed {
            self.write(address, None)?;
        }
        Ok(existed)
    }

    /// Moves the record at `from` to `to` (a renamed label), in one
    /// transaction. Fails when `from` is not in state or `to` already is.
    pub fn rename(&self, from: &Address, to: &Address) -> Result<(), Error> {
        let record = self
            .get(from)?
            .ok_or_else(|| Error::NotInState(from.clone()))?;
        if self.get(to)?.is_some() {
            return Err(Error::AlreadyInState(to.clone()));
        }
        let bytes = serde_json::to_vec(&record).map_err(|e| self.write_error(e))?;
        self.write_all(&[(from.to_string(), None), (to.to_string(), Some(bytes))])?;
        Ok(())
    }

    fn write(&self, address: &Address, value: Option<Vec<u8>>) -> Result<u64, Error> {
        self.write_all(&[(address.to_string(), value)])
    }

    /// Applies the record changes and bumps the serial once, in one
    /// transaction, then flushes.
    fn write_all(&self, changes: &[(String, Option<Vec<u8>>)]) -> Result<u64, Error> {
        let serial = (&self.meta, &self.resources)
            .transaction(|(meta, resources)| {
                let serial = meta
                    .get(META_SERIAL)?
                    .and_then(|v| decode_u64(&v))
                    .unwrap_or(0)
                    + 1;
                meta.insert(META_SERIAL, &serial.to_be_bytes())?;
                for (key, value) in changes {
                    match value {
                        Some(bytes) => resources.insert(key.as_bytes(), bytes.as_slice())?,
                        None => resources.remove(key.as_bytes())?,
                    };
                }
                Ok(serial)
            })
            .map_err(|e: sled::transaction::TransactionError<()>| {
                self.write_error(format!("{e:?}"))
            })?;
        self.db.flush().map_err(|e| self.write_error(e))?;
        Ok(serial)
    }

    fn write_error(&self, e: impl ToString) -> Error {
        Error::Write {
            path: self.dir.join("rtm.db"),
            message: e.to_string(),
        }
    }

    /// Rebuilds the database under `dir` from a backup written by
    /// `write_backup`: takes the lock, checks the whole backup before
    /// touching anything, moves an existing `rtm.db` aside (never deletes
    /// it), and writes every record with the backup's lineage and salt.
    pub fn restore(
        dir: &Path,
        from: &Path,
        command: &str,
        lock_timeout: Duration,
    ) -> Result<Restored, Error> {
        let bad = |message: String| Error::Backup {
            path: from.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(from).map_err(|e| bad(e.to_string()))?;
        let backup: Backup = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if backup.format_version != FORMAT_VERSION {
            return Err(Error::UnknownFormat {
                path: from.to_path_buf(),
                found: backup.format_version,
            });
        }
        let mut records = Vec::with_capacity(backup.resources.len());
        for (key, record) in backup.resources {
            let address = Address::parse(&key).map_err(|e| bad(format!("address {key:?}: {e}")))?;
            let bytes = serde_json::to_vec(&record).map_err(|e| bad(e.to_string()))?;
            records.push((address.to_string(), bytes));
        }
        ensure_dir(dir)?;
        let lock = LockGuard::acquire(&dir.join("rtm.lock"), command, lock_timeout)?;
        let db_path = dir.join("rtm.db");
        let write_error = |e: String| Error::Write {
            path: db_path.clone(),
            message: e,
        };
        let moved_aside = if db_path.exists() {
            let stamp = jiff::Timestamp::now().as_second();
            let aside = dir.join(format!("rtm.db.replaced-{stamp}"));
            std::fs::rename(&db_path, &aside).map_err(|e| write_error(e.to_string()))?;
            Some(aside)
        } else {
            None
        };
        let serial = backup.serial + 1;
        let new_salt = backup.salt.is_none();
        let salt = backup
            .salt
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let db = open_sled(&db_path).map_err(|e| write_error(e.to_string()))?;
        let written = (|| -> sled::Result<(sled::Tree, sled::Tree)> {
            let meta = db.open_tree("meta")?;
            let resources = db.open_tree("resources")?;
            // The lineage first and the format version last: a restore cut
            // short anywhere between leaves a meta tree that open() reports
            // as incomplete, never one it would take for a new state.
            meta.insert(META_LINEAGE, backup.lineage.as_bytes())?;
            for (key, bytes) in &records {
                resources.insert(key.as_bytes(), bytes.as_slice())?;
            }
            meta.insert(META_SALT, salt.as_bytes())?;
            meta.insert(META_SERIAL, &serial.to_be_bytes())?;
            meta.insert(META_FORMAT, &FORMAT_VERSION.to_be_bytes())?;
            db.flush()?;
            Ok((meta, resources))
        })();
        let (meta, resources) = written.map_err(|e| write_error(e.to_string()))?;
        let store = Store {
            dir: dir.to_path_buf(),
            db,
            meta,
            resources,
            lineage: backup.lineage.clone(),
            salt: Salt(salt),
            _lock: lock,
        };
        store.write_backup()?;
        Ok(Restored {
            records: records.len(),
            serial,
            lineage: backup.lineage,
            moved_aside,
            new_salt,
        })
    }

    /// Writes a JSON copy of every record next to the database, the recovery
    /// path if sled ever refuses to open. Sensitive values are hashed there too.
    pub fn write_backup(&self) -> Result<(), Error> {
        let records = self.all()?;
        let doc = serde_json::json!({
            "format_version": FORMAT_VERSION,
            "lineage": self.lineage,
            "serial": self.serial()?,
            "salt": self.salt.0,
            "resources": records.iter().map(|(a, r)| (a.to_string(), r)).collect::<BTreeMap<_, _>>(),
        });
        let path = self.dir.join("rtm.backup.json");
        if let Some(theirs) = read_backup_lineage(&path)?
            && theirs != self.lineage
        {
            return Err(Error::ForeignBackup {
                path,
                theirs,
                ours: self.lineage.clone(),
            });
        }
        let tmp = self.dir.join("rtm.backup.json.tmp");
        let text = serde_json::to_string_pretty(&doc).map_err(|e| self.write_error(e))?;
        std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| self.write_error(e))
    }
}

/// The lineage a backup file records; `None` when there is no backup. A
/// backup that cannot be read is an error: it may be the only copy.
fn read_backup_lineage(path: &Path) -> Result<Option<String>, Error> {
    #[derive(serde::Deserialize)]
    struct Head {
        lineage: String,
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Backup {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    serde_json::from_str::<Head>(&text)
        .map(|h| Some(h.lineage))
        .map_err(|e| Error::Backup {
            path: path.to_path_buf(),
            message: format!(
                "it is not an rtm state backup ({e}); move it aside if it is not needed"
            ),
        })
}

/// Opens sled at `path`. rtm's own lock file is already held, so a busy
/// sled lock can only be a `Db` this process just dropped whose flusher
/// thread has not yet let go: wait up to 2 s for it.
fn open_sled(path: &Path) -> sled::Result<sled::Db> {
    let config = sled::Config::new().path(path);
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        match config.open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn decode_u64(bytes: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(bytes).ok().map(u64::from_be_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Qualifier;

    fn record(name: &str) -> Recorded {
        Recorded {
            function_name: name.into(),
            qualifier: Qualifier::Latest,
            ..Default::default()
        }
    }

    #[test]
    fn writes_bump_the_serial_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let a = Address::parse("function.a").unwrap();
        let lineage;
        {
            let store = Store::open(dir.path(), "test", Duration::ZERO).unwrap();
            assert_eq!(store.serial().unwrap(), 0);
            assert_eq!(store.put(&a, &record("a")).unwrap(), 1);
            assert_eq!(store.put(&a, &record("a2")).unwrap(), 2);
            lineage = store.lineage().to_string();
        }
        let store = Store::open(dir.path(), "test", Duration::ZERO).unwrap();
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
        let _first = Store::open(dir.path(), "apply", Duration::ZERO).unwrap();
        let err = match Store::open(dir.path(), "plan", Duration::from_millis(200)) {
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
        let Err(e) = Store::open(&file, "plan", Duration::ZERO) else {
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
        match Store::open(dir.path(), "plan", Duration::ZERO) {
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains("to recover"), "{msg}");
            }
            Ok(_) => panic!("garbage must not open as a state"),
        }
    }
}
