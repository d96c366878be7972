//! The HTTP server: the axum routes of the Lambda operations, of STS (`/`)
//! and of the admin API, the middleware that stamps `x-amzn-RequestId`,
//! tells each Lambda request's account and region from its credentials and
//! passes it through the gate, and the answer for Lambda operations the
//! emulator does not serve. It must not
//! implement any operation itself. Request headers (Authorization included)
//! are never logged.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::emulator::{JournalEntry, Sim};
use super::identity::{Refusal, request_scope};
use super::names::Place;
use super::protocol::ApiError;
use super::{admin, functions, runtime_management, sts, tags, versions};

pub fn router(sim: Arc<Sim>) -> Router {
    let lambda = Router::new()
        .route(
            "/2015-03-31/functions",
            get(functions::list_functions).post(functions::create_function),
        )
        .route(
            "/2015-03-31/functions/{FunctionName}",
            get(functions::get_function).delete(functions::delete_function),
        )
        .route(
            "/2015-03-31/functions/{FunctionName}/configuration",
            get(functions::get_function_configuration)
                .put(functions::update_function_configuration),
        )
        .route(
            "/2015-03-31/functions/{FunctionName}/versions",
            get(versions::list_versions_by_function).post(versions::publish_version),
        )
        .route(
            "/2015-03-31/functions/{FunctionName}/aliases",
            get(versions::list_aliases).post(versions::create_alias),
        )
        .route(
            "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
            get(versions::get_alias),
        )
        .route(
            "/2021-07-20/functions/{FunctionName}/runtime-management-config",
            get(runtime_management::get_runtime_management_config)
                .put(runtime_management::put_runtime_management_config),
        )
        .route(
            "/2017-03-31/tags/{Resource}",
            get(tags::list_tags)
                .post(tags::tag_resource)
                .delete(tags::untag_resource),
        )
        .fallback(unserved)
        .method_not_allowed_fallback(unserved)
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .layer(middleware::from_fn_with_state(sim.clone(), identify));
    Router::new()
        .nest("/_sim", admin::router())
        .route("/", post(sts::serve).get(sts::serve))
        .merge(lambda)
        .layer(middleware::from_fn(request_id))
        .with_state(sim)
}

/// Every response carries a request id, as Lambda's do (STS sets its own,
/// the one its XML names).
async fn request_id(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if !response.headers().contains_key("x-amzn-RequestId") {
        let id = uuid::Uuid::new_v4().to_string();
        if let Ok(v) = HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-amzn-RequestId", v);
        }
    }
    response
}

/// Serves a Lambda request in the account of its access key and the region
/// of its signature (the default ones when it is unsigned).
async fn identify(State(sim): State<Arc<Sim>>, mut request: Request, next: Next) -> Response {
    let scope = request_scope(request.headers(), request.uri());
    match sim
        .identities
        .resolve(scope.as_ref(), jiff::Timestamp::now().as_second())
    {
        Ok(caller) => {
            request.extensions_mut().insert(caller.place);
            next.run(request).await
        }
        // Lambda has no endpoint in a region it does not serve; what a
        // client that signs for one anyway (e.g. with --endpoint-url) gets
        // from AWS is a 403 on the credential scope, so the emulator
        // answers that, never the default region's data.
        Err(Refusal::UnservedRegion(region)) => ApiError::InvalidSignature(format!(
            "Credential should be scoped to a valid region, not '{region}'. "
        ))
        .into_response(),
        Err(Refusal::Expired) => ApiError::ExpiredToken.into_response(),
    }
}

