//! Lambda's list paging: `MaxItems` (1..10000, at most 50 per page) and
//! opaque `Marker`/`NextMarker` tokens over items sorted by key. It must not
//! know what is listed.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use serde_json::Value;

use super::protocol::{ApiError, Violations, json_response};
use super::request_shapes;
use super::shapes::check_number;

/// Lambda returns at most 50 items per page.
pub const PAGE_MAX: usize = 50;

pub fn max_items(q: &HashMap<String, String>) -> Result<usize, ApiError> {
    let Some(raw) = q.get("MaxItems") else {
        return Ok(PAGE_MAX);
    };
    let mut v = Violations::default();
    match raw.parse::<i64>() {
        Ok(n) => {
            check_number(n, &request_shapes::MAX_LIST_ITEMS, "maxItems", &mut v);
            v.into_result()?;
            Ok(usize::try_from(n).unwrap_or(PAGE_MAX).min(PAGE_MAX))
        }
        Err(_) => Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{raw}' at 'maxItems' failed to satisfy constraint: Member must be an integer"
        ))),
    }
}

/// Markers are opaque: base64 of the key of the first item of the next page.
pub fn encode_marker(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

pub fn decode_marker(q: &HashMap<String, String>) -> Result<Option<String>, ApiError> {
    match q.get("Marker").filter(|m| !m.is_empty()) {
        None => Ok(None),
        Some(m) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(m)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| ApiError::InvalidParameterValue(format!("Invalid marker: {m}"))),
    }
}

/// One page of `items` (sorted by key) starting at `marker`.
pub fn page<T>(
    items: Vec<(String, T)>,
    marker: Option<&str>,
    max: usize,
) -> (Vec<T>, Option<String>) {
    let start = marker.map_or(0, |m| items.partition_point(|(k, _)| k.as_str() < m));
    let mut rest = items.into_iter().skip(start);
    let out: Vec<T> = rest.by_ref().take(max).map(|(_, v)| v).collect();
    let next = rest.next().map(|(k, _)| encode_marker(&k));
    (out, next)
}

/// A list operation's 200: one page of `items` under `key`, and
/// `NextMarker` when there is more.
pub fn page_response(
    key: &str,
    items: Vec<(String, Value)>,
    marker: Option<&str>,
    max: usize,
) -> Response {
    let (items, next) = page(items, marker, max);
    let mut body = serde_json::Map::new();
    body.insert(key.into(), Value::Array(items));
    if let Some(next) = next {
        body.insert("NextMarker".into(), next.into());
    }
    json_response(StatusCode::OK, &Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_start_at_the_marker_and_name_the_next() {
        let items: Vec<(String, u32)> = (0..5).map(|i| (format!("k{i}"), i)).collect();
        let (first, next) = page(items.clone(), None, 2);
        assert_eq!(first, vec![0, 1]);
        let next = next.expect("more");
        let mut q = HashMap::new();
        q.insert("Marker".to_owned(), next);
        let marker = decode_marker(&q).expect("decodes");
        let (second, _) = page(items.clone(), marker.as_deref(), 2);
        assert_eq!(second, vec![2, 3]);
        let (last, none) = page(items, Some("k4"), 2);
        assert_eq!((last, none), (vec![4], None));
    }
}
