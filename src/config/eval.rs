//! Evaluates attribute expressions straight from the hcl-edit tree, with
//! the same results and error kinds as hcl-rs's `Evaluate` (a test compares
//! the two), and within limits: one string at most 1 MiB, one list or map at
//! most 100,000 elements, and every value evaluated while loading a
//! configuration at most 256 MiB together. A 2 KB file of locals that double
//! a string, or `concat` of a list with itself, grows exponentially; the
//! limits stop it at the first value over them, as a located error.
//!
//! Why not hand expressions to hcl-rs: it keeps object literals in a
//! vec-backed map (quadratic for a 10,000-entry literal), clones a
//! variable's whole value before walking `local.fleet.a`, and builds
//! strings and `for` results with no bound, so it cannot be stopped before
//! it has taken the memory. Here every construct is evaluated by walking
//! the tree, references by reference, and every value made is charged to a
//! [`Budget`] before it is kept. Only the stdlib functions themselves run
//! in hcl-rs (their arguments evaluated and charged here first).
//!
//! Must not: read files or the environment, or report diagnostics (the
//! loader turns an [`Error`] into one at the attribute).

use std::borrow::Cow;

use hcl::edit::expr::{Expression as E, ForExpr, FuncCall, ObjectKey, TraversalOperator};
use hcl::edit::template::{Directive, Element, Strip, Template};
use hcl::eval::{Context, ErrorKind, Evaluate};
use hcl::{Identifier, Value};

use super::limits::{
    Budget, ENTRY_BYTES, Error, Limit, MAX_ELEMENTS, MAX_STRING_BYTES, VALUE_BYTES, measure,
    unexpected,
};
use super::operators::{binary, key_text, unary};
use super::stdlib;

/// The values an expression may read, by root name, and the budget every
/// evaluation charges. `None`: the root is not declared at all (an
/// expression naming it fails with "undefined variable").
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    pub var: Option<&'a Value>,
    pub local: Option<&'a Value>,
    /// The instance's `each` object (`key` and `value`).
    pub each: Option<&'a Value>,
    pub budget: &'a Budget,
}

impl<'a> Values<'a> {
    /// No root declared: what a variable's default may read.
    pub fn new(budget: &'a Budget) -> Values<'a> {
        Values {
            var: None,
            local: None,
            each: None,
            budget,
        }
    }

    fn root(&self, name: &str) -> Option<&'a Value> {
        match name {
            "var" => self.var,
            "local" => self.local,
            "each" => self.each,
            _ => None,
        }
    }
}

/// A name a `for` declares, shadowing the roots and outer `for`s.
struct Binding<'a> {
    name: &'a str,
    value: &'a Value,
    outer: Option<&'a Binding<'a>>,
}

/// Where an expression is evaluated: the roots and the `for` variables.
#[derive(Clone, Copy)]
struct Cx<'a> {
    values: &'a Values<'a>,
    bindings: Option<&'a Binding<'a>>,
}

impl<'a> Cx<'a> {
    fn get(&self, name: &str) -> Option<&'a Value> {
        let mut b = self.bindings;
        while let Some(binding) = b {
            if binding.name == name {
                return Some(binding.value);
            }
            b = binding.outer;
        }
        self.values.root(name)
    }

    fn charge(&self, bytes: usize) -> Result<(), Error> {
        self.values.budget.charge(bytes)
    }

    /// Checks a value made elsewhere (a copy, a function's result) against
    /// the limits and charges it.
    fn keep(&self, v: Value) -> Result<Value, Error> {
        self.charge(measure(&v)?)?;
        Ok(v)
    }

    /// A charged copy of a value read by reference.
    fn copy(&self, v: &Value) -> Result<Value, Error> {
        self.charge(measure(v)?)?;
        Ok(v.clone())
    }
}

/// Evaluates `expr`; the result, or the error kind, is that of hcl-rs
/// evaluating the converted expression in a context declaring `values`.
pub fn evaluate(expr: &E, values: &Values<'_>) -> Result<Value, Error> {
    eval(
        expr,
        Cx {
            values,
            bindings: None,
        },
    )
}

