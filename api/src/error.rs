//! The one error type at the API boundary, and the one edge where it becomes
//! what the client sees: a GraphQL error with `extensions.code`
//! ([`ApiError::to_graphql`], [`ApiError::to_server_error`]) or an HTTP
//! response with a status and a JSON body of GraphQL errors (`IntoResponse`).
//! Internal causes are logged with the request id and never sent to the
//! client. docs/ERRORS.md lists every code.

use async_graphql::ErrorExtensions;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::fmt;

/// Everything that can go wrong in a request, as the client sees it.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into
/// a GraphQL error without a code, so this type converts only through
/// [`ApiError::to_graphql`] and [`ApiError::to_server_error`], which always
/// set `extensions.code`.
#[derive(Debug)]
pub enum ApiError {
    /// The HTTP request is not a GraphQL request: not JSON, a wrong content
    /// type, a mutation over `GET` (the status says which).
    BadRequest { status: StatusCode, message: String },
    /// The document is not GraphQL.
    ParseFailed(String),
    /// The document does not fit the schema (an unknown field, a wrong
    /// literal, a fragment that spreads itself).
    ValidationFailed(String),
    /// The operation to run cannot be chosen: an unknown `operationName`, or
    /// none given for a document of several operations.
    OperationResolution(String),
    /// The token is missing where one is required, invalid, expired or names an unknown user.
    Unauthenticated(String),
    /// The caller is known but may not do this.
    Forbidden(String),
    /// The object does not exist, or the caller may not see it (the same answer).
    NotFound(String),
    /// An argument or variable is malformed.
    BadUserInput(String),
    /// The object changed under the caller, or a unique value is taken.
    Conflict(String),
    /// The command may not run from the dossier's current status; the client
    /// gets the status and the mutations that may run from it
    /// (`extensions.status`, `extensions.allowed`).
    InvalidTransition { message: String, status: &'static str, allowed: Vec<&'static str> },
    /// A request exceeds a limit (cost, depth, aliases, batch, page size,
    /// guesses); `status` is the HTTP status when it ends the request
    /// (413 for a body, 503 for time, 400 otherwise).
    LimitExceeded { status: StatusCode, message: String },
    /// The client spent its requests of the minute (HTTP 429); it may try
    /// again after `retry_after` (`extensions.retryAfter`, in seconds, and
    /// the `Retry-After` header).
    TooManyRequests { message: String, retry_after: std::time::Duration },
    /// A persisted query's hash that this server does not know: the client
    /// sends the document with its hash (Apollo's automatic persisted queries).
    PersistedQueryNotFound,
    /// A bug or an outage; the cause is logged, the client gets the request id.
    Internal(anyhow::Error),
}

impl ApiError {
    /// A limit exceeded before or while the request ran (HTTP 400 when it ends the request).
    pub fn limit(message: impl Into<String>) -> Self {
        Self::LimitExceeded { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    /// A request that ran out of time (HTTP 503).
    pub fn timed_out(message: impl Into<String>) -> Self {
        Self::LimitExceeded { status: StatusCode::SERVICE_UNAVAILABLE, message: message.into() }
    }

    /// A body or document too large (HTTP 413).
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::LimitExceeded { status: StatusCode::PAYLOAD_TOO_LARGE, message: message.into() }
    }

    /// A malformed HTTP request (HTTP 400).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "BAD_REQUEST",
            Self::ParseFailed(_) => "GRAPHQL_PARSE_FAILED",
            Self::ValidationFailed(_) => "GRAPHQL_VALIDATION_FAILED",
            Self::OperationResolution(_) => "OPERATION_RESOLUTION_FAILURE",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::LimitExceeded { .. } | Self::TooManyRequests { .. } => "LIMIT_EXCEEDED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status of a response that this error ends.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { status, .. } | Self::LimitExceeded { status, .. } => *status,
            Self::ParseFailed(_)
            | Self::ValidationFailed(_)
            | Self::OperationResolution(_)
            | Self::BadUserInput(_)
            | Self::InvalidTransition { .. }
            | Self::PersistedQueryNotFound => StatusCode::BAD_REQUEST,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Shorthand for an internal error from any cause.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self::Internal(anyhow::anyhow!("{cause}"))
    }

    /// The message the client sees: internal errors show only the request id.
    pub fn client_message(&self, request_id: &str) -> String {
        match self {
            Self::Internal(cause) => {
                tracing::error!(request_id, error = ?cause, "internal error");
                format!("internal error (request id {request_id})")
            }
            Self::BadRequest { message, .. }
            | Self::ParseFailed(message)
            | Self::ValidationFailed(message)
            | Self::OperationResolution(message)
            | Self::Unauthenticated(message)
            | Self::Forbidden(message)
            | Self::NotFound(message)
            | Self::BadUserInput(message)
            | Self::Conflict(message)
            | Self::LimitExceeded { message, .. }
            | Self::TooManyRequests { message, .. }
            | Self::InvalidTransition { message, .. } => message.clone(),
            // The message Apollo's clients match on.
            Self::PersistedQueryNotFound => "PersistedQueryNotFound".into(),
        }
    }

    /// The GraphQL error a resolver returns: the client message and
    /// `extensions.code` (and `extensions.requestId` for internal errors).
    pub fn to_graphql(&self) -> async_graphql::Error {
        let request_id = crate::request_id::current();
        let message = self.client_message(&request_id);
        let code = self.code();
        let internal = matches!(self, ApiError::Internal(_));
        let transition = match self {
            ApiError::InvalidTransition { status, allowed, .. } => Some((*status, allowed.clone())),
            _ => None,
        };
        let retry_after = match self {
            ApiError::TooManyRequests { retry_after, .. } => Some(retry_after_seconds(*retry_after)),
            _ => None,
        };
        async_graphql::Error::new(message).extend_with(|_, extensions| {
            extensions.set("code", code);
            if internal {
                extensions.set("requestId", request_id.clone());
            }
            if let Some((status, allowed)) = &transition {
                extensions.set("status", *status);
                extensions.set("allowed", allowed.clone());
            }
            if let Some(seconds) = retry_after {
                extensions.set("retryAfter", seconds);
            }
        })
    }

    /// The GraphQL error of a request that fails before or outside a resolver.
    pub fn to_server_error(&self) -> async_graphql::ServerError {
        self.to_server_error_at(Vec::new())
    }

    /// The same, pointing at places in the document.
    pub fn to_server_error_at(&self, locations: Vec<async_graphql::Pos>) -> async_graphql::ServerError {
        let error = self.to_graphql();
        let mut server_error = async_graphql::ServerError::new(error.message, None);
        server_error.locations = locations;
        server_error.extensions = error.extensions;
        server_error
    }
}

/// An error that ends an HTTP request: its status and `{"errors": [...]}`.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        #[derive(serde::Serialize)]
        struct Body {
            errors: [async_graphql::ServerError; 1],
        }
        let retry_after = match &self {
            Self::TooManyRequests { retry_after, .. } => Some(retry_after_seconds(*retry_after)),
            _ => None,
        };
        let mut response = (self.status(), axum::Json(Body { errors: [self.to_server_error()] })).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// Whole seconds to wait, rounded up (at least one).
fn retry_after_seconds(wait: std::time::Duration) -> u64 {
    wait.as_millis().div_ceil(1000).max(1) as u64
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Internal(error.into())
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        error.to_graphql()
    }
}

/// The result of a service call.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
