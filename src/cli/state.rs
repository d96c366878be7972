//! `rtm state list | show | rm | mv | history | restore | pull | push |
//! migrate | unlock`: read, prune, move and recover state without touching
//! Lambda; and where the state is (`--backend-config`).

use std::io::{IsTerminal, Write};

use super::backend::location;
use super::{GlobalArgs, Outcome, session};
use crate::model::{Address, StoredValue};
use crate::state::{Document, Location, MigrateCheck, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum StateFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum StateArgs {
    /// List the addresses in state, with the state's serial and lineage.
    List {
        /// human: for reading; json: one document for scripts.
        #[arg(long, value_enum, default_value_t = StateFormat::Human)]
        format: StateFormat,
    },
    /// Show one address's record (sensitive values only as hashes).
    Show {
        address: String,
        /// human: for reading; json: one document for scripts.
        #[arg(long, value_enum, default_value_t = StateFormat::Human)]
        format: StateFormat,
    },
    /// Forget an address; Lambda is not touched.
    Rm { address: String },
    /// Move a record to another address (after renaming a block's label or
    /// for_each key), so the function keeps its history; Lambda is not touched.
    Mv {
        /// The address the record is at now.
        from: String,
        /// The address the configuration declares it as.
        to: String,
    },
    /// The runtime versions observed on an address.
    History {
        address: String,
        /// human: for reading; json: one document for scripts.
        #[arg(long, value_enum, default_value_t = StateFormat::Human)]
        format: StateFormat,
    },
    /// Rebuild the state database from its JSON backup (rtm.backup.json,
    /// rewritten after every change). The database it replaces is moved
    /// aside, never deleted.
    Restore {
        /// The backup to restore [default: rtm.backup.json in the state directory]
        #[arg(long, value_name = "FILE")]
        from: Option<std::path::PathBuf>,
    },
    /// Print the whole state as one JSON document (sensitive values only
    /// as hashes), for `state push` or a look.
    Pull,
    /// Replace the state with a document (from `state pull`); refused when
    /// it is of another lineage or not of a higher serial, unless --force.
    Push {
        /// The state document, or - for standard input.
        file: String,
        /// Replace the state even when the lineage differs or the serial is
        /// not higher.
        #[arg(long)]
        force: bool,
    },
    /// Copy the local state (--state DIR) into the configured backend.
    Migrate {
        /// Copy without asking for confirmation.
        #[arg(long)]
        auto_approve: bool,
    },
    /// Remove the S3 lock a killed run left behind; the lock's id (in the
    /// "state is locked" error) is the confirmation.
    Unlock {
        /// The id of the lock to remove.
        id: String,
    },
}

fn print(text: &str) -> Result<(), crate::Error> {
    let mut out = anstream::stdout();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| crate::Error::io("cannot write to stdout", e))
}

fn parse(address: &str) -> Result<Address, crate::Error> {
    Address::parse(address).map_err(crate::Error::Argument)
}

fn restore(global: &GlobalArgs, from: Option<std::path::PathBuf>) -> Result<Outcome, crate::Error> {
    let dir = match location(global)? {
        Location::Local(dir) => dir,
        Location::S3(loc) => {
            return Err(crate::Error::Argument(format!(
                "state restore rebuilds a local database; the state is in {}: replace it with `rtm state push FILE` instead",
                loc.url()
            )));
        }
    };
    let from = from.unwrap_or_else(|| dir.join("rtm.backup.json"));
    let done = crate::state::Store::restore(&dir, &from, "state restore", global.lock_timeout)?;
    let mut text = format!(
        "Restored {} address{} from {} into {} (lineage {}, serial {}).\n",
        done.records,
        if done.records == 1 { "" } else { "es" },
        from.display(),
        dir.join("rtm.db").display(),
        done.lineage,
        done.serial
    );
    if let Some(aside) = &done.moved_aside {
        text.push_str(&format!(
            "The database it replaced was moved to {}; delete it once rtm plan looks right.\n",
            aside.display()
        ));
    }
    if done.new_salt {
        text.push_str("The backup has no salt (an older rtm wrote it): sensitive values read as drifted until the next apply records them again.\n");
    }
    print(&text)?;
    Ok(Outcome::Success)
}

