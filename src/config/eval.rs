//! Evaluates attribute expressions straight from the hcl-edit tree, with
//! the same results and error kinds as hcl-rs's `Evaluate`.
//!
//! Why not convert each attribute to an `hcl::Expression` and evaluate that,
//! as the loader used to: hcl-rs keeps object literals in a vec-backed map
//! (`hcl::expr::Object`), so converting a 10,000-entry literal costs ~10⁸ key
//! comparisons; and its evaluator clones a variable's whole value before
//! walking `local.fleet` or `each.value.memory`, so every function instance
//! that reads `local.*` would copy every local value.
//!
//! So literals, arrays, objects (into `hcl::Map`, an `IndexMap`),
//! parentheses, references and calls of the stdlib are evaluated here, with
//! references walked by reference and only their result cloned. Everything
//! else (templates, operators, conditionals, `for`) is handed to hcl-rs in a
//! context that declares only the values that expression names, so it never
//! copies a big object it does not read. A failure is never reported from
//! here: the failing node is re-evaluated by hcl-rs, which produces the error.

use hcl::Value;
use hcl::edit::expr::{Expression as E, FuncCall, ObjectKey, Traversal, TraversalOperator};
use hcl::edit::template::ForTemplateExpr;
use hcl::edit::visit::{self, Visit};
use hcl::eval::{Context, Evaluate};

use super::stdlib;

pub type Error = hcl::eval::Error;

/// The values an expression may read, by root name. `None`: the root is not
/// declared at all (an expression naming it fails with "undefined variable").
#[derive(Debug, Clone, Copy, Default)]
pub struct Values<'a> {
    pub var: Option<&'a Value>,
    pub local: Option<&'a Value>,
    /// The instance's `each` object (`key` and `value`).
    pub each: Option<&'a Value>,
}

/// What went wrong, for a diagnostic. For a `sensitive` attribute the
/// values hcl-rs would quote (`"hunter2" + 1`) are named by type instead.
pub fn message(e: &Error, sensitive: bool) -> String {
    use super::loader::type_name;
    use hcl::eval::ErrorKind as K;
    if !sensitive {
        return e.kind().to_string();
    }
    match e.kind() {
        K::Unexpected(v, expected) => format!("unexpected {}, expected {expected}", type_name(v)),
        K::UnaryOp(op, v) => format!(
            "unary operator `{op}` is not applicable to a {}",
            type_name(v)
        ),
        K::BinaryOp(lhs, op, rhs) => format!(
            "binary operator `{op}` is not applicable to a {} and a {}",
            type_name(lhs),
            type_name(rhs)
        ),
        K::FuncCall(name, _) => format!(
            "error calling function `{name}` (its message is not shown: environment values are sensitive)"
        ),
        K::Message(_) => {
            "the expression fails (the message is not shown: environment values are sensitive)"
                .into()
        }
        other => other.to_string(),
    }
}

const ROOTS: [&str; 3] = ["var", "local", "each"];

impl<'a> Values<'a> {
    fn root(&self, name: &str) -> Option<&'a Value> {
        match name {
            "var" => self.var,
            "local" => self.local,
            "each" => self.each,
            _ => None,
        }
    }
}

/// Evaluates `expr`; the result and any error are those of hcl-rs evaluating
/// the converted expression in a context declaring `values`.
pub fn evaluate(expr: &E, values: &Values<'_>) -> Result<Value, Error> {
    match expr {
        E::Null(_) | E::Bool(_) | E::Number(_) | E::String(_) => {
            Ok(Value::from(hcl::Expression::from(expr.clone())))
        }
        E::Array(items) => items
            .iter()
            .map(|item| evaluate(item, values))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        E::Object(object) => {
            let mut map = hcl::Map::with_capacity(object.len());
            for (key, value) in object.iter() {
                let key = object_key(key, values)?;
                let value = evaluate(value.expr(), values)?;
                // Same as hcl-rs collecting into its map: a repeated key
                // keeps its first position and takes the last value.
                map.insert(key, value);
            }
            Ok(Value::Object(map))
        }
        E::Parenthesis(inner) => evaluate(inner.inner(), values),
        E::Variable(_) | E::Traversal(_) => match lookup(expr, values) {
            Some(v) => Ok(v.clone()),
            None => fallback(expr, values),
        },
        E::FuncCall(call) => func_call(expr, call, values),
        _ => fallback(expr, values),
    }
}

