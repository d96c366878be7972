//! The local backend: sled under `--state DIR` (`DIR/rtm.db`), with our own
//! lock file (`DIR/rtm.lock`) taken before the database is opened, because
//! sled's own lock cannot wait and cannot say who holds it. Every write bumps
//! the serial and is flushed before it returns, so a SIGKILL loses nothing
//! acknowledged; `rtm.backup.json` (the state document) is rewritten after
//! every command that changed state, the recovery path if sled ever fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sled::Transactional;

use super::lock::LockGuard;
use super::{Change, Document, Error, FORMAT_VERSION, Restored, Snapshot};
use crate::model::{Address, Recorded, Salt};

/// An open, locked sled state.
pub(super) struct Local {
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

pub(super) fn backup_path(dir: &Path) -> PathBuf {
    dir.join("rtm.backup.json")
}

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

impl Local {
    /// Locks and opens the state under `dir`, creating it on first use.
    /// `command` is recorded in the lock file for whoever has to wait.
    pub fn open(dir: &Path, command: &str, lock_timeout: Duration) -> Result<Local, Error> {
        ensure_dir(dir)?;
        let lock = LockGuard::acquire(&dir.join("rtm.lock"), command, lock_timeout)?;
        let db_path = dir.join("rtm.db");
        let corrupt = |message: String| Error::Corrupt {
            path: db_path.clone(),
            backup: backup_path(dir),
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
                if let Some(other) = read_backup_lineage(&backup_path(dir))? {
                    return Err(Error::Lost {
                        path: db_path,
                        backup: backup_path(dir),
                        lineage: other,
                    });
                }
                let lineage = super::new_lineage();
                let salt = super::new_salt();
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
        Ok(Local {
            dir: dir.to_path_buf(),
            db,
            meta,
            resources,
            lineage,
            salt: Salt(salt),
            _lock: lock,
        })
    }

    /// How many records the state under `dir` holds, without creating
    /// one where there is none (0 then).
    pub fn count(dir: &Path, command: &str, lock_timeout: Duration) -> Result<usize, Error> {
        if !dir.join("rtm.db").exists() {
            return Ok(0);
        }
        Ok(Local::open(dir, command, lock_timeout)?.resources.len())
    }

    /// Reads the state without holding the lock past the read: from the
    /// database when no one holds the lock, else from the backup the holder
    /// started from (empty when there is none yet).
    pub fn snapshot(dir: &Path, command: &str) -> Result<Snapshot, Error> {
        match Local::open(dir, command, Duration::ZERO) {
            Ok(store) => Ok(Snapshot {
                lineage: store.lineage.clone(),
                serial: super::StateStore::serial(&store)?,
                salt: store.salt.clone(),
                records: super::StateStore::all(&store)?,
                locked_by: None,
            }),
            Err(Error::Locked(holder, _)) => {
                let path = backup_path(dir);
                let backup = match std::fs::read(&path) {
                    Ok(bytes) => Some(Document::parse(&bytes, &path.display().to_string())?),
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
                        salt: Salt(super::new_salt()),
                        records: BTreeMap::new(),
                        locked_by: Some(*holder),
                    });
                };
                Ok(Snapshot {
                    records: backup.records(&path.display().to_string())?,
                    lineage: backup.lineage,
                    serial: backup.serial,
                    salt: Salt(backup.salt.unwrap_or_else(super::new_salt)),
                    locked_by: Some(*holder),
                })
            }
            Err(e) => Err(e),
        }
    }

    fn corrupt(&self, e: impl ToString) -> Error {
        Error::Corrupt {
            path: self.dir.join("rtm.db"),
            backup: backup_path(&self.dir),
            message: e.to_string(),
        }
    }

    fn write_error(&self, e: impl ToString) -> Error {
        Error::Write {
            path: self.dir.join("rtm.db"),
            message: e.to_string(),
        }
    }

