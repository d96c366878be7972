//! Evaluating attributes as the loader needs them: one attribute, with a
//! failure reported at its value (never quoting a secret's values), or all
//! of a block's attributes into dotted-path fields.
//!
//! Evaluates and reports only; the typing of the values is elsewhere.

use hcl::Value;

use super::configuration::is_sensitive;
use super::eval::{self as evaluator, Values};
use super::limits::{self, Error};
use super::syntax::{Attr, Block, D, Reporter, Scope};
use super::typing::{Field, Fields};

/// Evaluates an attribute, reporting a failure at its value (`in ADDRESS`
/// for a for_each instance). `path` is where the attribute sits: the message
/// for a secret's expression does not quote the values it saw.
pub fn eval(
    r: &mut Reporter<'_>,
    a: &Attr,
    values: &Values<'_>,
    path: &str,
    instance: Option<&str>,
) -> Option<Value> {
    match evaluator::evaluate(&a.edit, values) {
        Ok(v) => Some(v),
        Err(e) if e.is_overrun() && !values.budget.report_overrun() => None,
        Err(e) => {
            let mut d = D::error(
                &a.value_loc,
                format!(
                    "cannot evaluate {}: {}",
                    a.name,
                    limits::message(&e, is_sensitive(path))
                ),
            );
            if let Some(i) = instance {
                d = d.label(format!("in {i}"));
            }
            if let Error::Limit(_) = e {
                d = d.help("rtm caps what a configuration computes (1 MiB per string, 100,000 elements per list or map, 256 MiB in all), so a few lines that double a value cannot exhaust memory");
            }
            r.emit(d);
            None
        }
    }
}

/// Evaluates the attributes of a block (recursively) into `fields`, keyed by
/// dotted path under `prefix`, and records each nested block's location.
pub fn eval_block_fields(
    r: &mut Reporter<'_>,
    block: &Block,
    prefix: &str,
    scope: &Scope<'_>,
    values: &Values<'_>,
    fields: &mut Fields,
) {
    for a in &block.attrs {
        let path = format!("{prefix}{}", a.name);
        if r.check_refs(a, scope)
            && let Some(v) = eval(r, a, values, &path, None)
            && !v.is_null()
        {
            fields.insert(
                path,
                Field {
                    value: v,
                    loc: a.value_loc.clone(),
                    key_loc: a.key_loc.clone(),
                },
            );
        }
    }
    for b in &block.blocks {
        eval_block_fields(
            r,
            b,
            &format!("{prefix}{}.", b.ident),
            scope,
            values,
            fields,
        );
    }
}
