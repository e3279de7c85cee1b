//! The one error type at the API boundary. Each variant has a stable
//! `extensions.code`; internal causes are logged with the request id and
//! never sent to the client.

use async_graphql::ErrorExtensions;
use std::fmt;

/// Everything that can go wrong in a request, as the client sees it.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into
/// a GraphQL error without a code, so this type converts only through
/// [`ApiError::to_graphql`], which always sets `extensions.code`.
#[derive(Debug)]
pub enum ApiError {
    /// The token is missing where one is required, invalid, expired or names an unknown user.
    Unauthenticated(String),
    /// The caller is known but may not do this.
    Forbidden(String),
    /// The object does not exist, or the caller may not see it (the same answer).
    NotFound(String),
    /// The input is malformed.
    BadUserInput(String),
    /// The object changed under the caller, or a unique value is taken.
    Conflict(String),
    /// The command may not run from the dossier's current status; the client
    /// gets the status and the mutations that may run from it
    /// (`extensions.status`, `extensions.allowed`).
    InvalidTransition { message: String, status: &'static str, allowed: Vec<&'static str> },
    /// A request exceeds a limit (page size, depth, complexity, aliases, batch, body, time).
    LimitExceeded(String),
    /// A bug or an outage; the cause is logged, the client gets the request id.
    Internal(anyhow::Error),
}

impl ApiError {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::LimitExceeded(_) => "LIMIT_EXCEEDED",
            Self::Internal(_) => "INTERNAL",
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
            Self::Unauthenticated(message)
            | Self::Forbidden(message)
            | Self::NotFound(message)
            | Self::BadUserInput(message)
            | Self::Conflict(message)
            | Self::LimitExceeded(message)
            | Self::InvalidTransition { message, .. } => message.clone(),
        }
    }
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

impl ApiError {
    /// The GraphQL error: the client message and `extensions.code`
    /// (and `extensions.requestId` for internal errors).
    pub fn to_graphql(&self) -> async_graphql::Error {
        let request_id = crate::http::current_request_id();
        let message = self.client_message(&request_id);
        let code = self.code();
        let internal = matches!(self, ApiError::Internal(_));
        let transition = match self {
            ApiError::InvalidTransition { status, allowed, .. } => Some((*status, allowed.clone())),
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
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        error.to_graphql()
    }
}

/// The result of a service call.
pub type ApiResult<T> = Result<T, ApiError>;