/// An object key as hcl-rs evaluates it: identifiers by name, expressions
/// that yield a string, bool or number as that text.
fn object_key(key: &ObjectKey, values: &Values<'_>) -> Result<String, Error> {
    match key {
        ObjectKey::Ident(ident) => Ok(ident.as_str().to_owned()),
        ObjectKey::Expression(expr) => match evaluate(expr, values)? {
            Value::String(s) => Ok(s),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            _ => {
                let needs = Needs::of(expr);
                hcl::ObjectKey::from(key.clone()).evaluate(&needs.context(values))
            }
        },
    }
}

/// Walks `root.a["b"][0]...` by reference; `None` when the expression is not
/// such a reference or a step does not resolve (the caller then lets hcl-rs
/// evaluate it, for the exact error).
fn lookup<'v>(expr: &E, values: &Values<'v>) -> Option<&'v Value> {
    let (root, operators) = match expr {
        E::Variable(v) => (v.as_str(), &[][..]),
        E::Traversal(t) => match &t.expr {
            E::Variable(v) => (v.as_str(), &t.operators[..]),
            _ => return None,
        },
        _ => return None,
    };
    let mut current = values.root(root)?;
    for op in operators {
        current = match op.value() {
            TraversalOperator::GetAttr(name) => current.as_object()?.get(name.as_str())?,
            TraversalOperator::LegacyIndex(i) => {
                current.as_array()?.get(usize::try_from(*i.value()).ok()?)?
            }
            TraversalOperator::Index(index) => match evaluate(index, values).ok()? {
                Value::String(key) => current.as_object()?.get(key.as_str())?,
                Value::Number(n) => current
                    .as_array()?
                    .get(usize::try_from(n.as_u64()?).ok()?)?,
                _ => return None,
            },
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => return None,
        };
    }
    Some(current)
}

/// A call of a stdlib function: the arguments are evaluated here and handed
/// to hcl-rs as variables, so a big argument is neither converted to an
/// `hcl::Expression` nor copied more than once.
fn func_call(expr: &E, call: &FuncCall, values: &Values<'_>) -> Result<Value, Error> {
    let name = call.name.name.as_str();
    if !call.name.namespace.is_empty() || !stdlib::FUNCTION_NAMES.contains(&name) {
        return fallback(expr, values);
    }
    let mut ctx = Context::new();
    stdlib::declare(&mut ctx);
    let mut f = hcl::expr::FuncCall::new(hcl::Identifier::unchecked(name));
    for (i, arg) in call.args.iter().enumerate() {
        let value = evaluate(arg, values)?;
        let var = hcl::Identifier::unchecked(format!("arg{i}"));
        ctx.declare_var(var.clone(), value);
        f.args
            .push(hcl::Expression::Variable(hcl::expr::Variable::from(var)));
    }
    f.expand_final = call.args.expand_final();
    hcl::Expression::from(f).evaluate(&ctx)
}

/// Lets hcl-rs evaluate `expr` with only the values it names.
fn fallback(expr: &E, values: &Values<'_>) -> Result<Value, Error> {
    let ctx = Needs::of(expr).context(values);
    hcl::Expression::from(expr.clone()).evaluate(&ctx)
}

/// What an expression reads of each root.
#[derive(Debug, Default)]
enum Need {
    #[default]
    Nothing,
    /// Only these attributes (`local.a`, `local.b`).
    Keys(Vec<String>),
    /// The whole value (`local` alone, `local["a"]`, `local[*]`).
    All,
}

#[derive(Debug, Default)]
struct Needs {
    roots: [Need; 3],
    funcs: bool,
}

impl Needs {
    fn of(expr: &E) -> Needs {
        let mut needs = Needs::default();
        needs.visit_expr(expr);
        needs
    }

    fn slot(&mut self, root: &str) -> Option<&mut Need> {
        let i = ROOTS.iter().position(|r| *r == root)?;
        Some(&mut self.roots[i])
    }

