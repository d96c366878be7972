//! The loader proper: reads the files, resolves variables (default < env <
//! --var-file < --var), locals (in dependency order), settings, policy and
//! defaults, expands `for_each`, and hands each function instance to
//! `function` for typing and validation.
//!
//! Reads files only; never the environment (the cli collects `RTM_VAR_*`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use hcl::Value;

use super::eval::{self as evaluator, Budget, Values};

use super::configuration::{CONFIGURATION, is_sensitive};
use super::diagnostic::{Severity, Sources};
use super::function;
use super::instance::{Env, Instance};
use super::policy::policy;
use super::settings::settings;
use super::syntax::{Attr, Block, D, Loc, Reporter, Schema, Scope, valid_ident};
use super::typing::{Field, Fields};
use super::value::{to_bool, to_number, to_string, type_name};
use super::{Diagnostics, Error, LoadOptions, Loaded, stdlib};
use crate::model::Desired;

const TOP_LEVEL: &[&str] = &[
    "settings", "variable", "locals", "defaults", "policy", "function",
];

pub static SETTINGS: Schema = Schema {
    what: "settings",
    attrs: &["region", "parallelism"],
    blocks: &[],
};
pub static VARIABLE: Schema = Schema {
    what: "a variable block",
    attrs: &["default", "type", "description"],
    blocks: &[],
};
pub static POLICY: Schema = Schema {
    what: "policy",
    attrs: &["allow_manual", "max_pin_days", "forbidden_runtimes"],
    blocks: &[],
};
pub static RUNTIME_MANAGEMENT: Schema = Schema {
    what: "runtime_management",
    attrs: &[
        "update_runtime_on",
        "runtime_version_arn",
        "pin_until",
        "reason",
    ],
    blocks: &[],
};
pub static DEFAULTS: Schema = Schema {
    what: "defaults",
    attrs: &[],
    blocks: &[
        ("runtime_management", &RUNTIME_MANAGEMENT),
        ("configuration", &CONFIGURATION),
    ],
};
pub static FUNCTION: Schema = Schema {
    what: "a function block",
    attrs: &["for_each", "name", "qualifier"],
    blocks: &[
        ("runtime_management", &RUNTIME_MANAGEMENT),
        ("configuration", &CONFIGURATION),
    ],
};
static LOCALS_NONE: Schema = Schema {
    what: "locals",
    attrs: &[],
    blocks: &[],
};

/// Lists the `*.rtm.hcl` files of a directory in name order, following
/// symbolic links; anything else so named (a directory, a broken link, a
/// FIFO) is an error naming it, never skipped.
pub fn config_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let (files, mut not_files) = discover(dir)?;
    match not_files.drain(..).next() {
        Some(NotAFile { path, reason }) => Err(Error::NotAFile { path, reason }),
        None => Ok(files),
    }
}

/// A name ending in `.rtm.hcl` that does not lead to a regular file.
struct NotAFile {
    path: PathBuf,
    reason: String,
}

fn discover(dir: &Path) -> Result<(Vec<PathBuf>, Vec<NotAFile>), Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    // Names that are not UTF-8 are still files: kept as OsString.
    let mut names: Vec<std::ffi::OsString> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.as_encoded_bytes().ends_with(b".rtm.hcl"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    let mut not_files = Vec::new();
    for name in names {
        let path = display_path(dir, &name);
        match not_a_file(&path) {
            None => files.push(path),
            Some(reason) => not_files.push(NotAFile { path, reason }),
        }
    }
    Ok((files, not_files))
}

/// Why `path` (followed through symbolic links) is not a regular file.
fn not_a_file(path: &Path) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => None,
        Ok(m) => {
            let t = m.file_type();
            let what = if t.is_dir() {
                "a directory"
            } else if t.is_fifo() {
                "a FIFO"
            } else if t.is_socket() {
                "a socket"
            } else if t.is_char_device() || t.is_block_device() {
                "a device"
            } else {
                "not a regular file"
            };
            Some(format!("is {what}, not a configuration file"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Some("is a symbolic link to a file that does not exist".into())
        }
        Err(e) if e.raw_os_error() == Some(40) => {
            Some("is a symbolic link loop (ELOOP): it never reaches a file".into())
        }
        Err(e) => Some(format!("cannot be followed to a file: {e}")),
    }
}

