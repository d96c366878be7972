//! One emulator serving many accounts and regions (issue 11): the region
//! from each request's SigV4 credential scope, the account from its access
//! key (keys given with `--account`, credentials the emulator's own STS
//! issues), and ARNs, name checks, quotas, seeds and the admin API per
//! account and region. STS (AssumeRole, AssumeRoleWithWebIdentity,
//! GetCallerIdentity) is checked with boto3, the AWS CLI and aws-config's
//! AssumeRoleProvider; Lambda with the aws-sdk-lambda client and raw HTTP.

use aws_sdk_lambda::types::Runtime;
use serde_json::{Value, json};

use crate::support::sim::{
    SimProcess, admin, aws, create_body, failure, http, http_with_headers, python_json, sdk_config,
    static_credentials, zip_function,
};

const PROD: &str = "111111111111";

/// An `Authorization` header scoped to `key` and `region` (the emulator
/// reads the scope; it checks no signature).
fn signature(key: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={key}/20261201/{region}/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

/// One raw Lambda request signed for `key` in `region`.
fn signed(
    url: &str,
    key: &str,
    region: &str,
    method: &str,
    path: &str,
    body: &str,
) -> crate::support::sim::HttpResponse {
    http_with_headers(
        url,
        method,
        path,
        &[("Authorization", &signature(key, region))],
        body.as_bytes(),
    )
}

async fn lambda(url: &str, key: &str, region: &str) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&sdk_config(url, false, region, static_credentials(key)).await)
}

