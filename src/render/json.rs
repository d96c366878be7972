//! The plan for machines: a versioned JSON document (`format_version`).
//! Field names are a contract with users' pipelines: add, never rename.

use serde_json::{Value, json};

use crate::plan::{Plan, Step};

pub fn plan(plan: &Plan) -> String {
    let changes: Vec<Value> = plan
        .functions
        .iter()
        .map(|f| {
            json!({
                "address": f.address.to_string(),
                "function_name": f.function_name,
                "function_arn": f.function_arn,
                "qualifier": f.qualifier.to_string(),
                "account": f.account.as_deref().unwrap_or("default"),
                "account_id": f.account_id,
                "region": f.region,
                "actions": [f.action.as_str()],
                "attributes": f.attributes.iter().map(|a| {
                    let mut o = json!({
                        "path": a.path,
                        "before": a.before,
                        "after": a.after,
                        "cause": a.cause.as_str(),
                        "sensitive": a.sensitive,
                    });
                    if a.replace {
                        o["replace"] = json!(true);
                    }
                    if let Some(v) = &a.last_applied {
                        o["last_applied"] = json!(v);
                    }
                    o
                }).collect::<Vec<_>>(),
                "steps": f.steps.iter().map(|s| step(&f.function_name, s)).collect::<Vec<_>>(),
                "preconditions": {
                    "revision_id": f.observed.revision_id,
                    "update_runtime_on": f.observed.update_runtime_on,
                    "runtime_version_arn": f.observed.runtime_version_arn,
                },
                "notes": f.notes,
            })
        })
        .collect();
    let doc = json!({
        "format_version": super::JSON_FORMAT_VERSION,
        "rtm_version": plan.rtm_version,
        "created_at": plan.created_at.to_string(),
        "config_hash": plan.config_hash,
        "state": { "lineage": plan.state_lineage, "serial": plan.state_serial },
        "region": plan.region,
        "accounts": plan.accounts,
        "summary": {
            "change": plan.change_count(),
            "no_op": plan.unchanged_count(),
            "error": plan.error_count(),
        },
        "changes": changes,
        "runtime_versions": plan.runtime_versions.iter().map(|r| json!({
            "address": r.address.to_string(),
            "function_name": r.function_name,
            "update_runtime_on": r.update_runtime_on,
            "previous": r.previous,
            "current": r.current,
            "previous_seen": r.previous_seen.to_string(),
        })).collect::<Vec<_>>(),
        "diagnostics": plan.diagnostics.iter().map(|d| json!({
            "severity": d.severity,
            "address": d.address.as_ref().map(|a| a.to_string()),
            "message": d.message,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// A step: the exact request (`method`, `path`, `query`, `body`: the body
/// is what Lambda receives, environment values shown as `(sensitive)`),
/// and, for pipelines written against format 1.0's first release,
/// `request`: the body with `FunctionName` (and `Qualifier`) added.
fn step(function_name: &str, s: &Step) -> Value {
    let mut request = s.request.body.clone();
    if let Some(fields) = request.as_object_mut() {
        fields.insert("FunctionName".into(), json!(function_name));
        for (k, v) in &s.request.query {
            fields.insert(k.clone(), json!(v));
        }
    }
    let mut o = json!({
        "operation": s.operation(),
        "method": s.request.method,
        "path": s.request.path,
        "query": s.request.query,
        "body": s.request.body,
        "request": request,
    });
    if let Some(p) = &s.purpose {
        o["purpose"] = json!(p);
    }
    if let Some(w) = &s.wait {
        o["wait"] = json!(w);
    }
    o
}
