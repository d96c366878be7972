//! Fleets across accounts and regions, at the physical limit of Lambda's
//! quotas: the calls each function costs in the shared 15/s bucket.

use serde_json::Value;

use crate::plan_apply::Workspace;
use crate::support::fleet;

fn summary(out: &crate::support::Output) -> Value {
    out.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e["event"] == "summary")
        .unwrap_or_else(|| panic!("no summary event: {}", out.stdout))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mode_change_and_an_update_cost_three_shared_bucket_calls() {
    let w = Workspace::new(&[]);
    let c = w.sim.client().await;
    fleet::create(&c, "api", "python3.12").await;
    // The first apply claims the function for this state (TagResource, in
    // the shared bucket, once); the calls measured are of the next one.
    w.config("function \"api\" {\n  configuration {\n    timeout = 5\n  }\n}\n");
    let first = w
        .rtm(&["apply", "--auto-approve", "--format", "json"])
        .expect_code(0);
    assert_eq!(summary(&first)["calls"]["by_operation"]["TagResource"], 1);
    w.config(
        "function \"api\" {\n  runtime_management {\n    update_runtime_on = \"FunctionUpdate\"\n  }\n  configuration {\n    memory_size = 512\n  }\n}\n",
    );
    let out = w
        .rtm(&["apply", "--auto-approve", "--format", "json"])
        .expect_code(0);
    let calls = &summary(&out)["calls"];
    // The plan's GetRuntimeManagementConfig, the Put and the Update; the
    // RevisionId check and the wait are GetFunction, in its own bucket.
    assert_eq!(calls["by_bucket"]["shared"], 3, "{calls:#}");
    assert_eq!(
        calls["by_operation"]["GetRuntimeManagementConfig"], 1,
        "{calls:#}"
    );
    assert_eq!(calls["throttled"], 0);

    // A saved plan re-reads the mode before writing: 3 as well (re-read,
    // Put, Update), its own plan's read being another run's.
    w.config(
        "function \"api\" {\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n  configuration {\n    memory_size = 640\n  }\n}\n",
    );
    w.rtm(&["plan", "--out", "p.plan"]).expect_code(0);
    let out = w
        .rtm(&["apply", "p.plan", "--format", "json"])
        .expect_code(0);
    assert_eq!(summary(&out)["calls"]["by_bucket"]["shared"], 3);
    let verbose = w.rtm(&["-v", "apply", "--auto-approve"]).expect_code(0);
    assert!(
        verbose.stderr.contains("shared 15/s bucket"),
        "{}",
        verbose.stderr
    );
}

const PROD: &str = "111111111111";
const STAGING: &str = "222222222222";
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

/// A client of `account` (by its emulator access key) in `region`.
async fn client_of(w: &Workspace, key: &str, region: &str) -> aws_sdk_lambda::Client {
    use crate::support::sim::{sdk_config, static_credentials};
    aws_sdk_lambda::Client::new(
        &sdk_config(&w.sim.url, true, region, static_credentials(key)).await,
    )
}

const FLEET: &str = r#"
account "prod" {
  assume_role_arn = "arn:aws:iam::111111111111:role/rtm"
  external_id     = "rtm-ci"
  account_id      = "111111111111"
  region          = "us-east-1"
}

account "staging" {
  profile = "staging"
}

locals {
  places = setproduct(["prod", "staging"], ["us-east-1", "eu-west-1", "ap-southeast-2"])
}

function "orders" {
  for_each = { for p in local.places : "${p[0]}/${p[1]}" => { account = p[0], region = p[1] } }
  account  = each.value.account
  region   = each.value.region
  name     = "orders"

  configuration {
    memory_size = 512
  }
}
"#;

/// A Workspace with two accounts: prod (reached by assuming a role) and
/// staging (a profile whose role_arn aws-config assumes from a base
/// profile), in an AWS_CONFIG_FILE of the test's own.
fn two_accounts() -> (Workspace, Vec<(String, String)>) {
    let w = Workspace::new(&[
        "--account",
        &format!("{PROD}=AKIDPROD"),
        "--account",
        &format!("{STAGING}=AKIDSTAGING"),
    ]);
    let config = w.rtm.path().join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile staging]\nrole_arn = arn:aws:iam::{STAGING}:role/rtm\nsource_profile = base\nregion = us-east-1\n\n[profile base]\nregion = us-east-1\n"
        ),
    )
    .expect("config");
    let credentials = w.rtm.path().join("aws-credentials");
    std::fs::write(
        &credentials,
        "[base]\naws_access_key_id = test\naws_secret_access_key = test\n",
    )
    .expect("credentials");
    let env = vec![
        ("AWS_CONFIG_FILE".to_string(), config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_string(),
            credentials.display().to_string(),
        ),
        ("AWS_ENDPOINT_URL".to_string(), w.sim.url.clone()),
    ];
    (w, env)
}