fn eval(expr: &E, cx: Cx<'_>) -> Result<Value, Error> {
    match expr {
        E::Null(_) => cx.keep(Value::Null),
        E::Bool(b) => cx.keep(Value::Bool(*b.value())),
        E::Number(n) => cx.keep(Value::Number(*n.value())),
        E::String(s) => cx.keep(Value::String(s.value().clone())),
        E::Array(items) => {
            if items.len() > MAX_ELEMENTS {
                return Err(Limit::Elements(items.len()).into());
            }
            cx.charge(VALUE_BYTES)?;
            items
                .iter()
                .map(|item| eval(item, cx))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        E::Object(object) => {
            if object.len() > MAX_ELEMENTS {
                return Err(Limit::Elements(object.len()).into());
            }
            cx.charge(VALUE_BYTES)?;
            let mut map = hcl::Map::with_capacity(object.len());
            for (key, value) in object.iter() {
                let key = match key {
                    ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                    ObjectKey::Expression(expr) => key_text(eval(expr, cx)?)?,
                };
                cx.charge(ENTRY_BYTES + key.len())?;
                let value = eval(value.expr(), cx)?;
                // As hcl-rs collects into its map: a repeated key keeps its
                // first position and takes the last value.
                map.insert(key, value);
            }
            Ok(Value::Object(map))
        }
        E::Parenthesis(inner) => eval(inner.inner(), cx),
        E::Variable(_) | E::Traversal(_) => match reference(expr, cx)? {
            Cow::Borrowed(v) => cx.copy(v),
            Cow::Owned(v) => cx.keep(v),
        },
        E::FuncCall(call) => func_call(call, cx),
        E::Conditional(c) => match eval(&c.cond_expr, cx)? {
            Value::Bool(true) => eval(&c.true_expr, cx),
            Value::Bool(false) => eval(&c.false_expr, cx),
            other => Err(unexpected(other, "a boolean")),
        },
        E::UnaryOp(op) => unary(*op.operator.value(), eval(&op.expr, cx)?),
        E::BinaryOp(op) => {
            let lhs = eval(&op.lhs_expr, cx)?;
            let rhs = eval(&op.rhs_expr, cx)?;
            binary(lhs, *op.operator.value(), rhs)
        }
        E::ForExpr(f) => for_expr(f, cx),
        E::StringTemplate(t) => template_value(t, cx),
        E::HeredocTemplate(h) => template_value(&h.template, cx),
    }
}

/// A variable or traversal: by reference when no splat makes a new value.
fn reference<'v>(expr: &E, cx: Cx<'v>) -> Result<Cow<'v, Value>, Error> {
    let (base, operators) = match expr {
        E::Traversal(t) => (&t.expr, &t.operators[..]),
        other => (other, &[][..]),
    };
    match base {
        E::Variable(v) => {
            let value = cx.get(v.as_str()).ok_or_else(|| {
                Error::from(ErrorKind::UndefinedVar(Identifier::unchecked(v.as_str())))
            })?;
            walk(value, operators, cx)
        }
        other => {
            let owned = eval(other, cx)?;
            walk(&owned, operators, cx).map(|v| Cow::Owned(v.into_owned()))
        }
    }
}

type Operators = [hcl::edit::Decorated<TraversalOperator>];

/// Applies traversal operators as hcl-rs does, without copying what it
/// steps through.
fn walk<'v>(value: &'v Value, operators: &Operators, cx: Cx<'_>) -> Result<Cow<'v, Value>, Error> {
    let mut current = value;
    for (i, op) in operators.iter().enumerate() {
        current = match op.value() {
            TraversalOperator::GetAttr(name) => attr(current, name.as_str())?,
            TraversalOperator::LegacyIndex(index) => element(
                current,
                usize::try_from(*index.value()).unwrap_or(usize::MAX),
            )?,
            TraversalOperator::Index(index) => match eval(index, cx)? {
                Value::String(key) => attr(current, &key)?,
                Value::Number(n) => match n.as_u64() {
                    Some(i) => element(current, usize::try_from(i).unwrap_or(usize::MAX))?,
                    None => return Err(unexpected(Value::Number(n), "an unsigned integer")),
                },
                other => return Err(unexpected(other, "an unsigned integer or string")),
            },
            TraversalOperator::AttrSplat(_) => {
                // The attribute accesses right after it apply to each element.
                let rest = &operators[i + 1..];
                let n = rest
                    .iter()
                    .take_while(|o| matches!(o.value(), TraversalOperator::GetAttr(_)))
                    .count();
                let splat = splat(current, &rest[..n], cx)?;
                return walk(&splat, &rest[n..], cx).map(|v| Cow::Owned(v.into_owned()));
            }
            TraversalOperator::FullSplat(_) => {
                return splat(current, &operators[i + 1..], cx).map(Cow::Owned);
            }
        };
    }
    Ok(Cow::Borrowed(current))
}

