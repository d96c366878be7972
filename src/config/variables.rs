//! Variables: their declarations (name, type, default) and their values,
//! by precedence default < RTM_VAR_* < --var-file < --var, each converted
//! to the declared type; undeclared names and missing values reported.
//!
//! Never reads the environment (the cli passes RTM_VAR_* in) and reads no
//! file itself (var files arrive parsed from `files`).

use hcl::Value;

use super::attributes::eval;
use super::diagnostic::{Severity, did_you_mean};
use super::eval::{self as evaluator, Values};
use super::files::{Item, top_level_items};
use super::limits::{self, Budget};
use super::options::LoadOptions;
use super::schema::VARIABLE;
use super::stdlib;
use super::syntax::{Attr, Block, D, Loc, Reporter, Scope, valid_ident};
use super::value::{to_bool, to_number, to_string, type_name};

/// What a default or a var file's value may refer to: functions only.
const CONSTANT: Scope<'static> = Scope {
    vars: &[],
    locals: &[],
    each: false,
    locals_allowed: false,
    functions: stdlib::FUNCTION_NAMES,
    failed_locals: &[],
};

/// A declared variable's type, for converting command-line strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VarType {
    String,
    Number,
    Bool,
    List,
    Map,
    Any,
}

impl VarType {
    fn name(self) -> &'static str {
        match self {
            VarType::String => "string",
            VarType::Number => "number",
            VarType::Bool => "bool",
            VarType::List => "list",
            VarType::Map => "map",
            VarType::Any => "any",
        }
    }

    /// `v` as a value of this type, by HCL's conversion rules (a default
    /// of `"512"` for a number variable is 512); `None` when it has none.
    fn convert(self, v: &Value) -> Option<Value> {
        match self {
            VarType::String => to_string(v).map(Value::String),
            VarType::Number => to_number(v).map(Value::Number),
            VarType::Bool => to_bool(v).map(Value::Bool),
            VarType::List => v.is_array().then(|| v.clone()),
            VarType::Map => v.is_object().then(|| v.clone()),
            VarType::Any => Some(v.clone()),
        }
    }
}

fn parse_type(r: &mut Reporter<'_>, a: &Attr) -> Option<VarType> {
    use hcl::edit::expr::Expression as E;
    let name = match &a.edit {
        E::Variable(v) => Some(v.as_str().to_string()),
        E::FuncCall(f) => Some(f.name.name.as_str().to_string()),
        _ => None,
    };
    let t = match name.as_deref() {
        Some("string") => Some(VarType::String),
        Some("number") => Some(VarType::Number),
        Some("bool") => Some(VarType::Bool),
        Some("list" | "set" | "tuple") => Some(VarType::List),
        Some("map" | "object") => Some(VarType::Map),
        Some("any") => Some(VarType::Any),
        _ => None,
    };
    if t.is_none() {
        r.emit(
            D::error(&a.value_loc, "unknown variable type")
                .help("use string, number, bool, list(...), set(...), map(...) or any"),
        );
    }
    t
}

struct Variable {
    name: String,
    label_loc: Loc,
    ty: Option<VarType>,
    default: Option<(Value, Loc)>,
    value: Option<Value>,
}

/// A command-line or environment string as a value of the declared type.
fn convert_cli(text: &str, ty: Option<VarType>, budget: &Budget) -> Result<Value, String> {
    match ty.unwrap_or(VarType::String) {
        VarType::String => Ok(Value::String(text.to_string())),
        VarType::Number => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.trim().parse::<f64>().map(Value::from))
            .map_err(|_| format!("{text:?} is not a number")),
        VarType::Bool => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{text:?} is not true or false")),
        },
        t => {
            let parsed = text
                .parse::<hcl::edit::expr::Expression>()
                .map_err(|e| format!("{text:?} is not an HCL {} value: {e}", t.name()))
                .and_then(|e| {
                    evaluator::evaluate(&e, &Values::new(budget)).map_err(|e| {
                        format!("cannot evaluate {text:?}: {}", limits::message(&e, false))
                    })
                });
            match parsed {
                Ok(v) => Ok(v),
                Err(_) if t == VarType::Any => Ok(Value::String(text.to_string())),
                Err(e) => Err(e),
            }
        }
    }
}

