//! The caller of a request, read from its `Authorization` header: the one
//! place that does so (the token endpoint's HTTP Basic credentials too) (the WebSocket's token, which travels in
//! `connection_init`, goes through the same `Authenticator::identify`).

use super::HttpState;
use crate::auth::Identity;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use std::sync::Arc;

/// Who is calling: anonymous without a header; a header that is present
/// but invalid, expired or names an unknown user is refused with
/// `UNAUTHENTICATED` (401), never taken for anonymous.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub Identity);

impl FromRequestParts<Arc<HttpState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<HttpState>) -> Result<Self, Self::Rejection> {
        // A header that is not text cannot be a token: it is refused, not ignored.
        let authorization = parts.headers.get(AUTHORIZATION).map(|value| value.to_str().unwrap_or("\u{fffd}"));
        state.authenticator.identify(&state.app.db, authorization).await.map(Caller)
    }
}

/// The client id and secret of an `Authorization: Basic` header.
pub(super) fn basic_credentials(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}
