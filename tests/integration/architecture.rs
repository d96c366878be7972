//! The module rules of STYLE.md, as a test, on the parsed sources (syn): data
//! flows one way between modules, the emulator shares nothing with the
//! client side, only `cli` prints or reads the environment, and no two files
//! of one module import each other in a circle. Each rule is also checked to
//! fail on a fixture that breaks it, so the scan cannot quietly see nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use syn::visit::Visit;

use crate::support::repo_root;

/// What each module may import from the crate (`cli` may import anything).
const ALLOWED: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("config", &["model"]),
    ("state", &["model"]),
    ("aws", &["model"]),
    ("plan", &["model"]),
    ("render", &["plan", "model"]),
    ("apply", &["plan", "model", "aws", "state"]),
    ("sim", &[]),
];

/// The macros that print.
const PRINTING_MACROS: &[&str] = &["print", "println", "eprint", "eprintln", "dbg"];
/// Functions that hand out the process's stdout and stderr, or read its
/// environment, by the last two segments of their path.
const STDIO: &[&str] = &["stdout", "stderr"];
const ENV_READS: &[&str] = &["var", "var_os", "vars", "vars_os"];

/// A source file as the scanner sees it: its module path below the crate
/// (`["config", "loader"]`) and its text.
struct File {
    name: String,
    module: Vec<String>,
    text: String,
    /// A module's root (`mod.rs`, `lib.rs`): its façade, which declares
    /// and re-exports its children.
    root: bool,
}

fn collect(dir: &Path, rel: &Path, out: &mut Vec<File>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = rel.join(entry.file_name());
        if path.is_dir() {
            collect(&path, &rel, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(file(
                &rel.to_string_lossy(),
                &std::fs::read_to_string(&path).expect("read"),
            ));
        }
    }
}

/// `config/loader.rs` is module `config::loader`; `config/mod.rs` is `config`.
fn file(name: &str, text: &str) -> File {
    let mut module: Vec<String> = name
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    let mut root = false;
    if module.last().is_some_and(|m| m == "mod") {
        module.pop();
        root = true;
    }
    if module == ["lib"] || module == ["main"] {
        module.clear();
        root = true;
    }
    File {
        name: name.to_string(),
        module,
        text: text.to_string(),
        root,
    }
}

fn tree() -> Vec<File> {
    let mut files = Vec::new();
    collect(&repo_root().join("src"), Path::new(""), &mut files);
    files
}

/// What one file refers to: crate paths it uses (resolved from `crate::`,
/// `super::` and `self::`), printing macros, stdio handles, environment reads.
#[derive(Default)]
struct Found {
    /// (absolute path below the crate, line)
    paths: Vec<(Vec<String>, usize)>,
    prints: Vec<(String, usize)>,
    env_reads: Vec<(String, usize)>,
}

struct Scanner<'a> {
    /// The module the code being visited is in (inline `mod x {}` pushes).
    module: Vec<String>,
    file_module: &'a [String],
    found: Found,
}

fn line_of(span: proc_macro2::Span) -> usize {
    span.start().line
}

