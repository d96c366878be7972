//! Function blocks -> function instances: the label and address checks,
//! `for_each` expansion (a map, or a set of strings) with `each` per
//! instance, each instance's attributes evaluated and handed to `function`
//! for typing, and two addresses managing one Lambda function refused.
//!
//! Never types a value itself and never reads files.

use std::collections::{BTreeMap, HashMap, HashSet};

use hcl::Value;

use super::attributes::eval;
use super::eval::Values;
use super::function;
use super::instance::{Env, Instance};
use super::limits::MAX_ELEMENTS;
use super::schema::FUNCTION;
use super::syntax::{Attr, Block, D, Loc, Reporter, Scope};
use super::typing::{Field, Fields};
use super::value::type_name;

/// A function as Lambda identifies it: (name, region, qualifier).
type TargetKey = (String, Option<String>, String);

/// An address that manages a target: (account, address, where declared).
type Claim = (Option<Identity>, String, Loc);

/// Which account a function is in, as far as the files tell: an account
/// id (the block's `account_id`, or the ARN's), or an account block with
/// none; `None`: the default credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    Id(String),
    Block(String),
}

fn account_identity(
    env: &super::instance::Env<'_>,
    f: &crate::model::DesiredFunction,
) -> Option<Identity> {
    match &f.account {
        Some(name) => Some(
            env.accounts
                .get(name)
                .and_then(|d| d.account.account_id.clone())
                .map(Identity::Id)
                .unwrap_or_else(|| Identity::Block(name.clone())),
        ),
        None => f.function.account.clone().map(Identity::Id),
    }
}

/// Every instance of every function block, by address.
pub fn expand_functions(
    r: &mut Reporter<'_>,
    blocks: &[Block],
    scope: &Scope<'_>,
    values: Values<'_>,
    env: &Env<'_>,
) -> BTreeMap<crate::model::Address, crate::model::DesiredFunction> {
    let mut out = BTreeMap::new();
    let mut labels: HashMap<String, Loc> = HashMap::new();
    // (name, region, qualifier) -> (account, address, block location)
    let mut targets: HashMap<TargetKey, Vec<Claim>> = HashMap::new();
    // The last instance's `each` stays declared for the blocks after it, as
    // it did when `each` lived in one shared hcl-rs context (the reference
    // check rejects `each.*` outside for_each, so only a bare `each` sees it).
    let mut each: Option<Value> = None;
    let mut instance_count = 0usize;
    for b in blocks {
        let (label, label_loc) = b.labels[0].clone();
        if let Some(first) = labels.get(&label) {
            r.emit(
                D::error(
                    &label_loc,
                    format!("duplicate function address function.{label}"),
                )
                .note(first, "first declared here")
                .help("each function block needs its own label"),
            );
            continue;
        }
        labels.insert(label.clone(), label_loc.clone());
        if crate::model::Address::parse(&format!("function.{label}")).is_err() {
            r.emit(
                D::error(
                    &label_loc,
                    format!("{label:?} is not a valid function label"),
                )
                .help("use letters, digits, _ and -"),
            );
            continue;
        }
        // Unknown attributes are reported and then ignored: the rest of the
        // block is still checked, so one typo does not hide other mistakes.
        r.check_schema(b, &FUNCTION);
        let has_each = b.attr("for_each").is_some();
        let scope = Scope {
            each: has_each,
            ..*scope
        };
        // Reference errors are reported once per block, not per instance; an
        // attribute whose references do not resolve is left out (poisoned) so
        // the rest of the block is still checked.
        let mut all: Vec<(String, &Attr)> = Vec::new();
        flatten(b, "", &mut all);
        let mut flat: Vec<(String, &Attr)> = Vec::new();
        let mut poisoned_paths: Vec<String> = Vec::new();
        for (path, a) in all {
            if path == "for_each" {
                continue;
            }
            if r.check_refs(a, &scope) {
                flat.push((path, a));
            } else {
                poisoned_paths.push(path);
            }
        }
        let mut block_locs: BTreeMap<String, Loc> = BTreeMap::new();
        collect_block_locs(b, "", &mut block_locs);
        let source = {
            let (line, column) = r.sources.line_col(b.file, b.loc.span.start);
            crate::model::SourceLocation {
                file: r.sources.path(b.file).to_path_buf(),
                line,
                column,
                for_each: has_each,
            }
        };
        let instances: Vec<(Option<String>, Value)> = match b.attr("for_each") {
            None => vec![(None, Value::Null)],
            Some(a) => {
                let root_scope = Scope {
                    each: false,
                    ..scope
                };
                if !r.check_refs(a, &root_scope) {
                    continue;
                }
                let values = Values {
                    each: each.as_ref(),
                    ..values
                };
                let Some(v) = eval(r, a, &values, "for_each", None) else {
                    continue;
                };
                match for_each_instances(r, a, v) {
                    Some(i) => i,
                    None => continue,
                }
            }
        };
        // Each instance is typed and kept: the count is bounded like any
        // collection, across the configuration.
        instance_count += instances.len();
        if instance_count > MAX_ELEMENTS {
            let loc = b.attr("for_each").map_or(&label_loc, |a| &a.value_loc);
            r.emit(
                D::error(
                    loc,
                    format!(
                        "function.{label} brings the configuration to {instance_count} function instances; it may hold at most {}",
                        MAX_ELEMENTS
                    ),
                )
                .help("split the fleet into configurations of at most 100,000 functions"),
            );
            break;
        }
        for (key, value) in instances {
            let address = crate::model::Address::new(label.clone(), key.clone());
            let addr_text = address.to_string();
            if let Some(k) = &key {
                let mut object = hcl::Map::new();
                object.insert("key".to_string(), Value::String(k.clone()));
                object.insert("value".to_string(), value);
                each = Some(Value::Object(object));
            }
            let values = Values {
                each: each.as_ref(),
                ..values
            };
            let mut fields = Fields::new();
            let mut poisoned = poisoned_paths.clone();
            for (path, a) in &flat {
                let instance = key.is_some().then_some(addr_text.as_str());
                match eval(r, a, &values, path, instance) {
                    // null means "not set", as in Terraform: the defaults' value
                    // or none (`x = cond ? "v" : null` sets x on some instances).
                    Some(Value::Null) => {}
                    Some(v) => {
                        fields.insert(
                            path.clone(),
                            Field {
                                value: v,
                                loc: a.value_loc.clone(),
                                key_loc: a.key_loc.clone(),
                            },
                        );
                    }
                    None => poisoned.push(path.clone()),
                }
            }
            let inst = Instance {
                poisoned: &poisoned,
                address: &address,
                label_loc: &label_loc,
                fields: &fields,
                block_locs: &block_locs,
                source: &source,
            };
            if let Some(f) = function::build(r, env, &inst) {
                let region = f.region.clone().or_else(|| env.settings.region.clone());
                let k = (f.function.name.clone(), region, f.qualifier.to_string());
                let entry = targets.entry(k).or_default();
                let ours = account_identity(env, &f);
                // The same function: the same account id, or the default
                // credentials beside an ARN whose account they may reach.
                let clash = entry.iter().find(|(theirs, _, _)| match (theirs, &ours) {
                    (a, b) if a == b => true,
                    (None, Some(Identity::Id(_))) | (Some(Identity::Id(_)), None) => true,
                    _ => false,
                });
                if let Some((_, other, other_loc)) = clash {
                    let loc = fields.get("name").map_or(&label_loc, |f| &f.loc);
                    r.emit(
                        D::error(loc, format!(
                            "{addr_text} and {other} both manage {} ({})",
                            f.function.api_name(),
                            f.qualifier
                        ))
                        .note(other_loc, format!("{other} is declared here"))
                        .help("two addresses must not manage the same function and qualifier: their settings would fight"),
                    );
                } else {
                    entry.push((ours, addr_text.clone(), label_loc.clone()));
                    out.insert(address, f);
                }
            }
        }
    }
    out
}