fn splat(value: &Value, operators: &Operators, cx: Cx<'_>) -> Result<Value, Error> {
    let items = match value {
        Value::Array(items) => items
            .iter()
            .map(|item| walk(item, operators, cx).map(Cow::into_owned))
            .collect::<Result<Vec<_>, _>>()?,
        Value::Null => Vec::new(),
        other => vec![walk(other, operators, cx)?.into_owned()],
    };
    cx.keep(Value::Array(items))
}

fn attr<'v>(value: &'v Value, name: &str) -> Result<&'v Value, Error> {
    match value {
        Value::Object(map) => map
            .get(name)
            .ok_or_else(|| ErrorKind::NoSuchKey(name.to_owned()).into()),
        other => Err(unexpected(other.clone(), "an object")),
    }
}

fn element(value: &Value, index: usize) -> Result<&Value, Error> {
    match value {
        Value::Array(items) => items
            .get(index)
            .ok_or_else(|| ErrorKind::Index(index).into()),
        other => Err(unexpected(other.clone(), "an array")),
    }
}

/// A call of a stdlib function: the arguments are evaluated (and charged)
/// here and handed to hcl-rs as variables, which copies each once more.
fn func_call(call: &FuncCall, cx: Cx<'_>) -> Result<Value, Error> {
    let name = call.name.name.as_str();
    if !call.name.namespace.is_empty() || !stdlib::FUNCTION_NAMES.contains(&name) {
        // hcl-rs fails on the name before it evaluates any argument.
        let mut bare = call.clone();
        bare.args = hcl::edit::expr::FuncArgs::new();
        return hcl::Expression::from(E::FuncCall(Box::new(bare)))
            .evaluate(&Context::new())
            .map_err(Error::Hcl);
    }
    let mut args = Vec::with_capacity(call.args.len());
    for arg in call.args.iter() {
        args.push(eval(arg, cx)?);
    }
    if name == "concat" {
        // Its result is as long as its arguments together: refuse before
        // it is built.
        let lists: Vec<&Value> = if call.args.expand_final() {
            match args.last() {
                Some(Value::Array(last)) => args[..args.len() - 1].iter().chain(last).collect(),
                _ => Vec::new(),
            }
        } else {
            args.iter().collect()
        };
        let total: usize = lists.iter().map(|l| l.as_array().map_or(0, Vec::len)).sum();
        if total > MAX_ELEMENTS {
            return Err(Limit::Elements(total).into());
        }
    }
    let mut ctx = Context::new();
    stdlib::declare(&mut ctx);
    let mut f = hcl::expr::FuncCall::new(Identifier::unchecked(name));
    for (i, value) in args.into_iter().enumerate() {
        cx.charge(measure(&value)?)?;
        let var = Identifier::unchecked(format!("arg{i}"));
        ctx.declare_var(var.clone(), value);
        f.args
            .push(hcl::Expression::Variable(hcl::expr::Variable::from(var)));
    }
    f.expand_final = call.args.expand_final();
    let result = hcl::Expression::from(f)
        .evaluate(&ctx)
        .map_err(Error::Hcl)?;
    cx.keep(result)
}

/// A collection to iterate: by reference when the expression names one.
fn collection<'v>(expr: &E, cx: Cx<'v>) -> Result<Cow<'v, Value>, Error> {
    match expr {
        E::Variable(_) | E::Traversal(_) => reference(expr, cx),
        other => eval(other, cx).map(Cow::Owned),
    }
}

/// A collection's (key, value) pairs as `for` sees them: index or key.
fn entries(coll: &Value) -> Result<Vec<(Value, &Value)>, Error> {
    match coll {
        Value::Array(items) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| (Value::from(i), v))
            .collect()),
        Value::Object(map) => Ok(map
            .iter()
            .map(|(k, v)| (Value::String(k.clone()), v))
            .collect()),
        other => Err(unexpected(other.clone(), "an array or object")),
    }
}