pub fn run(global: &GlobalArgs, args: StateArgs) -> Result<Outcome, crate::Error> {
    // Restore must not open the database it replaces.
    let store = || session::open_store(global, "state");
    match args {
        StateArgs::List { format } => {
            let store = store()?;
            let records = store.all()?;
            let serial = store.serial()?;
            match format {
                StateFormat::Json => print(
                    &(serde_json::to_string_pretty(&serde_json::json!({
                        "format_version": crate::render::JSON_FORMAT_VERSION,
                        "lineage": store.lineage(),
                        "serial": serial,
                        "addresses": records.iter().map(|(a, r)| serde_json::json!({
                            "address": a.to_string(),
                            "function_name": r.function_name,
                            "qualifier": r.qualifier.to_string(),
                        })).collect::<Vec<_>>(),
                    }))
                    .unwrap_or_default()
                        + "\n"),
                )?,
                StateFormat::Human => {
                    let mut text = format!(
                        "state {} (lineage {}, serial {serial}): {} address{}\n",
                        store.location(),
                        store.lineage(),
                        records.len(),
                        if records.len() == 1 { "" } else { "es" }
                    );
                    for (a, r) in &records {
                        text.push_str(&format!("  {a}  {} ({})\n", r.function_name, r.qualifier));
                    }
                    print(&text)?;
                }
            }
        }
        StateArgs::Show { address, format } => {
            let store = store()?;
            let a = parse(&address)?;
            let r = store
                .get(&a)?
                .ok_or_else(|| crate::state::Error::NotInState(a.clone()))?;
            match format {
                StateFormat::Json => {
                    let mut doc = serde_json::to_value(&r).unwrap_or_default();
                    if let Some(fields) = doc.as_object_mut() {
                        fields.insert(
                            "format_version".into(),
                            crate::render::JSON_FORMAT_VERSION.into(),
                        );
                        fields.insert("address".into(), a.to_string().into());
                    }
                    print(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"))?
                }
                StateFormat::Human => {
                    let mut text = format!(
                        "{a}\n  function     {}\n  arn          {}\n  qualifier    {}\n  revision_id  {}\n  refreshed    {}\n  last applied:\n",
                        r.function_name,
                        r.function_arn.as_deref().unwrap_or("(unknown)"),
                        r.qualifier,
                        r.revision_id.as_deref().unwrap_or("(none)"),
                        r.refreshed_at.map_or("(never)".into(), |t| t.to_string()),
                    );
                    for (path, v) in &r.last_applied {
                        let shown = match v {
                            StoredValue::Plain(v) => v.to_string(),
                            StoredValue::Hashed { sha256 } => format!(
                                "(sensitive, sha256 {}...)",
                                &sha256[..12.min(sha256.len())]
                            ),
                        };
                        text.push_str(&format!("    {path} = {shown}\n"));
                    }
                    print(&text)?;
                }
            }
        }
        StateArgs::Rm { address } => {
            let store = store()?;
            let a = parse(&address)?;
            if !store.remove(&a)? {
                return Err(crate::state::Error::NotInState(a.clone()).into());
            }
            session::finish(&store)?;
            print(&format!(
                "Removed {a} from state; Lambda was not touched.\n"
            ))?;
        }
        StateArgs::Mv { from, to } => {
            let store = store()?;
            let (from, to) = (parse(&from)?, parse(&to)?);
            store.rename(&from, &to)?;
            session::finish(&store)?;
            print(&format!(
                "Moved {from} to {to} in state; Lambda was not touched.\n"
            ))?;
        }
        StateArgs::Restore { from } => return restore(global, from),
        StateArgs::Pull => print(&store()?.document()?.to_pretty())?,
        StateArgs::Push { file, force } => return push(global, &file, force),
        StateArgs::Migrate { auto_approve } => return migrate(global, auto_approve),
        StateArgs::Unlock { id } => {
            let location = location(global)?;
            let lock = Store::unlock(&location, &id)?;
            print(&format!(
                "Removed the lock {} (rtm {}, pid {} on {} since {}) from {location}; the state itself was not changed.\n",
                lock.id, lock.operation, lock.pid, lock.host, lock.created
            ))?;
        }
        StateArgs::History { address, format } => {
            let store = store()?;
            let a = parse(&address)?;
            let r = store
                .get(&a)?
                .ok_or_else(|| crate::state::Error::NotInState(a.clone()))?;
            match format {
                StateFormat::Json => print(
                    &(serde_json::to_string_pretty(&serde_json::json!({
                        "format_version": crate::render::JSON_FORMAT_VERSION,
                        "address": a.to_string(),
                        "runtime_versions": r.runtime_versions,
                    }))
                    .unwrap_or_default()
                        + "\n"),
                )?,
                StateFormat::Human => {
                    let mut text = format!(
                        "{a}: {} runtime version(s) observed, oldest first\n",
                        r.runtime_versions.len()
                    );
                    for v in &r.runtime_versions {
                        text.push_str(&format!(
                            "  {}  first seen {}  last seen {}\n",
                            v.arn,
                            v.first_seen.strftime("%Y-%m-%d %H:%M UTC"),
                            v.last_seen.strftime("%Y-%m-%d %H:%M UTC")
                        ));
                    }
                    print(&text)?;
                }
            }
        }
    }
    Ok(Outcome::Success)
}

/// Documents larger than this are refused before parsing.
const MAX_DOCUMENT: u64 = 256 << 20;

fn push(global: &GlobalArgs, file: &str, force: bool) -> Result<Outcome, crate::Error> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_DOCUMENT)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(MAX_DOCUMENT).read_to_end(&mut bytes))
    };
    read.map_err(|e| crate::Error::io(format!("cannot read {file}"), e))?;
    let name = if file == "-" { "standard input" } else { file };
    let doc = Document::parse(&bytes, name)?;
    let location = location(global)?;
    let store = Store::open_to_replace(&location, "state push", global.lock_timeout)?;
    let done = store.push(doc, name, force)?;
    let mut text = format!(
        "Pushed {name} to {location}: lineage {}, serial {}, {} address{}.\n",
        done.lineage,
        done.serial,
        done.records,
        if done.records == 1 { "" } else { "es" }
    );
    if done.new_salt {
        text.push_str("The document has no salt, so a new one was made: sensitive values read as changed until the next apply records them again.\n");
    }
    print(&text)?;
    Ok(Outcome::Success)
}

