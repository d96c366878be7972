//! Durable storage of the emulator: one sled tree of functions (one JSON value
//! per function, so every write is atomic), one of catalogue positions, and an
//! in-memory copy in front of them (write-through) so reads never touch sled.
//! Every acknowledged write is flushed (fsync) before the call returns, so a
//! SIGKILL loses nothing acknowledged. It must not know about HTTP or about
//! Lambda's rules; callers pass closures that apply them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use super::catalogue::CatalogueKey;
use super::records::FunctionRecord;

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
    pub functions: BTreeMap<String, FunctionRecord>,
    /// Latest version number per catalogue key, for keys released past their initial latest.
    pub catalogue: HashMap<CatalogueKey, u32>,
}

impl Store {
    /// Opens (or creates) the store under `dir`, or a temporary one.
    pub fn open(dir: Option<&Path>) -> Result<Store, StoreError> {
        let config = match dir {
            Some(d) => sled::Config::new().path(d),
            None => sled::Config::new().temporary(true),
        };
        let db = open_waiting_for_lock(&config)?;
        let functions = db.open_tree("functions")?;
        let catalogue = db.open_tree("catalogue")?;
        let mut memory = Memory::default();
        for item in functions.iter() {
            let (k, v) = item?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let record: FunctionRecord =
                serde_json::from_slice(&v).map_err(|source| StoreError::Decode {
                    key: key.clone(),
                    source,
                })?;
            memory.functions.insert(key, record);
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
        self.store.functions.insert(record.name.as_bytes(), bytes)?;
        self.store.db.flush()?;
        self.memory.functions.insert(record.name.clone(), record);
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
                r.name.as_bytes(),
                serde_json::to_vec(r).map_err(StoreError::Encode)?,
            );
        }
        self.store.functions.apply_batch(batch)?;
        self.store.db.flush()?;
        for r in records {
            self.memory.functions.insert(r.name.clone(), r);
        }
        Ok(())
    }

    pub fn remove_function(&mut self, name: &str) -> Result<(), StoreError> {
        self.store.functions.remove(name.as_bytes())?;
        self.store.db.flush()?;
        self.memory.functions.remove(name);
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
    fn catalogue_positions_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(Some(dir.path())).expect("open");
            assert!(store.is_empty());
            store
                .lock()
                .put_catalogue_latest(CatalogueKey::new("python3.12", "us-east-1", "arm64"), 18)
                .expect("put");
        }
        let store = Store::open(Some(dir.path())).expect("reopen");
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
