//! The Lambda REST-JSON wire format as the emulator speaks it: the one place
//! where an API error becomes a status code, an `x-amzn-ErrorType` header and
//! a body, plus the small JSON response helpers. It must not know about
//! storage or about what an operation does.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What an operation's handler returns.
pub type Reply = Result<Response, ApiError>;

/// Every error the emulator answers with, by the code Lambda uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    InvalidParameterValue(String),
    /// AWS's unmodelled constraint-violation error (`1 validation error detected: ...`).
    Validation(String),
    ResourceNotFound(String),
    ResourceConflict(String),
    PreconditionFailed,
    /// Throttling, by quota or by fault injection; `Retry-After` in seconds.
    TooManyRequests {
        retry_after_seconds: u64,
    },
    Service(String),
    /// A code-signing configuration that does not exist (the emulator serves none).
    CodeSigningConfigNotFound(String),
    /// A request signed for a region the emulator does not serve.
    InvalidSignature(String),
    /// Credentials the emulator's STS issued, past their expiration.
    ExpiredToken,
    /// Another account's ARN: Lambda answers 403 with no message.
    AccessDenied,
    /// A body over the operation's limit. Lambda answers 413 with the type
    /// `RequestEntityTooLargeException` (not the modelled
    /// `RequestTooLargeException`, which is Invoke's), e.g. "Request must be
    /// smaller than 69905067 bytes for the CreateFunction operation".
    RequestTooLarge(String),
    /// A Lambda operation this emulator does not serve.
    NotImplemented {
        operation: String,
    },
    /// A path that is no Lambda operation at all.
    UnknownOperation(String),
}

/// Lambda's wording for a stale `RevisionId`.
pub const PRECONDITION_FAILED_MESSAGE: &str = "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidParameterValue(_) => "InvalidParameterValueException",
            ApiError::Validation(_) => "ValidationException",
            ApiError::ResourceNotFound(_) => "ResourceNotFoundException",
            ApiError::ResourceConflict(_) => "ResourceConflictException",
            ApiError::PreconditionFailed => "PreconditionFailedException",
            ApiError::TooManyRequests { .. } => "TooManyRequestsException",
            ApiError::Service(_) => "ServiceException",
            ApiError::CodeSigningConfigNotFound(_) => "CodeSigningConfigNotFoundException",
            ApiError::InvalidSignature(_) => "InvalidSignatureException",
            ApiError::ExpiredToken => "ExpiredTokenException",
            ApiError::AccessDenied => "AccessDeniedException",
            ApiError::RequestTooLarge(_) => "RequestEntityTooLargeException",
            ApiError::NotImplemented { .. } => "NotImplementedException",
            ApiError::UnknownOperation(_) => "UnknownOperationException",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidParameterValue(_) | ApiError::Validation(_) => StatusCode::BAD_REQUEST,
            ApiError::ResourceNotFound(_)
            | ApiError::CodeSigningConfigNotFound(_)
            | ApiError::UnknownOperation(_) => StatusCode::NOT_FOUND,
            ApiError::ResourceConflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Service(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::AccessDenied | ApiError::InvalidSignature(_) | ApiError::ExpiredToken => {
                StatusCode::FORBIDDEN
            }
            ApiError::RequestTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotImplemented { .. } => StatusCode::NOT_IMPLEMENTED,
        }
    }

    fn message(&self) -> Option<String> {
        match self {
            ApiError::InvalidParameterValue(m)
            | ApiError::Validation(m)
            | ApiError::ResourceNotFound(m)
            | ApiError::CodeSigningConfigNotFound(m)
            | ApiError::ResourceConflict(m)
            | ApiError::Service(m)
            | ApiError::RequestTooLarge(m)
            | ApiError::InvalidSignature(m)
            | ApiError::UnknownOperation(m) => Some(m.clone()),
            ApiError::ExpiredToken => {
                Some("The security token included in the request is expired".to_owned())
            }
            ApiError::PreconditionFailed => Some(PRECONDITION_FAILED_MESSAGE.to_owned()),
            ApiError::TooManyRequests { .. } => Some("Rate exceeded".to_owned()),
            ApiError::AccessDenied => None,
            ApiError::NotImplemented { operation } => Some(format!(
                "The rtm Lambda emulator does not implement the {operation} operation"
            )),
        }
    }

    /// The body key of the message: the casing differs per modelled exception.
    fn message_key(&self) -> &'static str {
        match self {
            ApiError::ResourceNotFound(_)
            | ApiError::CodeSigningConfigNotFound(_)
            | ApiError::Service(_)
            | ApiError::AccessDenied
            | ApiError::NotImplemented { .. }
            | ApiError::UnknownOperation(_) => "Message",
            _ => "message",
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ApiError::Service(_) | ApiError::NotImplemented { .. } => "Service",
            _ => "User",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code())?;
        if let Some(m) = self.message() {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::Map::new();
        if let ApiError::TooManyRequests { .. } = self {
            body.insert("Reason".into(), "CallerRateLimitExceeded".into());
        }
        body.insert("Type".into(), self.kind().into());
        if let Some(m) = self.message() {
            body.insert(self.message_key().into(), m.into());
        }
        let mut response = json_response(self.status(), &serde_json::Value::Object(body));
        let headers = response.headers_mut();
        headers.insert("x-amzn-ErrorType", HeaderValue::from_static(self.code()));
        if let ApiError::TooManyRequests {
            retry_after_seconds,
        } = self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        response
    }
}

/// A JSON body with the given status.
pub fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Collects constraint violations and reports them the way AWS does:
/// `2 validation errors detected: ...; ...`.
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn add(&mut self, value: &str, member: &str, constraint: &str) {
        self.0.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A violation by a sensitive value, which AWS never echoes.
    pub fn add_unshown(&mut self, member: &str, constraint: &str) {
        self.0.push(format!(
            "Value at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    pub fn add_null(&mut self, member: &str) {
        self.0.push(format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ));
    }

    pub fn max_length(&mut self, value: &str, member: &str, max: usize) {
        if value.chars().count() > max {
            self.add(
                value,
                member,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    pub fn min_length(&mut self, value: &str, member: &str, min: usize) {
        if value.chars().count() < min {
            self.add(
                value,
                member,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
    }

    pub fn pattern(&mut self, value: &str, member: &str, re: &regex::Regex, shown: &str) {
        if !re.is_match(value) {
            self.add(
                value,
                member,
                &format!("Member must satisfy regular expression pattern: {shown}"),
            );
        }
    }

    /// AWS's text for the violations: `N validation error(s) detected: ...`.
    pub fn into_message(self) -> Option<String> {
        match self.0.len() {
            0 => None,
            1 => Some(format!("1 validation error detected: {}", self.0[0])),
            n => Some(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            )),
        }
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        match self.into_message() {
            None => Ok(()),
            Some(m) => Err(ApiError::Validation(m)),
        }
    }
}

/// Parses a JSON request body; an empty body reads as `{}`. Malformed JSON
/// and wrong member types are InvalidParameterValueException, as Lambda's
/// request deserializer reports them.
pub fn parse_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::InvalidParameterValue(format!("Could not parse request body into json: {e}"))
    })
}