impl Scanner<'_> {
    /// Resolves a path's leading `crate`/`super`/`self` segments; `None`
    /// for paths of other crates or of local names.
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        let mut base = match first.as_str() {
            "crate" => return Some(segments[1..].to_vec()),
            "super" | "self" => self.module.clone(),
            _ => return None,
        };
        let mut rest = segments;
        while let Some(seg) = rest.first() {
            match seg.as_str() {
                "super" => {
                    base.pop()?;
                }
                "self" => {}
                _ => break,
            }
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree, line: usize) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree, line);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.record_use(prefix, Some(n.ident.to_string()), line),
            syn::UseTree::Rename(r) => self.record_use(prefix, Some(r.ident.to_string()), line),
            syn::UseTree::Glob(_) => self.record_use(prefix, None, line),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t, line);
                }
            }
        }
    }

    fn record_use(&mut self, prefix: &[String], last: Option<String>, line: usize) {
        let mut segments = prefix.to_vec();
        if let Some(l) = last
            && l != "self"
        {
            segments.push(l);
        }
        self.check_env_path(&segments, line);
        if let Some(abs) = self.resolve(&segments) {
            self.found.paths.push((abs, line));
        }
    }

    fn check_env_path(&mut self, segments: &[String], line: usize) {
        let n = segments.len();
        if n >= 2 {
            let (parent, last) = (segments[n - 2].as_str(), segments[n - 1].as_str());
            if parent == "env" && ENV_READS.contains(&last) {
                self.found.env_reads.push((segments.join("::"), line));
            }
            if parent == "io" && STDIO.contains(&last) {
                self.found.prints.push((segments.join("::"), line));
            }
            if parent == "anstream" && STDIO.contains(&last) {
                self.found.prints.push((segments.join("::"), line));
            }
        }
    }
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_some() {
            self.module.push(m.ident.to_string());
            syn::visit::visit_item_mod(self, m);
            self.module.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let line = line_of(u.use_token.span);
        self.use_tree(&mut Vec::new(), &u.tree, line);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        let line = p.segments.first().map_or(0, |s| line_of(s.ident.span()));
        self.check_env_path(&segments, line);
        if let Some(abs) = self.resolve(&segments) {
            self.found.paths.push((abs, line));
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if let Some(last) = m.path.segments.last() {
            let name = last.ident.to_string();
            if PRINTING_MACROS.contains(&name.as_str()) {
                self.found
                    .prints
                    .push((format!("{name}!"), line_of(last.ident.span())));
            }
        }
        // Macro bodies are tokens; parse the usual expression-list ones so
        // `format!("{}", crate::x::y())` is seen too.
        if let Ok(args) = m.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        ) {
            for e in &args {
                self.visit_expr(e);
            }
        }
        syn::visit::visit_macro(self, m);
    }
}

fn scan(f: &File) -> Found {
    let parsed = syn::parse_file(&f.text).unwrap_or_else(|e| panic!("{}: {e}", f.name));
    let mut s = Scanner {
        module: f.module.clone(),
        file_module: &f.module,
        found: Found::default(),
    };
    s.visit_file(&parsed);
    let _ = s.file_module;
    s.found
}

/// Every rule broken in `files`, one line each.
fn violations(files: &[File]) -> Vec<String> {
    let mut out = Vec::new();
    let file_modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let roots: BTreeSet<Vec<String>> = files
        .iter()
        .filter(|f| f.root)
        .map(|f| f.module.clone())
        .collect();
    // Edges between files of one top-level module, for the circle check.
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let found = scan(f);
        let top = f.module.first().cloned().unwrap_or_default();
        let allowed: Option<&[&str]> = ALLOWED.iter().find(|(m, _)| *m == top).map(|(_, a)| *a);
        if top != "cli" && !f.module.is_empty() {
            for (what, line) in &found.prints {
                out.push(format!(
                    "{}:{line}: {what} outside cli (only cli prints)",
                    f.name
                ));
            }
            for (what, line) in &found.env_reads {
                out.push(format!(
                    "{}:{line}: {what} outside cli (only cli reads the environment)",
                    f.name
                ));
            }
        }
        for (path, line) in &found.paths {
            let Some(used) = path.first() else { continue };
            if let Some(allowed) = allowed
                && *used != top
                && !allowed.contains(&used.as_str())
            {
                out.push(format!("{}:{line}: {top} uses crate::{used}", f.name));
            }
            // The file this path lands in: its longest file-module prefix.
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| file_modules.contains(p));
            if let Some(t) = target
                && t.first() == f.module.first()
                && t != f.module
                // A module's root (mod.rs) is its façade: children reach
                // re-exports through it, it declares them; not a circle.
                && !roots.contains(&t)
                && !f.root
            {
                edges
                    .entry(f.module.join("::"))
                    .or_default()
                    .insert(t.join("::"));
            }
        }
    }
    out.extend(circles(&edges));
    out
}

