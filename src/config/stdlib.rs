//! The functions a configuration may call. hcl-rs evaluates expressions but
//! ships no function library, so the few Terraform functions users reach for
//! in a fleet file are implemented here: toset, tomap, lower, upper, format,
//! concat, merge, lookup, setproduct (accounts x regions in one for_each).
//!
//! Pure functions of their arguments; no I/O (no `file()`: a configuration
//! must mean the same thing wherever it is validated).

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

use super::value::type_name;

/// The names, for "did you mean" on an unknown function.
pub const FUNCTION_NAMES: &[&str] = &[
    "toset",
    "tomap",
    "lower",
    "upper",
    "format",
    "concat",
    "merge",
    "lookup",
    "setproduct",
];

/// Declares every function in `ctx`.
pub fn declare(ctx: &mut Context<'_>) {
    ctx.declare_func(
        "toset",
        FuncDef::builder().param(ParamType::Any).build(toset),
    );
    ctx.declare_func(
        "tomap",
        FuncDef::builder().param(ParamType::Any).build(tomap),
    );
    ctx.declare_func(
        "lower",
        FuncDef::builder().param(ParamType::String).build(lower),
    );
    ctx.declare_func(
        "upper",
        FuncDef::builder().param(ParamType::String).build(upper),
    );
    ctx.declare_func(
        "format",
        FuncDef::builder()
            .param(ParamType::String)
            .variadic_param(ParamType::Any)
            .build(format),
    );
    ctx.declare_func(
        "concat",
        FuncDef::builder()
            .variadic_param(ParamType::array_of(ParamType::Any))
            .build(concat),
    );
    ctx.declare_func(
        "setproduct",
        FuncDef::builder()
            .variadic_param(ParamType::array_of(ParamType::Any))
            .build(setproduct),
    );
    ctx.declare_func(
        "merge",
        FuncDef::builder()
            .variadic_param(ParamType::object_of(ParamType::Any))
            .build(merge),
    );
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .param(ParamType::object_of(ParamType::Any))
            .param(ParamType::String)
            .variadic_param(ParamType::Any)
            .build(lookup),
    );
}

/// Sets have no value type of their own in hcl-rs: a set is a list of
/// distinct strings in sorted order (Terraform orders string sets the same way).
fn toset(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Array(items) => {
            let mut out: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    Value::Number(n) => out.push(n.to_string()),
                    Value::Bool(b) => out.push(b.to_string()),
                    other => {
                        return Err(format!(
                            "toset needs a list of strings; found a {} element",
                            type_name(other)
                        ));
                    }
                }
            }
            out.sort();
            out.dedup();
            Ok(Value::Array(out.into_iter().map(Value::String).collect()))
        }
        other => Err(format!("toset needs a list; got a {}", type_name(other))),
    }
}

fn tomap(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Object(_) => Ok(args[0].clone()),
        other => Err(format!("tomap needs a map; got a {}", type_name(other))),
    }
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(
        args[0].as_str().unwrap_or_default().to_lowercase(),
    ))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(
        args[0].as_str().unwrap_or_default().to_uppercase(),
    ))
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Terraform's `format` verbs that matter for names and strings:
/// `%s`, `%d`, `%v`, `%q` and `%%`.
fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = args[0].as_str().unwrap_or_default();
    let mut rest = args.iter().skip(1);
    let mut out = String::with_capacity(spec.len());
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars
            .next()
            .ok_or_else(|| "format string ends with a lone %".to_string())?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = rest
            .next()
            .ok_or_else(|| format!("format string has more verbs than arguments (at %{verb})"))?;
        match verb {
            's' | 'v' => out.push_str(&display(arg)),
            'd' => match arg {
                Value::Number(n) if n.as_i64().is_some() => out.push_str(&n.to_string()),
                other => return Err(format!("%d needs a whole number; got {other}")),
            },
            'q' => out.push_str(&format!("{:?}", display(arg))),
            other => {
                return Err(format!(
                    "format verb %{other} is not supported; use %s, %d, %v or %q"
                ));
            }
        }
    }
    if rest.next().is_some() {
        return Err("format got more arguments than the format string has verbs".into());
    }
    Ok(Value::String(out))
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for list in args.iter() {
        if let Value::Array(items) = list {
            out.extend(items.iter().cloned());
        }
    }
    Ok(Value::Array(out))
}

