//! Ctrl-C, everywhere: rtm never dies silently on SIGINT.
//!
//! A watcher thread owns the signal from the start of a run. While nothing
//! long-running has said it can stop gracefully, an interrupt prints one line
//! and exits 130 at once (every state write is already flushed, and the
//! kernel releases the state lock). While a read or an apply is in flight,
//! it sets a flag and wakes the waiters instead, so the command unwinds:
//! reads are dropped, apply finishes the steps in flight and records them,
//! the lock file is cleared, and the command exits 130. A second Ctrl-C
//! always exits at once.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::Notify;

/// The exit code of a run stopped by SIGINT (128 + 2), as shells report it.
pub const EXIT_CODE: u8 = 130;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static GRACEFUL: AtomicUsize = AtomicUsize::new(0);
static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Starts watching for Ctrl-C; call once, first thing.
pub fn watch() {
    let spawned = std::thread::Builder::new()
        .name("rtm-interrupt".into())
        .spawn(|| {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                loop {
                    if tokio::signal::ctrl_c().await.is_err() {
                        return;
                    }
                    let again = INTERRUPTED.swap(true, Ordering::SeqCst);
                    if again || GRACEFUL.load(Ordering::SeqCst) == 0 {
                        // An S3 state: its pending records and its lock.
                        crate::state::release_all(std::time::Duration::from_secs(5));
                        eprintln!("\nInterrupted; rtm stopped here.");
                        std::process::exit(i32::from(EXIT_CODE));
                    }
                    WAKE.notify_waiters();
                }
            });
        });
    if let Err(e) = spawned {
        tracing::warn!("Ctrl-C will stop rtm without a message: {e}");
    }
}

/// Whether Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// While alive, Ctrl-C does not exit the process: it sets the flag and wakes
/// [`wait`], for the holder to unwind.
pub struct Graceful(());

impl Graceful {
    pub fn begin() -> Graceful {
        GRACEFUL.fetch_add(1, Ordering::SeqCst);
        Graceful(())
    }
}

impl Drop for Graceful {
    fn drop(&mut self) {
        GRACEFUL.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Resolves when Ctrl-C is pressed (at once if it already was).
pub async fn wait() {
    loop {
        let notified = WAKE.notified();
        if interrupted() {
            return;
        }
        notified.await;
    }
}

/// Runs `work` until it ends or Ctrl-C is pressed; then it is dropped (its
/// requests abandoned) and the run ends with [`crate::Error::Interrupted`].
pub async fn or_interrupt<T>(
    work: impl std::future::Future<Output = Result<T, crate::Error>>,
) -> Result<T, crate::Error> {
    let _graceful = Graceful::begin();
    tokio::select! {
        result = work => result,
        () = wait() => Err(crate::Error::Interrupted),
    }
}
