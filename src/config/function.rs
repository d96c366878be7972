//! Typing of one function instance into a `model::DesiredFunction`: its
//! name (the block label unless written) and qualifier, then its
//! runtime_management and configuration (each typed in its own file), with
//! the defaults merged in field by field.
//!
//! Sees evaluated fields only; never evaluates expressions or reads files.

use super::accounts::REGION;
use super::configuration::configuration;
use super::diagnostic::did_you_mean;
use super::instance::{Env, Instance, View};
use super::runtime_management::runtime_management;
use super::syntax::{D, Loc, Reporter};
use super::typing::{Fields, expect_string};
use crate::model::{Configuration, DesiredFunction, FunctionRef, Qualifier};

pub fn build(r: &mut Reporter<'_>, env: &Env<'_>, inst: &Instance<'_>) -> Option<DesiredFunction> {
    let errors_before = r.error_count();
    let poisoned_before = !inst.poisoned.is_empty();
    let own = inst.fields;

    // Name: the block label unless written.
    let name_text = match own.get("name") {
        Some(f) => expect_string(r, "name", f),
        None => Some(inst.address.label().to_string()),
    };
    let name_loc = own.get("name").map_or(inst.label_loc, |f| &f.loc);
    let mut function_ref = None;
    let mut qualifier_in_name = None;
    if let Some(text) = &name_text {
        match FunctionRef::parse(text) {
            Ok((f, q)) => {
                function_ref = Some(f);
                qualifier_in_name = q;
            }
            Err(e) => {
                let mut d = D::error(name_loc, format!("invalid function name: {e}"));
                if own.get("name").is_none() {
                    d = d.help("the name defaults to the block label; set name = \"...\" to the function's name");
                }
                r.emit(d);
            }
        }
    }

    // Qualifier: attribute, else the one written after the name, else $LATEST.
    let qualifier_field = own.get("qualifier");
    let qualifier_text = match qualifier_field {
        Some(f) => expect_string(r, "qualifier", f),
        None => Some(
            qualifier_in_name
                .clone()
                .unwrap_or_else(|| "$LATEST".into()),
        ),
    };
    let qualifier_loc = qualifier_field.map_or(name_loc, |f| &f.loc);
    let mut qualifier = None;
    if let Some(q) = &qualifier_text {
        match q.parse::<Qualifier>() {
            Ok(parsed) => qualifier = Some(parsed),
            Err(e) => r.emit(
                D::error(qualifier_loc, e.to_string())
                    .help("use \"$LATEST\" or a published version number such as \"7\""),
            ),
        }
        if let (Some(in_name), Some(_)) = (&qualifier_in_name, qualifier_field)
            && in_name != q
        {
            r.emit(
                    D::error(qualifier_loc, format!(
                        "qualifier {q:?} does not match the qualifier {in_name:?} written in the name"
                    ))
                    .note(name_loc, "the name carries a qualifier here"),
                );
        }
    }
    let is_version = matches!(qualifier, Some(Qualifier::Version(_)));
    let view = View {
        own,
        defaults: env.defaults,
        config_defaults: !is_version,
    };

    if is_version && let Some(loc) = inst.block_locs.get("configuration") {
        r.emit(
                D::error(loc, format!(
                    "configuration is not allowed on a published version (qualifier {})",
                    qualifier.map(|q| q.to_string()).unwrap_or_default()
                ))
                .help("published versions are immutable; only their runtime_management can change. Manage configuration on $LATEST"),
            );
    }

    // `None`: its account block is broken (reported there); not planned.
    let (account, region) = place(r, env, own, name_loc, function_ref.as_ref())?;
    let function_region = region.clone().or_else(|| env.settings.region.clone());

    let runtime_management = runtime_management(r, env, inst, &view, function_region.as_deref());
    let configuration = if is_version {
        Configuration::default()
    } else {
        configuration(r, env, &view)
    };

    if r.error_count() > errors_before || poisoned_before {
        return None;
    }
    Some(DesiredFunction {
        address: inst.address.clone(),
        function: function_ref?,
        qualifier: qualifier?,
        account,
        region,
        runtime_management,
        configuration,
        source: inst.source.clone(),
    })
}

/// The function's account block and region: `account` and `region` (its
/// own, else the defaults'), a region written in an ARN name (which must
/// agree with them), then the account's region; `None` leaves the region
/// to `settings.region` or the run's default.
fn place(
    r: &mut Reporter<'_>,
    env: &Env<'_>,
    own: &Fields,
    name_loc: &Loc,
    function: Option<&FunctionRef>,
) -> Option<(Option<String>, Option<String>)> {
    let field = |path: &str| own.get(path).or_else(|| env.defaults.get(path));
    let mut account = None;
    if let Some(f) = field("account")
        && let Some(name) = expect_string(r, "account", f)
    {
        if name == "default" {
            // The default credentials, named.
        } else if let Some(d) = env.accounts.get(&name) {
            if d.broken {
                return None;
            }
            account = Some(name);
        } else {
            let names: Vec<&str> = env.accounts.keys().map(String::as_str).collect();
            let mut d = D::error(&f.loc, format!("no account block {name:?} is declared"));
            if let Some(m) = did_you_mean(&name, &names) {
                d = d.label(format!("did you mean {m:?}?"));
            }
            r.emit(d.help(format!(
                "declare it (account \"{name}\" {{ assume_role_arn = \"...\" }}) or write account = \"default\" for the default credentials"
            )));
        }
    }
    let declared = account
        .as_ref()
        .and_then(|n| env.accounts.get(n))
        .map(|d| &d.account);
    let mut region = None;
    if let Some(f) = field("region")
        && let Some(text) = expect_string(r, "region", f)
    {
        if REGION.is_match(&text) {
            region = Some(text);
        } else {
            r.emit(
                D::error(&f.loc, format!("{text:?} is not an AWS region"))
                    .help("write a region code such as \"eu-west-1\""),
            );
        }
    }
    if let Some(f) = function {
        if let (Some(in_arn), Some(asked)) = (&f.region, &region)
            && in_arn != asked
        {
            r.emit(
                D::error(
                    name_loc,
                    format!("the ARN names region {in_arn}, but region = {asked:?}"),
                )
                .help("write the ARN of the function in that region, or a bare name"),
            );
        }
        if let (Some(in_arn), Some(a)) = (&f.account, declared)
            && let Some(id) = &a.account_id
            && in_arn != id
        {
            r.emit(
                D::error(
                    name_loc,
                    format!(
                        "the ARN is in account {in_arn}, but account {:?} has account_id = {id:?}",
                        a.name
                    ),
                )
                .help("write the ARN of the function in that account, or a bare name"),
            );
        }
        if region.is_none() {
            region = f.region.clone();
        }
    }
    if region.is_none() {
        region = declared.and_then(|a| a.region.clone());
    }
    Some((account, region))
}
