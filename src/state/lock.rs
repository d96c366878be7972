//! The state lock: a file next to the database, locked with the OS's
//! advisory lock (released by the kernel even on SIGKILL, so it never goes
//! stale), holding who took it so a waiting run can say so.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{Error, LockSite};

/// Who holds the lock, as written into the lock file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    pub command: String,
    pub started: String,
}

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
}

impl LockGuard {
    pub fn acquire(path: &Path, command: &str, timeout: Duration) -> Result<LockGuard, Error> {
        let io = |e: std::io::Error| Error::LockFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let deadline = Instant::now() + timeout;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    if Instant::now() >= deadline {
                        return Err(Error::Locked(
                            Box::new(read_holder(&mut file)),
                            LockSite::File(path.to_path_buf()),
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let holder = LockHolder {
            pid: std::process::id(),
            host: hostname(),
            command: command.to_string(),
            started: now(),
        };
        let text = serde_json::to_string(&holder).unwrap_or_default();
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(text.as_bytes()))
            .and_then(|_| file.sync_data())
            .map_err(io)?;
        Ok(LockGuard { file })
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Clear the holder so a reader never blames a finished run.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> LockHolder {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut text);
    serde_json::from_str(&text).unwrap_or(LockHolder {
        pid: 0,
        host: "unknown host".into(),
        command: "(starting)".into(),
        started: "just now".into(),
    })
}

/// Now, to the second, as a lock records when it was taken.
pub(super) fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or(jiff::Timestamp::now())
        .to_string()
}

pub(super) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}
