//! Property tests: the loader and the formatter never panic, whatever the
//! input: random text, token soup, and mutations of the real examples and
//! the invalid corpus.

use proptest::prelude::*;

use crate::support::repo_root;

fn seeds() -> Vec<String> {
    let mut out = Vec::new();
    for dir in [
        "examples/quickstart",
        "examples/fleet",
        "examples/rollback",
        "examples/high-compliance",
        "tests/config/invalid",
    ] {
        let mut paths: Vec<_> = std::fs::read_dir(repo_root().join(dir))
            .expect("seed dir")
            .map(|e| e.expect("entry").path())
            // Only configuration files: a sandbox run leaves state/ and
            // sandbox.json next to them.
            .filter(|p| p.to_string_lossy().ends_with(".rtm.hcl"))
            .collect();
        paths.sort();
        out.extend(
            paths
                .iter()
                .map(|p| std::fs::read_to_string(p).expect("seed")),
        );
    }
    out
}

const VOCAB: &[&str] = &[
    "function",
    "\"a\"",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "=",
    ",",
    ".",
    "\n",
    " ",
    "name",
    "for_each",
    "toset",
    "each",
    "key",
    "value",
    "var",
    "local",
    "locals",
    "variable",
    "default",
    "policy",
    "defaults",
    "runtime_management",
    "configuration",
    "update_runtime_on",
    "\"Manual\"",
    "runtime_version_arn",
    "pin_until",
    "\"2026-01-01\"",
    "memory_size",
    "512",
    "-1",
    "1e400",
    "\"${",
    "${",
    "%{",
    "\"",
    "#",
    "//",
    "/*",
    "*/",
    "<<EOT\n",
    "EOT",
    "?",
    ":",
    "=>",
    "...",
    "format(",
    "lookup(",
    "merge(",
    "concat(",
    "null",
    "true",
    "\u{e9}",
    "\u{1F600}",
    "\t",
    "\r\n",
    "settings",
    "region",
    "\"us-east-1\"",
    "qualifier",
    "\"7\"",
    "environment",
    "variables",
    "\u{feff}",
    "[for x in ",
    " : x]",
    "%{ for x in local.a }",
    "%{ endfor }",
    "%{ if true }",
    "%{ endif }",
    "~}",
    "[*]",
    ".*",
    "<<-EOT\n",
    "% 0",
    "/ 0",
    "local.a",
    "a = ",
];

fn check(text: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("main.rtm.hcl"), text).expect("write");
    let opts = rtm::config::LoadOptions {
        dir: tmp.path().to_path_buf(),
        vars: vec![("env".into(), "x".into())],
        var_files: Vec::new(),
        env_vars: vec![("n".into(), "[1".into())],
        overrides: Vec::new(),
        today: jiff::civil::date(2026, 11, 21),
    };
    match rtm::config::load(&opts) {
        Ok(loaded) => {
            let _ = rtm::config::render_human(&loaded.diagnostics, &loaded.sources, true);
        }
        Err(rtm::config::Error::Invalid(d)) => {
            assert!(d.error_count() > 0, "Invalid without an error");
            let _ = rtm::config::render_human(&d.diagnostics, &d.sources, true);
        }
        Err(_) => {}
    }
    if let Ok(formatted) = rtm::config::fmt::format_source(text) {
        // Formatting must not turn a valid file into an invalid one.
        assert!(
            hcl::edit::parser::parse_body(&formatted).is_ok(),
            "fmt broke the file:\n{text:?}\n->\n{formatted:?}"
        );
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), 0..VOCAB.len()).prop_map(|(a, t)| Mutation::Insert(a, t)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn char_boundary(s: &str, at: usize) -> usize {
    if s.is_empty() {
        return 0;
    }
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(mut s: String, muts: &[Mutation]) -> String {
    for m in muts {
        match *m {
            Mutation::Delete(at, n) => {
                let a = char_boundary(&s, at);
                let b = char_boundary(&s, (a + n).min(s.len()));
                if b > a {
                    s.replace_range(a..b, "");
                }
            }
            Mutation::Insert(at, t) => {
                let a = char_boundary(&s, at);
                s.insert_str(a, VOCAB[t]);
            }
            Mutation::DuplicateLine(at) => {
                let mut lines: Vec<String> = s.lines().map(String::from).collect();
                if !lines.is_empty() {
                    let i = at % lines.len();
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                s = lines.join("\n");
            }
            Mutation::SwapLines(a, b) => {
                let mut lines: Vec<String> = s.lines().map(String::from).collect();
                if !lines.is_empty() {
                    let (a, b) = (a % lines.len(), b % lines.len());
                    lines.swap(a, b);
                }
                s = lines.join("\n");
            }
        }
    }
    s
}

/// Inputs the fuzzers once found to panic; each stays as a fixed case.
#[test]
fn known_crashers_do_not_panic() {
    // A syntax error reported inside a multi-byte character (found on CI).
    check(
        "locals{//update_runtime_onconcat(runtime_version_arnvariables1e400format(.${(configuration.pin_until*/#//var\"}\ntruefunctionfor_eachname=[\u{e9}",
    );
    check("x = [\u{e9}");
    check("locals { a = \"\u{e9}");
    // An identifier continued by a combining mark (Unicode 16): fmt once split it.
    check("\u{108e0}=\u{a05}\u{113e1}#");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::support::fuzz_cases(500), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(0..VOCAB.len(), 0..80)) {
        let text: String = tokens.iter().map(|&t| VOCAB[t]).collect();
        check(&text);
    }

    #[test]
    fn mutated_examples_never_panic(seed in any::<usize>(), muts in proptest::collection::vec(mutation(), 1..6)) {
        let seeds = seeds();
        let base = seeds[seed % seeds.len()].clone();
        check(&mutate(base, &muts));
    }
}
