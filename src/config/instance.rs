//! What one function instance is typed from and checked against: its own
//! evaluated fields and the defaults' (`View` gives the effective field at
//! a path), the settings, the policy and today's date (`Env`).
//!
//! Holds no typing rule and reports nothing.

use std::collections::BTreeMap;

use super::policy::PolicyLocs;
use super::syntax::Loc;
use super::typing::{Field, Fields};
use crate::model::{Address, Policy, Settings, SourceLocation};

/// What every function is checked against.
pub struct Env<'a> {
    pub settings: &'a Settings,
    pub policy: &'a Policy,
    pub policy_locs: &'a PolicyLocs,
    pub defaults: &'a Fields,
    /// The account blocks, by name.
    pub accounts: &'a BTreeMap<String, super::accounts::Declared>,
    pub today: jiff::civil::Date,
}

/// One function instance to type and check.
pub struct Instance<'a> {
    /// Paths whose value could not be evaluated (already reported): their
    /// absence must not cause follow-on errors such as "requires X".
    pub poisoned: &'a [String],
    pub address: &'a Address,
    pub label_loc: &'a Loc,
    pub fields: &'a Fields,
    pub block_locs: &'a BTreeMap<String, Loc>,
    pub source: &'a SourceLocation,
}

/// The effective field at `path`: the function's own, else the defaults'.
pub struct View<'a> {
    pub own: &'a Fields,
    pub defaults: &'a Fields,
    /// Published versions are immutable: defaults' configuration does not apply.
    pub config_defaults: bool,
}

impl<'a> View<'a> {
    pub fn get(&self, path: &str) -> Option<&'a Field> {
        self.own.get(path).or_else(|| {
            if !self.config_defaults && path.starts_with("configuration.") {
                None
            } else {
                self.defaults.get(path)
            }
        })
    }
    pub fn any_under(&self, prefix: &str) -> bool {
        let in_own = self
            .own
            .range(prefix.to_string()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(prefix));
        let in_defaults = (self.config_defaults || !prefix.starts_with("configuration."))
            && self
                .defaults
                .range(prefix.to_string()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(prefix));
        in_own || in_defaults
    }
}
