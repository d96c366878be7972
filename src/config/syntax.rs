//! Parsed configuration files as the loader walks them: blocks and
//! attributes with their byte spans and their values as hcl-edit parsed them
//! (`eval` evaluates that tree directly; converting to `hcl::Expression`
//! would cost quadratic time on big object literals), plus the reporter
//! that collects diagnostics and the reference check that runs before
//! evaluation.
//!
//! Nothing here evaluates or judges values: `eval` evaluates, `typing` and
//! the block files (settings, policy, configuration, ...) judge.

use std::collections::HashSet;
use std::ops::Range;

use hcl::edit::Span;
use hcl::edit::expr::{Expression as EditExpr, TraversalOperator};
use hcl::edit::visit::{self, Visit};

use super::diagnostic::{Diagnostic, Note, Severity, Sources, did_you_mean};

/// Whether `s` may name a variable: a letter or `_`, then letters, digits,
/// `_` and `-`.
pub fn valid_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A byte range in one source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Loc {
    pub file: usize,
    pub span: Range<usize>,
}

impl Loc {
    pub fn new(file: usize, span: Option<Range<usize>>) -> Loc {
        Loc {
            file,
            span: span.unwrap_or(0..0),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub key_loc: Loc,
    pub value_loc: Loc,
    pub edit: EditExpr,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub file: usize,
    pub ident: String,
    pub ident_loc: Loc,
    pub labels: Vec<(String, Loc)>,
    pub loc: Loc,
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

impl Block {
    pub fn from_edit(file: usize, b: &hcl::edit::structure::Block) -> Block {
        let mut attrs = Vec::new();
        let mut blocks = Vec::new();
        for s in b.body.iter() {
            match s {
                hcl::edit::structure::Structure::Attribute(a) => {
                    attrs.push(attr_from_edit(file, a))
                }
                hcl::edit::structure::Structure::Block(inner) => {
                    blocks.push(Block::from_edit(file, inner))
                }
            }
        }
        Block {
            file,
            ident: b.ident.as_str().to_string(),
            ident_loc: Loc::new(file, b.ident.span()),
            labels: b
                .labels
                .iter()
                .map(|l| (l.as_str().to_string(), Loc::new(file, l.span())))
                .collect(),
            loc: Loc::new(file, b.span()),
            attrs,
            blocks,
        }
    }

    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

pub fn attr_from_edit(file: usize, a: &hcl::edit::structure::Attribute) -> Attr {
    Attr {
        name: a.key.as_str().to_string(),
        key_loc: Loc::new(file, a.key.span()),
        value_loc: Loc::new(file, a.value.span()),
        edit: a.value.clone(),
    }
}

/// What a block may contain: attribute names and nested blocks (each allowed
/// at most once).
pub struct Schema {
    pub what: &'static str,
    pub attrs: &'static [&'static str],
    pub blocks: &'static [(&'static str, &'static Schema)],
}

/// Collects diagnostics, resolving byte spans to lines and columns, and drops
/// exact repeats (a `for_each` block with one mistake would otherwise report
/// it once per instance).
pub struct Reporter<'s> {
    pub sources: &'s Sources,
    pub diags: Vec<Diagnostic>,
    seen: HashSet<(usize, usize, usize, String)>,
    /// Kept as they are emitted: `function::build` asks after every instance.
    errors: usize,
}

/// A diagnostic under construction.
pub struct D {
    severity: Severity,
    loc: Option<Loc>,
    /// For a diagnostic about a whole file that has no text (`loc` is None).
    file: Option<std::path::PathBuf>,
    message: String,
    label: Option<String>,
    help: Option<String>,
    notes: Vec<(Option<Loc>, String)>,
}

impl D {
    pub fn error(loc: &Loc, message: impl Into<String>) -> D {
        D {
            severity: Severity::Error,
            loc: Some(loc.clone()),
            file: None,
            message: message.into(),
            label: None,
            help: None,
            notes: Vec::new(),
        }
    }
    pub fn warning(loc: &Loc, message: impl Into<String>) -> D {
        D {
            severity: Severity::Warning,
            ..D::error(loc, message)
        }
    }
    /// A diagnostic about the command line rather than a file.
    pub fn cli(severity: Severity, message: impl Into<String>) -> D {
        D {
            severity,
            loc: None,
            file: None,
            message: message.into(),
            label: None,
            help: None,
            notes: Vec::new(),
        }
    }
    /// An error about a file as a whole (one that could not be read as text).
    pub fn about_file(file: std::path::PathBuf, message: impl Into<String>) -> D {
        D {
            file: Some(file),
            ..D::cli(Severity::Error, message)
        }
    }
    pub fn label(mut self, label: impl Into<String>) -> D {
        self.label = Some(label.into());
        self
    }
    /// Adds a line of help (several are kept, one per line).
    pub fn help(mut self, help: impl Into<String>) -> D {
        let help = help.into();
        self.help = Some(match self.help.take() {
            Some(prev) => format!("{prev}\n{help}"),
            None => help,
        });
        self
    }
    pub fn note(mut self, loc: &Loc, message: impl Into<String>) -> D {
        self.notes.push((Some(loc.clone()), message.into()));
        self
    }
}

/// Where command-line diagnostics point.
pub const COMMAND_LINE: &str = "<command line>";

impl<'s> Reporter<'s> {
    pub fn new(sources: &'s Sources) -> Reporter<'s> {
        Reporter {
            sources,
            diags: Vec::new(),
            seen: HashSet::new(),
            errors: 0,
        }
    }

    pub fn error_count(&self) -> usize {
        self.errors
    }

    pub fn emit(&mut self, d: D) {
        let (file, line, column, span) = match &d.loc {
            Some(loc) => {
                let (line, column) = self.sources.line_col(loc.file, loc.span.start);
                (
                    self.sources.path(loc.file).to_path_buf(),
                    line,
                    column,
                    Some(loc.span.clone()),
                )
            }
            None => (
                d.file.clone().unwrap_or_else(|| COMMAND_LINE.into()),
                0,
                0,
                None,
            ),
        };
        let key = (
            d.loc.as_ref().map_or(usize::MAX, |l| l.file),
            span.as_ref().map_or(0, |s| s.start),
            span.as_ref().map_or(0, |s| s.end),
            d.message.clone(),
        );
        if !self.seen.insert(key) {
            return;
        }
        if d.severity == Severity::Error {
            self.errors += 1;
        }
        let notes = d
            .notes
            .into_iter()
            .map(|(loc, message)| match loc {
                Some(loc) => {
                    let (line, column) = self.sources.line_col(loc.file, loc.span.start);
                    Note {
                        file: self.sources.path(loc.file).to_path_buf(),
                        line,
                        column,
                        message,
                        span: Some(loc.span),
                    }
                }
                None => Note {
                    file: COMMAND_LINE.into(),
                    line: 0,
                    column: 0,
                    message,
                    span: None,
                },
            })
            .collect();
        self.diags.push(Diagnostic {
            severity: d.severity,
            file,
            line,
            column,
            message: d.message,
            help: d.help,
            label: d.label,
            notes,
            span,
        });
    }

    /// Reports unknown attributes and blocks (with a suggestion), labels on
    /// blocks that take none, and repeated nested blocks. Returns whether the
    /// block is well formed.
    pub fn check_schema(&mut self, block: &Block, schema: &Schema) -> bool {
        let mut ok = true;
        for a in &block.attrs {
            if !schema.attrs.contains(&a.name.as_str()) {
                ok = false;
                let is_block = schema.blocks.iter().any(|(n, _)| *n == a.name);
                let mut d = D::error(
                    &a.key_loc,
                    format!("unknown attribute {:?} in {}", a.name, schema.what),
                );
                if is_block {
                    d = d.help(format!(
                        "{} is a block: write `{} {{ ... }}` without `=`",
                        a.name, a.name
                    ));
                } else if let Some(s) = did_you_mean(&a.name, schema.attrs) {
                    d = d.label(format!("did you mean {s:?}?"));
                }
                d = d.help(allowed_list(schema));
                self.emit(d);
            }
        }
        let mut seen: Vec<(&str, &Loc)> = Vec::new();
        for b in &block.blocks {
            match schema.blocks.iter().find(|(n, _)| *n == b.ident) {
                None => {
                    ok = false;
                    let names: Vec<&str> = schema.blocks.iter().map(|(n, _)| *n).collect();
                    let mut d = D::error(
                        &b.ident_loc,
                        format!("unknown block {:?} in {}", b.ident, schema.what),
                    );
                    if schema.attrs.contains(&b.ident.as_str()) {
                        d = d.help(format!(
                            "{} is an attribute: write `{} = ...`",
                            b.ident, b.ident
                        ));
                    } else if let Some(s) = did_you_mean(&b.ident, &names) {
                        d = d.label(format!("did you mean {s:?}?"));
                    }
                    self.emit(d.help(allowed_list(schema)));
                }
                Some((_, inner)) => {
                    if let Some((_, first)) = seen.iter().find(|(n, _)| *n == b.ident) {
                        ok = false;
                        let msg = if b.ident == "file_system_config" {
                            "at most one file_system_config block is allowed (Lambda accepts one file system per function)".to_string()
                        } else {
                            format!(
                                "duplicate {:?} block in {}; only one is allowed",
                                b.ident, schema.what
                            )
                        };
                        self.emit(D::error(&b.ident_loc, msg).note(first, "first defined here"));
                        continue;
                    }
                    seen.push((b.ident.as_str(), &b.ident_loc));
                    if let Some((_, l)) = b.labels.first() {
                        ok = false;
                        self.emit(
                            D::error(l, format!("a {} block takes no label", b.ident))
                                .help(format!("write `{} {{ ... }}`", b.ident)),
                        );
                    }
                    ok &= self.check_schema(b, inner);
                }
            }
        }
        ok
    }
}

fn allowed_list(schema: &Schema) -> String {
    let mut parts = Vec::new();
    if !schema.attrs.is_empty() {
        parts.push(format!("attributes: {}", schema.attrs.join(", ")));
    }
    if !schema.blocks.is_empty() {
        let names: Vec<&str> = schema.blocks.iter().map(|(n, _)| *n).collect();
        parts.push(format!("blocks: {}", names.join(", ")));
    }
    if parts.is_empty() {
        format!("{} takes no attributes or blocks", schema.what)
    } else {
        format!("allowed in {}: {}", schema.what, parts.join("; "))
    }
}

/// The names an expression may refer to. `vars` and `locals` are sorted
/// (looked up by binary search: a configuration may define 20,000 locals).
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub vars: &'a [&'a str],
    pub locals: &'a [&'a str],
    /// Whether `each` is defined (inside a function block with `for_each`).
    pub each: bool,
    /// Whether `local.*` may be used (not inside `variable` defaults).
    pub locals_allowed: bool,
    pub functions: &'a [&'a str],
    /// Locals that failed to evaluate (sorted; already reported): an
    /// expression reading one is skipped without a message of its own.
    pub failed_locals: &'a [&'a str],
}