/// Runs `body` once per entry of `coll` with the key and value variables
/// declared (the value's name wins when both are the same, as in hcl-rs).
fn for_each_entry(
    coll: &Value,
    key_var: Option<&str>,
    value_var: &str,
    cx: Cx<'_>,
    mut body: impl FnMut(Cx<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    for (key, value) in entries(coll)? {
        let key_binding = key_var.map(|name| Binding {
            name,
            value: &key,
            outer: cx.bindings,
        });
        let value_binding = Binding {
            name: value_var,
            value,
            outer: key_binding.as_ref().or(cx.bindings),
        };
        body(Cx {
            values: cx.values,
            bindings: Some(&value_binding),
        })?;
    }
    Ok(())
}

fn for_expr(f: &ForExpr, cx: Cx<'_>) -> Result<Value, Error> {
    let coll = collection(&f.intro.collection_expr, cx)?;
    let key_var = f.intro.key_var.as_ref().map(|k| k.as_str());
    let value_var = f.intro.value_var.as_str();
    let keep = |inner: Cx<'_>| -> Result<bool, Error> {
        match &f.cond {
            None => Ok(true),
            Some(cond) => match eval(&cond.expr, inner)? {
                Value::Bool(b) => Ok(b),
                other => Err(unexpected(other, "a boolean")),
            },
        }
    };
    cx.charge(VALUE_BYTES)?;
    match &f.key_expr {
        None => {
            let mut items = Vec::new();
            for_each_entry(&coll, key_var, value_var, cx, |inner| {
                if keep(inner)? {
                    items.push(eval(&f.value_expr, inner)?);
                }
                Ok(())
            })?;
            Ok(Value::Array(items))
        }
        Some(key_expr) => {
            let mut map = hcl::Map::new();
            for_each_entry(&coll, key_var, value_var, cx, |inner| {
                if !keep(inner)? {
                    return Ok(());
                }
                let key = key_text(eval(key_expr, inner)?)?;
                let value = eval(&f.value_expr, inner)?;
                if f.grouping {
                    if !map.contains_key(&key) {
                        cx.charge(ENTRY_BYTES + VALUE_BYTES + key.len())?;
                    }
                    if let Value::Array(group) =
                        map.entry(key).or_insert_with(|| Value::Array(Vec::new()))
                    {
                        if group.len() >= MAX_ELEMENTS {
                            return Err(Limit::Elements(group.len() + 1).into());
                        }
                        group.push(value);
                    }
                } else {
                    if map.contains_key(&key) {
                        return Err(ErrorKind::KeyExists(key).into());
                    }
                    cx.charge(ENTRY_BYTES + key.len())?;
                    map.insert(key, value);
                }
                Ok(())
            })?;
            Ok(Value::Object(map))
        }
    }
}

/// A template's value: a string, except that a template of one
/// interpolation and nothing else yields that value as it is (HCL's
/// interpolation unwrapping).
fn template_value(template: &Template, cx: Cx<'_>) -> Result<Value, Error> {
    if template.len() == 1
        && let Some(Element::Interpolation(interp)) = template.get(0)
    {
        return eval(&interp.expr, cx);
    }
    let mut out = String::new();
    render(&mut out, template, cx, Strip::None, Strip::None)?;
    cx.charge(VALUE_BYTES + out.len())?;
    Ok(Value::String(out))
}

fn push(out: &mut String, s: &str) -> Result<(), Error> {
    let len = out.len() + s.len();
    if len > MAX_STRING_BYTES {
        return Err(Limit::String(len).into());
    }
    out.push_str(s);
    Ok(())
}

/// Strip markers that an element puts on its neighbours.
fn strip_of(element: &Element) -> Strip {
    match element {
        Element::Literal(_) => Strip::None,
        Element::Interpolation(interp) => interp.strip,
        Element::Directive(dir) => match &**dir {
            Directive::If(d) => Strip::from((
                d.if_expr.strip.strip_start(),
                d.endif_expr.strip.strip_end(),
            )),
            Directive::For(d) => Strip::from((
                d.for_expr.strip.strip_start(),
                d.endfor_expr.strip.strip_end(),
            )),
        },
    }
}

