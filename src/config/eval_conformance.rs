//! Tests only: the evaluator agrees with hcl-rs, value for value and error
//! kind for error kind, on a list of cases and on generated expressions of
//! every construct it walks (hcl-rs is the reference the evaluator was
//! written against; where hcl-rs panics, the evaluator must fail instead).
//!
//! Must not test the limits (eval.rs does): hcl-rs has none.

use hcl::Value;
use hcl::edit::expr::Expression as E;
use hcl::eval::{Context, Evaluate};

use super::eval::{Values, evaluate};
use super::limits::{Budget, Error};
use super::stdlib;

/// hcl-rs's answer: convert, then evaluate with every root declared.
fn reference(expr: &E, values: &Values<'_>) -> Result<Value, String> {
    let mut ctx = Context::new();
    stdlib::declare(&mut ctx);
    for (root, value) in [
        ("var", values.var),
        ("local", values.local),
        ("each", values.each),
    ] {
        if let Some(v) = value {
            ctx.declare_var(root, v.clone());
        }
    }
    hcl::Expression::from(expr.clone())
        .evaluate(&ctx)
        .map_err(|e| e.kind().to_string())
}

fn ours(expr: &E, values: &Values<'_>) -> Result<Value, String> {
    evaluate(expr, values).map_err(|e| match e {
        Error::Hcl(e) => e.kind().to_string(),
        Error::Limit(l) => l.to_string(),
    })
}

/// The `var`, `local` and `each` the comparisons read.
fn roots() -> [Value; 3] {
    [
        hcl::value!({ env = "prod", n = 3, list = ["a", "b"], flag = true }),
        hcl::value!({
            fleet = { a = { memory = 128 }, b = { memory = 256 } },
            names = ["x", "y"],
            people = [{ name = "p", tags = ["t1"] }, { name = "q", tags = ["t2"] }],
            prefix = "p",
            nothing = null
        }),
        hcl::value!({ key = "a", value = { memory = 128, tags = { t = "v" } } }),
    ]
}

fn with_roots<'a>(roots: &'a [Value; 3], budget: &'a Budget) -> Values<'a> {
    Values {
        var: Some(&roots[0]),
        local: Some(&roots[1]),
        each: Some(&roots[2]),
        budget,
    }
}

#[test]
fn agrees_with_hcl_rs() {
    let roots = roots();
    let budget = Budget::new();
    let values = with_roots(&roots, &budget);
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
        "local.fleet[1.5]",
        "local.names[1]",
        "local.names.1",
        "local.names[5]",
        "local.names[-1]",
        "local.names[*]",
        "local.people[*].name",
        "local.people.*.name",
        "local.people[*].tags[0]",
        "local.people.*.tags",
        "local.nothing[*]",
        "local.prefix[*]",
        "local.fleet.a.memory.x",
        "local",
        "each.value.tags.t",
        "var.missing",
        "nope",
        "nope.x",
        "[1, 2][1]",
        "{ a = 1 }.a",
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
        "ns::upper(1)",
        "upper(nope)",
        "\"${each.key}-${var.env}-${local.prefix}\"",
        "\"${var.n}\"",
        "\"${var.list}\"",
        "\"n=${var.n} ${var.flag} ${local.nothing}\"",
        "\"%{ for n in local.names }${n}%{ endfor }\"",
        "\"%{ for i, n in local.names }${i}=${n},%{ endfor }\"",
        "\"%{ for k, v in local.fleet }${k}:${v.memory} %{ endfor }\"",
        "\"%{ for n in var.env }${n}%{ endfor }\"",
        "\"%{ if var.flag }yes%{ else }no%{ endif }\"",
        "\"%{ if !var.flag }yes%{ endif }!\"",
        "\"%{ if var.n }yes%{ endif }\"",
        "\"a  %{~ if var.flag ~}  b  %{~ endif ~}  c\"",
        "\"x\\n  ${~ var.env ~}  \\ny\"",
        "\"  ${var.env~}\\n\\n  z\"",
        "\"esc $${x} %%{y} \\\"q\\\" \\t\"",
        "<<EOT\nhello ${var.env}\n  %{~ for n in local.names ~}\n  - ${n}\n  %{~ endfor ~}\nEOT",
        "<<-EOT\n    indented ${var.n}\n      more\n    EOT",
        "<<EOT\n${var.env}\nEOT",
        "var.n > 2 ? local.prefix : var.env",
        "var.n ? 1 : 2",
        "var.n + 1 * 2 - 4 / 2 % 3",
        "-var.n",
        "-var.env",
        "!var.flag && true || false",
        "var.env == \"prod\" && var.list != []",
        "var.env + 1",
        "var.n < 2",
        "[for k, v in local.fleet : \"${k}=${v.memory}\"]",
        "{ for k, v in local.fleet : k => v.memory + var.n }",
        "{ for k, v in local.fleet : v.memory => k }",
        "{ for k, v in local.fleet : \"same\" => k }",
        "{ for k, v in local.fleet : \"same\" => k... }",
        "[for i, n in local.names : \"${i}${n}\" if i > 0]",
        "[for n in local.names : n if n]",
        "{ for n in local.names : n => n if n != \"x\" }",
        "[for n in var.env : n]",
        "[for x, x in local.names : x]",
        "[for k in local.fleet : [for j in local.names : \"${j}\"]]",
        "{ for p in local.people : p.name => p.tags }",
        "{ for p in local.people : [p.name] => 1 }",
        "(local.fleet)",
        "[for local in var.list : local]",
        "[for each in local.names : each.x]",
    ];
    for src in cases {
        let expr: E = src.parse().unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(ours(&expr, &values), reference(&expr, &values), "{src}");
    }
    // Undeclared roots stay undeclared.
    let none = Values::new(&budget);
    let expr: E = "var.env".parse().unwrap();
    assert_eq!(ours(&expr, &none), reference(&expr, &none));
}

