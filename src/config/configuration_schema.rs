//! The schema of the `configuration { ... }` block (of a function and of
//! `defaults`), derived from the attribute table's paths at compile time:
//! `configuration.memory_size` is an attribute of the block,
//! `configuration.logging_config.log_format` an attribute of its nested
//! `logging_config` block, in table order. Built in const code so that it
//! is a `static Schema` like every other block's, checked before any value
//! is evaluated; a path the derivation cannot take (not under
//! `configuration.`, or nested deeper) fails the build.
//!
//! Tables only; no checking or typing here.

use super::syntax::Schema;
use crate::model::ATTRIBUTES;

const PREFIX: &[u8] = b"configuration.";

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn text(bytes: &'static [u8]) -> &'static str {
    match core::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => panic!("an attribute path is not UTF-8"),
    }
}

/// Row `i`'s path below `configuration.` as (block, name); the block is
/// empty for an attribute of the configuration block itself.
const fn parts(i: usize) -> (&'static [u8], &'static [u8]) {
    let path = ATTRIBUTES[i].path.as_bytes();
    if path.len() <= PREFIX.len() {
        panic!("an attribute path is configuration.NAME or configuration.BLOCK.NAME");
    }
    let (head, rest) = path.split_at(PREFIX.len());
    if !same(head, PREFIX) {
        panic!("an attribute path starts with configuration.");
    }
    let mut j = 0;
    while j < rest.len() {
        if rest[j] == b'.' {
            let (block, tail) = rest.split_at(j);
            let (_, name) = tail.split_at(1);
            let mut k = 0;
            while k < name.len() {
                if name[k] == b'.' {
                    panic!("an attribute path nests one block at most");
                }
                k += 1;
            }
            return (block, name);
        }
        j += 1;
    }
    (&[], rest)
}

/// Whether row `i` is the first of its nested block.
const fn opens_block(i: usize) -> bool {
    let (block, _) = parts(i);
    if block.is_empty() {
        return false;
    }
    let mut j = 0;
    while j < i {
        if same(parts(j).0, block) {
            return false;
        }
        j += 1;
    }
    true
}

const fn count(nested: bool, openers: bool) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < ATTRIBUTES.len() {
        let in_block = !parts(i).0.is_empty();
        if (openers && opens_block(i)) || (!openers && in_block == nested) {
            n += 1;
        }
        i += 1;
    }
    n
}

const TOP: usize = count(false, false);
const NESTED: usize = count(true, false);
const BLOCKS: usize = count(false, true);

const fn top_attrs() -> [&'static str; TOP] {
    let mut out = [""; TOP];
    let (mut i, mut k) = (0, 0);
    while i < ATTRIBUTES.len() {
        let (block, name) = parts(i);
        if block.is_empty() {
            out[k] = text(name);
            k += 1;
        }
        i += 1;
    }
    out
}

/// The nested blocks' attribute names, block after block in table order.
const fn nested_attrs() -> [&'static str; NESTED] {
    let mut out = [""; NESTED];
    let (mut i, mut k) = (0, 0);
    while i < ATTRIBUTES.len() {
        if opens_block(i) {
            let block = parts(i).0;
            let mut j = i;
            while j < ATTRIBUTES.len() {
                let (b, name) = parts(j);
                if same(b, block) {
                    out[k] = text(name);
                    k += 1;
                }
                j += 1;
            }
        }
        i += 1;
    }
    out
}

const NO_SCHEMA: Schema = Schema {
    what: "",
    attrs: &[],
    blocks: &[],
};

const fn block_schemas(names: &'static [&'static str; NESTED]) -> [Schema; BLOCKS] {
    let mut out = [NO_SCHEMA; BLOCKS];
    let mut rest: &'static [&'static str] = names;
    let (mut i, mut b) = (0, 0);
    while i < ATTRIBUTES.len() {
        if opens_block(i) {
            let block = parts(i).0;
            let mut n = 0;
            let mut j = i;
            while j < ATTRIBUTES.len() {
                if same(parts(j).0, block) {
                    n += 1;
                }
                j += 1;
            }
            let (attrs, tail) = rest.split_at(n);
            rest = tail;
            out[b] = Schema {
                what: text(block),
                attrs,
                blocks: &[],
            };
            b += 1;
        }
        i += 1;
    }
    out
}

const fn block_list(
    schemas: &'static [Schema; BLOCKS],
) -> [(&'static str, &'static Schema); BLOCKS] {
    let mut out: [(&'static str, &'static Schema); BLOCKS] = [("", &NO_SCHEMA_STATIC); BLOCKS];
    let mut b = 0;
    while b < BLOCKS {
        out[b] = (schemas[b].what, &schemas[b]);
        b += 1;
    }
    out
}

static NO_SCHEMA_STATIC: Schema = NO_SCHEMA;
static TOP_ATTRS: [&str; TOP] = top_attrs();
static NESTED_ATTRS: [&str; NESTED] = nested_attrs();
static BLOCK_SCHEMAS: [Schema; BLOCKS] = block_schemas(&NESTED_ATTRS);
static BLOCK_LIST: [(&str, &Schema); BLOCKS] = block_list(&BLOCK_SCHEMAS);

/// The `configuration { ... }` block: the table's attributes and blocks.
pub static CONFIGURATION: Schema = Schema {
    what: "configuration",
    attrs: &TOP_ATTRS,
    blocks: &BLOCK_LIST,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema, read back as paths: exactly the table's.
    #[test]
    fn the_schema_is_the_tables_paths() {
        let mut paths: Vec<String> = CONFIGURATION
            .attrs
            .iter()
            .map(|a| format!("configuration.{a}"))
            .collect();
        for (name, inner) in CONFIGURATION.blocks {
            assert_eq!(*name, inner.what);
            assert!(inner.blocks.is_empty());
            paths.extend(
                inner
                    .attrs
                    .iter()
                    .map(|a| format!("configuration.{name}.{a}")),
            );
        }
        let mut table: Vec<String> = ATTRIBUTES.iter().map(|a| a.path.to_string()).collect();
        paths.sort();
        table.sort();
        assert_eq!(paths, table);
    }
}
