//! The S3 backend: the state is one JSON document (`s3://BUCKET/KEY`), read
//! once when the store opens and kept in memory; writes update memory and
//! are sent by a background thread, at most one per second, plus one on
//! flush and one when the store is dropped. Every state write is a
//! `PutObject` conditional on the ETag last read or written, so a state
//! written behind this run's back is reported (and nothing more written),
//! never overwritten. The lock is a second object, `KEY.lock`, created with
//! `If-None-Match: *` and deleted when the store is dropped.
//!
//! The I/O runs on its own thread with a current-thread tokio runtime: the
//! store's methods are called from async code on a multi-threaded runtime
//! (apply records each step), so `put` must never wait for the network.

mod io;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use self::io::{Conn, Failed};
use super::document::DocumentRef;
use super::{Change, Document, Error, LockHolder, S3Location, Snapshot, StateStore};
use crate::model::{Address, Recorded, Salt};

/// The least time between two state writes made in the background.
const WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// How long closing a store (final write, lock release) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(60);

/// The lock object's content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RemoteLock {
    /// What `rtm state unlock` takes to remove this lock.
    pub id: String,
    /// The rtm command that holds it (`apply`, `plan`, ...).
    pub operation: String,
    pub who: String,
    pub host: String,
    pub pid: u32,
    pub created: String,
    pub rtm_version: String,
}