/// Every declared variable's value (as `var`) and the names, sorted.
pub fn resolve_variables(
    r: &mut Reporter<'_>,
    blocks: &[Block],
    var_file_ids: &[usize],
    opts: &LoadOptions,
    budget: &Budget,
) -> (hcl::Map<String, Value>, Vec<String>) {
    let mut vars: Vec<Variable> = Vec::new();
    // Defaults and var files see functions only: no var, local or each.
    let ctx = Values::new(budget);
    for b in blocks {
        let (name, label_loc) = b.labels[0].clone();
        if let Some(first) = vars.iter().find(|v| v.name == name) {
            r.emit(
                D::error(&label_loc, format!("variable {name:?} is declared twice"))
                    .note(&first.label_loc, "first declared here"),
            );
            continue;
        }
        if !valid_ident(&name) {
            r.emit(
                D::error(&label_loc, format!("{name:?} is not a valid variable name"))
                    .help("use letters, digits, _ and -, starting with a letter"),
            );
        }
        r.check_schema(b, &VARIABLE);
        let ty = b.attr("type").and_then(|a| parse_type(r, a));
        let mut default = None;
        if let Some(a) = b.attr("default")
            && r.check_refs(a, &CONSTANT)
            && let Some(mut v) = eval(r, a, &ctx, "", None)
        {
            if let Some(t) = ty
                && !v.is_null()
            {
                match t.convert(&v) {
                    Some(converted) => v = converted,
                    None => r.emit(D::error(
                        &a.value_loc,
                        format!(
                            "the default of variable {name:?} is a {}, but its type is {}",
                            type_name(&v),
                            t.name()
                        ),
                    )),
                }
            }
            default = Some((v, a.value_loc.clone()));
        }
        vars.push(Variable {
            name,
            label_loc,
            ty,
            default,
            value: None,
        });
    }
    let mut names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    names.sort();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();

    // Precedence, lowest first: default, RTM_VAR_*, --var-file, --var.
    for (name, text) in &opts.env_vars {
        match vars.iter_mut().find(|v| &v.name == name) {
            Some(v) => match convert_cli(text, v.ty, budget) {
                Ok(val) => v.value = Some(val),
                Err(e) => r.emit(D::cli(Severity::Error, format!("RTM_VAR_{name}: {e}"))),
            },
            None => r.emit(D::cli(
                Severity::Warning,
                format!(
                    "RTM_VAR_{name} is set but no variable {name:?} is declared; it is ignored"
                ),
            )),
        }
    }
    for item in top_level_items(r, var_file_ids) {
        match item {
            Item::Attr(a) => {
                let Some(v) = vars.iter_mut().find(|v| v.name == a.name) else {
                    let mut d =
                        D::error(&a.key_loc, format!("variable {:?} is not declared", a.name));
                    if let Some(s) = did_you_mean(&a.name, &name_refs) {
                        d = d.label(format!("did you mean {s:?}?"));
                    }
                    r.emit(
                        d.help("a var file may only set variables declared in the configuration"),
                    );
                    continue;
                };
                if r.check_refs(&a, &CONSTANT)
                    && let Some(val) = eval(r, &a, &ctx, "", None)
                {
                    match v.ty {
                        None => v.value = Some(val),
                        Some(t) => match t.convert(&val) {
                            Some(converted) => v.value = Some(converted),
                            None => r.emit(D::error(
                                &a.value_loc,
                                format!(
                                    "variable {:?} is of type {}, got a {}",
                                    v.name,
                                    t.name(),
                                    type_name(&val)
                                ),
                            )),
                        },
                    }
                }
            }
            Item::Block(b) => {
                r.emit(
                    D::error(&b.ident_loc, "a var file holds only NAME = VALUE lines")
                        .help("declare variables in the configuration; set them here"),
                );
            }
        }
    }
    for (name, text) in &opts.vars {
        match vars.iter_mut().find(|v| &v.name == name) {
            Some(v) => match convert_cli(text, v.ty, budget) {
                Ok(val) => v.value = Some(val),
                Err(e) => r.emit(D::cli(Severity::Error, format!("--var {name}={text}: {e}"))),
            },
            None => {
                let mut msg = format!("--var {name}={text}: no variable {name:?} is declared");
                if let Some(s) = did_you_mean(name, &name_refs) {
                    msg.push_str(&format!(" (did you mean {s:?}?)"));
                }
                r.emit(D::cli(Severity::Error, msg));
            }
        }
    }
    let mut out = hcl::Map::new();
    for v in vars {
        match v.value.or(v.default.map(|(d, _)| d)) {
            Some(val) => {
                out.insert(v.name, val);
            }
            None => r.emit(
                D::error(&v.label_loc, format!("variable {:?} has no value", v.name)).help(format!(
                    "give it a default, or set it with --var {0}=VALUE, a --var-file, or RTM_VAR_{0}",
                    v.name
                )),
            ),
        }
    }
    (out, names)
}