async fn create(c: &aws_sdk_lambda::Client, name: &str) -> String {
    zip_function(c, name, Runtime::Python312)
        .send()
        .await
        .expect("create")
        .function_arn()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_function_name_is_one_function_per_account_and_region() {
    let sim = SimProcess::start(&["--account", &format!("{PROD}=AKIDPROD")]);
    let prod_west = lambda(&sim.url, "AKIDPROD", "eu-west-1").await;
    let prod_east = lambda(&sim.url, "AKIDPROD", "us-east-1").await;
    let default_east = lambda(&sim.url, "some-other-key", "us-east-1").await;
    assert_eq!(
        create(&prod_west, "orders").await,
        "arn:aws:lambda:eu-west-1:111111111111:function:orders"
    );
    assert_eq!(
        create(&prod_east, "orders").await,
        "arn:aws:lambda:us-east-1:111111111111:function:orders"
    );
    assert_eq!(
        create(&default_east, "orders").await,
        "arn:aws:lambda:us-east-1:123456789012:function:orders"
    );
    create(&default_east, "only-default").await;
    for (client, count) in [(&prod_west, 1), (&prod_east, 1), (&default_east, 2)] {
        let listed = client.list_functions().send().await.expect("list");
        assert_eq!(listed.functions().len(), count, "{listed:?}");
    }
    // Runtime versions are per region: eu-west-1's ARN names eu-west-1.
    let got = prod_west
        .get_function()
        .function_name("orders")
        .send()
        .await
        .expect("get");
    let rv = got
        .configuration()
        .and_then(|c| c.runtime_version_config())
        .and_then(|r| r.runtime_version_arn())
        .unwrap_or_default();
    assert!(rv.starts_with("arn:aws:lambda:eu-west-1::runtime:"), "{rv}");
    assert!(
        got.code()
            .and_then(|c| c.location())
            .is_some_and(|l| l.contains("awslambda-eu-west-1-tasks") && l.contains(PROD)),
        "{got:?}"
    );

    // Another region's ARN is not reachable here; another account's is denied.
    let e = prod_east
        .get_function()
        .function_name("arn:aws:lambda:eu-west-1:111111111111:function:orders")
        .send()
        .await
        .expect_err("other region");
    assert_eq!(
        failure(e),
        (
            404,
            "ResourceNotFoundException".into(),
            "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')".into()
        )
    );
    let e = prod_east
        .get_function()
        .function_name("arn:aws:lambda:us-east-1:123456789012:function:orders")
        .send()
        .await
        .expect_err("other account");
    let (status, code, _) = failure(e);
    assert_eq!((status, code.as_str()), (403, "AccessDeniedException"));
    // Deleting one leaves its namesakes.
    prod_east
        .delete_function()
        .function_name("orders")
        .send()
        .await
        .expect("delete");
    for c in [&prod_west, &default_east] {
        c.get_function()
            .function_name("orders")
            .send()
            .await
            .expect("still there");
    }
}

#[tokio::test]
async fn a_region_outside_the_served_list_gets_an_error_never_the_default() {
    let sim = SimProcess::start(&["--regions", "us-east-1,eu-west-1"]);
    let c = lambda(&sim.url, "test", "ap-southeast-2").await;
    let e = c.list_functions().send().await.expect_err("not served");
    assert_eq!(
        failure(e),
        (
            403,
            "InvalidSignatureException".into(),
            "Credential should be scoped to a valid region, not 'ap-southeast-2'. ".into()
        )
    );
    lambda(&sim.url, "test", "eu-west-1")
        .await
        .list_functions()
        .send()
        .await
        .expect("eu-west-1 is served");
    // Without --regions: the runtime-updates guide's list.
    let sim = SimProcess::start(&[]);
    for (region, status) in [
        ("me-south-1", 200),
        ("ap-southeast-3", 200),
        ("eu-south-2", 403),
        ("xx-nowhere-9", 403),
    ] {
        let r = signed(&sim.url, "test", region, "GET", "/2015-03-31/functions", "");
        assert_eq!(r.status, status, "{region}: {r:?}");
    }
    let health = admin(&sim.url, "GET", "/_sim/health", json!(null));
    assert_eq!(
        health["Regions"].as_array().map(Vec::len),
        Some(22),
        "{health}"
    );
    // Unsigned requests, and the SDK default us-east-1 with unknown keys,
    // keep reaching the default region given with --region.
    let sim = SimProcess::start(&["--region", "eu-west-1"]);
    let r = signed(
        &sim.url,
        "test",
        "us-east-1",
        "POST",
        "/2015-03-31/functions",
        &create_body("f", "python3.12"),
    );
    assert_eq!(
        r.json()["FunctionArn"],
        "arn:aws:lambda:eu-west-1:123456789012:function:f",
        "{r:?}"
    );
    let r = http(&sim.url, "GET", "/2015-03-31/functions/f", b"");
    assert_eq!(r.status, 200, "{r:?}");
}

#[test]
fn quotas_are_one_bucket_pair_per_account_and_region() {
    // Scale 0.2: 3 calls/s outside GetFunction, per account and region.
    let sim = SimProcess::start(&[
        "--quotas",
        "--quota-scale",
        "0.2",
        "--account",
        &format!("{PROD}=AKIDPROD"),
    ]);
    let url = sim.url.as_str();
    let list = |key: &str, region: &str| {
        signed(url, key, region, "GET", "/2015-03-31/functions", "").status
    };
    let mut calls = 0;
    while list("test", "us-east-1") != 429 {
        calls += 1;
        assert!(calls < 50, "never throttled");
    }
    // The default account's us-east-1 bucket is empty; the others are full.
    assert_eq!(list("AKIDPROD", "us-east-1"), 200, "another account");
    assert_eq!(list("test", "eu-west-1"), 200, "another region");
    let all = admin(url, "GET", "/_sim/stats", json!(null));
    let east = admin(
        url,
        "GET",
        "/_sim/stats?account=123456789012&region=us-east-1",
        json!(null),
    );
    let prod = admin(
        url,
        "GET",
        &format!("/_sim/stats?account={PROD}"),
        json!(null),
    );
    assert_eq!(east["Calls"]["ListFunctions"], calls + 1);
    assert_eq!(east["Throttled"], 1);
    assert_eq!(prod["TotalCalls"], 1);
    assert_eq!(
        all["TotalCalls"],
        calls + 3,
        "totals over every account and region"
    );
    let mut places: Vec<String> = all["Places"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "{}/{}",
                p["Account"].as_str().unwrap_or(""),
                p["Region"].as_str().unwrap_or("")
            )
        })
        .collect();
    places.sort();
    assert_eq!(
        places,
        [
            "111111111111/us-east-1",
            "123456789012/eu-west-1",
            "123456789012/us-east-1"
        ]
    );
    let r = http(url, "DELETE", &format!("/_sim/stats?account={PROD}"), b"");
    assert_eq!(r.status, 204);
    assert_eq!(
        admin(
            url,
            "GET",
            &format!("/_sim/stats?account={PROD}"),
            json!(null)
        )["TotalCalls"],
        0
    );
    assert_eq!(
        admin(url, "GET", "/_sim/stats", json!(null))["TotalCalls"],
        calls + 2
    );
}