impl RemoteLock {
    fn mine(command: &str, who: &str) -> RemoteLock {
        RemoteLock {
            id: uuid::Uuid::new_v4().to_string(),
            operation: command.to_string(),
            who: who.to_string(),
            host: super::lock::hostname(),
            pid: std::process::id(),
            created: super::lock::now(),
            rtm_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// A lock object as read; one that is not rtm's is shown as such
    /// (its id then matches nothing, so `state unlock` leaves it alone).
    fn parse(bytes: &[u8]) -> RemoteLock {
        serde_json::from_slice(bytes).unwrap_or_else(|_| RemoteLock {
            id: "(unreadable: not an rtm lock; delete the object by hand if no run holds it)"
                .into(),
            operation: "(unknown)".into(),
            who: "unknown".into(),
            host: "unknown host".into(),
            pid: 0,
            created: "an unknown time".into(),
            rtm_version: String::new(),
        })
    }

    /// The holder as the local lock reports one.
    pub fn holder(&self) -> LockHolder {
        LockHolder {
            pid: self.pid,
            host: self.host.clone(),
            command: self.operation.clone(),
            started: self.created.clone(),
        }
    }
}

/// The state in memory, shared by the store and its writer thread.
struct Memory {
    lineage: String,
    salt: String,
    serial: u64,
    records: BTreeMap<Address, Recorded>,
    /// Bumped by every change; the writer compares it with what it wrote.
    generation: u64,
    /// Set by the first failed state write: from then on every write fails.
    failure: Option<Error>,
}

/// What the writer thread is asked to do.
enum Request {
    /// Memory changed: write it within a second.
    Changed,
    Flush(Reply<()>),
    /// Write this document in place of the state (push, migrate).
    Replace(Vec<u8>, Reply<()>),
    /// Write what is pending (unless `write` is false), release the lock,
    /// and end the thread.
    Close {
        write: bool,
        reply: Reply<Closed>,
    },
}

type Reply<T> = std::sync::mpsc::Sender<Result<T, Error>>;

/// How closing went: the last write and the lock release, each.
struct Closed {
    write: Result<(), Error>,
    release: Result<(), Error>,
}

/// Open stores, for [`release_all`] to close on an interrupt that exits
/// at once.
static OPEN: Mutex<Vec<(u64, mpsc::UnboundedSender<Request>)>> = Mutex::new(Vec::new());
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn open_list() -> MutexGuard<'static, Vec<(u64, mpsc::UnboundedSender<Request>)>> {
    OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes what every open S3 store has pending and releases its lock,
/// waiting at most `timeout` in all: for a process about to exit without
/// unwinding (Ctrl-C at a prompt).
pub fn release_all(timeout: Duration) {
    let open: Vec<_> = std::mem::take(&mut *open_list());
    let deadline = Instant::now() + timeout;
    let mut replies = Vec::new();
    for (_, tx) in open {
        let (reply, rx) = std::sync::mpsc::channel();
        if tx.send(Request::Close { write: true, reply }).is_ok() {
            replies.push(rx);
        }
    }
    for rx in replies {
        let _ = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    }
}

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// For a run: a state that does not exist yet is written at once, so
    /// its lineage holds from the first run on (a saved plan names it).
    Run,
    /// For replacing the whole state (push, migrate): nothing is written
    /// until [`Remote::replace`].
    Replace,
}

/// An open, locked S3 state.
pub(super) struct Remote {
    url: String,
    lineage: String,
    salt: Salt,
    memory: Arc<Mutex<Memory>>,
    tx: mpsc::UnboundedSender<Request>,
    thread: Option<std::thread::JoinHandle<()>>,
    id: u64,
    lock: RemoteLock,
    /// The object existed when the store opened.
    existed: bool,
}

impl Remote {
    pub fn open(
        loc: &S3Location,
        command: &str,
        lock_timeout: Duration,
        mode: Mode,
    ) -> Result<Remote, Error> {
        let lock = RemoteLock::mine(command, &loc.who);
        let memory = Arc::new(Mutex::new(Memory {
            lineage: super::new_lineage(),
            salt: super::new_salt(),
            serial: 0,
            records: BTreeMap::new(),
            generation: 0,
            failure: None,
        }));
        let (tx, rx) = mpsc::unbounded_channel();
        let (ready, opened) = std::sync::mpsc::channel();
        let writer = Writer {
            conn: None,
            memory: memory.clone(),
            etag: None,
            lock_etag: None,
            written_generation: 0,
            written_serial: 0,
            last_write: None,
        };
        let thread = {
            let (loc, lock) = (loc.clone(), lock.clone());
            std::thread::Builder::new()
                .name("rtm-state-s3".into())
                .spawn(move || writer.run(loc, lock, lock_timeout, ready, rx))
                .map_err(|e| Error::S3Setup(format!("cannot start the state writer: {e}")))?
        };
        let existed = match opened.recv() {
            Ok(Ok(existed)) => existed,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                return Err(Error::S3Setup(
                    "the state writer stopped while opening the state".into(),
                ));
            }
        };
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        open_list().push((id, tx.clone()));
        let (lineage, salt, empty) = {
            let m = lock_memory(&memory);
            (
                m.lineage.clone(),
                Salt(m.salt.clone()),
                m.records.is_empty(),
            )
        };
        let remote = Remote {
            url: loc.url(),
            lineage,
            salt,
            memory,
            tx,
            thread: Some(thread),
            id,
            lock,
            existed,
        };
        if mode == Mode::Run {
            if empty && let Some(dir) = &loc.local_state {
                let records = super::local::Local::count(dir, command, lock_timeout)?;
                if records > 0 {
                    remote.close(false);
                    return Err(Error::MigrateFirst {
                        url: loc.url(),
                        dir: dir.clone(),
                        records,
                    });
                }
            }
            if !existed {
                lock_memory(&remote.memory).generation = 1;
                remote.flush()?;
            }
        }
        Ok(remote)
    }

    /// Reads the state object without taking the lock (drift).
    pub fn snapshot(loc: &S3Location) -> Result<Snapshot, Error> {
        let read = {
            let loc = loc.clone();
            on_own_thread(async move { Conn::connect(&loc).await?.read_state().await })?
        };
        let snapshot = match read {
            Some((doc, _)) => Snapshot {
                records: doc.records(&loc.url())?,
                lineage: doc.lineage,
                serial: doc.serial,
                salt: Salt(doc.salt.unwrap_or_else(super::new_salt)),
                locked_by: None,
            },
            None => Snapshot {
                lineage: String::new(),
                serial: 0,
                salt: Salt(super::new_salt()),
                records: BTreeMap::new(),
                locked_by: None,
            },
        };
        if snapshot.records.is_empty()
            && let Some(dir) = &loc.local_state
        {
            let records = super::local::Local::count(dir, "drift", Duration::ZERO)?;
            if records > 0 {
                return Err(Error::MigrateFirst {
                    url: loc.url(),
                    dir: dir.clone(),
                    records,
                });
            }
        }
        Ok(snapshot)
    }

