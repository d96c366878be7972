//! The body of a response as Lambda sent it, for the reads that take the
//! managed attributes from the JSON by the attribute table's member names
//! (the SDK's types do not serialise, and naming each of their getters
//! would be the table written again).
//!
//! smithy's orchestrator reads a non-streaming body into memory before it
//! deserialises, so an interceptor that runs after deserialisation sees the
//! whole of it.

use std::sync::{Arc, Mutex};

use aws_sdk_lambda::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_lambda::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_lambda::error::BoxError;
use serde_json::Value;

use super::Error;

/// Keeps a copy of the body of each response of one operation (one per
/// attempt: the last is the one the SDK's output came from).
#[derive(Debug, Clone, Default)]
pub struct ResponseBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for ResponseBody {
    fn name(&self) -> &'static str {
        "ResponseBody"
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let bytes = ctx.response().body().bytes().map(<[u8]>::to_vec);
        if let Ok(mut slot) = self.0.lock() {
            *slot = bytes;
        }
        Ok(())
    }
}

impl ResponseBody {
    /// The last body, as JSON.
    pub fn json(&self, operation: &'static str) -> Result<Value, Error> {
        let bytes = self.0.lock().ok().and_then(|mut slot| slot.take());
        let Some(bytes) = bytes else {
            return Err(Error::local(
                operation,
                "the response body was not kept".into(),
            ));
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::local(operation, format!("the response body is not JSON: {e}")))
    }
}