/// `-C .` shows `main.rtm.hcl`, not `./main.rtm.hcl`.
fn display_path(dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    if dir == Path::new(".") || dir.as_os_str().is_empty() {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

pub fn load(opts: &LoadOptions) -> Result<Loaded, Error> {
    let (paths, not_files) = discover(&opts.dir)?;
    if paths.is_empty() && not_files.is_empty() {
        return Err(Error::NoFiles(opts.dir.clone()));
    }
    let mut sources = Sources::default();
    let mut overrides: Vec<(PathBuf, &str, bool)> = Vec::new();
    for (path, text) in &opts.overrides {
        let canonical = path.canonicalize().map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        overrides.push((canonical, text, false));
    }
    let mut file_ids = Vec::new();
    for path in &paths {
        let given = match path.canonicalize() {
            Ok(c) => overrides.iter_mut().find(|(o, _, _)| *o == c),
            Err(_) => None,
        };
        let text = match given {
            Some((_, text, used)) => {
                *used = true;
                without_bom(text.to_string())
            }
            None => read_text(path)?,
        };
        file_ids.push(sources.add(path.clone(), text));
    }
    if let Some(((path, _), _)) = opts
        .overrides
        .iter()
        .zip(&overrides)
        .find(|(_, (_, _, used))| !used)
    {
        return Err(Error::Read {
            path: path.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "it is not one of the *.rtm.hcl files of {}",
                    opts.dir.display()
                ),
            ),
        });
    }
    let mut var_file_ids = Vec::new();
    for path in &opts.var_files {
        var_file_ids.push(sources.add(path.clone(), read_text(path)?));
    }
    let (desired, diags) = {
        let mut r = Reporter::new(&sources);
        for n in not_files {
            r.emit(
                D::about_file(n.path.clone(), format!("{} {}", n.path.display(), n.reason))
                    .help("every *.rtm.hcl in the configuration directory is read: point it at a file, or rename or move it"),
            );
        }
        let desired = load_sources(&mut r, &file_ids, &var_file_ids, opts);
        (desired, std::mem::take(&mut r.diags))
    };
    if diags.iter().any(|d| d.is_error()) {
        let mut diagnostics = diags;
        sort(&mut diagnostics);
        return Err(Error::Invalid(Diagnostics {
            diagnostics,
            sources,
        }));
    }
    let mut diagnostics = diags;
    sort(&mut diagnostics);
    Ok(Loaded {
        desired,
        diagnostics,
        sources,
    })
}

/// The most a configuration or var file may hold: far beyond any real
/// fleet (10,000 functions take about 500 KB), and a `--var-file
/// /dev/zero` is refused instead of read forever.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// A file's text without a leading UTF-8 byte-order mark: editors on
/// Windows write one, hcl-edit rejects it, and no editor counts it as a
/// column, so dropping it keeps every line:column as the user sees it.
fn read_text(path: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(read_error(std::io::Error::other(format!(
            "it is larger than {} MiB, the most rtm reads from one file",
            MAX_FILE_BYTES >> 20
        ))));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&bytes[..at]);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte 0x{:02x} at line {line}, column {column})",
                bytes[at]
            ),
        ))
    })?;
    Ok(without_bom(text))
}

fn without_bom(mut text: String) -> String {
    if text.starts_with(BOM) {
        text.drain(..BOM.len_utf8());
    }
    text
}

pub const BOM: char = '\u{feff}';

fn sort(d: &mut [super::Diagnostic]) {
    d.sort_by(|a, b| {
        (a.file.as_path(), a.line, a.column).cmp(&(b.file.as_path(), b.line, b.column))
    });
}

