//! Locals: every `locals` block's values, evaluated in dependency order (a
//! topological sort, linear in locals and references), with each cycle's
//! members reported and readers of a failed local left quiet.
//!
//! Evaluates and reports only; never types a value.

use std::collections::HashMap;

use hcl::Value;

use super::attributes::eval;
use super::eval::Values;
use super::limits::Budget;
use super::schema::LOCALS_NONE;
use super::stdlib;
use super::syntax::{Attr, Block, D, Reporter, Scope, references};

/// Evaluates the locals in dependency order (a topological sort, linear in
/// the number of locals and references); returns their names, sorted, and
/// the `local` object and the names of the locals that failed, sorted. The
/// members of a cycle are reported; locals that only read a cycle or a
/// failed local fail without a message of their own.
pub fn resolve_locals(
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
            d = references(a.value_loc.file, &a.edit)
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
