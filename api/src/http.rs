//! HTTP: `POST`/`GET /graphql` (JSON, or a GraphQL multipart request with
//! documents), document downloads at `/documents/{id}`, the reports as CSV
//! and XLSX at `/reports/{report}.{csv|xlsx}` (`crate::export`), the GraphiQL
//! playground at `/`, `/healthz`, `/readyz` and `/metrics`. Every GraphQL
//! failure, including those before execution (bad token, malformed body,
//! limits), is a JSON body with `errors[].extensions.code`.

use crate::auth::{Authenticator, Identity};
use crate::config::Limits;
use crate::error::ApiError;
use crate::graphql::context::{AppState, RequestData};
use crate::graphql::limits::limit_error;
use crate::graphql::AppSchema;
use async_graphql::http::{GraphiQLSource, MultipartOptions, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::{BatchRequest, BatchResponse, ParseRequestError, ServerError};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Path, RawQuery, Request, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, for logs and internal errors.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "none".into())
}

/// What the HTTP handlers share.
pub struct HttpState {
    pub schema: AppSchema,
    pub app: Arc<AppState>,
    pub authenticator: Arc<Authenticator>,
    pub limits: Limits,
}

/// The router of every endpoint.
pub fn router(state: Arc<HttpState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/", get(playground))
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/documents/{id}", get(download))
        .route("/reports/{file}", get(crate::export::handler))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

async fn playground() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("motcua — GraphQL playground")
            .finish(),
    )
}

/// Subscriptions over graphql-transport-ws. The token travels in the
/// `connection_init` payload (`{"Authorization": "Bearer …"}`); a bad token
/// closes the connection.
async fn graphql_ws(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let schema = state.schema.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let authorization = ["Authorization", "authorization"]
                        .into_iter()
                        .find_map(|key| payload.get(key).and_then(|value| value.as_str()).map(str::to_owned));
                    let identity = state
                        .authenticator
                        .identify(&state.app.db, authorization.as_deref())
                        .await
                        .map_err(|error| async_graphql::Error::new(error.client_message("ws")))?;
                    let mut data = async_graphql::Data::default();
                    data.insert(Arc::new(RequestData::new(&state.app.db, identity, client.ip())));
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

async fn readyz(State(state): State<Arc<HttpState>>) -> Response {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(?error, "database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// The process-wide Prometheus recorder (installed once, even when tests start several servers).
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed");
        }
        handle
    })
}

async fn metrics() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], prometheus().render())
}

/// A JSON error body with one error and its code.
pub(crate) fn error_response(status: StatusCode, error: ServerError) -> Response {
    (status, Json(async_graphql::Response::from_errors(vec![error]))).into_response()
}

pub(crate) fn api_error(error: &ApiError, request_id: &str) -> ServerError {
    let mut server_error = ServerError::new(error.client_message(request_id), None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", error.code());
    server_error.extensions = Some(extensions);
    server_error
}

async fn graphql_post(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    let headers = request.headers().clone();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let batch = if content_type.trim_start().get(..10).is_some_and(|t| t.eq_ignore_ascii_case("multipart/")) {
        read_multipart(&state, content_type, request.into_body(), &request_id).await
    } else {
        read_json(&state, request, &request_id).await
    };
    match batch {
        Ok(batch) => serve(state, client, headers, batch, request_id).await,
        Err(response) => response,
    }
}

/// A JSON body, within `--max-body-bytes`.
async fn read_json(state: &HttpState, request: Request, request_id: &str) -> Result<BatchRequest, Response> {
    let body = Bytes::from_request(request, &()).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                limit_error(format!("the request body exceeds {} bytes", state.limits.max_body_bytes)),
            )
        } else {
            error_response(rejection.status(), api_error(&ApiError::BadUserInput(rejection.body_text()), request_id))
        }
    })?;
    serde_json::from_slice::<BatchRequest>(&body).map_err(|e| {
        error_response(
            StatusCode::BAD_REQUEST,
            api_error(&ApiError::BadUserInput(format!("the body is not a GraphQL request: {e}")), request_id),
        )
    })
}

/// A GraphQL multipart request
/// (<https://github.com/jaydenseric/graphql-multipart-request-spec>): each
/// file within `--max-document-bytes`, at most `--max-documents` files. The
/// files wait in unnamed temporary files until the resolver stores them.
async fn read_multipart(
    state: &HttpState,
    content_type: &str,
    body: Body,
    request_id: &str,
) -> Result<BatchRequest, Response> {
    use futures_util::TryStreamExt;
    let limits = &state.limits;
    let options =
        MultipartOptions::default().max_file_size(limits.max_document_bytes).max_num_files(limits.max_documents);
    let reader = body.into_data_stream().map_err(std::io::Error::other).into_async_read();
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            limit_error(format!(
                "a document may hold at most {} bytes ({} MiB), and a request at most {} documents",
                limits.max_document_bytes,
                limits.max_document_bytes >> 20,
                limits.max_documents
            )),
        )
    };
    let batch = async_graphql::http::receive_batch_body(Some(content_type), reader, options).await.map_err(
        |error| match error {
            ParseRequestError::PayloadTooLarge => too_large(),
            error => error_response(
                StatusCode::BAD_REQUEST,
                api_error(
                    &ApiError::BadUserInput(format!("the body is not a GraphQL multipart request: {error}")),
                    request_id,
                ),
            ),
        },
    )?;
    let files = match &batch {
        BatchRequest::Single(request) => request.uploads.len(),
        BatchRequest::Batch(requests) => requests.iter().map(|r| r.uploads.len()).sum(),
    };
    if files > limits.max_documents {
        return Err(too_large());
    }
    Ok(batch)
}

