//! TagResource, UntagResource and ListTags as Lambda's API has them
//! (issue 12: rtm claims functions with a tag): the URIs and status codes
//! of botocore's model, tags on CreateFunction and in GetFunction, Lambda's
//! errors, and the shared 15/s bucket. Through the real aws-sdk-lambda
//! client, boto3 and raw HTTP.

use std::collections::HashMap;

use aws_sdk_lambda::types::Runtime;
use serde_json::json;

use crate::support::sim::{SimProcess, failure, http, python_json, sdk, zip_function};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:tagged";
const ENCODED: &str = "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Atagged";

#[tokio::test]
async fn tags_are_set_listed_and_removed_through_the_sdk() {
    let sim = SimProcess::start(&[]);
    let c = sdk(&sim.url, false).await;
    zip_function(&c, "tagged", Runtime::Python312)
        .tags("team", "core")
        .send()
        .await
        .expect("create with tags");
    crate::support::sim::wait_settled(&sim.url, "tagged");
    let before = c
        .get_function()
        .function_name("tagged")
        .send()
        .await
        .expect("get");
    assert_eq!(
        before.tags(),
        Some(&HashMap::from([("team".to_owned(), "core".to_owned())]))
    );
    c.tag_resource()
        .resource(ARN)
        .tags("rtm:lineage", "3f1c")
        .tags("team", "platform")
        .send()
        .await
        .expect("tag");
    let listed = c.list_tags().resource(ARN).send().await.expect("list");
    assert_eq!(
        listed.tags(),
        Some(&HashMap::from([
            ("team".to_owned(), "platform".to_owned()),
            ("rtm:lineage".to_owned(), "3f1c".to_owned()),
        ]))
    );
    c.untag_resource()
        .resource(ARN)
        .tag_keys("team")
        .tag_keys("absent")
        .send()
        .await
        .expect("untag");
    let after = c
        .get_function()
        .function_name("tagged")
        .send()
        .await
        .expect("get");
    assert_eq!(
        after.tags(),
        Some(&HashMap::from([(
            "rtm:lineage".to_owned(),
            "3f1c".to_owned()
        )]))
    );
    let revision = |g: &aws_sdk_lambda::operation::get_function::GetFunctionOutput| {
        g.configuration()
            .and_then(|c| c.revision_id())
            .map(str::to_owned)
    };
    assert_eq!(
        revision(&after),
        revision(&before),
        "tags are not configuration"
    );

    let e = c
        .list_tags()
        .resource("arn:aws:lambda:us-east-1:123456789012:function:nope")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(
        failure(e),
        (
            404,
            "ResourceNotFoundException".into(),
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope".into()
        )
    );
    // Each refused TagResource: (resource, key) -> (status, code, message).
    let refused = async |resource: &str, key: &str| {
        let e = c
            .tag_resource()
            .resource(resource)
            .tags(key, "x")
            .send()
            .await
            .expect_err("refused");
        failure(e)
    };
    let (status, code, message) = refused("tagged", "a").await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    assert!(
        message.starts_with("1 validation error detected: Value 'tagged' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:"),
        "{message}"
    );
    let version = format!("{ARN}:1");
    assert_eq!(
        refused(&version, "a").await.1,
        "InvalidParameterValueException"
    );
    assert_eq!(
        refused(ARN, "aws:cloudformation:stack").await.1,
        "InvalidParameterValueException"
    );
    let (_, code, message) = refused(ARN, &"k".repeat(129)).await;
    assert_eq!(code, "ValidationException");
    assert!(
        message.contains("at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"),
        "{message}"
    );
    let other_account = "arn:aws:lambda:us-east-1:999999999999:function:tagged";
    assert_eq!(refused(other_account, "a").await.0, 403);
    let mut many = c.tag_resource().resource(ARN);
    for i in 0..50 {
        many = many.tags(format!("k{i}"), "v");
    }
    let e = many.send().await.expect_err("51 tags");
    assert_eq!(failure(e).1, "InvalidParameterValueException");
}

