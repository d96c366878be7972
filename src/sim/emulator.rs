//! The emulator's shared state, handed to every handler: the store, the
//! account and region it emulates, the gate of quotas and faults, and the
//! failures the admin API asked for. It must not serve requests itself.

use std::collections::HashMap;
use std::sync::Mutex;

use super::faults::{Gate, Settings};
use super::names::Place;
use super::records::InjectedFailure;
use super::store::Store;

/// Everything the handlers share.
pub struct Sim {
    pub store: Store,
    pub place: Place,
    pub gate: Gate,
    /// Failures the admin API asked for, per function name, used by the next update.
    injected_failures: Mutex<HashMap<String, InjectedFailure>>,
}

impl Sim {
    pub fn new(store: Store, place: Place, settings: Settings, fault_seed: Option<u64>) -> Sim {
        Sim {
            store,
            place,
            gate: Gate::new(settings, fault_seed),
            injected_failures: Mutex::new(HashMap::new()),
        }
    }

    pub fn settings(&self) -> Settings {
        self.gate.settings()
    }

    pub fn inject_failure(&self, function_name: String, failure: InjectedFailure) {
        self.injected_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(function_name, failure);
    }

    pub fn take_injected_failure(&self, function_name: &str) -> Option<InjectedFailure> {
        self.injected_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(function_name)
    }
}
