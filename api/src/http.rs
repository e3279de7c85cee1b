//! HTTP: `POST`/`GET /graphql`, the GraphiQL playground at `/`, `/healthz`,
//! `/readyz` and `/metrics`. Every GraphQL failure, including those before
//! execution (bad token, malformed body, limits), is a JSON body with
//! `errors[].extensions.code`.

use crate::auth::{Authenticator, Identity};
use crate::config::Limits;
use crate::error::ApiError;
use crate::graphql::context::{AppState, RequestData};
use crate::graphql::limits::limit_error;
use crate::graphql::AppSchema;
use async_graphql::http::{GraphiQLSource, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::{BatchRequest, BatchResponse, ServerError};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, RawQuery, State, WebSocketUpgrade};
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
fn error_response(status: StatusCode, error: ServerError) -> Response {
    (status, Json(async_graphql::Response::from_errors(vec![error]))).into_response()
}

fn api_error(error: &ApiError, request_id: &str) -> ServerError {
    let mut server_error = ServerError::new(error.client_message(request_id), None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", error.code());
    server_error.extensions = Some(extensions);
    server_error
}

async fn graphql_post(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    let batch = match body {
        Ok(body) => serde_json::from_slice::<BatchRequest>(&body).map_err(|e| {
            error_response(
                StatusCode::BAD_REQUEST,
                api_error(&ApiError::BadUserInput(format!("the body is not a GraphQL request: {e}")), &request_id),
            )
        }),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            limit_error(format!("the request body exceeds {} bytes", state.limits.max_body_bytes)),
        )),
        Err(rejection) => Err(error_response(
            rejection.status(),
            api_error(&ApiError::BadUserInput(rejection.body_text()), &request_id),
        )),
    };
    match batch {
        Ok(batch) => serve(state, client, headers, batch, request_id).await,
        Err(response) => response,
    }
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