#[test]
fn tagging_uses_lambdas_uris_status_codes_and_shared_bucket() {
    let sim = SimProcess::start(&[]);
    let url = sim.url.as_str();
    admin_create(url);
    // Scale 0.01: one token in the shared bucket, refilled after ~6.7 s.
    crate::support::sim::admin(
        url,
        "PUT",
        "/_sim/faults",
        json!({ "Quotas": true, "QuotaScale": 0.01 }),
    );
    let path = format!("/2017-03-31/tags/{ENCODED}");
    let r = http(url, "POST", &path, br#"{"Tags":{"a":"1","b":"2"}}"#);
    assert_eq!((r.status, r.body.as_str()), (204, ""), "{r:?}");
    // The shared 15/s bucket (here 0.15/s) is spent: the next tagging call
    // and any other control-plane call are throttled, GetFunction is not.
    let r = http(url, "GET", &path, b"");
    assert_eq!(
        (r.status, r.error_type()),
        (429, "TooManyRequestsException")
    );
    assert_eq!(http(url, "GET", "/2015-03-31/functions", b"").status, 429);
    let r = http(url, "GET", "/2015-03-31/functions/tagged", b"");
    assert_eq!(r.status, 200, "GetFunction has its own bucket: {r:?}");
    assert_eq!(r.json()["Tags"], json!({ "a": "1", "b": "2" }));
    let stats = crate::support::sim::admin(url, "GET", "/_sim/stats", json!(null));
    assert_eq!(stats["Calls"]["TagResource"], 1);
    assert_eq!(stats["Calls"]["ListTags"], 1);
    // Without quotas: untag by repeated tagKeys, 204; a missing tagKeys is a 400.
    crate::support::sim::admin(url, "PUT", "/_sim/faults", json!({ "Quotas": false }));
    let r = http(url, "DELETE", &format!("{path}?tagKeys=a&tagKeys=zz"), b"");
    assert_eq!(r.status, 204, "{r:?}");
    let r = http(url, "GET", &path, b"");
    assert_eq!((r.status, r.json()), (200, json!({ "Tags": { "b": "2" } })));
    let r = http(url, "DELETE", &path, b"");
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (
            400,
            Some(
                "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"
            )
        )
    );
    let r = http(url, "POST", &path, b"{}");
    assert_eq!(r.error_type(), "ValidationException", "{r:?}");
}

/// Creates `tagged` over raw HTTP (one shared-bucket call) and settles it.
fn admin_create(url: &str) {
    let r = http(
        url,
        "POST",
        "/2015-03-31/functions",
        crate::support::sim::create_body("tagged", "python3.12").as_bytes(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    crate::support::sim::admin(url, "POST", "/_sim/settle", json!({}));
}

const BOTO3: &str = r#"
import json, sys
import boto3, botocore
c = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 config=botocore.config.Config(retries={"max_attempts": 1}))
arn = "arn:aws:lambda:us-east-1:123456789012:function:py"
c.create_function(FunctionName="py", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/r",
                  Handler="app.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Tags={"team": "core"})
out = {}
out["tag"] = c.tag_resource(Resource=arn, Tags={"rtm:lineage": "abc", "env": "prod"})["ResponseMetadata"]["HTTPStatusCode"]
out["listed"] = c.list_tags(Resource=arn)["Tags"]
out["untag"] = c.untag_resource(Resource=arn, TagKeys=["env", "team"])["ResponseMetadata"]["HTTPStatusCode"]
out["after"] = c.get_function(FunctionName="py")["Tags"]
try:
    c.list_tags(Resource=arn + "x")
except c.exceptions.ResourceNotFoundException as e:
    out["missing"] = e.response["Error"]["Message"]
print(json.dumps(out))
"#;

#[test]
fn boto3_tags_untags_and_lists() {
    crate::support::python::tools();
    let sim = SimProcess::start(&[]);
    let v = python_json(BOTO3, &[&sim.url]);
    assert_eq!(v["tag"], 204);
    assert_eq!(
        v["listed"],
        json!({ "team": "core", "rtm:lineage": "abc", "env": "prod" })
    );
    assert_eq!(v["untag"], 204);
    assert_eq!(v["after"], json!({ "rtm:lineage": "abc" }));
    assert_eq!(
        v["missing"],
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:pyx"
    );
}
