//! The load: reads the files, then resolves variables (default < env <
//! --var-file < --var) and locals, types settings, policy and defaults, and
//! expands the function blocks into typed instances; the result is a
//! `model::Desired` or every diagnostic at once. Each step is its own file;
//! this one only orders them.
//!
//! Reads files only (through `files`); never the environment (the cli
//! collects `RTM_VAR_*`).

use hcl::Value;

use super::attributes::eval_block_fields;
use super::diagnostic::{Diagnostic, Sources};
use super::error::{Diagnostics, Error};
use super::eval::Values;
use super::files::{ReadFiles, read_sources};
use super::instance::Env;
use super::instances::expand_functions;
use super::limits::Budget;
use super::locals::resolve_locals;
use super::options::LoadOptions;
use super::policy::policy;
use super::schema::{ACCOUNT, BACKEND, DEFAULTS, POLICY, SETTINGS};
use super::settings::settings;
use super::stdlib;
use super::syntax::{Reporter, Scope};
use super::top_level::collect_top;
use super::typing::Fields;
use super::variables::resolve_variables;
use crate::model::Desired;

/// A valid configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub desired: crate::model::Desired,
    /// Warnings only (an error makes `load` fail).
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file read, for rendering diagnostics.
    pub sources: Sources,
}

/// Loads and validates the configuration in `opts.dir`.
pub fn load(opts: &LoadOptions) -> Result<Loaded, Error> {
    let ReadFiles {
        sources,
        file_ids,
        var_file_ids,
        not_files,
    } = read_sources(opts)?;
    let (desired, diags) = {
        let mut r = Reporter::new(&sources);
        for n in &not_files {
            n.report(&mut r);
        }
        let desired = load_sources(&mut r, &file_ids, &var_file_ids, opts);
        (desired, std::mem::take(&mut r.diags))
    };
    if diags.iter().any(|d| d.is_error()) {
        let mut diagnostics = diags;
        sort(&mut diagnostics);
        return Err(Error::Invalid(Diagnostics {
            diagnostics,
            sources,
        }));
    }
    let mut diagnostics = diags;
    sort(&mut diagnostics);
    Ok(Loaded {
        desired,
        diagnostics,
        sources,
    })
}

