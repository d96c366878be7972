//! `rtm validate`: load and check the configuration; no API call, no state.
//! Exit 0 when valid (warnings are printed but allowed), 1 otherwise.

use std::io::Write;

use super::GlobalArgs;
use super::Outcome;
use crate::config::{self, Diagnostic, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ValidateFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// human: each diagnostic with its source lines, for a person; json: one
    /// document with every diagnostic and its location, for editors and CI.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
}

/// The load options every command builds the same way: flags, then
/// `RTM_VAR_*` from the environment (read here, never in `config`).
pub fn load_options(global: &GlobalArgs) -> Result<config::LoadOptions, crate::Error> {
    let mut vars = Vec::new();
    for v in &global.vars {
        let (name, value) = v
            .split_once('=')
            .ok_or_else(|| crate::Error::Argument(format!("--var {v:?}: expected NAME=VALUE")))?;
        vars.push((name.to_string(), value.to_string()));
    }
    let mut env_vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            let name = k.strip_prefix("RTM_VAR_")?.to_string();
            Some((name, v.into_string().ok()?))
        })
        .collect();
    env_vars.sort();
    Ok(config::LoadOptions {
        dir: global.dir.clone(),
        vars,
        var_files: global.var_files.clone(),
        env_vars,
        overrides: Vec::new(),
        today: global.today()?,
    })
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    format_version: &'static str,
    valid: bool,
    error_count: usize,
    warning_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    function_count: Option<usize>,
    diagnostics: &'a [Diagnostic],
}

pub fn run(global: &GlobalArgs, args: ValidateArgs) -> Result<Outcome, crate::Error> {
    let opts = load_options(global)?;
    let result = config::load(&opts);
    let (diags, sources, functions) = match result {
        Ok(loaded) => (
            loaded.diagnostics,
            loaded.sources,
            Some(loaded.desired.functions.len()),
        ),
        Err(config::Error::Invalid(d)) => (d.diagnostics, d.sources, None),
        Err(e) => return Err(e.into()),
    };
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    let valid = errors == 0;
    let mut out = anstream::stdout();
    match args.format {
        ValidateFormat::Json => {
            let report = JsonReport {
                format_version: crate::render::JSON_FORMAT_VERSION,
                valid,
                error_count: errors,
                warning_count: warnings,
                function_count: functions,
                diagnostics: &diags,
            };
            let text =
                serde_json::to_string_pretty(&report).map_err(|source| crate::Error::Encode {
                    what: "the validation report",
                    source,
                })?;
            let _ = writeln!(out, "{text}");
        }
        ValidateFormat::Human => {
            let styled = super::stdout_styled();
            let _ = write!(out, "{}", config::render_human(&diags, &sources, styled));
            let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
            if valid {
                let n = functions.unwrap_or(0);
                let mut line = format!(
                    "Success! The configuration is valid ({}).",
                    plural(n, "function")
                );
                if warnings > 0 {
                    line = format!("{line} {} to review.", plural(warnings, "warning"));
                }
                let _ = writeln!(out, "{line}");
            } else {
                let mut line = format!("Error: {}", plural(errors, "error"));
                if warnings > 0 {
                    line.push_str(&format!(", {}", plural(warnings, "warning")));
                }
                let _ = writeln!(out, "{line}; the configuration is invalid.");
            }
        }
    }
    Ok(if valid {
        Outcome::Success
    } else {
        Outcome::Failed
    })
}
