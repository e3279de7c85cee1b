//! `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749
//! §4.4) for service accounts. The client authenticates with HTTP Basic
//! (`client_id:client_secret`, §2.3.1) or with both in the form body; the
//! answer is a bearer JWT valid for an hour, as `motcua token` mints them.
//! Errors follow §5.2 (`error`, `error_description`) and carry the API's
//! `errors[].extensions.code` as well.

use super::HttpState;
use crate::error::ApiError;
use crate::services::oauth::{self, TOKEN_TTL};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use std::sync::Arc;

/// The form of a token request.
#[derive(Debug, Deserialize)]
pub(super) struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// An error of the token endpoint, in RFC 6749's words and the API's.
fn refusal(status: StatusCode, error: &str, description: &str, basic: bool) -> Response {
    let code = match status {
        StatusCode::UNAUTHORIZED => ApiError::Unauthenticated(description.into()),
        StatusCode::TOO_MANY_REQUESTS => ApiError::limit(description),
        _ => ApiError::BadUserInput(description.into()),
    }
    .code();
    let body = serde_json::json!({
        "error": error,
        "error_description": description,
        "errors": [{ "message": description, "extensions": { "code": code } }],
    });
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if basic {
        headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="motcua""#));
    }
    response
}

pub(super) async fn token(
    State(state): State<Arc<HttpState>>,
    axum::extract::ConnectInfo(address): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    // Counted as refused before it runs (requests at once share the count), given back when it succeeds.
    let attempt = match state.app.token_failures.guess(Some(address.ip())) {
        Ok(attempt) => attempt,
        Err(error) => {
            let description = error.client_message(&crate::request_id::current());
            return refusal(StatusCode::TOO_MANY_REQUESTS, "invalid_request", &description, false);
        }
    };
    let Ok(Form(request)) = form else {
        let description = "the body must be application/x-www-form-urlencoded";
        return refusal(StatusCode::BAD_REQUEST, "invalid_request", description, false);
    };
    match request.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            let description = "only the client_credentials grant is offered";
            return refusal(StatusCode::BAD_REQUEST, "unsupported_grant_type", description, false);
        }
        None => return refusal(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is missing", false),
    }
    let basic = super::caller::basic_credentials(&headers);
    let used_basic = headers.contains_key(header::AUTHORIZATION);
    let credentials = basic.or_else(|| request.client_id.zip(request.client_secret));
    let Some((client_id, client_secret)) = credentials else {
        let description = "client authentication is missing: HTTP Basic, or client_id and client_secret";
        return refusal(StatusCode::UNAUTHORIZED, "invalid_client", description, used_basic);
    };
    let username = match oauth::client(&state.app, &client_id, &client_secret).await {
        Ok(Some(username)) => username,
        Ok(None) => {
            return refusal(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret", used_basic)
        }
        Err(error) => return error.into_response(),
    };
    let token = match state.authenticator.mint(&username, TOKEN_TTL) {
        Ok(token) => token,
        Err(error) => return ApiError::Internal(error).into_response(),
    };
    attempt.found();
    let body = serde_json::json!({ "access_token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL.as_secs() });
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