/// Each import circle between files, once, as `a -> b -> a`.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = BTreeSet::new();
    for start in edges.keys() {
        // Depth-first from `start`, looking for a way back to it.
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in edges.get(&node).into_iter().flatten() {
                if next == start {
                    // Report each circle once, rotated to its smallest member.
                    let min = path.iter().min().cloned().unwrap_or_default();
                    let at = path.iter().position(|p| *p == min).unwrap_or(0);
                    let mut ring: Vec<String> = path[at..].to_vec();
                    ring.extend_from_slice(&path[..at]);
                    ring.push(min);
                    found.insert(format!("import circle: {}", ring.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn modules_import_only_what_the_architecture_allows() {
    let files = tree();
    assert!(files.len() > 40, "only {} files found", files.len());
    let v = violations(&files);
    assert!(v.is_empty(), "{}", v.join("\n"));
}

fn fixture(files: &[(&str, &str)]) -> Vec<String> {
    let files: Vec<File> = files.iter().map(|(n, t)| file(n, t)).collect();
    violations(&files)
}

#[test]
fn each_rule_fails_on_a_fixture_that_breaks_it() {
    let clean = fixture(&[
        ("plan/mod.rs", "use crate::model::Desired;\nmod diff;\n"),
        (
            "plan/diff.rs",
            "use super::Plan; use crate::model::{Live, Salt};\n",
        ),
        // A nested module's root is a façade too.
        ("config/fmt/mod.rs", "mod lex;\nuse lex::lex;\n"),
        ("config/fmt/lex.rs", "use super::FormatError;\n"),
    ]);
    assert!(clean.is_empty(), "{clean:?}");
    for (case, files, want) in [
        (
            "grouped use",
            vec![("plan/mod.rs", "use crate::{apply, aws::Lambda};\n")],
            "plan uses crate::apply",
        ),
        (
            "multi-line use",
            vec![(
                "plan/mod.rs",
                "use crate::{\n    model::X,\n    state::Store,\n};\n",
            )],
            "plan uses crate::state",
        ),
        (
            "super chains",
            vec![(
                "plan/a.rs",
                "mod inner { use super::super::super::apply::execute; }\n",
            )],
            "plan uses crate::apply",
        ),
        (
            "spaced path in an expression",
            vec![("plan/mod.rs", "fn f() { crate :: aws :: call(); }\n")],
            "plan uses crate::aws",
        ),
        (
            "a path inside a macro",
            vec![(
                "render/mod.rs",
                "fn f() -> String { format!(\"{}\", crate::state::x()) }\n",
            )],
            "render uses crate::state",
        ),
        (
            "the emulator uses the client",
            vec![("sim/server.rs", "use crate::model::Live;\n")],
            "sim uses crate::model",
        ),
        (
            "printing outside cli",
            vec![("plan/mod.rs", "fn f() { println!(\"x\"); }\n")],
            "println! outside cli",
        ),
        (
            "a stdout handle outside cli",
            vec![("render/mod.rs", "fn f() { let _ = std::io::stdout(); }\n")],
            "io::stdout outside cli",
        ),
        (
            "reading the environment outside cli",
            vec![(
                "config/mod.rs",
                "use std::env;\nfn f() { let _ = env::var(\"X\"); }\n",
            )],
            "env::var outside cli",
        ),
        (
            "a circle between files of a nested module",
            vec![
                ("state/s3/a.rs", "use super::b::B;\n"),
                ("state/s3/b.rs", "use super::a::A;\n"),
            ],
            "import circle: state::s3::a -> state::s3::b -> state::s3::a",
        ),
        (
            "a circle between files of one module",
            vec![
                ("config/a.rs", "use super::b::B;\n"),
                ("config/b.rs", "use super::c::C;\n"),
                ("config/c.rs", "pub fn c() { super::a::x(); }\n"),
            ],
            "import circle: config::a -> config::b -> config::c -> config::a",
        ),
    ] {
        let v = fixture(&files);
        assert!(
            v.iter().any(|line| line.contains(want)),
            "{case}: expected {want:?} in {v:?}"
        );
    }
    // cli may do all of it.
    let cli = fixture(&[(
        "cli/mod.rs",
        "use crate::{apply, sim};\nfn f() { println!(\"x\"); let _ = std::env::var(\"X\"); }\n",
    )]);
    assert!(cli.is_empty(), "{cli:?}");
}

#[test]
fn no_file_under_src_is_over_700_lines() {
    let long: Vec<String> = tree()
        .iter()
        .map(|f| (f.name.clone(), f.text.lines().count()))
        .filter(|(_, n)| *n > 700)
        .map(|(name, n)| format!("src/{name}: {n} lines"))
        .collect();
    assert!(long.is_empty(), "split by job: {}", long.join(", "));
}