/// A reference `root.name` found in an expression.
pub struct Reference {
    pub root: String,
    pub name: String,
    pub loc: Loc,
}

struct RefCollector {
    file: usize,
    refs: Vec<Reference>,
    funcs: Vec<(String, Loc)>,
}

impl Visit for RefCollector {
    fn visit_traversal(&mut self, node: &hcl::edit::expr::Traversal) {
        if let EditExpr::Variable(root) = &node.expr {
            let root_name = root.as_str();
            if matches!(root_name, "var" | "local" | "each")
                && let Some(first) = node.operators.first()
                && let TraversalOperator::GetAttr(name) = first.value()
            {
                let start = root.span().map_or(0, |s| s.start);
                let end = name.span().map_or(start, |s| s.end);
                self.refs.push(Reference {
                    root: root_name.to_string(),
                    name: name.as_str().to_string(),
                    loc: Loc {
                        file: self.file,
                        span: start..end,
                    },
                });
            }
        }
        visit::visit_traversal(self, node);
    }

    fn visit_func_call(&mut self, node: &hcl::edit::expr::FuncCall) {
        let name = node.name.name.as_str().to_string();
        self.funcs
            .push((name, Loc::new(self.file, node.name.name.span())));
        visit::visit_func_call(self, node);
    }
}