fn parse_file(r: &mut Reporter<'_>, id: usize) -> Option<hcl::edit::structure::Body> {
    let text = r.sources.text(id);
    match hcl::edit::parser::parse_body(text) {
        Ok(body) => Some(body),
        Err(e) => {
            let loc = e.location();
            // The parser's offset can land inside a multi-byte character
            // (it counts from where a token began); step back to its start.
            let offset = text.floor_char_boundary(loc.offset().min(text.len()));
            let end = text[offset..]
                .chars()
                .next()
                .map_or(offset, |c| offset + c.len_utf8());
            let message = e
                .message()
                .lines()
                .next()
                .unwrap_or("syntax error")
                .to_string();
            r.emit(
                D::error(
                    &Loc {
                        file: id,
                        span: offset..end,
                    },
                    format!("syntax error: {message}"),
                )
                .label("here"),
            );
            None
        }
    }
}

struct Top {
    settings: Option<Block>,
    policy: Option<Block>,
    defaults: Option<Block>,
    variables: Vec<Block>,
    locals: Vec<Block>,
    functions: Vec<Block>,
}

fn collect_top(r: &mut Reporter<'_>, file_ids: &[usize]) -> Top {
    let mut top = Top {
        settings: None,
        policy: None,
        defaults: None,
        variables: Vec::new(),
        locals: Vec::new(),
        functions: Vec::new(),
    };
    for &id in file_ids {
        let Some(body) = parse_file(r, id) else {
            continue;
        };
        for s in body.iter() {
            match s {
                hcl::edit::structure::Structure::Attribute(a) => {
                    let a = super::syntax::attr_from_edit(id, a);
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
                hcl::edit::structure::Structure::Block(b) => {
                    let b = Block::from_edit(id, b);
                    let (want_labels, label_hint) = match b.ident.as_str() {
                        "variable" => (1, "variable \"NAME\" { ... }"),
                        "function" => (1, "function \"LABEL\" { ... }"),
                        _ => (0, ""),
                    };
                    if !TOP_LEVEL.contains(&b.ident.as_str()) {
                        let mut d = D::error(&b.ident_loc, format!("unknown block {:?}", b.ident));
                        if let Some(s) = super::diagnostic::did_you_mean(&b.ident, TOP_LEVEL) {
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
                    let single = match b.ident.as_str() {
                        "settings" => Some(&mut top.settings),
                        "policy" => Some(&mut top.policy),
                        "defaults" => Some(&mut top.defaults),
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
                            _ => top.functions.push(b),
                        },
                    }
                }
            }
        }
    }
    top
}

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
                    evaluator::message(&e, is_sensitive(path))
                ),
            );
            if let Some(i) = instance {
                d = d.label(format!("in {i}"));
            }
            if let evaluator::Error::Limit(_) = e {
                d = d.help("rtm caps what a configuration computes (1 MiB per string, 100,000 elements per list or map, 256 MiB in all), so a few lines that double a value cannot exhaust memory");
            }
            r.emit(d);
            None
        }
    }
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
                        format!(
                            "cannot evaluate {text:?}: {}",
                            evaluator::message(&e, false)
                        )
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

