//! The emulator's shared state, handed to every handler: the store, who it
//! knows and where it serves (`identity`), the gate of quotas and faults,
//! and the failures the admin API asked for. It must not serve requests
//! itself.

use std::collections::HashMap;
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
}

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
        }
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