fn flatten<'b>(b: &'b Block, prefix: &str, out: &mut Vec<(String, &'b Attr)>) {
    for a in &b.attrs {
        out.push((format!("{prefix}{}", a.name), a));
    }
    for inner in &b.blocks {
        flatten(inner, &format!("{prefix}{}.", inner.ident), out);
    }
}

fn collect_block_locs(b: &Block, prefix: &str, out: &mut BTreeMap<String, Loc>) {
    for inner in &b.blocks {
        let path = format!("{prefix}{}", inner.ident);
        out.insert(path.clone(), inner.ident_loc.clone());
        collect_block_locs(inner, &format!("{path}."), out);
    }
}

fn for_each_instances(
    r: &mut Reporter<'_>,
    a: &Attr,
    v: Value,
) -> Option<Vec<(Option<String>, Value)>> {
    match v {
        Value::Object(map) => Some(map.into_iter().map(|(k, v)| (Some(k), v)).collect()),
        Value::Array(items) => {
            if matches!(a.edit, hcl::edit::expr::Expression::Array(_)) {
                r.emit(
                    D::error(&a.value_loc, "for_each needs a set or a map, not a list")
                        .help("wrap the list in toset(...), so each element is a key"),
                );
                return None;
            }
            let mut out: Vec<(Option<String>, Value)> = Vec::with_capacity(items.len());
            let mut seen: HashSet<String> = HashSet::with_capacity(items.len());
            for item in items {
                let Value::String(s) = item else {
                    r.emit(
                        D::error(
                            &a.value_loc,
                            format!(
                                "for_each over a set needs strings; found a {}",
                                type_name(&item)
                            ),
                        )
                        .help("use toset([\"a\", \"b\"]) or a map"),
                    );
                    return None;
                };
                if !seen.insert(s.clone()) {
                    r.emit(
                        D::error(&a.value_loc, format!("for_each has the key {s:?} twice"))
                            .help("use toset(...) to drop duplicates"),
                    );
                    return None;
                }
                out.push((Some(s.clone()), Value::String(s)));
            }
            Some(out)
        }
        other => {
            r.emit(
                D::error(
                    &a.value_loc,
                    format!("for_each needs a set or a map; got a {}", type_name(&other)),
                )
                .help("for example: for_each = toset([\"resize\", \"thumbnail\"])"),
            );
            None
        }
    }
}