    /// Removes the lock left by a killed run, if its id is `id`.
    pub fn unlock(loc: &S3Location, id: &str) -> Result<RemoteLock, Error> {
        let (loc, id) = (loc.clone(), id.to_string());
        on_own_thread(async move {
            let conn = Conn::connect(&loc).await?;
            let url = loc.lock_url();
            let Some((lock, etag)) = conn.read_lock().await? else {
                return Err(Error::NoLock { url });
            };
            if lock.id != id {
                return Err(Error::WrongLockId {
                    url,
                    given: id,
                    holder: Box::new(lock.holder()),
                    id: lock.id,
                });
            }
            conn.delete(&loc.lock_key(), &etag).await.map_err(|e| match e {
                Failed::Precondition => Error::S3 {
                    action: "remove the lock".into(),
                    url: url.clone(),
                    message: "the lock changed while it was being removed; run `rtm state unlock` again with the id it names now".into(),
                },
                other => other.into_error("remove the lock", &url),
            })?;
            Ok(lock)
        })
    }

    pub fn lock(&self) -> &RemoteLock {
        &self.lock
    }

    /// Whether the state object existed when the store opened.
    pub fn existed(&self) -> bool {
        self.existed
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        lock_memory(&self.memory)
    }

    /// Asks the writer and waits for its answer.
    fn ask<T>(&self, request: impl FnOnce(Reply<T>) -> Request) -> Result<T, Error> {
        let (reply, rx) = std::sync::mpsc::channel();
        let stopped = || Error::S3Setup(format!("the state writer for {} has stopped", self.url));
        self.tx.send(request(reply)).map_err(|_| stopped())?;
        rx.recv_timeout(CLOSE_TIMEOUT).map_err(|_| stopped())?
    }

    /// Writes `doc` in place of the state, conditional on the object being
    /// the one read at open.
    pub fn replace(self, doc: &Document) -> Result<(), Error> {
        let bytes = serde_json::to_vec(doc).map_err(|e| Error::S3 {
            action: "write the state".into(),
            url: self.url.clone(),
            message: e.to_string(),
        })?;
        self.ask(|reply| Request::Replace(bytes, reply))
    }

    /// Writes nothing more (unless `write`), releases the lock, and waits
    /// for the writer to end.
    fn close(&self, write: bool) -> Option<Closed> {
        open_list().retain(|(id, _)| *id != self.id);
        let (reply, rx) = std::sync::mpsc::channel();
        if self.tx.send(Request::Close { write, reply }).is_err() {
            return None; // closed already (release_all)
        }
        rx.recv_timeout(CLOSE_TIMEOUT).ok().and_then(Result::ok)
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let reported = self.memory().failure.is_some();
        if let Some(closed) = self.close(true) {
            if let Err(e) = closed.write
                && !reported
            {
                tracing::warn!("the last state records were not written: {e}");
            }
            if let Err(e) = closed.release {
                tracing::warn!(
                    "the state lock {} (id {}) was not released: {e}; once no rtm run uses this state, remove it with `rtm state unlock {}`",
                    self.url.clone() + ".lock",
                    self.lock.id,
                    self.lock.id
                );
            }
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

impl StateStore for Remote {
    fn lineage(&self) -> &str {
        &self.lineage
    }

    fn salt(&self) -> &Salt {
        &self.salt
    }

    fn serial(&self) -> Result<u64, Error> {
        Ok(self.memory().serial)
    }

    fn get(&self, address: &Address) -> Result<Option<Recorded>, Error> {
        Ok(self.memory().records.get(address).cloned())
    }

    fn all(&self) -> Result<BTreeMap<Address, Recorded>, Error> {
        Ok(self.memory().records.clone())
    }

    /// Changes memory and returns: the writer thread sends it within a
    /// second. Once a write has failed, every later one fails the same way.
    fn write(&self, changes: &[Change]) -> Result<u64, Error> {
        let serial = {
            let mut m = self.memory();
            if let Some(e) = &m.failure {
                return Err(e.clone());
            }
            for (address, record) in changes {
                match record {
                    Some(r) => m.records.insert((*address).clone(), (*r).clone()),
                    None => m.records.remove(*address),
                };
            }
            m.serial += 1;
            m.generation += 1;
            m.serial
        };
        // A writer that has stopped fails the next flush, which says so.
        let _ = self.tx.send(Request::Changed);
        Ok(serial)
    }

    fn flush(&self) -> Result<(), Error> {
        self.ask(Request::Flush)
    }
}

fn lock_memory(memory: &Mutex<Memory>) -> MutexGuard<'_, Memory> {
    memory.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `work` to its end on a new thread with its own runtime (for the
/// one-shot reads: snapshot, unlock), whatever runtime the caller is on.
fn on_own_thread<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, Error>> + Send + 'static,
) -> Result<T, Error> {
    std::thread::Builder::new()
        .name("rtm-state-s3".into())
        .spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::S3Setup(format!("cannot start the S3 client: {e}")))?
                .block_on(work)
        })
        .map_err(|e| Error::S3Setup(format!("cannot start the S3 client: {e}")))?
        .join()
        .unwrap_or_else(|_| Err(Error::S3Setup("the S3 client stopped".into())))
}