#[test]
fn seeds_and_the_admin_api_place_functions_in_accounts_and_regions() {
    let seed = tempfile::NamedTempFile::new().expect("seed");
    std::fs::write(
        seed.path(),
        json!({ "Functions": [
            { "FunctionName": "api" },
            { "FunctionName": "api", "Account": PROD, "Region": "eu-west-1" },
            { "FunctionName": "batch", "Region": "ap-southeast-1", "UpdateRuntimeOn": "FunctionUpdate" },
        ] })
        .to_string(),
    )
    .expect("write seed");
    let path = seed.path().to_str().expect("utf-8");
    let sim = SimProcess::start(&["--seed", path, "--account", &format!("{PROD}=AKIDPROD")]);
    let url = sim.url.as_str();
    let get = |key: &str, region: &str, name: &str| {
        signed(
            url,
            key,
            region,
            "GET",
            &format!("/2015-03-31/functions/{name}/configuration"),
            "",
        )
    };
    assert_eq!(
        get("test", "us-east-1", "api").json()["FunctionArn"],
        "arn:aws:lambda:us-east-1:123456789012:function:api"
    );
    assert_eq!(
        get("AKIDPROD", "eu-west-1", "api").json()["FunctionArn"],
        "arn:aws:lambda:eu-west-1:111111111111:function:api"
    );
    assert_eq!(get("test", "ap-southeast-1", "batch").status, 200);
    assert_eq!(get("test", "us-east-1", "batch").status, 404);

    // Phase 2 narrowed to one account moves only its functions.
    admin(
        url,
        "POST",
        "/_sim/runtimes/release",
        json!({ "Runtime": "python3.12", "Region": "eu-west-1" }),
    );
    admin(
        url,
        "POST",
        "/_sim/runtimes/release",
        json!({ "Runtime": "python3.12", "Region": "us-east-1" }),
    );
    let moved = admin(
        url,
        "POST",
        "/_sim/rollout/phase2?account=123456789012",
        json!({}),
    );
    assert_eq!(moved["Moved"].as_array().map(Vec::len), Some(1), "{moved}");
    assert_eq!(moved["Moved"][0]["Account"], "123456789012");
    assert_eq!(moved["Moved"][0]["Region"], "us-east-1");
    let moved = admin(url, "POST", "/_sim/rollout/phase2", json!({}));
    assert_eq!(moved["Moved"][0]["Account"], PROD, "{moved}");

    // A failure injected for one account's function fails only its update.
    admin(
        url,
        "POST",
        &format!("/_sim/faults/fail-next-update?account={PROD}&region=eu-west-1"),
        json!({ "FunctionName": "api" }),
    );
    for (key, region) in [("test", "us-east-1"), ("AKIDPROD", "eu-west-1")] {
        let r = signed(
            url,
            key,
            region,
            "PUT",
            "/2015-03-31/functions/api/configuration",
            r#"{"Timeout":9}"#,
        );
        assert_eq!(r.status, 200, "{r:?}");
    }
    admin(url, "POST", "/_sim/settle", json!({}));
    assert_eq!(
        get("test", "us-east-1", "api").json()["LastUpdateStatus"],
        "Successful"
    );
    assert_eq!(
        get("AKIDPROD", "eu-west-1", "api").json()["LastUpdateStatus"],
        "Failed"
    );
}

#[test]
fn a_seed_entry_in_a_region_not_served_is_refused() {
    let stderr =
        crate::support::sim::seed_refused(r#"[{"FunctionName":"x","Region":"eu-south-2"}]"#);
    assert!(
        stderr.contains("x: Region eu-south-2 is not a region the emulator serves"),
        "{stderr}"
    );
}

const BOTO3: &str = r#"
import base64, json, sys
import boto3, botocore
url = sys.argv[1]
cfg = botocore.config.Config(retries={"max_attempts": 1})
def client(service, key, region="us-east-1", secret="secret", token=None):
    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token, config=cfg)
