//! Durable storage of the emulator: one sled tree of functions (one JSON value
//! per function, so every write is atomic; keyed `account|region|name`), one
//! of catalogue positions, and an
//! in-memory copy in front of them (write-through) so reads never touch sled.
//! Every acknowledged write is flushed (fsync) before the call returns, so a
//! SIGKILL loses nothing acknowledged. It must not know about HTTP or about
//! Lambda's rules; callers pass closures that apply them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use super::catalogue::CatalogueKey;
use super::records::{FunctionKey, FunctionRecord};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored record {key:?} is unreadable: {source}")]
    Decode {
        key: String,
        source: serde_json::Error,
    },
    #[error("record does not serialize: {0}")]
    Encode(serde_json::Error),
}

pub struct Store {
    db: sled::Db,
    functions: sled::Tree,
    catalogue: sled::Tree,
    memory: Mutex<Memory>,
}

/// The in-memory copy of everything in sled.
#[derive(Default)]
pub struct Memory {
    /// By account, region and name, so one place's functions are a range.
    pub functions: BTreeMap<FunctionKey, FunctionRecord>,
    /// Latest version number per catalogue key, for keys released past their initial latest.
    pub catalogue: HashMap<CatalogueKey, u32>,
}

impl Store {
    /// Opens (or creates) the store under `dir`, or a temporary one. Records
    /// written before functions had a place get `account` and `region`, and
    /// move to their place's key.
    pub fn open(dir: Option<&Path>, account: &str, region: &str) -> Result<Store, StoreError> {
        let config = match dir {
            Some(d) => sled::Config::new().path(d),
            None => sled::Config::new().temporary(true),
        };
        let db = open_waiting_for_lock(&config)?;
        let functions = db.open_tree("functions")?;
        let catalogue = db.open_tree("catalogue")?;
        let mut memory = Memory::default();
        let mut moved = sled::Batch::default();
        let mut any_moved = false;
        for item in functions.iter() {
            let (k, v) = item?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let mut record: FunctionRecord =
                serde_json::from_slice(&v).map_err(|source| StoreError::Decode {
                    key: key.clone(),
                    source,
                })?;
            if record.account.is_empty() || record.region.is_empty() {
                record.account = account.to_owned();
                record.region = region.to_owned();
                moved.remove(k.as_ref());
                moved.insert(
                    storage_key(&record.key()).as_bytes(),
                    serde_json::to_vec(&record).map_err(StoreError::Encode)?,
                );
                any_moved = true;
            }
            memory.functions.insert(record.key(), record);
        }
        if any_moved {
            functions.apply_batch(moved)?;
            db.flush()?;
        }
        for item in catalogue.iter() {
            let (k, v) = item?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let latest = <[u8; 4]>::try_from(v.as_ref()).map(u32::from_be_bytes).ok();
            if let (Some(key), Some(latest)) = (CatalogueKey::from_storage_key(&key), latest) {
                memory.catalogue.insert(key, latest);
            }
        }
        Ok(Store {
            db,
            functions,
            catalogue,
            memory: Mutex::new(memory),
        })
    }

    /// Whether nothing was ever stored (the seed applies only then).
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty() && self.catalogue.is_empty()
    }

    /// Locks the in-memory copy; writes go through `Locked`'s methods.
    pub fn lock(&self) -> Locked<'_> {
        Locked {
            store: self,
            memory: self.memory.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }
}

/// The store, locked: reads from memory, writes through to sled and flush.
pub struct Locked<'a> {
    store: &'a Store,
    pub memory: MutexGuard<'a, Memory>,
}