/// The writer thread's side: the connection, the ETags, what it wrote.
struct Writer {
    conn: Option<Conn>,
    memory: Arc<Mutex<Memory>>,
    /// The state object's ETag last read or written (`None`: no object yet).
    etag: Option<String>,
    lock_etag: Option<String>,
    written_generation: u64,
    written_serial: u64,
    last_write: Option<Instant>,
}

impl Writer {
    fn run(
        mut self,
        loc: S3Location,
        lock: RemoteLock,
        lock_timeout: Duration,
        ready: std::sync::mpsc::Sender<Result<bool, Error>>,
        rx: mpsc::UnboundedReceiver<Request>,
    ) {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready.send(Err(Error::S3Setup(format!(
                    "cannot start the S3 client: {e}"
                ))));
                return;
            }
        };
        rt.block_on(async move {
            match self.open(&loc, &lock, lock_timeout).await {
                Ok(existed) => {
                    let _ = ready.send(Ok(existed));
                }
                Err(e) => {
                    let _ = self.release().await;
                    let _ = ready.send(Err(e));
                    return;
                }
            }
            self.serve(rx).await;
        });
    }

    /// Connects, takes the lock, reads the state into memory; whether the
    /// state object existed.
    async fn open(
        &mut self,
        loc: &S3Location,
        lock: &RemoteLock,
        lock_timeout: Duration,
    ) -> Result<bool, Error> {
        let conn = Conn::connect(loc).await?;
        self.lock_etag = Some(conn.lock(lock, lock_timeout).await?);
        let read = {
            self.conn = Some(conn);
            self.conn()?.read_state().await?
        };
        let Some((doc, etag)) = read else {
            return Ok(false);
        };
        let url = loc.url();
        let records = doc.records(&url)?;
        let mut m = lock_memory(&self.memory);
        m.lineage = doc.lineage;
        m.serial = doc.serial;
        if let Some(salt) = doc.salt {
            m.salt = salt;
        }
        m.records = records;
        self.written_serial = doc.serial;
        self.etag = Some(etag);
        Ok(true)
    }

    fn conn(&self) -> Result<&Conn, Error> {
        self.conn
            .as_ref()
            .ok_or_else(|| Error::S3Setup("the state backend is not connected".into()))
    }

    /// Answers requests until closed; writes memory at most once a second.
    async fn serve(&mut self, mut rx: mpsc::UnboundedReceiver<Request>) {
        let mut pending = false;
        loop {
            let request = if pending {
                let due = self
                    .last_write
                    .map_or_else(Instant::now, |t| t + WRITE_INTERVAL);
                tokio::select! {
                    r = rx.recv() => r,
                    () = tokio::time::sleep_until(due.into()) => {
                        let _ = self.write().await;
                        pending = false;
                        continue;
                    }
                }
            } else {
                rx.recv().await
            };
            match request {
                Some(Request::Changed) => pending = true,
                Some(Request::Flush(reply)) => {
                    let _ = reply.send(self.write().await);
                    pending = false;
                }
                Some(Request::Replace(bytes, reply)) => {
                    let _ = reply.send(self.replace(bytes).await);
                }
                Some(Request::Close { write, reply }) => {
                    let write = if write { self.write().await } else { Ok(()) };
                    let release = self.release().await;
                    let _ = reply.send(Ok(Closed { write, release }));
                    return;
                }
                None => {
                    // Every sender is gone without a close: write and release.
                    let _ = self.write().await;
                    let _ = self.release().await;
                    return;
                }
            }
        }
    }

    /// Writes memory if it changed since the last write.
    async fn write(&mut self) -> Result<(), Error> {
        let (bytes, generation, serial, url) = {
            let m = lock_memory(&self.memory);
            if let Some(e) = &m.failure {
                return Err(e.clone());
            }
            if m.generation == self.written_generation {
                return Ok(());
            }
            let doc = DocumentRef::new(&m.lineage, m.serial, &m.salt, &m.records);
            let url = self.conn()?.loc.url();
            let bytes = serde_json::to_vec(&doc).map_err(|e| Error::S3 {
                action: "write the state".into(),
                url: url.clone(),
                message: e.to_string(),
            })?;
            (bytes, m.generation, m.serial, url)
        };
        self.last_write = Some(Instant::now());
        match self.put_state(bytes).await {
            Ok(()) => {
                self.written_generation = generation;
                self.written_serial = serial;
                Ok(())
            }
            Err(failed) => {
                let e = match failed {
                    Failed::Precondition | Failed::Missing => Error::Changed {
                        url,
                        serial: self.written_serial,
                    },
                    other => other.into_error("write the state", &url),
                };
                lock_memory(&self.memory).failure = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Writes `bytes` as the state object, on the condition that it is the
    /// one last read or written. A 412 whose object holds exactly these
    /// bytes was this write, retried after its answer was lost.
    async fn put_state(&mut self, bytes: Vec<u8>) -> Result<(), Failed> {
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| Failed::Other("the state backend is not connected".into()))?;
        let key = conn.loc.key.clone();
        match conn.put(&key, bytes.clone(), self.etag.as_deref()).await {
            Ok(etag) => {
                self.etag = Some(etag);
                Ok(())
            }
            Err(Failed::Precondition) => match conn.get(&key).await {
                Ok(Some((now, etag))) if now == bytes => {
                    self.etag = Some(etag);
                    Ok(())
                }
                _ => Err(Failed::Precondition),
            },
            Err(e) => Err(e),
        }
    }

    async fn replace(&mut self, bytes: Vec<u8>) -> Result<(), Error> {
        let url = self.conn()?.loc.url();
        let serial = self.written_serial;
        self.put_state(bytes).await.map_err(|failed| match failed {
            Failed::Precondition | Failed::Missing => Error::Changed {
                url: url.clone(),
                serial,
            },
            other => other.into_error("write the state", &url),
        })?;
        // What memory holds is no longer the state: nothing more of it is written.
        let mut m = lock_memory(&self.memory);
        self.written_generation = m.generation;
        m.failure = Some(Error::Replaced { url });
        Ok(())
    }

    /// Deletes the lock object this run created (only if it is still ours).
    async fn release(&mut self) -> Result<(), Error> {
        let (Some(conn), Some(etag)) = (self.conn.as_ref(), self.lock_etag.take()) else {
            return Ok(());
        };
        let url = conn.loc.lock_url();
        conn.delete(&conn.loc.lock_key(), &etag)
            .await
            .map_err(|e| match e {
                Failed::Precondition => Error::S3 {
                    action: "release the lock".into(),
                    url: url.clone(),
                    message: "another run's lock is there now (this run's was removed by `rtm state unlock`); it was left alone".into(),
                },
                other => other.into_error("release the lock", &url),
            })
    }
}
