//! The state store: what rtm last applied per address, the live values and
//! RevisionId it last saw, the runtime versions it observed, and the lock
//! that keeps two rtm runs off the same state.
//!
//! One interface ([`Store`]), two implementations: sled under `--state DIR`
//! (`local`, the embedded default) and one JSON document in S3 (`s3`, for
//! teams: conditional writes, a lock object). Both keep the same records,
//! lineage, serial and salt, and the shared behaviours are tested against
//! both. This module never talks to Lambda and never decides what to change.

mod document;
mod local;
mod lock;
mod s3;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use document::Document;
pub use lock::LockHolder;
pub use s3::{RemoteLock, release_all};

use crate::model::{Address, Recorded, Salt};

/// The state format version this build reads and writes.
pub const FORMAT_VERSION: u64 = 1;

/// Where the state is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A sled database in this directory.
    Local(PathBuf),
    /// One object in S3 (or an S3-compatible store).
    S3(Box<S3Location>),
}

impl From<PathBuf> for Location {
    fn from(dir: PathBuf) -> Location {
        Location::Local(dir)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Local(dir) => write!(f, "{}", dir.display()),
            Location::S3(loc) => f.write_str(&loc.url()),
        }
    }
}

/// The S3 backend's settings (the `backend "s3"` block's keys), and what a
/// run records about itself in the lock.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
    /// The bucket's region [default: the AWS config chain's].
    pub region: Option<String>,
    /// The AWS shared-config profile for the bucket.
    pub profile: Option<String>,
    /// An S3-compatible endpoint instead of AWS's.
    pub endpoint_url: Option<String>,
    /// Path-style URLs (`http://host/bucket/key`), for most S3-compatible stores.
    pub use_path_style: bool,
    /// Server-side encryption (SSE-S3, AES256) of the state and lock objects.
    pub encrypt: bool,
    /// Fixed dummy credentials, for an emulator that does not check
    /// signatures (as the Lambda sandbox's); never for AWS.
    pub static_credentials: bool,
    /// Who runs rtm (user name), recorded in the lock.
    pub who: String,
    /// The local state a new remote state would leave behind: while it
    /// holds records, a run against an empty remote state stops and names
    /// `rtm state migrate` instead of starting afresh.
    pub local_state: Option<PathBuf>,
}

impl S3Location {
    /// `s3://BUCKET/KEY`.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    pub fn lock_key(&self) -> String {
        format!("{}.lock", self.key)
    }

    /// `s3://BUCKET/KEY.lock`.
    pub fn lock_url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.lock_key())
    }
}

/// Where a lock is, for saying how to wait for it or remove it.
#[derive(Debug, Clone)]
pub enum LockSite {
    File(PathBuf),
    S3 {
        url: String,
        id: String,
        who: String,
    },
}

