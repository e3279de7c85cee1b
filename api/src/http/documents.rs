//! `GET /documents/{id}`: a document's content, for a caller who may read
//! its dossier; anybody else gets the same `NOT_FOUND` as for a missing one.

use super::{percent_encode, with_headers, Caller, HttpState};
use crate::auth::Identity;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub(super) async fn download(
    State(state): State<Arc<HttpState>>,
    Caller(identity): Caller,
    Path(id): Path<String>,
) -> Response {
    match serve(&state, identity, &id).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn serve(state: &HttpState, identity: Identity, id: &str) -> Result<Response, ApiError> {
    let Identity::User(viewer) = identity else {
        return Err(ApiError::Unauthenticated("sign in to download documents".into()));
    };
    let not_found = || ApiError::NotFound("no document with this id".into());
    let id = uuid::Uuid::parse_str(id).map_err(|_| not_found())?;
    let scope = state.app.authz.scope(&viewer.username, "dossier", "read").await;
    let document = crate::services::documents::find_visible(&state.app.db, &scope, id).await?.ok_or_else(not_found)?;
    let content = state.app.documents.read(&document.sha256).await.inspect_err(|error| {
        tracing::error!(?error, document = %document.id, "a stored document is unreadable");
    })?;
    Ok(with_headers(
        Response::new(Body::from(content)),
        [
            (header::CONTENT_TYPE, document.content_type.clone()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{}", percent_encode(&document.name))),
            (header::ETAG, format!("\"{}\"", document.sha256)),
            (header::CACHE_CONTROL, "private, max-age=0".into()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        ],
    ))
}
