//! Typing of the `account "NAME" { ... }` blocks (how rtm reaches each AWS
//! account: a role to assume, a profile, or the default credentials; the
//! account id to check; a default region) and of the `backend "s3" { ... }`
//! block (where state lives; literal values only, as in Terraform, so the
//! state's place never depends on a variable).
//!
//! Sees evaluated fields only (the backend's attributes, its raw syntax);
//! never evaluates or reads files.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::syntax::{Block, D, Loc, Reporter};
use super::typing::{Fields, expect_string, regex};
use crate::model::{Account, Backend};

static ACCOUNT_ID: LazyLock<Regex> = LazyLock::new(|| regex(r"^\d{12}$"));
static ROLE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"^arn:aws[a-zA-Z-]*:iam::(?P<account>\d{12}):role/[a-zA-Z_0-9+=,.@\-_/]+$")
});
pub static REGION: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"));

/// An account block's typed values and where it is declared.
pub struct Declared {
    pub account: Account,
    pub label_loc: Loc,
    /// The block has errors (reported): functions naming it are not
    /// reported again.
    pub broken: bool,
}

/// Types one account block. `None` when it has errors (reported).
pub fn account(r: &mut Reporter<'_>, name: &str, label_loc: &Loc, fields: &Fields) -> Declared {
    let errors = r.error_count();
    let mut a = Account {
        name: name.to_string(),
        ..Account::default()
    };
    if let Some(f) = fields.get("assume_role_arn")
        && let Some(arn) = expect_string(r, "assume_role_arn", f)
    {
        if ROLE_ARN.is_match(&arn) {
            a.assume_role_arn = Some(arn);
        } else {
            r.emit(
                D::error(&f.loc, format!("{arn:?} is not an IAM role ARN"))
                    .help("write arn:aws:iam::111111111111:role/NAME"),
            );
        }
    }
    if let Some(f) = fields.get("external_id")
        && let Some(id) = expect_string(r, "external_id", f)
    {
        if fields.get("assume_role_arn").is_none() {
            r.emit(
                D::error(&f.key_loc, "external_id is only used when assuming a role")
                    .help("add assume_role_arn, or remove external_id"),
            );
        }
        if !(2..=1224).contains(&id.len()) {
            r.emit(D::error(
                &f.loc,
                "external_id must be 2 to 1224 characters (STS's limit)",
            ));
        }
        a.external_id = Some(id);
    }
    if let Some(f) = fields.get("profile") {
        a.profile = expect_string(r, "profile", f);
    }
    if let Some(f) = fields.get("account_id")
        && let Some(id) = expect_string(r, "account_id", f)
    {
        if ACCOUNT_ID.is_match(&id) {
            a.account_id = Some(id);
        } else {
            r.emit(
                D::error(&f.loc, format!("{id:?} is not an AWS account id"))
                    .help("an account id is 12 digits, e.g. \"111111111111\""),
            );
        }
    }
    if let (Some(role), Some(id), Some(f)) = (
        &a.assume_role_arn,
        &a.account_id,
        fields.get("assume_role_arn"),
    ) && let Some(caps) = ROLE_ARN.captures(role)
        && &caps["account"] != id
    {
        r.emit(
            D::error(
                &f.loc,
                format!(
                    "the role is in account {}, but account_id = {id:?}",
                    &caps["account"]
                ),
            )
            .help("assume a role in the account the block names"),
        );
    }
    if let Some(f) = fields.get("region")
        && let Some(region) = expect_string(r, "region", f)
    {
        if REGION.is_match(&region) {
            a.region = Some(region);
        } else {
            r.emit(
                D::error(&f.loc, format!("{region:?} is not an AWS region"))
                    .help("write a region code such as \"eu-west-1\""),
            );
        }
    }
    Declared {
        account: a,
        label_loc: label_loc.clone(),
        broken: r.error_count() != errors,
    }
}

/// Types every account block; a name declared twice is an error naming both.
pub fn accounts(
    r: &mut Reporter<'_>,
    blocks: Vec<(String, Loc, Fields)>,
) -> BTreeMap<String, Declared> {
    let mut out: BTreeMap<String, Declared> = BTreeMap::new();
    for (name, loc, fields) in blocks {
        if name == "default" {
            r.emit(D::error(
                &loc,
                "\"default\" names the default credentials; give the block another name",
            ));
            continue;
        }
        if let Some(first) = out.get(&name) {
            r.emit(
                D::error(&loc, format!("account {name:?} is declared twice"))
                    .note(&first.label_loc, "first declared here"),
            );
            continue;
        }
        let d = account(r, &name, &loc, &fields);
        out.insert(name, d);
    }
    out
}

/// Types the backend block: literal values only (no variables, no
/// templates), as Terraform requires, so where state lives is fixed by the
/// files; `--backend-config` overrides any of it.
pub fn backend(r: &mut Reporter<'_>, block: &Block) -> Option<Backend> {
    use hcl::edit::expr::Expression as E;
    let errors = r.error_count();
    let mut b = Backend::default();
    for a in &block.attrs {
        let text = match &a.edit {
            E::String(s) => Some(s.value().to_string()),
            E::Bool(v) => Some(v.value().to_string()),
            E::Number(n) => Some(n.value().to_string()),
            _ => None,
        };
        let Some(text) = text else {
            r.emit(
                D::error(&a.value_loc, format!("{} must be a literal value", a.name))
                    .help("the backend is read before anything is evaluated, as in Terraform: write the value itself, or pass it with --backend-config KEY=VALUE"),
            );
            continue;
        };
        let flag = |r: &mut Reporter<'_>| match text.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                r.emit(D::error(
                    &a.value_loc,
                    format!("{} must be true or false", a.name),
                ));
                None
            }
        };
        match a.name.as_str() {
            "bucket" => b.bucket = Some(text),
            "key" => b.key = Some(text),
            "region" => b.region = Some(text),
            "profile" => b.profile = Some(text),
            "endpoint_url" => b.endpoint_url = Some(text),
            "use_path_style" => b.use_path_style = flag(r),
            "encrypt" => b.encrypt = flag(r),
            _ => {} // reported by the schema check
        }
    }
    if b.bucket.is_none() {
        r.emit(
            D::error(&block.ident_loc, "the s3 backend needs bucket = \"...\"")
                .help("name the bucket that holds the state (and key = \"path/to/state\")"),
        );
    }
    if b.key
        .as_deref()
        .is_none_or(|k| k.is_empty() || k.ends_with('/'))
    {
        r.emit(
            D::error(&block.ident_loc, "the s3 backend needs key = \"path/NAME\"").help(
                "the key names the state object in the bucket, e.g. \"lambda/prod.rtmstate\"",
            ),
        );
    }
    (r.error_count() == errors).then_some(b)
}
