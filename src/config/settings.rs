//! Typing of the `settings` block (region, parallelism, claim_functions) into
//! `model::Settings`.
//!
//! Sees evaluated fields only; never evaluates or reads files.

use std::sync::LazyLock;

use regex::Regex;

use super::syntax::{D, Reporter};
use super::typing::{Fields, expect_bool, expect_string, in_range, regex};
use crate::model::Settings;

static REGION: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"));

pub fn settings(r: &mut Reporter<'_>, fields: &Fields) -> Settings {
    let mut s = Settings::default();
    if let Some(f) = fields.get("region")
        && let Some(region) = expect_string(r, "region", f)
    {
        if REGION.is_match(&region) {
            s.region = Some(region);
        } else {
            r.emit(
                D::error(&f.loc, format!("{region:?} is not an AWS region"))
                    .help("write a region code such as \"us-east-1\""),
            );
        }
    }
    if let Some(f) = fields.get("claim_functions") {
        s.claim_functions = expect_bool(r, "claim_functions", f);
    }
    if let Some(f) = fields.get("parallelism")
        && let Some(n) = in_range(r, "parallelism", f, 1, 64, "")
    {
        s.parallelism = Some(n as u32);
    }
    s
}