/// The `backend "s3"` block alone, read before anything is evaluated (its
/// values are literals), for the commands that need only where state lives
/// (`rtm state ...`). `Ok(None)` without config files or without the block.
pub fn read_backend(opts: &LoadOptions) -> Result<Option<crate::model::Backend>, Error> {
    let ReadFiles {
        sources, file_ids, ..
    } = match read_sources(opts) {
        Ok(files) => files,
        Err(Error::NoFiles(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let (backend, diags) = {
        let mut r = Reporter::new(&sources);
        let top = collect_top(&mut r, &file_ids);
        let backend = top.backend.as_ref().and_then(|b| {
            r.check_schema(b, &BACKEND);
            super::accounts::backend(&mut r, b)
        });
        (backend, std::mem::take(&mut r.diags))
    };
    // Syntax and top-level mistakes anywhere, and the backend's own.
    let errors: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        let mut diagnostics = errors;
        sort(&mut diagnostics);
        return Err(Error::Invalid(Diagnostics {
            diagnostics,
            sources,
        }));
    }
    Ok(backend)
}

fn sort(d: &mut [Diagnostic]) {
    d.sort_by(|a, b| {
        (a.file.as_path(), a.line, a.column).cmp(&(b.file.as_path(), b.line, b.column))
    });
}

fn load_sources(
    r: &mut Reporter<'_>,
    file_ids: &[usize],
    var_file_ids: &[usize],
    opts: &LoadOptions,
) -> Desired {
    let top = collect_top(r, file_ids);
    let budget = Budget::new();
    let (var_values, var_names) = resolve_variables(r, &top.variables, var_file_ids, opts, &budget);
    let var_refs: Vec<&str> = var_names.iter().map(String::as_str).collect();
    let var = Value::Object(var_values);
    let (local_names, local, failed_locals) =
        resolve_locals(r, &top.locals, &var_refs, &var, &budget);
    let failed_refs: Vec<&str> = failed_locals.iter().map(String::as_str).collect();
    let values = Values {
        var: Some(&var),
        local: Some(&local),
        each: None,
        budget: &budget,
    };
    let local_refs: Vec<&str> = local_names.iter().map(String::as_str).collect();
    let scope = Scope {
        vars: &var_refs,
        locals: &local_refs,
        each: false,
        locals_allowed: true,
        functions: stdlib::FUNCTION_NAMES,
        failed_locals: &failed_refs,
    };

    let mut settings_fields = Fields::new();
    if let Some(b) = &top.settings {
        r.check_schema(b, &SETTINGS);
        eval_block_fields(r, b, "", &scope, &values, &mut settings_fields);
    }
    let settings = settings(r, &settings_fields);

    let mut policy_fields = Fields::new();
    if let Some(b) = &top.policy {
        r.check_schema(b, &POLICY);
        eval_block_fields(r, b, "", &scope, &values, &mut policy_fields);
    }
    let policy = policy(r, &policy_fields);

    let mut account_blocks = Vec::new();
    for b in &top.accounts {
        r.check_schema(b, &ACCOUNT);
        let mut fields = Fields::new();
        eval_block_fields(r, b, "", &scope, &values, &mut fields);
        let (name, loc) = b.labels[0].clone();
        account_blocks.push((name, loc, fields));
    }
    let accounts = super::accounts::accounts(r, account_blocks);
    let backend = top.backend.as_ref().and_then(|b| {
        r.check_schema(b, &BACKEND);
        super::accounts::backend(r, b)
    });

    let mut default_fields = Fields::new();
    if let Some(b) = &top.defaults {
        r.check_schema(b, &DEFAULTS);
        eval_block_fields(r, b, "", &scope, &values, &mut default_fields);
    }

    let env = Env {
        settings: &settings,
        policy: &policy.0,
        policy_locs: &policy.1,
        defaults: &default_fields,
        accounts: &accounts,
        today: opts.today,
    };
    let functions = expand_functions(r, &top.functions, &scope, values, &env);
    Desired {
        settings: settings.clone(),
        policy: policy.0.clone(),
        accounts: accounts
            .into_iter()
            .filter(|(_, d)| !d.broken)
            .map(|(name, d)| (name, d.account))
            .collect(),
        backend,
        functions,
    }
}

#[cfg(test)]
mod tests {
    use super::super::options::LoadOptions;
    use super::load;
    use crate::model::{Address, Qualifier, UpdateRuntimeOn};

    fn load_text(
        text: &str,
        tweak: impl FnOnce(&mut LoadOptions),
    ) -> Result<super::Loaded, super::Error> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.rtm.hcl"), text).expect("write");
        let mut opts = LoadOptions::new(dir.path(), jiff::civil::date(2026, 11, 21));
        tweak(&mut opts);
        load(&opts)
    }

    const FLEET: &str = r#"
variable "env" {
  default = "prod"
}

defaults {
  runtime_management {
    update_runtime_on = "Auto"
  }
  configuration {
    runtime     = "python3.12"
    memory_size = 256
  }
}

policy {
  allow_manual = false
}

# a comment before the block
function "api" {
  configuration {
    memory_size = 1024
  }
}

function "worker" {
  for_each = { resize = 512, thumb = 128 }
  name     = "${each.key}-${var.env}"
  configuration {
    memory_size = each.value
  }
}

function "v7" {
  name      = "api"
  qualifier = "7"
}
"#;

    #[test]
    fn defaults_fill_each_field_the_function_does_not_set() {
        let loaded = load_text(FLEET, |_| {}).expect("valid");
        let d = &loaded.desired;
        assert!(!d.policy.allow_manual);
        let api = &d.functions[&Address::new("api", None)];
        assert_eq!(api.function.name, "api");
        assert_eq!(api.qualifier, Qualifier::Latest);
        assert_eq!(
            api.configuration.int("configuration.memory_size"),
            Some(1024)
        );
        assert_eq!(api.configuration.runtime(), Some("python3.12"));
        assert_eq!(
            api.runtime_management.as_ref().map(|r| r.update_runtime_on),
            Some(UpdateRuntimeOn::Auto)
        );
        // The block's own line, not the comment's: rollback edits from here.
        assert_eq!(
            (api.source.line, api.source.column, api.source.for_each),
            (21, 1, false)
        );
        assert!(api.source.file.ends_with("main.rtm.hcl"));
        let resize = &d.functions[&Address::new("worker", Some("resize".into()))];
        assert_eq!(resize.function.name, "resize-prod");
        assert_eq!(
            resize.configuration.int("configuration.memory_size"),
            Some(512)
        );
        assert!(resize.source.for_each);
        // A published version takes runtime management from defaults, never configuration.
        let v7 = &d.functions[&Address::new("v7", None)];
        assert_eq!(v7.qualifier, Qualifier::Version(7));
        assert!(v7.configuration.is_empty());
        assert!(v7.runtime_management.is_some());
    }

    #[test]
    fn command_line_variables_override_the_environment() {
        let loaded = load_text(FLEET, |o| {
            o.env_vars = vec![("env".into(), "staging".into())];
            o.vars = vec![("env".into(), "dev".into())];
        })
        .expect("valid");
        assert!(
            loaded
                .desired
                .functions
                .contains_key(&Address::new("worker", Some("thumb".into())))
        );
        let thumb = &loaded.desired.functions[&Address::new("worker", Some("thumb".into()))];
        assert_eq!(thumb.function.name, "thumb-dev");
    }

    #[test]
    fn values_convert_to_the_type_each_attribute_expects() {
        let text = r#"
variable "mem" {}
variable "timeout" {
  type    = number
  default = "30"
}
function "a" {
  name = 5
  configuration {
    memory_size = var.mem
    timeout     = var.timeout
    description = 2.5
    environment {
      variables = { BB = 5, CC = true, DD = 1e3 }
    }
    vpc_config {
      ipv6_allowed_for_dual_stack = "true"
    }
  }
}
function "v" {
  name      = "a"
  qualifier = 7
}
"#;
        let loaded =
            load_text(text, |o| o.vars = vec![("mem".into(), "512".into())]).expect("valid");
        let a = &loaded.desired.functions[&Address::new("a", None)];
        assert_eq!(a.function.name, "5");
        let c = &a.configuration;
        assert_eq!(
            (
                c.int("configuration.memory_size"),
                c.int("configuration.timeout")
            ),
            (Some(512), Some(30))
        );
        assert_eq!(c.string("configuration.description"), Some("2.5"));
        let env: Vec<(&str, &str)> = c
            .environment
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(env, [("BB", "5"), ("CC", "true"), ("DD", "1000")]);
        assert_eq!(
            c.bool("configuration.vpc_config.ipv6_allowed_for_dual_stack"),
            Some(true)
        );
        let v = &loaded.desired.functions[&Address::new("v", None)];
        assert_eq!(v.qualifier, Qualifier::Version(7));
        // A string that is not a number still is not one.
        let err = load_text(text, |o| o.vars = vec![("mem".into(), "lots".into())]);
        assert!(matches!(err, Err(super::Error::Invalid(_))));
    }

    #[test]
    fn an_override_replaces_a_file_and_must_name_one() {
        let text = "function \"a\" {}\n";
        let loaded = load_text(text, |o| {
            o.overrides = vec![(o.dir.join("main.rtm.hcl"), "function \"b\" {}\n".into())];
        })
        .expect("valid");
        assert!(
            loaded
                .desired
                .functions
                .contains_key(&Address::new("b", None))
        );
        assert_eq!(loaded.desired.functions.len(), 1);
        let err = load_text(text, |o| {
            o.overrides = vec![(o.dir.clone(), "function \"b\" {}\n".into())];
        });
        assert!(matches!(err, Err(super::Error::Read { .. })), "{err:?}");
    }

    #[test]
    fn typed_variables_convert_command_line_strings() {
        let text = "variable \"mem\" {\n  type    = number\n  default = 128\n}\n\nfunction \"a\" {\n  configuration {\n    memory_size = var.mem\n  }\n}\n";
        let loaded =
            load_text(text, |o| o.vars = vec![("mem".into(), "2048".into())]).expect("valid");
        assert_eq!(
            loaded.desired.functions[&Address::new("a", None)]
                .configuration
                .int("configuration.memory_size"),
            Some(2048)
        );
        let err = load_text(text, |o| o.vars = vec![("mem".into(), "lots".into())]);
        assert!(matches!(err, Err(super::Error::Invalid(_))));
    }
}