#[test]
fn object_literals_keep_order() {
    let mut src = String::from("{\n");
    for i in (0..2000).rev() {
        src.push_str(&format!("  k{i} = {i}\n"));
    }
    src.push('}');
    let expr: E = src.parse().unwrap();
    let budget = Budget::new();
    let v = evaluate(&expr, &Values::new(&budget)).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().take(2).collect();
    assert_eq!(keys, ["k1999", "k1998"]);
    assert_eq!(Ok(v), reference(&expr, &Values::new(&budget)));
}

/// Random well-formed expressions over the values below: every
/// construct the evaluator walks itself, nested; heredocs at the top
/// only (nested in a quoted template, hcl-rs re-indents a `<<-` body
/// when it turns the template back into text, which no one writes).
fn expression() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let nested = nested_expression();
    prop_oneof![
        3 => nested.clone(),
        1 => (nested.clone(), nested).prop_map(|(c, a)| {
            format!("<<-EOT\n  %{{ for x in {c} }}\n  - ${{{a}}}\n  %{{~ endfor }}\n  EOT")
        }),
    ]
}

fn nested_expression() -> impl proptest::strategy::Strategy<Value = String> + Clone {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just("1".to_string()),
        Just("2.5".to_string()),
        Just("-3".to_string()),
        Just("\"s\"".to_string()),
        Just("\"\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("var.n".to_string()),
        Just("var.list".to_string()),
        Just("var.env".to_string()),
        Just("var.flag".to_string()),
        Just("local.fleet".to_string()),
        Just("local.names".to_string()),
        Just("local.people".to_string()),
        Just("local.people[*].name".to_string()),
        Just("local.people.*.name".to_string()),
        Just("local.fleet.a.memory".to_string()),
        Just("local.names[1]".to_string()),
        Just("local.missing".to_string()),
        Just("each.key".to_string()),
        Just("each.value".to_string()),
        Just("x".to_string()),
        Just("k".to_string()),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        let op = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
            Just("%"),
            Just("=="),
            Just("!="),
            Just("<"),
            Just(">="),
            Just("&&"),
            Just("||"),
        ];
        let func = prop_oneof![
            Just("upper"),
            Just("lower"),
            Just("concat"),
            Just("toset"),
            Just("merge"),
            Just("lookup"),
            Just("format"),
            Just("tomap"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(", "))),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(|v| {
                let items: Vec<String> = v
                    .iter()
                    .enumerate()
                    .map(|(i, e)| format!("k{i} = {e}"))
                    .collect();
                format!("{{ {} }}", items.join(", "))
            }),
            (inner.clone(), inner.clone()).prop_map(|(k, v)| format!("{{ ({k}) = {v} }}")),
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("({a} {o} {b})")),
            inner.clone().prop_map(|a| format!("!({a})")),
            inner.clone().prop_map(|a| format!("-({a})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
            (inner.clone(), inner.clone()).prop_map(|(c, v)| format!("[for k, x in {c} : {v}]")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, v, f)| format!("[for x in {c} : {v} if {f}]")),
            (inner.clone(), inner.clone(), inner.clone(), any::<bool>()).prop_map(
                |(c, k, v, g)| format!(
                    "{{ for k, x in {c} : {k} => {v}{} }}",
                    if g { "..." } else { "" }
                )
            ),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("\"a ${{{a}}} b ${{~ {b} ~}} c\"")),
            (inner.clone(), inner.clone()).prop_map(|(c, a)| format!(
                "\"%{{ if {c} }}[${{{a}}}]%{{~ else ~}} no %{{ endif }}\""
            )),
            (inner.clone(), inner.clone()).prop_map(|(c, a)| format!(
                "\"%{{ for k, x in {c} ~}} ${{k}}:${{{a}}} %{{ endfor }}\""
            )),
            (
                inner.clone(),
                prop_oneof![
                    Just(".a"),
                    Just("[0]"),
                    Just("[\"b\"]"),
                    Just("[*].name"),
                    Just(".*"),
                    Just("[1.5]")
                ]
            )
                .prop_map(|(a, t)| format!("({a}){t}")),
            (
                func,
                proptest::collection::vec(inner.clone(), 0..3),
                any::<bool>()
            )
                .prop_map(|(f, args, expand)| format!(
                    "{f}({}{})",
                    args.join(", "),
                    if expand && !args.is_empty() {
                        "..."
                    } else {
                        ""
                    }
                )),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("RTM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000),
        failure_persistence: None,
        ..Default::default()
    })]

    /// Random expressions evaluate as hcl-rs evaluates them.
    #[test]
    fn random_expressions_agree_with_hcl_rs(src in expression()) {
        let expr: E = match src.parse() {
            Ok(e) => e,
            Err(_) => return Ok(()),
        };
        let roots = roots();
        let budget = Budget::new();
        let values = with_roots(&roots, &budget);
        // hcl-rs panics on some arithmetic (`5 % 0`); ours must fail instead.
        let theirs = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reference(&expr, &values)));
        match theirs {
            Ok(theirs) => proptest::prop_assert_eq!(ours(&expr, &values), theirs, "{}", src),
            Err(_) => proptest::prop_assert!(ours(&expr, &values).is_err(), "{}", src),
        }
    }
}