/// Terraform's `setproduct`: every combination of one element of each list
/// (a list of lists), e.g. accounts x regions. Its size is checked before
/// it is built: a product grows faster than any element limit.
fn setproduct(args: FuncArgs) -> Result<Value, String> {
    let lists: Vec<Vec<Value>> = args
        .iter()
        .map(|a| match a {
            Value::Array(items) => {
                // A set: each element once, in first-seen order.
                let mut seen: Vec<Value> = Vec::with_capacity(items.len());
                for i in items {
                    if !seen.contains(i) {
                        seen.push(i.clone());
                    }
                }
                seen
            }
            _ => Vec::new(),
        })
        .collect();
    if lists.len() < 2 {
        return Err("setproduct takes at least two lists".into());
    }
    let size = lists
        .iter()
        .try_fold(1usize, |n, l| n.checked_mul(l.len()))
        .filter(|n| *n <= super::limits::MAX_ELEMENTS)
        .ok_or_else(|| {
            format!(
                "setproduct would make more than {} combinations",
                super::limits::MAX_ELEMENTS
            )
        })?;
    let mut out: Vec<Vec<Value>> = Vec::with_capacity(size);
    out.push(Vec::new());
    for list in &lists {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    Ok(Value::Array(out.into_iter().map(Value::Array).collect()))
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut out = hcl::Map::new();
    for map in args.iter() {
        if let Value::Object(items) = map {
            for (k, v) in items {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::Object(out))
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let key = args[1].as_str().unwrap_or_default();
    if args.len() > 3 {
        return Err("lookup takes a map, a key and an optional default".into());
    }
    match args[0].as_object().and_then(|m| m.get(key)) {
        Some(v) => Ok(v.clone()),
        None => args
            .get(2)
            .cloned()
            .ok_or_else(|| format!("the map has no key {key:?} and no default was given")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(src: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        declare(&mut ctx);
        let expr: hcl::Expression = src.parse::<hcl::Expression>().map_err(|e| e.to_string())?;
        expr.evaluate(&ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn each_function_works() {
        assert_eq!(
            eval(r#"toset(["b", "a", "b"])"#).unwrap(),
            hcl::value!(["a", "b"])
        );
        assert_eq!(eval(r#"upper("ab")"#).unwrap(), Value::from("AB"));
        assert_eq!(eval(r#"lower("AB")"#).unwrap(), Value::from("ab"));
        assert_eq!(
            eval(r#"format("%s-%d%%", "x", 7)"#).unwrap(),
            Value::from("x-7%")
        );
        assert_eq!(
            eval(r#"concat(["a"], ["b"])"#).unwrap(),
            hcl::value!(["a", "b"])
        );
        assert_eq!(
            eval(r#"merge({a = 1}, {a = 2, b = 3})"#).unwrap(),
            hcl::value!({a = 2, b = 3})
        );
        assert_eq!(eval(r#"lookup({a = 1}, "b", 5)"#).unwrap(), Value::from(5));
        assert_eq!(eval(r#"lookup({a = 1}, "a")"#).unwrap(), Value::from(1));
        assert!(eval(r#"lookup({a = 1}, "b")"#).is_err());
        assert_eq!(
            eval(r#"tomap({a = "x"})"#).unwrap(),
            hcl::value!({ a = "x" })
        );
        assert!(eval(r#"format("%s")"#).is_err());
        assert!(eval(r#"toset("x")"#).is_err());
    }
}