    /// Replaces every record, the lineage, salt and serial with `doc`'s, in
    /// one transaction (state push), then rewrites the backup: a backup of
    /// the lineage replaced is moved aside first, never deleted.
    pub fn replace(self, doc: &Document, salt: &str) -> Result<(), Error> {
        let mut records = Vec::with_capacity(doc.resources.len());
        for (address, record) in doc.records(&self.dir.display().to_string())? {
            let bytes = serde_json::to_vec(&record).map_err(|e| self.write_error(e))?;
            records.push((address.to_string(), bytes));
        }
        let existing: Vec<sled::IVec> = self
            .resources
            .iter()
            .keys()
            .collect::<Result<_, _>>()
            .map_err(|e| self.corrupt(e))?;
        (&self.meta, &self.resources)
            .transaction(|(meta, resources)| {
                for key in &existing {
                    resources.remove(key)?;
                }
                for (key, bytes) in &records {
                    resources.insert(key.as_bytes(), bytes.as_slice())?;
                }
                meta.insert(META_LINEAGE, doc.lineage.as_bytes())?;
                meta.insert(META_SALT, salt.as_bytes())?;
                meta.insert(META_SERIAL, &doc.serial.to_be_bytes())?;
                Ok(())
            })
            .map_err(|e: sled::transaction::TransactionError<()>| {
                self.write_error(format!("{e:?}"))
            })?;
        self.db.flush().map_err(|e| self.write_error(e))?;
        let path = backup_path(&self.dir);
        if read_backup_lineage(&path)?.is_some_and(|theirs| theirs != doc.lineage) {
            let stamp = jiff::Timestamp::now().as_second();
            let aside = self.dir.join(format!("rtm.backup.json.replaced-{stamp}"));
            std::fs::rename(&path, &aside).map_err(|e| self.write_error(e))?;
        }
        let replaced = Local {
            lineage: doc.lineage.clone(),
            salt: Salt(salt.to_string()),
            ..self
        };
        replaced.write_backup()
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
        let text = std::fs::read(from).map_err(|e| bad(e.to_string()))?;
        let backup = match Document::parse(&text, &from.display().to_string()) {
            Ok(doc) => doc,
            Err(Error::BadDocument { message, .. }) => return Err(bad(message)),
            Err(e) => return Err(e),
        };
        let mut records = Vec::with_capacity(backup.resources.len());
        for (address, record) in backup.records(&from.display().to_string())? {
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
        let salt = backup.salt.unwrap_or_else(super::new_salt);
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
        let store = Local {
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

    /// Writes the state document next to the database, the recovery path
    /// if sled ever refuses to open. Sensitive values are hashed there too.
    pub fn write_backup(&self) -> Result<(), Error> {
        use super::StateStore;
        let records = self.all()?;
        let doc = super::document::DocumentRef::new(
            &self.lineage,
            self.serial()?,
            &self.salt.0,
            &records,
        );
        let path = backup_path(&self.dir);
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

impl super::StateStore for Local {
    fn lineage(&self) -> &str {
        &self.lineage
    }

    fn salt(&self) -> &Salt {
        &self.salt
    }

    fn serial(&self) -> Result<u64, Error> {
        match self.meta.get(META_SERIAL).map_err(|e| self.corrupt(e))? {
            Some(v) => decode_u64(&v).ok_or_else(|| self.corrupt("serial is not a number")),
            None => Ok(0),
        }
    }

    fn get(&self, address: &Address) -> Result<Option<Recorded>, Error> {
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

    fn all(&self) -> Result<BTreeMap<Address, Recorded>, Error> {
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

    /// Applies the record changes and bumps the serial once, in one
    /// transaction, then flushes: when this returns Ok the write survives
    /// a crash.
    fn write(&self, changes: &[Change]) -> Result<u64, Error> {
        let mut encoded = Vec::with_capacity(changes.len());
        for (address, record) in changes {
            let bytes = record
                .map(serde_json::to_vec)
                .transpose()
                .map_err(|e| self.write_error(e))?;
            encoded.push((address.to_string(), bytes));
        }
        let serial = (&self.meta, &self.resources)
            .transaction(|(meta, resources)| {
                let serial = meta
                    .get(META_SERIAL)?
                    .and_then(|v| decode_u64(&v))
                    .unwrap_or(0)
                    + 1;
                meta.insert(META_SERIAL, &serial.to_be_bytes())?;
                for (key, value) in &encoded {
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

    /// Every write is already flushed when it returns.
    fn flush(&self) -> Result<(), Error> {
        Ok(())
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
