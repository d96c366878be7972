//! `rtm state list | show | rm | history | restore`: read, prune and
//! recover state without touching Lambda.

use std::io::Write;

use super::{GlobalArgs, Outcome, session};
use crate::model::{Address, StoredValue};

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
    let dir = global.state_dir();
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
                        store.dir().display(),
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
            session::write_backup(&store);
            print(&format!(
                "Removed {a} from state; Lambda was not touched.\n"
            ))?;
        }
        StateArgs::Mv { from, to } => {
            let store = store()?;
            let (from, to) = (parse(&from)?, parse(&to)?);
            store.rename(&from, &to)?;
            session::write_backup(&store);
            print(&format!(
                "Moved {from} to {to} in state; Lambda was not touched.\n"
            ))?;
        }
        StateArgs::Restore { from } => return restore(global, from),
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