/// `GET /documents/{id}`: a document's content, for a caller who may read its
/// dossier; anybody else gets the same `NOT_FOUND` as for a missing one.
async fn download(State(state): State<Arc<HttpState>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    let authorization = headers.get(header::AUTHORIZATION).map(|value| value.to_str().unwrap_or("\u{fffd}"));
    let viewer = match state.authenticator.identify(&state.app.db, authorization).await {
        Ok(Identity::User(viewer)) => viewer,
        Ok(Identity::Anonymous) => {
            let error = ApiError::Unauthenticated("sign in to download documents".into());
            return error_response(StatusCode::UNAUTHORIZED, api_error(&error, &request_id));
        }
        Err(error) => return error_response(StatusCode::UNAUTHORIZED, api_error(&error, &request_id)),
    };
    let not_found = || {
        error_response(
            StatusCode::NOT_FOUND,
            api_error(&ApiError::NotFound("no document with this id".into()), &request_id),
        )
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else { return not_found() };
    let scope = state.app.authz.scope(&viewer.username, "dossier", "read").await;
    let document = match crate::services::documents::find_visible(&state.app.db, &scope, id).await {
        Ok(Some(document)) => document,
        Ok(None) => return not_found(),
        Err(error) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, api_error(&error, &request_id)),
    };
    let content = match state.app.documents.read(&document.sha256).await {
        Ok(content) => content,
        Err(error) => {
            tracing::error!(?error, document = %document.id, "a stored document is unreadable");
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, api_error(&error, &request_id));
        }
    };
    with_headers(
        Response::new(Body::from(content)),
        [
            (header::CONTENT_TYPE, document.content_type.clone()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{}", percent_encode(&document.name))),
            (header::ETAG, format!("\"{}\"", document.sha256)),
            (header::CACHE_CONTROL, "private, max-age=0".into()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        ],
    )
}

/// `response` with these headers (a value that is not a valid header value is left out).
pub(crate) fn with_headers<const N: usize>(
    mut response: Response,
    values: [(header::HeaderName, String); N],
) -> Response {
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// RFC 5987 encoding of a file name for `Content-Disposition`.
pub(crate) fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn graphql_get(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    match async_graphql::http::parse_query_string(query.as_deref().unwrap_or_default()) {
        Ok(request) => serve(state, client, headers, BatchRequest::Single(request), request_id).await,
        Err(error) => error_response(
            StatusCode::BAD_REQUEST,
            api_error(
                &ApiError::BadUserInput(format!("the query string is not a GraphQL request: {error}")),
                &request_id,
            ),
        ),
    }
}

async fn serve(
    state: Arc<HttpState>,
    client: SocketAddr,
    headers: HeaderMap,
    batch: BatchRequest,
    request_id: String,
) -> Response {
    let started = Instant::now();
    let response =
        REQUEST_ID.scope(request_id.clone(), execute(state, client, headers, batch, request_id.clone())).await;
    metrics::histogram!("motcua_graphql_request_seconds").record(started.elapsed().as_secs_f64());
    let mut response = response;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

async fn execute(
    state: Arc<HttpState>,
    client: SocketAddr,
    headers: HeaderMap,
    batch: BatchRequest,
    request_id: String,
) -> Response {
    if let BatchRequest::Batch(requests) = &batch {
        if requests.len() > state.limits.max_batch {
            return error_response(
                StatusCode::BAD_REQUEST,
                limit_error(format!(
                    "the batch holds {} operations; at most {} are allowed",
                    requests.len(),
                    state.limits.max_batch
                )),
            );
        }
    }
    let authorization = headers.get(header::AUTHORIZATION).map(|value| value.to_str().unwrap_or("\u{fffd}"));
    let identity = match state.authenticator.identify(&state.app.db, authorization).await {
        Ok(identity) => identity,
        Err(error) => return error_response(StatusCode::UNAUTHORIZED, api_error(&error, &request_id)),
    };
    if let Identity::User(viewer) = &identity {
        tracing::debug!(user = %viewer.username, request_id, "request");
    }
    let batch = batch.data(Arc::new(RequestData::new(&state.app.db, identity, client.ip())));
    match tokio::time::timeout(state.limits.request_timeout, state.schema.execute_batch(batch)).await {
        Ok(response) => graphql_response(response),
        Err(_) => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            limit_error(format!(
                "the request took longer than {}",
                humantime::format_duration(state.limits.request_timeout)
            )),
        ),
    }
}

fn graphql_response(response: BatchResponse) -> Response {
    (StatusCode::OK, Json(response)).into_response()
}