impl Locked<'_> {
    /// Writes one function and flushes; memory is updated only once sled has it.
    pub fn put_function(&mut self, record: FunctionRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(&record).map_err(StoreError::Encode)?;
        let key = record.key();
        self.store
            .functions
            .insert(storage_key(&key).as_bytes(), bytes)?;
        self.store.db.flush()?;
        self.memory.functions.insert(key, record);
        Ok(())
    }

    /// Writes many functions in one batch and flushes once.
    pub fn put_functions(&mut self, records: Vec<FunctionRecord>) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for r in &records {
            batch.insert(
                storage_key(&r.key()).as_bytes(),
                serde_json::to_vec(r).map_err(StoreError::Encode)?,
            );
        }
        self.store.functions.apply_batch(batch)?;
        self.store.db.flush()?;
        for r in records {
            self.memory.functions.insert(r.key(), r);
        }
        Ok(())
    }

    pub fn remove_function(&mut self, key: &FunctionKey) -> Result<(), StoreError> {
        self.store.functions.remove(storage_key(key).as_bytes())?;
        self.store.db.flush()?;
        self.memory.functions.remove(key);
        Ok(())
    }

    pub fn put_catalogue_latest(
        &mut self,
        key: CatalogueKey,
        latest: u32,
    ) -> Result<(), StoreError> {
        self.store
            .catalogue
            .insert(key.storage_key().as_bytes(), &latest.to_be_bytes())?;
        self.store.db.flush()?;
        self.memory.catalogue.insert(key, latest);
        Ok(())
    }
}

/// A function's sled key; names never contain `|`.
fn storage_key(key: &FunctionKey) -> String {
    format!("{}|{}|{}", key.account, key.region, key.name)
}

/// Opens sled, waiting up to 2 s for its file lock: a `Db` dropped in this
/// process releases the lock only when sled's flusher thread has stopped,
/// so an immediate reopen can find it still held.
fn open_waiting_for_lock(config: &sled::Config) -> sled::Result<sled::Db> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match config.open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_from_before_places_move_to_the_default_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let legacy = serde_json::json!({
            "name": "old",
            "latest": {
                "version": "$LATEST",
                "config": {
                    "runtime": "python3.12", "handler": "app.handler", "role": "r",
                    "description": "", "timeout": 3, "memory_size": 128, "environment": null,
                    "architecture": "x86_64", "ephemeral_storage": 512, "tracing_mode": "PassThrough",
                    "layers": [], "kms_key_arn": null,
                    "passthrough": { "SnapStart": { "ApplyOn": "PublishedVersions" } }
                },
                "code": { "package_type": "Zip", "sha256": "x", "size": 1, "s3_bucket": null,
                          "s3_key": null, "s3_object_version": null, "image_uri": null },
                "revision_id": "r1", "last_modified": "2026-01-01T00:00:00.000+0000",
                "runtime_management": { "update_runtime_on": "Auto", "runtime_version_arn": null },
                "runtime_version": null, "state": "Active", "last_update": null
            },
            "versions": {}, "last_version": 0, "aliases": {}, "tags": {}, "in_flight": null
        });
        {
            let db = sled::Config::new().path(dir.path()).open().expect("sled");
            let tree = db.open_tree("functions").expect("tree");
            tree.insert("old", serde_json::to_vec(&legacy).expect("json"))
                .expect("insert");
            db.flush().expect("flush");
        }
        for _ in 0..2 {
            let store = Store::open(Some(dir.path()), "069549076217", "eu-west-1").expect("open");
            let locked = store.lock();
            let key = FunctionKey {
                account: "069549076217".into(),
                region: "eu-west-1".into(),
                name: "old".into(),
            };
            let record = locked
                .memory
                .functions
                .get(&key)
                .expect("moved to the default place");
            assert_eq!(store.functions.len(), 1, "the old key is gone");
            let snap = record.latest.config.nested.snap_start.as_ref();
            assert_eq!(
                snap.and_then(|s| s.apply_on.as_deref()),
                Some("PublishedVersions"),
                "settings stored untyped read back typed"
            );
        }
    }

    #[test]
    fn catalogue_positions_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(Some(dir.path()), "123456789012", "us-east-1").expect("open");
            assert!(store.is_empty());
            store
                .lock()
                .put_catalogue_latest(CatalogueKey::new("python3.12", "us-east-1", "arm64"), 18)
                .expect("put");
        }
        let store = Store::open(Some(dir.path()), "123456789012", "us-east-1").expect("reopen");
        assert!(!store.is_empty());
        let locked = store.lock();
        assert_eq!(
            locked
                .memory
                .catalogue
                .get(&CatalogueKey::new("python3.12", "us-east-1", "arm64")),
            Some(&18)
        );
    }
}
