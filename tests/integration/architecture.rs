//! The module rules of STYLE.md, as a test: data flows one way, and the
//! emulator shares nothing with the client side.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::repo_root;

/// What each module may import from the crate.
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

fn sources(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read_dir").flatten() {
            sources(&entry.path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// Every `crate::NAME` a file mentions.
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `rtm_crate::`
        }
        let name: String = text[i + 7..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

#[test]
fn modules_import_only_what_the_architecture_allows() {
    let src = repo_root().join("src");
    let mut violations = Vec::new();
    for (module, allowed) in ALLOWED {
        let mut files = Vec::new();
        let dir = src.join(module);
        sources(&dir, &mut files);
        sources(&src.join(format!("{module}.rs")), &mut files);
        assert!(!files.is_empty(), "no sources for module {module}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            for used in crate_references(&text) {
                if used != *module && !allowed.contains(&used.as_str()) {
                    violations.push(format!("{} uses crate::{used}", file.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_reference_scanner_sees_imports() {
    let refs = crate_references("use crate::model::X;\nfn f() { crate::aws::g(); my_crate::x(); }");
    assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["aws", "model"]);
}
