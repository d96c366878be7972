//! HCL values as the loader judges them: the name of a value's type, for
//! messages, and HCL's automatic conversions between types.
//!
//! Pure functions of a value; must not report diagnostics or know where a
//! value came from (the callers do).

use hcl::Value;

/// The type of a value as a message names it ("got a string").
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

/// HCL's automatic conversions (Terraform's, from cty) of a value to the
/// type an attribute expects: a string holding a number where a number is
/// expected, "true"/"false" where a bool is, a number or bool where a string
/// is. So `--var mem=512` (a string, as every untyped command-line value is)
/// sets `memory_size = var.mem`.
pub fn to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(number_text(n)),
        _ => None,
    }
}

/// A number as Terraform writes it in a string: no exponent, no `.0`.
fn number_text(n: &hcl::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if f.fract() == 0.0 && f.abs() < 9e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

pub fn to_number(v: &Value) -> Option<hcl::Number> {
    match v {
        Value::Number(n) => Some(*n),
        Value::String(s) => s
            .parse::<i64>()
            .ok()
            .map(hcl::Number::from)
            .or_else(|| s.parse::<f64>().ok().and_then(hcl::Number::from_f64)),
        _ => None,
    }
}

pub fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}