/// Renders a template as hcl-rs's `evaluate_template` does: each literal
/// trimmed by the strip markers of the elements either side of it.
fn render(
    out: &mut String,
    template: &Template,
    cx: Cx<'_>,
    prev_strip: Strip,
    next_strip: Strip,
) -> Result<(), Error> {
    let elements: Vec<&Element> = template.iter().collect();
    let last = elements.len().saturating_sub(1);
    for (i, element) in elements.iter().enumerate() {
        let prev = if i == 0 {
            prev_strip
        } else {
            strip_of(elements[i - 1])
        };
        let next = if i == last {
            next_strip
        } else {
            strip_of(elements[i + 1])
        };
        match element {
            Element::Literal(literal) => push(out, strip_literal(literal.value(), prev, next))?,
            Element::Interpolation(interp) => match eval(&interp.expr, cx)? {
                Value::String(s) => push(out, &s)?,
                other => push(out, &other.to_string())?,
            },
            Element::Directive(dir) => match &**dir {
                Directive::If(d) => {
                    let cond = match eval(&d.if_expr.cond_expr, cx)? {
                        Value::Bool(b) => b,
                        other => return Err(unexpected(other, "a boolean")),
                    };
                    if cond {
                        let next = d.else_expr.as_ref().map_or(d.endif_expr.strip, |e| e.strip);
                        render(out, &d.if_expr.template, cx, d.if_expr.strip, next)?;
                    } else if let Some(e) = &d.else_expr {
                        render(out, &e.template, cx, e.strip, d.endif_expr.strip)?;
                    }
                }
                Directive::For(d) => {
                    let f = &d.for_expr;
                    let coll = collection(&f.collection_expr, cx)?;
                    let key_var = f.key_var.as_ref().map(|k| k.as_str());
                    for_each_entry(&coll, key_var, f.value_var.as_str(), cx, |inner| {
                        render(out, &f.template, inner, f.strip, d.endfor_expr.strip)
                    })?;
                }
            },
        }
    }
    Ok(())
}

/// Strips spaces up to and including the first line break next to a strip
/// marker (hcl-rs's `strip_literal`).
fn strip_literal(mut literal: &str, prev_strip: Strip, next_strip: Strip) -> &str {
    fn is_space(c: char) -> bool {
        c.is_whitespace() && c != '\r' && c != '\n'
    }
    if prev_strip.strip_end() {
        let s = literal.trim_start_matches(is_space);
        literal = s
            .strip_prefix("\r\n")
            .or_else(|| s.strip_prefix('\n'))
            .unwrap_or(s);
    }
    if next_strip.strip_start() {
        let s = literal.trim_end_matches(is_space);
        literal = s
            .strip_suffix("\r\n")
            .or_else(|| s.strip_suffix('\n'))
            .unwrap_or(s);
    }
    literal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit_of(src: &str, local: &Value) -> Option<Limit> {
        let budget = Budget::new();
        let values = Values {
            local: Some(local),
            ..Values::new(&budget)
        };
        let expr: E = src.parse().unwrap_or_else(|e| panic!("{src}: {e}"));
        match evaluate(&expr, &values) {
            Err(Error::Limit(l)) => Some(l),
            _ => None,
        }
    }

    #[test]
    fn values_over_a_limit_are_refused_before_they_are_built() {
        let mib = "x".repeat(MAX_STRING_BYTES);
        let half = Value::from("x".repeat(MAX_STRING_BYTES / 2 + 1));
        let list: Vec<Value> = (0..60_000).map(Value::from).collect();
        let local = hcl::value!({ mib = (mib.clone()), half = (half), list = (list) });
        for (src, expect) in [
            (
                "\"${local.half}${local.half}\"",
                Limit::String(MAX_STRING_BYTES + 2),
            ),
            ("\"${local.mib}!\"", Limit::String(MAX_STRING_BYTES + 1)),
            (
                "\"%{ for x in local.list }${local.half}%{ endfor }\"",
                Limit::String(MAX_STRING_BYTES + 2),
            ),
            ("concat(local.list, local.list)", Limit::Elements(120_000)),
            (
                "concat([local.list, local.list]...)",
                Limit::Elements(120_000),
            ),
            (
                "upper(\"${local.mib}x\")",
                Limit::String(MAX_STRING_BYTES + 1),
            ),
            // Each element copies 60,000 numbers: the budget runs out first.
            ("[for x in local.list : local.list]", Limit::Total),
        ] {
            assert_eq!(limit_of(src, &local), Some(expect), "{src}");
        }
        assert_eq!(limit_of("\"${local.mib}\"", &local), None);
        assert_eq!(limit_of("concat(local.list, [1])", &local), None);
    }
}