fn resolve_variables(
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
        if let Some(a) = b.attr("default") {
            let scope = Scope {
                vars: &[],
                locals: &[],
                each: false,
                locals_allowed: false,
                functions: stdlib::FUNCTION_NAMES,
                failed_locals: &[],
            };
            if r.check_refs(a, &scope)
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
    for &id in var_file_ids {
        let Some(body) = parse_file(r, id) else {
            continue;
        };
        for s in body.iter() {
            match s {
                hcl::edit::structure::Structure::Attribute(a) => {
                    let a = super::syntax::attr_from_edit(id, a);
                    let Some(v) = vars.iter_mut().find(|v| v.name == a.name) else {
                        let mut d =
                            D::error(&a.key_loc, format!("variable {:?} is not declared", a.name));
                        if let Some(s) = super::diagnostic::did_you_mean(&a.name, &name_refs) {
                            d = d.label(format!("did you mean {s:?}?"));
                        }
                        r.emit(d.help(
                            "a var file may only set variables declared in the configuration",
                        ));
                        continue;
                    };
                    let scope = Scope {
                        vars: &[],
                        locals: &[],
                        each: false,
                        locals_allowed: false,
                        functions: stdlib::FUNCTION_NAMES,
                        failed_locals: &[],
                    };
                    if r.check_refs(&a, &scope)
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
                hcl::edit::structure::Structure::Block(b) => {
                    let b = Block::from_edit(id, b);
                    r.emit(
                        D::error(&b.ident_loc, "a var file holds only NAME = VALUE lines")
                            .help("declare variables in the configuration; set them here"),
                    );
                }
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
                if let Some(s) = super::diagnostic::did_you_mean(name, &name_refs) {
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

/// Evaluates the locals in dependency order (a topological sort, linear in
/// the number of locals and references); returns their names, sorted, and
/// the `local` object and the names of the locals that failed, sorted. The
/// members of a cycle are reported; locals that only read a cycle or a
/// failed local fail without a message of their own.
fn resolve_locals(
    r: &mut Reporter<'_>,
    blocks: &[Block],
    var_names: &[&str],
    var: &Value,
    budget: &Budget,
) -> (Vec<String>, Value, Vec<String>) {
    let mut defs: Vec<&Attr> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for b in blocks {
        // The schema check looks at nested blocks only; copy the block
        // without its attributes (one may be a 10,000-entry object).
        r.check_schema(
            &Block {
                file: b.file,
                ident: b.ident.clone(),
                ident_loc: b.ident_loc.clone(),
                labels: b.labels.clone(),
                loc: b.loc.clone(),
                attrs: Vec::new(),
                blocks: b.blocks.clone(),
            },
            &LOCALS_NONE,
        );
        for a in &b.attrs {
            if let Some(&first) = index.get(a.name.as_str()) {
                r.emit(
                    D::error(
                        &a.key_loc,
                        format!("local value {:?} is defined twice", a.name),
                    )
                    .note(&defs[first].key_loc, "first defined here"),
                );
                continue;
            }
            index.insert(&a.name, defs.len());
            defs.push(a);
        }
    }
    let mut names: Vec<String> = defs.iter().map(|a| a.name.clone()).collect();
    names.sort();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let scope = Scope {
        vars: var_names,
        locals: &name_refs,
        each: false,
        locals_allowed: true,
        functions: stdlib::FUNCTION_NAMES,
        failed_locals: &[],
    };
    // Each local's dependencies (by index); a bad reference fails it now.
    let mut failed = vec![false; defs.len()];
    let mut deps: Vec<Vec<usize>> = Vec::with_capacity(defs.len());
    for (i, a) in defs.iter().enumerate() {
        let mut d: Vec<usize> = Vec::new();
        if r.check_refs(a, &scope) {
            d = super::syntax::references(a.value_loc.file, &a.edit)
                .into_iter()
                .filter(|x| x.root == "local")
                .filter_map(|x| index.get(x.name.as_str()).copied())
                .collect();
            d.sort_unstable();
            d.dedup();
        } else {
            failed[i] = true;
        }
        deps.push(d);
    }
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); defs.len()];
    for (i, d) in deps.iter().enumerate() {
        for &j in d {
            readers[j].push(i);
        }
    }
    let mut ready: std::collections::VecDeque<usize> =
        (0..defs.len()).filter(|&i| waiting[i] == 0).collect();
    let mut done = vec![false; defs.len()];
    let mut local = Value::Object(hcl::Map::new());
    while let Some(i) = ready.pop_front() {
        done[i] = true;
        if !failed[i] && deps[i].iter().any(|&j| failed[j]) {
            failed[i] = true;
        }
        if !failed[i] {
            let values = Values {
                var: Some(var),
                local: Some(&local),
                each: None,
                budget,
            };
            match (eval(r, defs[i], &values, "", None), &mut local) {
                (Some(v), Value::Object(map)) => {
                    map.insert(defs[i].name.clone(), v);
                }
                _ => failed[i] = true,
            }
        }
        for &k in &readers[i] {
            waiting[k] -= 1;
            if waiting[k] == 0 {
                ready.push_back(k);
            }
        }
    }
    report_cycles(r, &defs, &deps, &done);
    let mut failed_names: Vec<String> = (0..defs.len())
        .filter(|&i| failed[i] || !done[i])
        .map(|i| defs[i].name.clone())
        .collect();
    failed_names.sort();
    (names, local, failed_names)
}

/// Reports every local on a dependency cycle (those left unevaluated by the
/// topological sort that can reach themselves), with one cycle of its group.
fn report_cycles(r: &mut Reporter<'_>, defs: &[&Attr], deps: &[Vec<usize>], done: &[bool]) {
    for group in cycles(deps, done) {
        let path = cycle_path(&group, deps);
        let mut shown: Vec<String> = path
            .iter()
            .take(8)
            .map(|&i| format!("local.{}", defs[i].name))
            .collect();
        if path.len() > 8 {
            shown.push("...".into());
        }
        shown.push(format!("local.{}", defs[path[0]].name));
        for &i in &group {
            let a = defs[i];
            r.emit(
                D::error(&a.key_loc, format!("local.{} depends on itself", a.name)).help(format!(
                    "break the cycle between these local values: {}",
                    shown.join(" -> ")
                )),
            );
        }
    }
}

/// The strongly connected components (Tarjan's algorithm, iteratively: a
/// chain of 20,000 locals must not overflow the stack) among the locals not
/// `done` that form a cycle: more than one member, or one reading itself.
fn cycles(deps: &[Vec<usize>], done: &[bool]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = deps.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0;
    let mut out = Vec::new();
    for root in (0..n).filter(|&i| !done[i]) {
        if order[root] != UNSEEN {
            continue;
        }
        // (node, index of the next dependency to visit)
        let mut calls: Vec<(usize, usize)> = vec![(root, 0)];
        order[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut k)) = calls.last_mut() {
            if let Some(&w) = deps[v].get(*k) {
                *k += 1;
                if done[w] {
                    continue;
                }
                if order[w] == UNSEEN {
                    order[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                let mut group = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    group.push(w);
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 || deps[v].contains(&v) {
                    group.sort_unstable();
                    out.push(group);
                }
            }
        }
    }
    out
}

/// One cycle through the first member of `group` (breadth-first, so a
/// shortest one), following dependencies that stay inside the group.
fn cycle_path(group: &[usize], deps: &[Vec<usize>]) -> Vec<usize> {
    let start = group[0];
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &deps[v] {
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while let Some(&p) = parent.get(&at) {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return path;
            }
            if group.binary_search(&w).is_ok() && !parent.contains_key(&w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
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

fn load_sources(
    r: &mut Reporter<'_>,
    file_ids: &[usize],
    var_file_ids: &[usize],
    opts: &LoadOptions,
) -> Desired {
    let top = collect_top(r, file_ids);
    let budget = Budget::new();
    let (var_values, var_names) = resolve_variables(r, &top.variables, var_file_ids, opts, &budget);
    let var_refs: Vec<&str> = var_names.iter().map(String::as_str).collect();
    let var = Value::Object(var_values);
    let (local_names, local, failed_locals) =
        resolve_locals(r, &top.locals, &var_refs, &var, &budget);
    let failed_refs: Vec<&str> = failed_locals.iter().map(String::as_str).collect();
    let values = Values {
        var: Some(&var),
        local: Some(&local),
        each: None,
        budget: &budget,
    };
    let local_refs: Vec<&str> = local_names.iter().map(String::as_str).collect();
    let scope = Scope {
        vars: &var_refs,
        locals: &local_refs,
        each: false,
        locals_allowed: true,
        functions: stdlib::FUNCTION_NAMES,
        failed_locals: &failed_refs,
    };

    let mut settings_fields = Fields::new();
    if let Some(b) = &top.settings {
        r.check_schema(b, &SETTINGS);
        eval_block_fields(r, b, "", &scope, &values, &mut settings_fields);
    }
    let settings = settings(r, &settings_fields);

    let mut policy_fields = Fields::new();
    if let Some(b) = &top.policy {
        r.check_schema(b, &POLICY);
        eval_block_fields(r, b, "", &scope, &values, &mut policy_fields);
    }
    let policy = policy(r, &policy_fields);

    let mut default_fields = Fields::new();
    if let Some(b) = &top.defaults {
        r.check_schema(b, &DEFAULTS);
        eval_block_fields(r, b, "", &scope, &values, &mut default_fields);
    }

    let env = Env {
        settings: &settings,
        policy: &policy.0,
        policy_locs: &policy.1,
        defaults: &default_fields,
        today: opts.today,
    };
    let functions = expand_functions(r, &top.functions, &scope, values, &env);
    Desired {
        settings: settings.clone(),
        policy: policy.0.clone(),
        functions,
    }
}

/// A function as Lambda identifies it: (name, region, qualifier).
type TargetKey = (String, Option<String>, String);
/// An address that manages a target: (account, address, where declared).
type Claim = (Option<String>, String, Loc);

fn expand_functions(
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
        if instance_count > evaluator::MAX_ELEMENTS {
            let loc = b.attr("for_each").map_or(&label_loc, |a| &a.value_loc);
            r.emit(
                D::error(
                    loc,
                    format!(
                        "function.{label} brings the configuration to {instance_count} function instances; it may hold at most {}",
                        evaluator::MAX_ELEMENTS
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
                let region = f
                    .function
                    .region
                    .clone()
                    .or_else(|| env.settings.region.clone());
                let k = (f.function.name.clone(), region, f.qualifier.to_string());
                let entry = targets.entry(k).or_default();
                let clash = entry.iter().find(|(acct, _, _)| {
                    acct.is_none() || f.function.account.is_none() || *acct == f.function.account
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
                    entry.push((
                        f.function.account.clone(),
                        addr_text.clone(),
                        label_loc.clone(),
                    ));
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

#[cfg(test)]
mod tests {
    use super::super::{LoadOptions, load};
    use crate::model::{Address, Qualifier, UpdateRuntimeOn};

    fn load_text(
        text: &str,
        tweak: impl FnOnce(&mut LoadOptions),
    ) -> Result<super::Loaded, super::Error> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.rtm.hcl"), text).expect("write");
        let mut opts = LoadOptions::new(dir.path(), jiff::civil::date(2026, 11, 21));
        tweak(&mut opts);
        load(&opts)
    }

    const FLEET: &str = r#"
variable "env" {
  default = "prod"
}

defaults {
  runtime_management {
    update_runtime_on = "Auto"
  }
  configuration {
    runtime     = "python3.12"
    memory_size = 256
  }
}

policy {
  allow_manual = false
}

# a comment before the block
function "api" {
  configuration {
    memory_size = 1024
  }
}

function "worker" {
  for_each = { resize = 512, thumb = 128 }
  name     = "${each.key}-${var.env}"
  configuration {
    memory_size = each.value
  }
}

function "v7" {
  name      = "api"
  qualifier = "7"
}
"#;

    #[test]
    fn defaults_fill_each_field_the_function_does_not_set() {
        let loaded = load_text(FLEET, |_| {}).expect("valid");
        let d = &loaded.desired;
        assert!(!d.policy.allow_manual);
        let api = &d.functions[&Address::new("api", None)];
        assert_eq!(api.function.name, "api");
        assert_eq!(api.qualifier, Qualifier::Latest);
        assert_eq!(api.configuration.memory_size, Some(1024));
        assert_eq!(api.configuration.runtime.as_deref(), Some("python3.12"));
        assert_eq!(
            api.runtime_management.as_ref().map(|r| r.update_runtime_on),
            Some(UpdateRuntimeOn::Auto)
        );
        // The block's own line, not the comment's: rollback edits from here.
        assert_eq!(
            (api.source.line, api.source.column, api.source.for_each),
            (21, 1, false)
        );
        assert!(api.source.file.ends_with("main.rtm.hcl"));
        let resize = &d.functions[&Address::new("worker", Some("resize".into()))];
        assert_eq!(resize.function.name, "resize-prod");
        assert_eq!(resize.configuration.memory_size, Some(512));
        assert!(resize.source.for_each);
        // A published version takes runtime management from defaults, never configuration.
        let v7 = &d.functions[&Address::new("v7", None)];
        assert_eq!(v7.qualifier, Qualifier::Version(7));
        assert!(v7.configuration.is_empty());
        assert!(v7.runtime_management.is_some());
    }

    #[test]
    fn command_line_variables_override_the_environment() {
        let loaded = load_text(FLEET, |o| {
            o.env_vars = vec![("env".into(), "staging".into())];
            o.vars = vec![("env".into(), "dev".into())];
        })
        .expect("valid");
        assert!(
            loaded
                .desired
                .functions
                .contains_key(&Address::new("worker", Some("thumb".into())))
        );
        let thumb = &loaded.desired.functions[&Address::new("worker", Some("thumb".into()))];
        assert_eq!(thumb.function.name, "thumb-dev");
    }

    #[test]
    fn values_convert_to_the_type_each_attribute_expects() {
        let text = r#"
variable "mem" {}
variable "timeout" {
  type    = number
  default = "30"
}
function "a" {
  name = 5
  configuration {
    memory_size = var.mem
    timeout     = var.timeout
    description = 2.5
    environment {
      variables = { BB = 5, CC = true, DD = 1e3 }
    }
    vpc_config {
      ipv6_allowed_for_dual_stack = "true"
    }
  }
}
function "v" {
  name      = "a"
  qualifier = 7
}
"#;
        let loaded =
            load_text(text, |o| o.vars = vec![("mem".into(), "512".into())]).expect("valid");
        let a = &loaded.desired.functions[&Address::new("a", None)];
        assert_eq!(a.function.name, "5");
        let c = &a.configuration;
        assert_eq!((c.memory_size, c.timeout), (Some(512), Some(30)));
        assert_eq!(c.description.as_deref(), Some("2.5"));
        let env: Vec<(&str, &str)> = c
            .environment
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(env, [("BB", "5"), ("CC", "true"), ("DD", "1000")]);
        assert_eq!(
            c.vpc_config
                .as_ref()
                .and_then(|v| v.ipv6_allowed_for_dual_stack),
            Some(true)
        );
        let v = &loaded.desired.functions[&Address::new("v", None)];
        assert_eq!(v.qualifier, Qualifier::Version(7));
        // A string that is not a number still is not one.
        let err = load_text(text, |o| o.vars = vec![("mem".into(), "lots".into())]);
        assert!(matches!(err, Err(super::Error::Invalid(_))));
    }

    #[test]
    fn an_override_replaces_a_file_and_must_name_one() {
        let text = "function \"a\" {}\n";
        let loaded = load_text(text, |o| {
            o.overrides = vec![(o.dir.join("main.rtm.hcl"), "function \"b\" {}\n".into())];
        })
        .expect("valid");
        assert!(
            loaded
                .desired
                .functions
                .contains_key(&Address::new("b", None))
        );
        assert_eq!(loaded.desired.functions.len(), 1);
        let err = load_text(text, |o| {
            o.overrides = vec![(o.dir.clone(), "function \"b\" {}\n".into())];
        });
        assert!(matches!(err, Err(super::Error::Read { .. })), "{err:?}");
    }

    #[test]
    fn typed_variables_convert_command_line_strings() {
        let text = "variable \"mem\" {\n  type    = number\n  default = 128\n}\n\nfunction \"a\" {\n  configuration {\n    memory_size = var.mem\n  }\n}\n";
        let loaded =
            load_text(text, |o| o.vars = vec![("mem".into(), "2048".into())]).expect("valid");
        assert_eq!(
            loaded.desired.functions[&Address::new("a", None)]
                .configuration
                .memory_size,
            Some(2048)
        );
        let err = load_text(text, |o| o.vars = vec![("mem".into(), "lots".into())]);
        assert!(matches!(err, Err(super::Error::Invalid(_))));
    }
}
