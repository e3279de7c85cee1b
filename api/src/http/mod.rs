//! HTTP: `POST`/`GET /graphql` (`graphql.rs`), subscriptions on
//! `/graphql/ws` (`ws.rs`), document downloads at `/documents/{id}`
//! (`documents.rs`), the reports as files at `/reports/{report}.{csv|xlsx}`
//! (`reports.rs`, laid out by `crate::export`), tokens for service accounts at
//! `/oauth/token` (`oauth.rs`), the playground at `/` with its assets
//! (`playground.rs`), the agency dashboard at `/dashboard` (`dashboard.rs`),
//! `/healthz`, `/readyz` and `/metrics`. Every request gets
//! an id (`x-request-id`); the caller is read from the `Authorization` header
//! in one place ([`Caller`]); every failure is a JSON body of GraphQL errors
//! with `extensions.code`, made by `ApiError`'s one `IntoResponse`.

mod caller;
mod dashboard;
mod documents;
mod graphql;
mod oauth;
mod playground;
mod reports;
mod ws;

pub(crate) use caller::Caller;
pub(crate) use playground::DemoOfficial;

use crate::auth::Authenticator;
use crate::config::Limits;
use crate::graphql::parsed::ParsedOperations;
use crate::graphql::AppSchema;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::{Arc, OnceLock};

/// What the HTTP handlers share.
pub(crate) struct HttpState {
    pub schema: AppSchema,
    pub app: Arc<AppState>,
    pub authenticator: Arc<Authenticator>,
    pub limits: Limits,
    /// The documents parsed so far (shared with the schema's guard).
    pub parsed: Arc<ParsedOperations>,
    /// The demo officials the playground offers tokens for; empty unless
    /// the database holds the demo data.
    pub demo_officials: Vec<DemoOfficial>,
    /// Requests a minute per client.
    pub quotas: crate::services::quotas::Quotas,
    /// The documents clients persisted by hash.
    pub persisted: crate::services::persisted::PersistedQueries,
    /// The operation names the metrics label requests with.
    pub operations: graphql::OperationLabels,
}

/// The router of every endpoint.
pub(crate) fn router(state: Arc<HttpState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/", get(playground::page))
        .route("/playground/{asset}", get(playground::asset))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/{asset}", get(dashboard::asset))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/documents/{id}", get(documents::download))
        .route("/reports/{file}", get(reports::download))
        .route("/oauth/token", axum::routing::post(oauth::token))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(with_request_id))
        .with_state(state)
}

/// Serves the request with an id of its own, told to the client in
/// `x-request-id` and named by every log line written while serving it
/// (the `request` span, which traces carry too).
async fn with_request_id(request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let id = uuid::Uuid::now_v7().to_string();
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = crate::request_id::serve(id.clone(), next.run(request)).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
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
pub(crate) fn prometheus() -> &'static PrometheusHandle {
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