/// Every `var.X`, `local.X` and `each.X` reference in an expression.
pub fn references(file: usize, expr: &EditExpr) -> Vec<Reference> {
    let mut c = RefCollector {
        file,
        refs: Vec::new(),
        funcs: Vec::new(),
    };
    c.visit_expr(expr);
    c.refs
}

impl Reporter<'_> {
    /// Checks every reference and function call of `attr` against `scope`;
    /// returns whether all resolve, so evaluation is skipped (and not
    /// reported twice) when one does not.
    pub fn check_refs(&mut self, attr: &Attr, scope: &Scope<'_>) -> bool {
        let mut c = RefCollector {
            file: attr.value_loc.file,
            refs: Vec::new(),
            funcs: Vec::new(),
        };
        c.visit_expr(&attr.edit);
        let mut ok = true;
        for (name, loc) in c.funcs {
            if !scope.functions.contains(&name.as_str()) {
                ok = false;
                let mut d = D::error(&loc, format!("unknown function {name:?}"));
                if let Some(s) = did_you_mean(&name, scope.functions) {
                    d = d.label(format!("did you mean {s:?}?"));
                }
                self.emit(d.help(format!(
                    "available functions: {}",
                    scope.functions.join(", ")
                )));
            }
        }
        for r in c.refs {
            match r.root.as_str() {
                "var" if scope.vars.binary_search(&r.name.as_str()).is_err() => {
                    ok = false;
                    let mut d = D::error(&r.loc, format!("undefined variable var.{}", r.name));
                    if let Some(s) = did_you_mean(&r.name, scope.vars) {
                        d = d.label(format!("did you mean var.{s}?"));
                    }
                    self.emit(d.help(format!(
                        "declare it: variable {:?} {{ default = ... }}",
                        r.name
                    )));
                }
                "local" if !scope.locals_allowed => {
                    ok = false;
                    self.emit(
                        D::error(&r.loc, "a variable's default cannot refer to local values").help(
                            "defaults must be constants; compute it in a locals block instead",
                        ),
                    );
                }
                "local" if scope.failed_locals.binary_search(&r.name.as_str()).is_ok() => {
                    ok = false;
                }
                "local" if scope.locals.binary_search(&r.name.as_str()).is_err() => {
                    ok = false;
                    let mut d = D::error(&r.loc, format!("undefined local value local.{}", r.name));
                    if let Some(s) = did_you_mean(&r.name, scope.locals) {
                        d = d.label(format!("did you mean local.{s}?"));
                    }
                    self.emit(d.help(format!("define it in a locals block: {} = ...", r.name)));
                }
                "each" if !scope.each => {
                    ok = false;
                    self.emit(
                        D::error(
                            &r.loc,
                            format!(
                                "each.{} is only available in a function block with for_each",
                                r.name
                            ),
                        )
                        .help("add for_each = toset([...]) or a map to this function block"),
                    );
                }
                "each" if r.name != "key" && r.name != "value" => {
                    ok = false;
                    self.emit(
                        D::error(&r.loc, format!("each has no attribute {:?}", r.name))
                            .help("use each.key or each.value"),
                    );
                }
                _ => {}
            }
        }
        ok
    }
}
