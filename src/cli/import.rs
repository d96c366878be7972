//! `rtm import`: adopt live functions. Writes canonical HCL declaring their
//! current runtime management (and the configuration fields asked for) and
//! records them in state as applied, so the next plan is empty. Never
//! overwrites an address or a file that exists.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use super::{GlobalArgs, Outcome, session};
use crate::aws::Target;
use crate::model::{
    ATTRIBUTES, Address, AttrValue, FunctionRef, Kind, Live, Qualifier, UpdateRuntimeOn,
};

/// The `--fields` names: each managed attribute's top-level name in the
/// `configuration` block (`memory_size`, `logging_config`, ...), from the
/// attribute table; a block name stands for all of its attributes. The
/// environment is not importable: its values are secrets rtm never writes.
fn field_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for a in ATTRIBUTES.iter().filter(|a| a.kind != Kind::Map) {
        let name = field_of(a.path);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn field_of(path: &'static str) -> &'static str {
    let rest = path.strip_prefix("configuration.").unwrap_or(path);
    rest.split('.').next().unwrap_or(rest)
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["all", "functions", "take_over"]))]
pub struct ImportArgs {
    #[command(flatten)]
    pub scope: super::AccountScope,
    /// Import every function in the region.
    #[arg(long)]
    pub all: bool,
    /// Import these functions (name or ARN); repeatable.
    #[arg(long = "function", value_name = "NAME")]
    pub functions: Vec<String>,
    /// Move functions another rtm state manages to this one: re-tag them
    /// `rtm:lineage` with this state's lineage (asks on a terminal;
    /// --auto-approve in CI). ADDR as in --target.
    #[arg(long = "take-over", value_name = "ADDR", num_args = 1..)]
    pub take_over: Vec<String>,
    /// Take over without asking.
    #[arg(long, requires = "take_over")]
    pub auto_approve: bool,
    /// The file to write [default: DIR/imported.rtm.hcl]; it must not exist.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Configuration fields to declare besides runtime management (any
    /// managed attribute of the configuration block, by its name there:
    /// runtime, handler, memory_size, timeout, description, role, layers,
    /// kms_key_arn, ephemeral_storage, tracing_config, logging_config,
    /// vpc_config, dead_letter_config, file_system_config, image_config,
    /// snap_start).
    #[arg(long, value_delimiter = ',', default_value = "runtime")]
    pub fields: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: ImportArgs) -> Result<Outcome, crate::Error> {
    if !args.take_over.is_empty() {
        return take_over(global, &args);
    }
    let names = field_names();
    let mut paths: Vec<&str> = Vec::new();
    for f in &args.fields {
        if !names.contains(&f.as_str()) {
            return Err(crate::Error::Argument(format!(
                "--fields: {f:?} is not importable; choose from {}",
                names.join(", ")
            )));
        }
        paths.extend(
            ATTRIBUTES
                .iter()
                .filter(|a| a.kind != Kind::Map && field_of(a.path) == f)
                .map(|a| a.path),
        );
    }
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| global.dir.join("imported.rtm.hcl"));
    if out_path.exists() {
        return Err(crate::Error::Import(format!(
            "{} exists; rtm import never overwrites a file: pass --out with a new file name",
            out_path.display()
        )));
    }
    let has_config = std::fs::read_dir(&global.dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".rtm.hcl"))
        })
        .unwrap_or(false);
    let desired = if has_config {
        session::load_config(global)?.desired
    } else {
        crate::model::Desired::default()
    };
    let store = session::open_store(global, "import")?;
    // Where to import from: every --account (or the default credentials)
    // in every --region (or the default region).
    let accounts: Vec<Option<String>> = if global.accounts.is_empty() {
        vec![None]
    } else {
        global
            .accounts
            .iter()
            .map(|a| (a != "default").then(|| a.clone()))
            .collect()
    };
    let regions: Vec<String> = if global.region.is_empty() {
        vec![String::new()]
    } else {
        global.region.clone()
    };
    let sources: Vec<Target> = accounts
        .iter()
        .flat_map(|a| {
            regions.iter().map(move |r| Target {
                account: a.clone(),
                region: r.clone(),
            })
        })
        .collect();
    let imported: Vec<(Target, Live)> = session::block_on(async {
        let conn = session::Connection::open(global, &desired, &sources).await?;
        let mut all = Vec::new();
        for source in &sources {
            let lambda = conn
                .fleet
                .lambda(source.account.as_deref(), Some(source.region.as_str()))
                .ok_or_else(|| crate::Error::Import(format!("no client for {source:?}")))?;
            let target = Target {
                account: source.account.clone(),
                region: lambda.region().to_string(),
            };
            let mut lives: Vec<Live> = if args.all {
                lambda.list_functions().await?
            } else {
                let mut v = Vec::new();
                for name in &args.functions {
                    let (f, _) = FunctionRef::parse(name)
                        .map_err(|e| crate::Error::Argument(format!("--function: {e}")))?;
                    v.push(lambda.get_function(&f, Qualifier::Latest).await?);
                }
                v
            };
            for live in &mut lives {
                if live.package_type != "Image" {
                    let f = FunctionRef::parse(&live.function_arn)
                        .map_err(|e| crate::Error::Import(e.to_string()))?
                        .0;
                    live.runtime_management =
                        lambda.get_runtime_management(&f, Qualifier::Latest).await?;
                }
            }
            all.extend(lives.into_iter().map(|l| (target.clone(), l)));
        }
        conn.close().await;
        Ok::<_, crate::Error>(all)
    })?;

    // A function is declared when a block names it in the same account
    // (block) and region.
    let declared: Vec<(Option<&str>, Option<&str>, &str)> = desired
        .functions
        .values()
        .map(|f| {
            (
                f.account.as_deref(),
                f.region.as_deref(),
                f.function.name.as_str(),
            )
        })
        .collect();
    let several = sources.len() > 1;
    let mut text = String::new();
    let mut skipped = Vec::new();
    let mut records = Vec::new();
    for (target, live) in &imported {
        let name = live
            .function_arn
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string();
        // Across accounts and regions the same name is several functions:
        // each gets its own label.
        let label = if several {
            label_for(&format!(
                "{name}_{}_{}",
                target.account.as_deref().unwrap_or("default"),
                target.region
            ))
            .replace('-', "_")
        } else {
            label_for(&name)
        };
        let address = Address::new(label.clone(), None);
        let same_place = |(a, r, n): &(Option<&str>, Option<&str>, &str)| {
            *n == name && *a == target.account.as_deref() && r.is_none_or(|r| r == target.region)
        };
        if declared.iter().any(same_place)
            || desired.functions.contains_key(&address)
            || store.get(&address)?.is_some()
        {
            skipped.push(name);
            continue;
        }
        if !records.is_empty() {
            text.push('\n');
        }
        let place = several.then_some(target);
        text.push_str(&block(&label, &name, place, live, &paths));
        records.push((address, target.account.as_deref(), live));
    }
    // The file first: state records without their HCL would be worse than
    // HCL without records (whose first plan is empty all the same).
    let written = records.len();
    if written > 0 {
        std::fs::write(&out_path, &text)
            .map_err(|e| crate::Error::io(format!("cannot write {}", out_path.display()), e))?;
        let now = global.now()?;
        for (address, account, live) in &records {
            crate::apply::record::imported(&store, address, *account, live, &paths, now)?;
        }
    }
    session::finish(&store)?;
    let mut out = anstream::stdout();
    let _ = writeln!(
        out,
        "{}{}.",
        if written == 0 {
            "Nothing imported, no file written".to_string()
        } else {
            format!(
                "Imported {written} function{} into {}",
                if written == 1 { "" } else { "s" },
                out_path.display()
            )
        },
        if skipped.is_empty() {
            String::new()
        } else {
            format!(
                "; {} already declared or in state, left alone: {}",
                skipped.len(),
                skipped.join(", ")
            )
        }
    );
    if written > 0 {
        let _ = writeln!(out, "Run `rtm plan`: it shows no changes for them.");
    }
    Ok(Outcome::Success)
}