/// Counts, delays, throttles or fails Lambda requests before their operation.
async fn gate(
    State(sim): State<Arc<Sim>>,
    Extension(place): Extension<Place>,
    request: Request,
    next: Next,
) -> Response {
    let operation = operation_of(request.method(), request.uri().path()).unwrap_or("Unknown");
    tracing::debug!(method = %request.method(), path = request.uri().path(), operation, account = %place.account, region = %place.region, "lambda request");
    let request = journal(&sim, &place, operation, request).await;
    match sim.gate.admit(operation, &place).await {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

/// Bodies up to this size are kept in the journal whole.
const JOURNAL_BODY_LIMIT: usize = 256 * 1024;

/// Records the request in the journal and hands it on unchanged. A body
/// larger than the journal keeps (or of unknown length) is not buffered:
/// it goes on as a stream for the operation's own size check.
async fn journal(sim: &Sim, place: &Place, operation: &str, request: Request) -> Request {
    let (parts, body) = request.into_parts();
    let small = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n <= JOURNAL_BODY_LIMIT);
    let (body, recorded) = if small {
        match axum::body::to_bytes(body, JOURNAL_BODY_LIMIT).await {
            Ok(bytes) => {
                let value = if bytes.is_empty() {
                    serde_json::Value::Null
                } else {
                    serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                        serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
                    })
                };
                (axum::body::Body::from(bytes), value)
            }
            Err(_) => (axum::body::Body::empty(), serde_json::Value::Null),
        }
    } else {
        (body, serde_json::Value::Null)
    };
    sim.record_request(JournalEntry {
        operation: operation.to_string(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        body: recorded,
        account: place.account.clone(),
        region: place.region.clone(),
    });
    Request::from_parts(parts, body)
}

/// A route the emulator does not serve: a Lambda operation gets 501 naming
/// it; anything else is an unknown operation.
async fn unserved(method: Method, uri: axum::http::Uri) -> Response {
    match operation_of(&method, uri.path()) {
        Some(operation) => ApiError::NotImplemented {
            operation: operation.to_owned(),
        }
        .into_response(),
        None => ApiError::UnknownOperation(format!(
            "No Lambda operation matches {method} {}",
            uri.path()
        ))
        .into_response(),
    }
}