    /// A context with the stdlib (when called) and each root narrowed to
    /// what is read.
    fn context(&self, values: &Values<'_>) -> Context<'static> {
        let mut ctx = Context::new();
        if self.funcs {
            stdlib::declare(&mut ctx);
        }
        for (root, need) in ROOTS.iter().zip(&self.roots) {
            let Some(value) = values.root(root) else {
                continue;
            };
            match (need, value) {
                (Need::Nothing, _) => {}
                (Need::Keys(keys), Value::Object(map)) => {
                    let narrowed: hcl::Map<String, Value> = keys
                        .iter()
                        .filter_map(|k| map.get_key_value(k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    ctx.declare_var(*root, Value::Object(narrowed));
                }
                _ => ctx.declare_var(*root, value.clone()),
            }
        }
        ctx
    }
}

impl Visit for Needs {
    fn visit_expr(&mut self, expr: &E) {
        if let E::Variable(v) = expr
            && let Some(need) = self.slot(v.as_str())
        {
            *need = Need::All;
        }
        visit::visit_expr(self, expr);
    }

    fn visit_traversal(&mut self, node: &Traversal) {
        if let E::Variable(root) = &node.expr
            && let Some(TraversalOperator::GetAttr(name)) =
                node.operators.first().map(|o| o.value())
            && let Some(need) = self.slot(root.as_str())
        {
            match need {
                Need::All => {}
                Need::Keys(keys) => keys.push(name.as_str().to_owned()),
                Need::Nothing => *need = Need::Keys(vec![name.as_str().to_owned()]),
            }
            for op in &node.operators {
                self.visit_traversal_operator(op);
            }
            return;
        }
        visit::visit_traversal(self, node);
    }

    fn visit_func_call(&mut self, node: &FuncCall) {
        self.funcs = true;
        visit::visit_func_call(self, node);
    }

    // hcl-edit's default skips the collection of `%{ for x in COLL }`.
    fn visit_for_template_expr(&mut self, node: &ForTemplateExpr) {
        self.visit_expr(&node.collection_expr);
        visit::visit_for_template_expr(self, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the loader did before: convert, then let hcl-rs evaluate with
    /// every root declared in full.
    fn reference(expr: &E, values: &Values<'_>) -> Result<Value, String> {
        let mut ctx = Context::new();
        stdlib::declare(&mut ctx);
        for root in ROOTS {
            if let Some(v) = values.root(root) {
                ctx.declare_var(root, v.clone());
            }
        }
        hcl::Expression::from(expr.clone())
            .evaluate(&ctx)
            .map_err(|e| e.kind().to_string())
    }

    #[test]
    fn agrees_with_hcl_rs() {
        let var = hcl::value!({ env = "prod", n = 3, list = ["a", "b"] });
        let local = hcl::value!({
            fleet = { a = { memory = 128 }, b = { memory = 256 } },
            names = ["x", "y"],
            prefix = "p"
        });
        let each = hcl::value!({ key = "a", value = { memory = 128, tags = { t = "v" } } });
        let values = Values {
            var: Some(&var),
            local: Some(&local),
            each: Some(&each),
        };
        let cases = [
            r#"{ a = 1, "b" = 2, ("c") = 3, (var.n) = 4, (true) = 5 }"#,
            r#"{ a = 1, "a" = 2 }"#,
            r#"{ (var.list) = 1 }"#,
            r#"[1, "two", null, true, 2.5, [each.key], { k = each.value.memory }]"#,
            "local.fleet",
            "local.fleet[each.key].memory",
            "local.fleet[\"b\"]",
            "local.fleet.c",
            "local.fleet[each.value]",
            "local.names[1]",
            "local.names.1",
            "local.names[5]",
            "local.names[-1]",
            "local.names[*]",
            "local.fleet.a.memory.x",
            "local",
            "each.value.tags.t",
            "var.missing",
            "nope",
            "nope.x",
            "upper(var.env)",
            "upper(var.n)",
            "format(\"%s-%d\", each.key, var.n)",
            "concat(var.list, local.names)",
            "merge(local.fleet, { c = 1 })",
            "lookup(local.fleet, each.key).memory",
            "toset(var.list...)",
            "toset(var.env...)",
            "concat(var.list...)",
            "unknownfn(1)",
            "upper(nope)",
            "\"${each.key}-${var.env}-${local.prefix}\"",
            "\"%{ for n in local.names }${n}%{ endfor }\"",
            "var.n > 2 ? local.prefix : var.env",
            "[for k, v in local.fleet : \"${k}=${v.memory}\"]",
            "{ for k, v in local.fleet : k => v.memory + var.n }",
            "(local.fleet)",
            "[for local in var.list : local]",
        ];
        for src in cases {
            let expr: E = src.parse().unwrap_or_else(|e| panic!("{src}: {e}"));
            let ours = evaluate(&expr, &values).map_err(|e| e.kind().to_string());
            assert_eq!(ours, reference(&expr, &values), "{src}");
        }
        // Undeclared roots stay undeclared.
        let expr: E = "var.env".parse().unwrap();
        assert_eq!(
            evaluate(&expr, &Values::default()).map_err(|e| e.kind().to_string()),
            reference(&expr, &Values::default())
        );
    }

    #[test]
    fn object_literals_keep_order() {
        let mut src = String::from("{\n");
        for i in (0..2000).rev() {
            src.push_str(&format!("  k{i} = {i}\n"));
        }
        src.push('}');
        let expr: E = src.parse().unwrap();
        let v = evaluate(&expr, &Values::default()).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().take(2).collect();
        assert_eq!(keys, ["k1999", "k1998"]);
        assert_eq!(Ok(v), reference(&expr, &Values::default()));
    }
}