fn lock_hint(site: &LockSite) -> String {
    match site {
        LockSite::File(path) => format!(" (lock file {})", path.display()),
        LockSite::S3 { url, id, who } => format!(
            " (lock {url}, id {id}, taken by {who}); if that run was killed, remove the lock with `rtm state unlock {id}`"
        ),
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error(
        "state is locked by rtm {} (pid {} on {} since {}); wait for it to finish, or pass --lock-timeout to wait{}",
        .0.command, .0.pid, .0.host, .0.started, lock_hint(.1)
    )]
    Locked(Box<LockHolder>, LockSite),
    #[error("cannot use the state directory {path}: {message}")]
    Dir { path: PathBuf, message: String },
    #[error("cannot use the state lock file {path}: {message}")]
    LockFile { path: PathBuf, message: String },
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
    #[error("{source_name} is not an rtm state document: {message}")]
    BadDocument {
        source_name: String,
        message: String,
    },
    /// Another writer replaced the state object since this run read or
    /// last wrote it (a 412 on the conditional write).
    #[error(
        "state changed in {url} since this run read it (serial {serial}); nothing more was written"
    )]
    Changed { url: String, serial: u64 },
    #[error("this run replaced the state in {url}; nothing more is written to it")]
    Replaced { url: String },
    #[error("cannot {action} {url}: {message}")]
    S3 {
        action: String,
        url: String,
        message: String,
    },
    #[error("{0}")]
    S3Setup(String),
    #[error(
        "{url} holds no state yet, but the local state in {} has {records} address{}: run `rtm state migrate` to copy it there first (or drop the backend configuration to go on with the local state)",
        dir.display(), if *records == 1 { "" } else { "es" }
    )]
    MigrateFirst {
        url: String,
        dir: PathBuf,
        records: usize,
    },
    #[error(
        "{url} already holds another state (lineage {theirs}, {records} address{}); the local state (lineage {ours}) was not copied: use another key, or `rtm state pull` that state to look at it first",
        if *records == 1 { "" } else { "es" }
    )]
    MigrateLineage {
        url: String,
        theirs: String,
        ours: String,
        records: usize,
    },
    #[error(
        "{file} is a state of another lineage ({theirs}; this state is {ours}); nothing was pushed: pass --force to replace this state anyway"
    )]
    PushLineage {
        file: String,
        theirs: String,
        ours: String,
    },
    #[error(
        "{file} has serial {theirs}, not higher than this state's {ours}, so it would undo changes; nothing was pushed: `rtm state pull` the current state and edit that, or pass --force"
    )]
    PushSerial {
        file: String,
        theirs: u64,
        ours: u64,
    },
    #[error("there is no lock at {url}; nothing was removed")]
    NoLock { url: String },
    #[error(
        "the lock at {url} has id {id} (rtm {}, pid {} on {} since {}), not {given}; nothing was removed",
        holder.command, holder.pid, holder.host, holder.started
    )]
    WrongLockId {
        url: String,
        given: String,
        id: String,
        holder: Box<LockHolder>,
    },
    #[error(
        "the local state lock {} is an OS lock: the OS releases it when the run holding it exits, even when it is killed, so there is nothing to unlock",
        .0.display()
    )]
    LocalUnlock(PathBuf),
    #[error("{0}")]
    NotLocal(String),
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

/// What `Store::push` and `Store::migrate_from` wrote.
#[derive(Debug)]
pub struct Replaced {
    pub lineage: String,
    pub serial: u64,
    pub records: usize,
    /// The document had no salt, so one was made: sensitive values read
    /// as changed until the next apply records them again.
    pub new_salt: bool,
}

/// What migrating a local state into a backend would do.
#[derive(Debug, PartialEq, Eq)]
pub enum MigrateCheck {
    /// The backend holds no records, or an older serial of this state.
    Copy { records: usize },
    /// The backend holds this state at this serial or later already.
    AlreadyThere { serial: u64 },
}

/// The state as one moment saw it, read without keeping the lock: what
/// `rtm drift` compares with, so a drift overlapping an apply never fails.
#[derive(Debug)]
pub struct Snapshot {
    pub lineage: String,
    pub serial: u64,
    pub salt: Salt,
    pub records: BTreeMap<Address, Recorded>,
    /// Set when another run held the local lock, so the snapshot is the
    /// backup that run started from (written after every command that
    /// changed state). An S3 snapshot is the object as it is.
    pub locked_by: Option<LockHolder>,
}

/// One record change: the new record, or `None` to forget the address.
type Change<'a> = (&'a Address, Option<&'a Recorded>);

/// What each backend implements; [`Store`] adds the rules they share.
trait StateStore: Send + Sync {
    fn lineage(&self) -> &str;
    fn salt(&self) -> &Salt;
    /// The number of changes made to this state since it was created.
    fn serial(&self) -> Result<u64, Error>;
    fn get(&self, address: &Address) -> Result<Option<Recorded>, Error>;
    fn all(&self) -> Result<BTreeMap<Address, Recorded>, Error>;
    /// Applies the changes and bumps the serial once; the new serial.
    fn write(&self, changes: &[Change]) -> Result<u64, Error>;
    /// Makes every write so far durable.
    fn flush(&self) -> Result<(), Error>;
}

enum Backend {
    Local(local::Local),
    S3(s3::Remote),
}

/// An open, locked state store, on either backend.
pub struct Store {
    location: Location,
    backend: Backend,
}