/// Lambda's operations by method and URI (botocore 1.43 service model).
const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/2018-10-31/layers/{}/versions/{}/policy",
        "AddLayerVersionPermission",
    ),
    ("POST", "/2015-03-31/functions/{}/policy", "AddPermission"),
    (
        "POST",
        "/2025-12-01/durable-executions/{}/checkpoint",
        "CheckpointDurableExecution",
    ),
    ("POST", "/2015-03-31/functions/{}/aliases", "CreateAlias"),
    (
        "POST",
        "/2025-11-30/capacity-providers",
        "CreateCapacityProvider",
    ),
    (
        "POST",
        "/2020-04-22/code-signing-configs",
        "CreateCodeSigningConfig",
    ),
    (
        "POST",
        "/2015-03-31/event-source-mappings",
        "CreateEventSourceMapping",
    ),
    ("POST", "/2015-03-31/functions", "CreateFunction"),
    (
        "POST",
        "/2021-10-31/functions/{}/url",
        "CreateFunctionUrlConfig",
    ),
    (
        "DELETE",
        "/2015-03-31/functions/{}/aliases/{}",
        "DeleteAlias",
    ),
    (
        "DELETE",
        "/2025-11-30/capacity-providers/{}",
        "DeleteCapacityProvider",
    ),
    (
        "DELETE",
        "/2020-04-22/code-signing-configs/{}",
        "DeleteCodeSigningConfig",
    ),
    (
        "DELETE",
        "/2015-03-31/event-source-mappings/{}",
        "DeleteEventSourceMapping",
    ),
    ("DELETE", "/2015-03-31/functions/{}", "DeleteFunction"),
    (
        "DELETE",
        "/2020-06-30/functions/{}/code-signing-config",
        "DeleteFunctionCodeSigningConfig",
    ),
    (
        "DELETE",
        "/2017-10-31/functions/{}/concurrency",
        "DeleteFunctionConcurrency",
    ),
    (
        "DELETE",
        "/2019-09-25/functions/{}/event-invoke-config",
        "DeleteFunctionEventInvokeConfig",
    ),
    (
        "DELETE",
        "/2021-10-31/functions/{}/url",
        "DeleteFunctionUrlConfig",
    ),
    (
        "DELETE",
        "/2018-10-31/layers/{}/versions/{}",
        "DeleteLayerVersion",
    ),
    (
        "DELETE",
        "/2019-09-30/functions/{}/provisioned-concurrency",
        "DeleteProvisionedConcurrencyConfig",
    ),
    ("GET", "/2016-08-19/account-settings", "GetAccountSettings"),
    ("GET", "/2015-03-31/functions/{}/aliases/{}", "GetAlias"),
    (
        "GET",
        "/2025-11-30/capacity-providers/{}",
        "GetCapacityProvider",
    ),
    (
        "GET",
        "/2020-04-22/code-signing-configs/{}",
        "GetCodeSigningConfig",
    ),
    (
        "GET",
        "/2025-12-01/durable-executions/{}",
        "GetDurableExecution",
    ),
    (
        "GET",
        "/2025-12-01/durable-executions/{}/history",
        "GetDurableExecutionHistory",
    ),
    (
        "GET",
        "/2025-12-01/durable-executions/{}/state",
        "GetDurableExecutionState",
    ),
    (
        "GET",
        "/2015-03-31/event-source-mappings/{}",
        "GetEventSourceMapping",
    ),
    ("GET", "/2015-03-31/functions/{}", "GetFunction"),
    (
        "GET",
        "/2020-06-30/functions/{}/code-signing-config",
        "GetFunctionCodeSigningConfig",
    ),
    (
        "GET",
        "/2019-09-30/functions/{}/concurrency",
        "GetFunctionConcurrency",
    ),
    (
        "GET",
        "/2015-03-31/functions/{}/configuration",
        "GetFunctionConfiguration",
    ),
    (
        "GET",
        "/2019-09-25/functions/{}/event-invoke-config",
        "GetFunctionEventInvokeConfig",
    ),
    (
        "GET",
        "/2024-08-31/functions/{}/recursion-config",
        "GetFunctionRecursionConfig",
    ),
    (
        "GET",
        "/2025-11-30/functions/{}/function-scaling-config",
        "GetFunctionScalingConfig",
    ),
    (
        "GET",
        "/2021-10-31/functions/{}/url",
        "GetFunctionUrlConfig",
    ),
    (
        "GET",
        "/2018-10-31/layers/{}/versions/{}",
        "GetLayerVersion",
    ),
    (
        "GET",
        "/2018-10-31/layers/{}/versions/{}/policy",
        "GetLayerVersionPolicy",
    ),
    ("GET", "/2015-03-31/functions/{}/policy", "GetPolicy"),
    (
        "GET",
        "/2019-09-30/functions/{}/provisioned-concurrency",
        "GetProvisionedConcurrencyConfig",
    ),
    (
        "GET",
        "/2021-07-20/functions/{}/runtime-management-config",
        "GetRuntimeManagementConfig",
    ),
    ("POST", "/2015-03-31/functions/{}/invocations", "Invoke"),
    (
        "POST",
        "/2014-11-13/functions/{}/invoke-async",
        "InvokeAsync",
    ),
    (
        "POST",
        "/2021-11-15/functions/{}/response-streaming-invocations",
        "InvokeWithResponseStream",
    ),
    ("GET", "/2015-03-31/functions/{}/aliases", "ListAliases"),
    (
        "GET",
        "/2025-11-30/capacity-providers",
        "ListCapacityProviders",
    ),
    (
        "GET",
        "/2020-04-22/code-signing-configs",
        "ListCodeSigningConfigs",
    ),
    (
        "GET",
        "/2025-12-01/functions/{}/durable-executions",
        "ListDurableExecutionsByFunction",
    ),
    (
        "GET",
        "/2015-03-31/event-source-mappings",
        "ListEventSourceMappings",
    ),
    (
        "GET",
        "/2019-09-25/functions/{}/event-invoke-config/list",
        "ListFunctionEventInvokeConfigs",
    ),
    (
        "GET",
        "/2021-10-31/functions/{}/urls",
        "ListFunctionUrlConfigs",
    ),
    (
        "GET",
        "/2025-11-30/capacity-providers/{}/function-versions",
        "ListFunctionVersionsByCapacityProvider",
    ),
    ("GET", "/2015-03-31/functions", "ListFunctions"),
    (
        "GET",
        "/2020-04-22/code-signing-configs/{}/functions",
        "ListFunctionsByCodeSigningConfig",
    ),
    ("GET", "/2018-10-31/layers/{}/versions", "ListLayerVersions"),
    ("GET", "/2018-10-31/layers", "ListLayers"),
    ("GET", "/2017-03-31/tags/{}", "ListTags"),
    (
        "GET",
        "/2015-03-31/functions/{}/versions",
        "ListVersionsByFunction",
    ),
    (
        "POST",
        "/2018-10-31/layers/{}/versions",
        "PublishLayerVersion",
    ),
    (
        "POST",
        "/2015-03-31/functions/{}/versions",
        "PublishVersion",
    ),
    (
        "PUT",
        "/2020-06-30/functions/{}/code-signing-config",
        "PutFunctionCodeSigningConfig",
    ),
    (
        "PUT",
        "/2017-10-31/functions/{}/concurrency",
        "PutFunctionConcurrency",
    ),
    (
        "PUT",
        "/2019-09-25/functions/{}/event-invoke-config",
        "PutFunctionEventInvokeConfig",
    ),
    (
        "PUT",
        "/2024-08-31/functions/{}/recursion-config",
        "PutFunctionRecursionConfig",
    ),
    (
        "PUT",
        "/2025-11-30/functions/{}/function-scaling-config",
        "PutFunctionScalingConfig",
    ),
    (
        "PUT",
        "/2019-09-30/functions/{}/provisioned-concurrency",
        "PutProvisionedConcurrencyConfig",
    ),
    (
        "PUT",
        "/2021-07-20/functions/{}/runtime-management-config",
        "PutRuntimeManagementConfig",
    ),
    (
        "DELETE",
        "/2018-10-31/layers/{}/versions/{}/policy/{}",
        "RemoveLayerVersionPermission",
    ),
    (
        "DELETE",
        "/2015-03-31/functions/{}/policy/{}",
        "RemovePermission",
    ),
    (
        "POST",
        "/2025-12-01/durable-execution-callbacks/{}/fail",
        "SendDurableExecutionCallbackFailure",
    ),
    (
        "POST",
        "/2025-12-01/durable-execution-callbacks/{}/heartbeat",
        "SendDurableExecutionCallbackHeartbeat",
    ),
    (
        "POST",
        "/2025-12-01/durable-execution-callbacks/{}/succeed",
        "SendDurableExecutionCallbackSuccess",
    ),
    (
        "POST",
        "/2025-12-01/durable-executions/{}/stop",
        "StopDurableExecution",
    ),
    ("POST", "/2017-03-31/tags/{}", "TagResource"),
    ("DELETE", "/2017-03-31/tags/{}", "UntagResource"),
    ("PUT", "/2015-03-31/functions/{}/aliases/{}", "UpdateAlias"),
    (
        "PUT",
        "/2025-11-30/capacity-providers/{}",
        "UpdateCapacityProvider",
    ),
    (
        "PUT",
        "/2020-04-22/code-signing-configs/{}",
        "UpdateCodeSigningConfig",
    ),
    (
        "PUT",
        "/2015-03-31/event-source-mappings/{}",
        "UpdateEventSourceMapping",
    ),
    ("PUT", "/2015-03-31/functions/{}/code", "UpdateFunctionCode"),
    (
        "PUT",
        "/2015-03-31/functions/{}/configuration",
        "UpdateFunctionConfiguration",
    ),
    (
        "POST",
        "/2019-09-25/functions/{}/event-invoke-config",
        "UpdateFunctionEventInvokeConfig",
    ),
    (
        "PUT",
        "/2021-10-31/functions/{}/url",
        "UpdateFunctionUrlConfig",
    ),
];

/// The Lambda operation a request is for, by method and path shape.
pub fn operation_of(method: &Method, path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    OPERATIONS
        .iter()
        .find(|(m, uri, _)| {
            *m == method.as_str() && {
                let pattern: Vec<&str> = uri.split('/').collect();
                pattern.len() == segments.len()
                    && pattern
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| *p == "{}" && !s.is_empty() || p == s)
            }
        })
        .map(|(_, _, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_recognised_by_method_and_path() {
        assert_eq!(
            operation_of(&Method::GET, "/2015-03-31/functions/f"),
            Some("GetFunction")
        );
        assert_eq!(
            operation_of(&Method::PUT, "/2015-03-31/functions/f/code"),
            Some("UpdateFunctionCode")
        );
        assert_eq!(
            operation_of(&Method::POST, "/2015-03-31/functions/f/invocations"),
            Some("Invoke")
        );
        assert_eq!(operation_of(&Method::GET, "/nope"), None);
    }
}