fn run(w: &Workspace, env: &[(String, String)], args: &[&str]) -> crate::support::Output {
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    w.rtm_env(&extra, args)
}

/// `orders` in both accounts' three regions, planned with FLEET: the
/// output and its JSON.
async fn plan_of_six(w: &Workspace, env: &[(String, String)]) -> (crate::support::Output, Value) {
    for (key, _) in [("AKIDPROD", PROD), ("AKIDSTAGING", STAGING)] {
        for region in REGIONS {
            fleet::create(&client_of(w, key, region).await, "orders", "python3.12").await;
        }
    }
    w.config(FLEET);
    let plan = run(w, env, &["plan", "--format", "json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&plan.stdout).expect("plan json");
    (plan, doc)
}

#[tokio::test(flavor = "multi_thread")]
async fn one_config_manages_two_accounts_in_three_regions() {
    let (w, env) = two_accounts();
    let (plan, doc) = plan_of_six(&w, &env).await;
    let changes = doc["changes"].as_array().expect("changes");
    // The same name in six account-regions is six changes.
    assert_eq!(doc["summary"]["change"], 6, "{}", plan.stdout);
    let mut places: Vec<(String, String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["account"].as_str().unwrap_or_default().to_string(),
                c["account_id"].as_str().unwrap_or_default().to_string(),
                c["region"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    places.sort();
    assert_eq!(places.len(), 6);
    assert!(
        places.contains(&("prod".into(), PROD.into(), "eu-west-1".into())),
        "{places:?}"
    );
    assert!(
        places.contains(&("staging".into(), STAGING.into(), "ap-southeast-2".into())),
        "{places:?}"
    );
    let human = run(&w, &env, &["plan"]).expect_code(0);
    assert!(
        human
            .stdout
            .contains("(6 functions in 2 accounts, 3 regions; 6 changes)")
            && human
                .stdout
                .contains(&format!("account prod ({PROD}) / eu-west-1")),
        "{}",
        human.stdout
    );
    let md = run(&w, &env, &["plan", "--format", "markdown"]).expect_code(0);
    assert!(md.stdout.contains("| account / region |"), "{}", md.stdout);

    run(&w, &env, &["apply", "--auto-approve"]).expect_code(0);
    // boto3, with each account's own credentials and region, confirms it.
    for (key, id) in [("AKIDPROD", PROD), ("AKIDSTAGING", STAGING)] {
        for region in REGIONS {
            let seen = crate::support::sim::python_json(
                "import boto3,json,sys\n\
                 c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name=sys.argv[3], aws_access_key_id=sys.argv[2], aws_secret_access_key='x')\n\
                 f = c.get_function(FunctionName='orders')['Configuration']\n\
                 print(json.dumps({'arn': f['FunctionArn'], 'memory': f['MemorySize']}))",
                &[&w.sim.url, key, region],
            );
            assert_eq!(seen["memory"], 512, "{key} {region}");
            assert_eq!(
                seen["arn"],
                format!("arn:aws:lambda:{region}:{id}:function:orders"),
                "{key} {region}"
            );
        }
    }
    run(&w, &env, &["plan", "--detailed-exitcode"]).expect_code(0);

    // Drift in one account-region only, seen there and narrowed by --account.
    fleet::set_memory(
        &client_of(&w, "AKIDSTAGING", "eu-west-1").await,
        "orders",
        1024,
    )
    .await;
    let drift = run(&w, &env, &["drift", "--format", "json"]).expect_code(2);
    let report: Value = serde_json::from_str(&drift.stdout).expect("drift json");
    let drifted: Vec<&Value> = report["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .filter(|f| f["status"] == "drifted")
        .collect();
    assert_eq!(drifted.len(), 1, "{report:#}");
    assert_eq!(
        (
            drifted[0]["account_id"].as_str(),
            drifted[0]["region"].as_str()
        ),
        (Some(STAGING), Some("eu-west-1"))
    );
    run(&w, &env, &["drift", "--account", "prod"]).expect_code(0);
    // State records carry where each function is.
    let show = run(
        &w,
        &env,
        &[
            "state",
            "show",
            "function.orders[\"staging/eu-west-1\"]",
            "--format",
            "json",
        ],
    )
    .expect_code(0);
    let record: Value = serde_json::from_str(&show.stdout).expect("record");
    assert_eq!(
        (record["account_id"].as_str(), record["region"].as_str()),
        (Some(STAGING), Some("eu-west-1"))
    );

    // Import from one account in two regions.
    for region in ["us-east-1", "eu-west-1"] {
        fleet::create(
            &client_of(&w, "AKIDPROD", region).await,
            "billing",
            "python3.12",
        )
        .await;
    }
    let out = run(
        &w,
        &env,
        &[
            "import",
            "--all",
            "--account",
            "prod",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--out",
            "billing.rtm.hcl",
        ],
    )
    .expect_code(0);
    assert!(
        out.stdout.contains("Imported 2 functions"),
        "{}",
        out.stdout
    );
    let text = w.rtm.read("billing.rtm.hcl");
    assert!(
        text.contains("account = \"prod\"") && text.contains("region  = \"eu-west-1\""),
        "{text}"
    );
    run(&w, &env, &["validate"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_account_an_unassumable_role_and_an_unserved_region_fail_before_any_lambda_call() {
    let (w, env) = two_accounts();
    let calls = || -> u64 {
        let stats = crate::support::sim::admin(&w.sim.url, "GET", "/_sim/stats", Value::Null);
        stats["TotalCalls"].as_u64().unwrap_or(0)
    };
    for (config, want) in [
        (
            FLEET
                .replace(
                    "account_id      = \"111111111111\"",
                    "account_id      = \"333333333333\"",
                )
                .replace(
                    "arn:aws:iam::111111111111:role/rtm",
                    "arn:aws:iam::333333333333:role/rtm",
                ),
            "account prod: cannot assume arn:aws:iam::333333333333:role/rtm",
        ),
        (
            FLEET.replace(
                "  profile = \"staging\"",
                "  profile    = \"staging\"\n  account_id = \"333333333333\"",
            ),
            "account staging: its credentials reach account 222222222222, but the block says account_id = \"333333333333\"",
        ),
        (
            FLEET.replace("\"ap-southeast-2\"]", "\"mx-central-1\"]"),
            "mx-central-1",
        ),
    ] {
        let before = calls();
        w.config(&config);
        let out = run(&w, &env, &["plan"]).expect_code(1);
        assert!(out.stderr.contains(want), "{want}: {}", out.stderr);
        assert_eq!(
            out.stderr.matches("error").count(),
            1,
            "one error: {}",
            out.stderr
        );
        assert_eq!(calls(), before, "{want}: a Lambda call was made");
    }
}

/// `--endpoint-url` alone (no AWS_ENDPOINT_URL) sent a profile's role_arn
/// chain to the real STS, so the staging account could not be reached.
#[tokio::test(flavor = "multi_thread")]
async fn a_profiles_role_chain_went_to_the_real_sts_with_only_endpoint_url() {
    let (w, mut env) = two_accounts();
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    let (plan, doc) = plan_of_six(&w, &env).await;
    assert_eq!(doc["summary"]["change"], 6, "{}", plan.stdout);
}

/// `rtm --profile staging` with AWS_ACCESS_KEY_ID also set used the
/// environment's keys (aws-config's default chain tries them first) and
/// planned the default account; --profile wins, as with the AWS CLI.
#[tokio::test(flavor = "multi_thread")]
async fn profile_used_the_environments_keys_instead_of_the_profiles_role() {
    let (w, mut env) = two_accounts();
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    fleet::create(
        &client_of(&w, "AKIDSTAGING", "us-east-1").await,
        "orders",
        "python3.12",
    )
    .await;
    w.config(
        "function \"orders\" {\n  name = \"orders\"\n\n  configuration {\n    memory_size = 512\n  }\n}\n",
    );
    let plan = run(
        &w,
        &env,
        &["plan", "--profile", "staging", "--format", "json"],
    )
    .expect_code(0);
    let doc: Value = serde_json::from_str(&plan.stdout).expect("plan json");
    assert_eq!(
        doc["changes"][0]["function_arn"],
        format!("arn:aws:lambda:us-east-1:{STAGING}:function:orders"),
        "{}",
        plan.stdout
    );
}

/// `plan --account prd` (a typo) covered no function and said "No
/// changes", exit 0: in CI that reads as a clean plan.
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_account_name_planned_nothing_and_exited_0() {
    let (w, env) = two_accounts();
    w.config(FLEET);
    for command in ["plan", "drift", "report", "apply"] {
        let out = run(&w, &env, &[command, "--account", "prd"]).expect_code(1);
        assert!(
            out.stderr
                .contains("--account prd: the configuration has no account block \"prd\"")
                && out.stderr.contains("did you mean \"prod\"?"),
            "{command}: {}",
            out.stderr
        );
        assert!(
            !out.stdout.contains("No changes"),
            "{command}: {}",
            out.stdout
        );
    }
    let stats = crate::support::sim::admin(&w.sim.url, "GET", "/_sim/stats", Value::Null);
    assert_eq!(stats["TotalCalls"], 0, "a Lambda call was made: {stats}");
}

/// The report's entries named the account id but not the account block,
/// unlike plan and drift.
#[tokio::test(flavor = "multi_thread")]
async fn the_report_named_no_account_block() {
    let (w, env) = two_accounts();
    plan_of_six(&w, &env).await;
    let out = run(&w, &env, &["report", "--format", "json"]).expect_code(0);
    let doc: Value = serde_json::from_str(&out.stdout).expect("report json");
    let mut seen: Vec<(String, String, String)> = doc["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| {
            (
                f["account"].as_str().unwrap_or("?").to_string(),
                f["account_id"].as_str().unwrap_or("?").to_string(),
                f["region"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect();
    seen.sort();
    let mut want: Vec<(String, String, String)> = [("prod", PROD), ("staging", STAGING)]
        .iter()
        .flat_map(|(name, id)| {
            REGIONS
                .iter()
                .map(move |r| (name.to_string(), id.to_string(), r.to_string()))
        })
        .collect();
    want.sort();
    assert_eq!(seen, want, "{}", out.stdout);
}

/// CI's OIDC flow: the default chain's web identity provider assumes
/// AWS_ROLE_ARN with the token in AWS_WEB_IDENTITY_TOKEN_FILE (no keys in
/// the environment). With AWS_ENDPOINT_URL, and with --endpoint-url alone
/// (which sent the AssumeRoleWithWebIdentity call to the real STS), the run
/// reaches the role's account.
#[tokio::test(flavor = "multi_thread")]
async fn ci_web_identity_with_only_endpoint_url_went_to_the_real_sts() {
    let (w, env) = two_accounts();
    fleet::create(
        &client_of(&w, "AKIDSTAGING", "us-east-1").await,
        "orders",
        "python3.12",
    )
    .await;
    w.config("function \"orders\" {\n  name = \"orders\"\n\n  configuration {\n    memory_size = 512\n  }\n}\n");
    let token = w.rtm.path().join("oidc-token");
    std::fs::write(
        &token,
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJyZXBvOmFjbWUvZmxlZXQifQ.",
    )
    .expect("token");
    for with_env in [true, false] {
        let mut env: Vec<(String, String)> = env
            .iter()
            .filter(|(k, _)| with_env || k != "AWS_ENDPOINT_URL")
            .cloned()
            .collect();
        env.extend(
            [
                ("AWS_ACCESS_KEY_ID", ""),
                ("AWS_SECRET_ACCESS_KEY", ""),
                ("AWS_ROLE_ARN", &format!("arn:aws:iam::{STAGING}:role/ci")),
                ("AWS_ROLE_SESSION_NAME", "ci"),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", &token.display().to_string()),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let out = run(&w, &env, &["plan", "--format", "json"]).expect_code(0);
        let doc: Value = serde_json::from_str(&out.stdout).expect("plan json");
        assert_eq!(
            doc["changes"][0]["function_arn"],
            format!("arn:aws:lambda:us-east-1:{STAGING}:function:orders"),
            "AWS_ENDPOINT_URL set: {with_env}: {}",
            out.stdout
        );
    }
}