fn new_lineage() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn new_salt() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Store {
    /// Locks and opens the state at `location` (a [`Location`], or a local
    /// directory), creating it on first use. `command` is recorded in the
    /// lock for whoever has to wait.
    pub fn open(
        location: &(impl Into<Location> + Clone),
        command: &str,
        lock_timeout: Duration,
    ) -> Result<Store, Error> {
        let location: Location = location.clone().into();
        let backend = match &location {
            Location::Local(dir) => Backend::Local(local::Local::open(dir, command, lock_timeout)?),
            Location::S3(loc) => {
                Backend::S3(s3::Remote::open(loc, command, lock_timeout, s3::Mode::Run)?)
            }
        };
        Ok(Store { location, backend })
    }

    /// Locks the state at `location` to replace it whole ([`Store::push`],
    /// [`Store::migrate_from`]): an S3 state that does not exist yet is
    /// not created first, and no local state stands in the way.
    pub fn open_to_replace(
        location: &Location,
        command: &str,
        lock_timeout: Duration,
    ) -> Result<Store, Error> {
        let backend = match location {
            Location::Local(dir) => Backend::Local(local::Local::open(dir, command, lock_timeout)?),
            Location::S3(loc) => {
                let loc = S3Location {
                    local_state: None,
                    ..(**loc).clone()
                };
                Backend::S3(s3::Remote::open(
                    &loc,
                    command,
                    lock_timeout,
                    s3::Mode::Replace,
                )?)
            }
        };
        Ok(Store {
            location: location.clone(),
            backend,
        })
    }

    /// Reads the state without holding the lock past the read. Local: from
    /// the database when no one holds the lock, else from the backup the
    /// holder started from (empty when there is none yet). S3: the object.
    pub fn snapshot(location: &Location, command: &str) -> Result<Snapshot, Error> {
        match location {
            Location::Local(dir) => local::Local::snapshot(dir, command),
            Location::S3(loc) => s3::Remote::snapshot(loc),
        }
    }

    /// Rebuilds the local database under `dir` from a backup written by
    /// `write_backup`: takes the lock, checks the whole backup before
    /// touching anything, moves an existing `rtm.db` aside (never deletes
    /// it), and writes every record with the backup's lineage and salt.
    pub fn restore(
        dir: &Path,
        from: &Path,
        command: &str,
        lock_timeout: Duration,
    ) -> Result<Restored, Error> {
        local::Local::restore(dir, from, command, lock_timeout)
    }

    /// Removes the S3 lock a killed run left, only if its id is `id`; the
    /// lock removed.
    pub fn unlock(location: &Location, id: &str) -> Result<RemoteLock, Error> {
        match location {
            Location::Local(dir) => Err(Error::LocalUnlock(dir.join("rtm.lock"))),
            Location::S3(loc) => s3::Remote::unlock(loc, id),
        }
    }

    fn backend(&self) -> &dyn StateStore {
        match &self.backend {
            Backend::Local(s) => s,
            Backend::S3(s) => s,
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The id of the S3 lock this run holds (`None` for the local lock).
    pub fn lock_id(&self) -> Option<&str> {
        match &self.backend {
            Backend::Local(_) => None,
            Backend::S3(s) => Some(&s.lock().id),
        }
    }

    pub fn lineage(&self) -> &str {
        self.backend().lineage()
    }

    pub fn salt(&self) -> &Salt {
        self.backend().salt()
    }

    /// The number of writes made to this state since it was created.
    pub fn serial(&self) -> Result<u64, Error> {
        self.backend().serial()
    }

    pub fn get(&self, address: &Address) -> Result<Option<Recorded>, Error> {
        self.backend().get(address)
    }

    /// Every record, by address.
    pub fn all(&self) -> Result<BTreeMap<Address, Recorded>, Error> {
        self.backend().all()
    }

    /// Writes one record and bumps the serial. Local: flushed when this
    /// returns. S3: in memory at once and in S3 within a second (never
    /// waiting for the network here); after a failed S3 write every put
    /// fails with that write's error.
    pub fn put(&self, address: &Address, record: &Recorded) -> Result<u64, Error> {
        self.backend().write(&[(address, Some(record))])
    }

    /// Forgets an address (no effect on Lambda).
    pub fn remove(&self, address: &Address) -> Result<bool, Error> {
        if self.get(address)?.is_none() {
            return Ok(false);
        }
        self.backend().write(&[(address, None)])?;
        Ok(true)
    }

    /// Moves the record at `from` to `to` (a renamed label), in one write.
    /// Fails when `from` is not in state or `to` already is.
    pub fn rename(&self, from: &Address, to: &Address) -> Result<(), Error> {
        let record = self
            .get(from)?
            .ok_or_else(|| Error::NotInState(from.clone()))?;
        if self.get(to)?.is_some() {
            return Err(Error::AlreadyInState(to.clone()));
        }
        self.backend().write(&[(from, None), (to, Some(&record))])?;
        Ok(())
    }

    /// Writes what is pending now (S3); local writes are always flushed.
    pub fn flush(&self) -> Result<(), Error> {
        self.backend().flush()
    }

    /// Writes the local state's JSON backup next to the database, the
    /// recovery path if sled ever refuses to open. A no-op for S3, whose
    /// object is that document already.
    pub fn write_backup(&self) -> Result<(), Error> {
        match &self.backend {
            Backend::Local(s) => s.write_backup(),
            Backend::S3(_) => Ok(()),
        }
    }

    /// The whole state as one document (`state pull`).
    pub fn document(&self) -> Result<Document, Error> {
        Ok(Document::of(
            self.lineage(),
            self.serial()?,
            &self.salt().0,
            &self.all()?,
        ))
    }

    /// Replaces the state with `doc` (`state push`; `source` names it in
    /// errors). Refused when this state holds records and `doc` is of
    /// another lineage or not of a higher serial, unless `force`.
    pub fn push(self, doc: Document, source: &str, force: bool) -> Result<Replaced, Error> {
        let serial = self.serial()?;
        if !force && !self.all()?.is_empty() {
            if doc.lineage != self.lineage() {
                return Err(Error::PushLineage {
                    file: source.to_string(),
                    theirs: doc.lineage,
                    ours: self.lineage().to_string(),
                });
            }
            if doc.serial <= serial {
                return Err(Error::PushSerial {
                    file: source.to_string(),
                    theirs: doc.serial,
                    ours: serial,
                });
            }
        }
        doc.records(source)?;
        self.replace(doc)
    }

    /// What copying `from` (the local state) into this store would do;
    /// an error when this store holds records of another lineage.
    pub fn migrate_check(&self, from: &Store) -> Result<MigrateCheck, Error> {
        let here = self.all()?;
        let records = from.all()?.len();
        if here.is_empty() {
            return Ok(MigrateCheck::Copy { records });
        }
        if self.lineage() != from.lineage() {
            return Err(Error::MigrateLineage {
                url: self.location.to_string(),
                theirs: self.lineage().to_string(),
                ours: from.lineage().to_string(),
                records: here.len(),
            });
        }
        let serial = self.serial()?;
        if serial >= from.serial()? {
            return Ok(MigrateCheck::AlreadyThere { serial });
        }
        Ok(MigrateCheck::Copy { records })
    }

    /// Copies `from` (the local state) here whole: its lineage, salt and
    /// records; call [`Store::migrate_check`] first.
    pub fn migrate_from(self, from: &Store) -> Result<Replaced, Error> {
        self.replace(from.document()?)
    }

    /// Writes `doc` in place of this state. Its serial goes above this
    /// state's (when there is one), so a plan saved against either is
    /// refused as stale; a document without a salt gets a new one.
    fn replace(self, doc: Document) -> Result<Replaced, Error> {
        let existed = match &self.backend {
            Backend::Local(_) => true,
            Backend::S3(s) => s.existed(),
        };
        let serial = if existed {
            doc.serial.max(self.serial()? + 1)
        } else {
            doc.serial
        };
        let (salt, made_salt) = match doc.salt {
            Some(salt) => (salt, false),
            None if doc.lineage == self.lineage() => (self.salt().0.clone(), false),
            None => (new_salt(), true),
        };
        let doc = Document {
            serial,
            salt: Some(salt.clone()),
            ..doc
        };
        match self.backend {
            Backend::Local(s) => s.replace(&doc, &salt)?,
            Backend::S3(s) => s.replace(&doc)?,
        }
        Ok(Replaced {
            lineage: doc.lineage,
            serial,
            records: doc.resources.len(),
            new_salt: made_salt,
        })
    }
}

#[cfg(test)]
mod tests;