/// A block label from a function name: names are valid HCL identifiers
/// unless they start with a digit or `-`.
fn label_for(name: &str) -> String {
    match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => name.to_string(),
        _ => format!("fn_{name}"),
    }
}

/// An HCL literal for a live value, through hcl-rs's own formatter: it
/// escapes quotes and control characters and doubles the template markers
/// (`$${`, `%%{`), so a description holding `${` stays a plain string.
fn hcl_value(v: &AttrValue) -> String {
    let quoted = |s: &String| hcl::format::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
    match v {
        AttrValue::String(s) => quoted(s),
        AttrValue::List(items) => format!(
            "[{}]",
            items.iter().map(quoted).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// `key = value` lines with `=` aligned, as `rtm fmt` writes them.
fn attributes(indent: &str, items: &[(String, String)]) -> String {
    let width = items.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    items
        .iter()
        .map(|(k, v)| format!("{indent}{k:width$} = {v}\n"))
        .collect()
}

fn block(label: &str, name: &str, place: Option<&Target>, live: &Live, paths: &[&str]) -> String {
    let mut s = format!("function \"{label}\" {{\n");
    let mut sections = Vec::new();
    let mut head = Vec::new();
    if let Some(t) = place {
        if let Some(a) = &t.account {
            head.push((
                "account".to_string(),
                hcl_value(&AttrValue::String(a.clone())),
            ));
        }
        head.push((
            "region".to_string(),
            hcl_value(&AttrValue::String(t.region.clone())),
        ));
    }
    if label != name {
        head.push(("name".into(), hcl_value(&AttrValue::String(name.into()))));
    }
    if !head.is_empty() {
        sections.push(attributes("  ", &head));
    }
    if live.package_type != "Image" {
        let rm = &live.runtime_management;
        let mut items = vec![(
            "update_runtime_on".to_string(),
            format!("{:?}", rm.update_runtime_on.as_str()),
        )];
        if let (UpdateRuntimeOn::Manual, Some(arn)) =
            (rm.update_runtime_on, &rm.runtime_version_arn)
        {
            items.push(("runtime_version_arn".into(), format!("{:?}", arn.as_str())));
        }
        sections.push(format!(
            "  runtime_management {{\n{}  }}\n",
            attributes("    ", &items)
        ));
    }
    let mut top = Vec::new();
    // Nested blocks in table order, each with all of its attributes.
    let mut blocks: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for path in paths {
        let Some(v) = live.configuration.get(path) else {
            continue;
        };
        match path
            .strip_prefix("configuration.")
            .unwrap_or(path)
            .split_once('.')
        {
            None => top.push((
                path.trim_start_matches("configuration.").to_string(),
                hcl_value(&v),
            )),
            Some((blk, attr)) => {
                let item = (attr.to_string(), hcl_value(&v));
                match blocks.iter_mut().find(|(b, _)| b == blk) {
                    Some((_, items)) => items.push(item),
                    None => blocks.push((blk.to_string(), vec![item])),
                }
            }
        }
    }
    let nested: Vec<String> = blocks
        .iter()
        .map(|(blk, items)| format!("    {blk} {{\n{}    }}\n", attributes("      ", items)))
        .collect();
    if !top.is_empty() || !nested.is_empty() {
        let mut c = String::from("  configuration {\n");
        c.push_str(&attributes("    ", &top));
        for (i, n) in nested.iter().enumerate() {
            if i > 0 || !top.is_empty() {
                c.push('\n');
            }
            c.push_str(n);
        }
        c.push_str("  }\n");
        sections.push(c);
    }
    let _ = write!(s, "{}", sections.join("\n"));
    s.push_str("}\n");
    s
}

/// `rtm import --take-over ADDR...`: claims declared functions for this
/// state, whichever state claimed them before. Nothing else is written: the
/// next plan shows what this state's configuration changes.
fn take_over(global: &GlobalArgs, args: &ImportArgs) -> Result<Outcome, crate::Error> {
    let loaded = session::load_config(global)?;
    let desired = &loaded.desired;
    let targets = global.targets(&args.take_over, desired)?;
    let store = session::open_store(global, "import")?;
    let lineage = store.lineage().to_string();
    let functions = global.selected(desired, &targets);
    let taken = session::block_on(async {
        let conn = session::Connection::open(global, desired, &[]).await?;
        let live = session::read_desired(global, desired, &conn.fleet, &targets).await?;
        let mut moves = Vec::new();
        for (address, f) in &functions {
            let live = live
                .get(*address)
                .ok_or_else(|| crate::Error::Import(format!("{address} was not read")))?
                .as_ref()
                .map_err(|e| crate::Error::Aws(e.clone()))?;
            let from = live.tags.get(crate::model::CLAIM_TAG).cloned();
            if from.as_deref() != Some(lineage.as_str()) {
                moves.push((*address, *f, live.function_arn.clone(), from));
            }
        }
        if moves.is_empty() {
            conn.close().await;
            return Ok(Vec::new());
        }
        let mut text = String::from("These functions will be claimed for this state:\n");
        for (address, _, arn, from) in &moves {
            text.push_str(&format!(
                "  {address}  {arn}  (from {})\n",
                from.as_deref().map_or("no state".into(), |l| format!(
                    "rtm state {}...",
                    l.get(..8).unwrap_or(l)
                ))
            ));
        }
        eprint!("{text}");
        if !args.auto_approve {
            super::apply::confirm()?;
        }
        for (address, f, arn, _) in &moves {
            let lambda = conn
                .fleet
                .lambda(f.account.as_deref(), f.region.as_deref())
                .ok_or_else(|| crate::Error::Import(format!("no client for {address}")))?;
            let tags = std::collections::BTreeMap::from([(
                crate::model::CLAIM_TAG.to_string(),
                lineage.clone(),
            )]);
            lambda.tag_resource(arn, &tags).await?;
        }
        conn.close().await;
        Ok(moves
            .into_iter()
            .map(|(a, ..)| a.clone())
            .collect::<Vec<Address>>())
    })?;
    let mut out = anstream::stdout();
    if taken.is_empty() {
        let _ = writeln!(
            out,
            "Nothing to take over: this state already manages them."
        );
    } else {
        let _ = writeln!(
            out,
            "Took over {} function{} for this state (lineage {lineage}): {}. Run `rtm plan`.",
            taken.len(),
            if taken.len() == 1 { "" } else { "s" },
            taken
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(Outcome::Success)
}