fn migrate(global: &GlobalArgs, auto_approve: bool) -> Result<Outcome, crate::Error> {
    let target = location(global)?;
    if matches!(target, Location::Local(_)) {
        return Err(crate::Error::Argument(
            "state migrate copies the local state into a backend, and none is configured: pass --backend-config bucket=NAME --backend-config key=PATH".into(),
        ));
    }
    let dir = global.state_dir();
    if !dir.join("rtm.db").exists() {
        return Err(crate::Error::Argument(format!(
            "there is no local state in {} to migrate (see --state)",
            dir.display()
        )));
    }
    let local = Store::open(
        &Location::Local(dir.clone()),
        "state migrate",
        global.lock_timeout,
    )?;
    let remote = Store::open_to_replace(&target, "state migrate", global.lock_timeout)?;
    let records = match remote.migrate_check(&local)? {
        MigrateCheck::AlreadyThere { serial } => {
            print(&format!(
                "{target} already holds this state (lineage {}, serial {serial}); nothing was copied.\n",
                local.lineage()
            ))?;
            return Ok(Outcome::Success);
        }
        MigrateCheck::Copy { records } => records,
    };
    let what = format!(
        "the local state in {} (lineage {}, serial {}, {records} address{})",
        dir.display(),
        local.lineage(),
        local.serial()?,
        if records == 1 { "" } else { "es" }
    );
    if !auto_approve {
        confirm(&format!("Copy {what} to {target}?"))?;
    }
    let done = remote.migrate_from(&local)?;
    print(&format!(
        "Copied {what} to {target} (serial {}). Runs with this backend use it from now on; the local state was left as it is.\n",
        done.serial
    ))?;
    Ok(Outcome::Success)
}

/// Asks on the terminal; without one, says to pass --auto-approve.
fn confirm(question: &str) -> Result<(), crate::Error> {
    if !std::io::stdin().is_terminal() {
        return Err(crate::Error::NotConfirmed(format!(
            "{question} needs confirmation and there is no terminal to ask on: pass --auto-approve"
        )));
    }
    eprint!("{question} Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| crate::Error::io("cannot read the answer", e))?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(crate::Error::NotConfirmed(
            "cancelled; nothing was copied".into(),
        ))
    }
}