def error(call):
    try:
        call()
        return "accepted"
    except botocore.exceptions.ClientError as e:
        return [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"]["Message"]]
out = {}
sts = client("sts", "AKIDPROD")
me = sts.get_caller_identity()
out["me"] = {k: me[k] for k in ("Account", "Arn", "UserId")}
role = sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/rtm", RoleSessionName="ci", ExternalId="rtm-ci", DurationSeconds=900)
c = role["Credentials"]
import datetime
left = (c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
out["assumed"] = {"user": role["AssumedRoleUser"], "key": c["AccessKeyId"][:4], "expires_in": int(left)}
as_role = client("sts", c["AccessKeyId"], secret=c["SecretAccessKey"], token=c["SessionToken"])
out["assumed_me"] = as_role.get_caller_identity()["Arn"]
lam = client("lambda", c["AccessKeyId"], region="eu-west-1", secret=c["SecretAccessKey"], token=c["SessionToken"])
lam.create_function(FunctionName="by-role", Runtime="python3.12", Role="arn:aws:iam::111111111111:role/r",
                    Handler="app.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
out["created"] = lam.get_function(FunctionName="by-role")["Configuration"]["FunctionArn"]
out["unassumable"] = error(lambda: sts.assume_role(RoleArn="arn:aws:iam::999999999999:role/rtm", RoleSessionName="ci"))
out["bad_session"] = error(lambda: sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/rtm", RoleSessionName="a b"))
out["not_a_role"] = error(lambda: sts.assume_role(RoleArn="arn:aws:iam::111111111111:user/someone", RoleSessionName="ci"))
claims = base64.urlsafe_b64encode(json.dumps({"sub": "repo:acme/app:ref:refs/heads/main", "aud": "sts.amazonaws.com",
    "iss": "https://token.actions.githubusercontent.com", "exp": 4102444800}).encode()).decode().rstrip("=")
web = boto3.client("sts", endpoint_url=url, region_name="us-east-1", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
w = web.assume_role_with_web_identity(RoleArn="arn:aws:iam::111111111111:role/ci", RoleSessionName="gha", WebIdentityToken="h." + claims + ".s")
out["web"] = {"subject": w["SubjectFromWebIdentityToken"], "provider": w["Provider"], "audience": w["Audience"], "arn": w["AssumedRoleUser"]["Arn"]}
old = base64.urlsafe_b64encode(json.dumps({"sub": "someone-long", "exp": 1}).encode()).decode().rstrip("=")
out["web_expired"] = error(lambda: web.assume_role_with_web_identity(RoleArn="arn:aws:iam::111111111111:role/ci", RoleSessionName="gha", WebIdentityToken="h." + old + ".s"))
out["web_unassumable"] = error(lambda: web.assume_role_with_web_identity(RoleArn="arn:aws:iam::999999999999:role/ci", RoleSessionName="gha", WebIdentityToken="token"))
out["unsigned_identity"] = error(lambda: web.get_caller_identity())
out["unserved"] = error(lambda: sts.get_session_token())
print(json.dumps(out, default=str))
"#;

#[test]
fn boto3_assumes_roles_into_known_accounts_and_is_refused_the_others() {
    crate::support::python::tools();
    let sim = SimProcess::start(&["--account", &format!("{PROD}=AKIDPROD")]);
    let v = python_json(BOTO3, &[&sim.url]);
    assert_eq!(
        v["me"],
        json!({ "Account": PROD, "Arn": "arn:aws:iam::111111111111:root", "UserId": PROD })
    );
    assert_eq!(v["assumed"]["key"], "ASIA");
    assert!(
        v["assumed"]["expires_in"]
            .as_i64()
            .is_some_and(|s| (800..=900).contains(&s)),
        "DurationSeconds=900: {v}"
    );
    assert_eq!(
        v["assumed"]["user"]["Arn"],
        "arn:aws:sts::111111111111:assumed-role/rtm/ci"
    );
    assert!(
        v["assumed"]["user"]["AssumedRoleId"]
            .as_str()
            .is_some_and(|id| id.starts_with("AROA") && id.ends_with(":ci")),
        "{v}"
    );
    assert_eq!(
        v["assumed_me"],
        "arn:aws:sts::111111111111:assumed-role/rtm/ci"
    );
    assert_eq!(
        v["created"],
        "arn:aws:lambda:eu-west-1:111111111111:function:by-role"
    );
    assert_eq!(
        v["unassumable"],
        json!([
            403,
            "AccessDenied",
            "User: arn:aws:iam::111111111111:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/rtm"
        ])
    );
    assert_eq!(
        v["bad_session"],
        json!([
            400,
            "ValidationError",
            "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        ])
    );
    assert_eq!(v["not_a_role"][1], "ValidationError", "{v}");
    assert_eq!(
        v["web"],
        json!({
            "subject": "repo:acme/app:ref:refs/heads/main",
            "provider": "token.actions.githubusercontent.com",
            "audience": "sts.amazonaws.com",
            "arn": "arn:aws:sts::111111111111:assumed-role/ci/gha",
        })
    );
    assert_eq!(v["web_expired"][1], "ExpiredTokenException", "{v}");
    assert_eq!(
        v["web_unassumable"],
        json!([
            403,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        ])
    );
    assert_eq!(
        v["unsigned_identity"][1], "MissingAuthenticationToken",
        "{v}"
    );
    assert_eq!(v["unserved"][0], 501, "{v}");
}

#[test]
fn the_aws_cli_sees_sts_as_aws_answers_it() {
    crate::support::python::tools();
    let sim = SimProcess::start(&[
        "--account",
        &format!("{PROD}=AKIDPROD"),
        "--account",
        "222222222222=AKIDSTAGE",
    ]);
    let json_of = |out: crate::support::Output| -> Value {
        let out = out.expect_code(0);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
    };
    let me = json_of(aws(
        &sim.url,
        "sts",
        &["get-caller-identity"],
        &[("AWS_ACCESS_KEY_ID", "AKIDSTAGE")],
    ));
    assert_eq!(me["Account"], "222222222222");
    let role = json_of(aws(
        &sim.url,
        "sts",
        &[
            "assume-role",
            "--role-arn",
            "arn:aws:iam::111111111111:role/deploy",
            "--role-session-name",
            "cli",
        ],
        &[("AWS_ACCESS_KEY_ID", "AKIDSTAGE")],
    ));
    let creds = &role["Credentials"];
    assert!(
        creds["Expiration"]
            .as_str()
            .is_some_and(|e| e.ends_with('Z') || e.contains("+00:00")),
        "{role}"
    );
    let key = creds["AccessKeyId"].as_str().unwrap_or_default().to_owned();
    let secret = creds["SecretAccessKey"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let token = creds["SessionToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let session = [
        ("AWS_ACCESS_KEY_ID", key.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
        ("AWS_SESSION_TOKEN", token.as_str()),
        ("AWS_DEFAULT_REGION", "ca-central-1"),
    ];
    let me = json_of(aws(&sim.url, "sts", &["get-caller-identity"], &session));
    assert_eq!(
        me["Arn"],
        "arn:aws:sts::111111111111:assumed-role/deploy/cli"
    );
    let listed = json_of(aws(&sim.url, "lambda", &["list-functions"], &session));
    assert_eq!(listed["Functions"], json!([]));
    let refused = aws(
        &sim.url,
        "sts",
        &[
            "assume-role",
            "--role-arn",
            "arn:aws:iam::999999999999:role/deploy",
            "--role-session-name",
            "cli",
        ],
        &[],
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/deploy"),
        "{}",
        refused.stderr
    );
    let web = json_of(aws(
        &sim.url,
        "sts",
        &[
            "assume-role-with-web-identity",
            "--role-arn",
            "arn:aws:iam::222222222222:role/ci",
            "--role-session-name",
            "gha",
            "--web-identity-token",
            "opaque-oidc-token",
        ],
        &[],
    ));
    assert_eq!(
        web["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/ci/gha"
    );
}

/// A Lambda client in eu-west-1 whose credentials aws-config's
/// AssumeRoleProvider gets for `role` from the emulator's STS, as AKIDPROD.
async fn assuming(url: &str, role: &str) -> aws_sdk_lambda::Client {
    let base = sdk_config(url, false, "eu-west-1", static_credentials("AKIDPROD")).await;
    let provider = aws_config::sts::AssumeRoleProvider::builder(role)
        .session_name("rtm-test")
        .external_id("rtm-ci")
        .configure(&base)
        .build()
        .await;
    let credentials = aws_sdk_lambda::config::SharedCredentialsProvider::new(provider);
    aws_sdk_lambda::Client::new(&sdk_config(url, false, "eu-west-1", credentials).await)
}

#[tokio::test]
async fn aws_configs_assume_role_provider_reaches_the_roles_account() {
    let sim = SimProcess::start(&["--account", &format!("{PROD}=AKIDPROD")]);
    let c = assuming(&sim.url, "arn:aws:iam::111111111111:role/rtm").await;
    assert_eq!(
        create(&c, "assumed").await,
        "arn:aws:lambda:eu-west-1:111111111111:function:assumed"
    );
    // An unassumable role fails when the credentials are first needed.
    let e = assuming(&sim.url, "arn:aws:iam::999999999999:role/rtm")
        .await
        .list_functions()
        .send()
        .await
        .expect_err("no credentials");
    let shown = format!("{}", aws_sdk_lambda::error::DisplayErrorContext(&e));
    assert!(shown.contains("AccessDenied"), "{shown}");
}
