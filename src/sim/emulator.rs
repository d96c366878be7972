//! The emulator's shared state, handed to every handler: the store, who it
//! knows and where it serves (`identity`), the gate of quotas and faults,
//! and the failures the admin API asked for. It must not serve requests
//! itself.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::faults::{Gate, Settings};
use super::identity::Identities;
use super::names::Place;
use super::records::{FunctionKey, InjectedFailure};
use super::store::Store;

/// Everything the handlers share.
pub struct Sim {
    pub store: Store,
    pub identities: Identities,
    pub gate: Gate,
    /// Failures the admin API asked for, per function, used by its next update.
    injected_failures: Mutex<HashMap<FunctionKey, InjectedFailure>>,
    /// The last Lambda requests received (`GET /_sim/requests`), so a test
    /// can compare what a client sent with what it meant to send.
    journal: Mutex<VecDeque<JournalEntry>>,
}

/// One Lambda request as received.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JournalEntry {
    pub operation: String,
    pub method: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    pub query: String,
    /// The body, as JSON when it is JSON, else as text; `null` when empty.
    pub body: serde_json::Value,
    pub account: String,
    pub region: String,
}

/// How many requests the journal keeps.
const JOURNAL_SIZE: usize = 10_000;

impl Sim {
    pub fn new(
        store: Store,
        identities: Identities,
        settings: Settings,
        fault_seed: Option<u64>,
    ) -> Sim {
        Sim {
            store,
            identities,
            gate: Gate::new(settings, fault_seed),
            injected_failures: Mutex::new(HashMap::new()),
            journal: Mutex::new(VecDeque::new()),
        }
    }

    pub fn record_request(&self, entry: JournalEntry) {
        let mut j = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        if j.len() == JOURNAL_SIZE {
            j.pop_front();
        }
        j.push_back(entry);
    }

    /// The journal, oldest first, for the places `keep` accepts.
    pub fn requests(&self, keep: impl Fn(&JournalEntry) -> bool) -> Vec<JournalEntry> {
        let j = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        j.iter().filter(|e| keep(e)).cloned().collect()
    }

    pub fn clear_requests(&self) {
        self.journal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Where unsigned requests (and the admin API, by default) are served.
    pub fn default_place(&self) -> &Place {
        self.identities.default_place()
    }

    pub fn settings(&self) -> Settings {
        self.gate.settings()
    }

    pub fn inject_failure(&self, function: FunctionKey, failure: InjectedFailure) {
        self.injected_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(function, failure);
    }

    pub fn take_injected_failure(&self, function: &FunctionKey) -> Option<InjectedFailure> {
        self.injected_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(function)
    }
}
