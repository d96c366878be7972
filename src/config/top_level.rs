//! The top level of every configuration file: which blocks there are
//! (settings, policy and defaults at most once, then every variable,
//! locals and function block), with unknown blocks, stray attributes and
//! wrong labels reported.
//!
//! Collects blocks only; never evaluates or types them.

use super::diagnostic::did_you_mean;
use super::files::{Item, top_level_items};
use super::schema::TOP_LEVEL;
use super::syntax::{Block, D, Reporter};

/// The blocks of all files, in file and source order.
pub struct Top {
    pub settings: Option<Block>,
    pub policy: Option<Block>,
    pub defaults: Option<Block>,
    pub backend: Option<Block>,
    pub accounts: Vec<Block>,
    pub variables: Vec<Block>,
    pub locals: Vec<Block>,
    pub functions: Vec<Block>,
}

pub fn collect_top(r: &mut Reporter<'_>, file_ids: &[usize]) -> Top {
    let mut top = Top {
        settings: None,
        policy: None,
        defaults: None,
        backend: None,
        accounts: Vec::new(),
        variables: Vec::new(),
        locals: Vec::new(),
        functions: Vec::new(),
    };
    for item in top_level_items(r, file_ids) {
        match item {
            Item::Attr(a) => {
                r.emit(
                    D::error(
                        &a.key_loc,
                        format!("unexpected attribute {:?} at the top level", a.name),
                    )
                    .help(format!(
                        "the top level holds blocks only: {}",
                        TOP_LEVEL.join(", ")
                    )),
                );
            }
            Item::Block(b) => {
                let (want_labels, label_hint) = match b.ident.as_str() {
                    "variable" => (1, "variable \"NAME\" { ... }"),
                    "function" => (1, "function \"LABEL\" { ... }"),
                    "account" => (1, "account \"NAME\" { ... }"),
                    "backend" => (1, "backend \"s3\" { ... }"),
                    _ => (0, ""),
                };
                if !TOP_LEVEL.contains(&b.ident.as_str()) {
                    let mut d = D::error(&b.ident_loc, format!("unknown block {:?}", b.ident));
                    if let Some(s) = did_you_mean(&b.ident, TOP_LEVEL) {
                        d = d.label(format!("did you mean {s:?}?"));
                    }
                    r.emit(d.help(format!("allowed blocks: {}", TOP_LEVEL.join(", "))));
                    continue;
                }
                if b.labels.len() != want_labels {
                    let loc = b.labels.get(want_labels).map_or(&b.ident_loc, |(_, l)| l);
                    let msg = if want_labels == 0 {
                        format!("a {} block takes no label", b.ident)
                    } else {
                        format!("a {} block takes exactly one label", b.ident)
                    };
                    let help = if want_labels == 0 {
                        format!("write `{} {{ ... }}`", b.ident)
                    } else {
                        format!("write `{label_hint}`")
                    };
                    r.emit(D::error(loc, msg).help(help));
                    continue;
                }
                if b.ident == "backend" && b.labels[0].0 != "s3" {
                    r.emit(
                        D::error(
                            &b.labels[0].1,
                            format!("unknown backend {:?}", b.labels[0].0),
                        )
                        .help("rtm keeps state in sled (no backend block) or in S3: backend \"s3\" { ... }"),
                    );
                    continue;
                }
                let single = match b.ident.as_str() {
                    "settings" => Some(&mut top.settings),
                    "policy" => Some(&mut top.policy),
                    "defaults" => Some(&mut top.defaults),
                    "backend" => Some(&mut top.backend),
                    _ => None,
                };
                match single {
                    Some(slot) => {
                        if let Some(first) = slot {
                            r.emit(
                                D::error(&b.ident_loc, format!("duplicate {} block; only one is allowed in a configuration", b.ident))
                                    .note(&first.ident_loc, "first defined here"),
                            );
                        } else {
                            *slot = Some(b);
                        }
                    }
                    None => match b.ident.as_str() {
                        "variable" => top.variables.push(b),
                        "locals" => top.locals.push(b),
                        "account" => top.accounts.push(b),
                        _ => top.functions.push(b),
                    },
                }
            }
        }
    }
    top
}
