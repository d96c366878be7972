//! `rtm policy scp`: the service control policy of the runtime-updates
//! guide's high-compliance section, from the configuration's policy block:
//! deny `lambda:PutRuntimeManagementConfig` to every principal but the
//! `manual_exception_roles`, so functions stay on Auto and only the
//! break-glass role can pin (`rtm rollback` + `rtm apply`).

use std::io::Write;

use serde_json::json;

use super::{GlobalArgs, Outcome, session};

#[derive(Debug, clap::Subcommand)]
pub enum PolicyArgs {
    /// Print the service control policy (JSON, ready for
    /// `aws organizations create-policy --type SERVICE_CONTROL_POLICY`).
    Scp {
        /// Print the equivalent IAM identity policy instead (for an account
        /// outside an organization: attach it to the roles people use).
        #[arg(long)]
        iam: bool,
    },
}

/// The policy document. With no exception roles, nobody may pin. The SCP
/// and the identity policy hold the same Deny statement (an SCP is attached
/// to accounts or OUs; the identity policy to the roles people and CI use,
/// or as a permissions boundary); only the Sid says which it is.
pub fn document(exception_roles: &[String], iam: bool) -> serde_json::Value {
    let sid = match (iam, exception_roles.is_empty()) {
        (false, true) => "DenyRuntimeManagementChanges",
        (false, false) => "DenyRuntimeManagementChangesExceptBreakGlass",
        (true, true) => "DenyRuntimeManagementChangesIdentity",
        (true, false) => "DenyRuntimeManagementChangesExceptBreakGlassIdentity",
    };
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Deny",
        "Action": "lambda:PutRuntimeManagementConfig",
        "Resource": "*",
    });
    if !exception_roles.is_empty() {
        statement["Condition"] = json!({
            "ArnNotLike": { "aws:PrincipalArn": exception_roles }
        });
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [statement],
    })
}

pub fn run(global: &GlobalArgs, args: PolicyArgs) -> Result<Outcome, crate::Error> {
    let PolicyArgs::Scp { iam } = args;
    let loaded = session::load_config(global)?;
    let roles = &loaded.desired.policy.manual_exception_roles;
    let text = serde_json::to_string_pretty(&document(roles, iam)).map_err(|source| {
        crate::Error::Encode {
            what: "the policy",
            source,
        }
    })?;
    let mut out = anstream::stdout();
    writeln!(out, "{text}").map_err(|e| crate::Error::io("cannot write to stdout", e))?;
    if roles.is_empty() {
        eprintln!(
            "note: policy.manual_exception_roles is empty: this denies PutRuntimeManagementConfig to everyone, so no function can be pinned (add a break-glass role to allow rollbacks)"
        );
    }
    Ok(Outcome::Success)
}
