//! GraphQL over HTTP (<https://graphql.github.io/graphql-over-http/>):
//! `POST /graphql` with `Content-Type: application/json` (or a GraphQL
//! multipart request with documents; anything else is 415), `GET /graphql`
//! for queries only (a mutation over `GET` is 405). The answer is
//! `application/graphql-response+json` when the client accepts it — then a
//! request that fails before it runs is 400 — and `application/json`
//! otherwise (200 for every GraphQL result). A request that failed before it
//! ran has no `data` entry. No response exceeds `--max-response-bytes`.

use super::{Caller, HttpState};
use crate::error::ApiError;
use crate::graphql::context::RequestData;
use async_graphql::http::MultipartOptions;
use async_graphql::{BatchRequest, BatchResponse, ParseRequestError};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// The media type of GraphQL responses.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// How the client wants the answer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    /// `application/json`: every GraphQL result is 200.
    Json,
    /// `application/graphql-response+json`: a request that failed before it ran is 4xx.
    GraphqlResponse,
}

impl Format {
    /// The first media type of `Accept` this server produces; JSON when none is named.
    fn accepted(headers: &HeaderMap) -> Self {
        let accept = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        for item in accept.iter().flat_map(|value| value.split(',')) {
            let mut parts = item.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let refused = parts.any(|p| p.replace(' ', "").eq_ignore_ascii_case("q=0"));
            if refused {
                continue;
            }
            match media.as_str() {
                GRAPHQL_RESPONSE => return Self::GraphqlResponse,
                "application/json" | "application/*" | "*/*" => return Self::Json,
                _ => {}
            }
        }
        Self::Json
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::GraphqlResponse => GRAPHQL_RESPONSE,
        }
    }
}

/// `POST /graphql`.
pub(super) async fn post(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Caller(identity): Caller,
    request: Request,
) -> Response {
    let format = Format::accepted(request.headers());
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let batch = match media.as_str() {
        "application/json" => read_json(&state, request).await,
        "multipart/form-data" => read_multipart(&state, content_type.to_owned(), request.into_body()).await,
        _ => Err(ApiError::BadRequest {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "POST /graphql takes `Content-Type: application/json` (or multipart/form-data for \
                      documents, https://github.com/jaydenseric/graphql-multipart-request-spec)"
                .into(),
        }),
    };
    let batch = match batch {
        Ok(mut batch) => prepare(&state, &identity, client, &mut batch).await.map(|()| batch),
        Err(error) => Err(error),
    };
    match batch {
        Ok(batch) => execute(&state, client, identity, batch, format).await,
        Err(error) => error.into_response(),
    }
}

/// What must hold before a batch runs: not more operations than a batch may
/// hold, each one's document (persisted or trusted, `services::persisted`),
/// and the client's requests of the minute (`services::quotas`): each
/// operation counts.
async fn prepare(
    state: &HttpState,
    identity: &crate::auth::Identity,
    client: SocketAddr,
    batch: &mut BatchRequest,
) -> Result<(), ApiError> {
    if let BatchRequest::Batch(requests) = &*batch {
        if requests.len() > state.limits.max_batch {
            return Err(ApiError::limit(format!(
                "the batch holds {} operations; at most {} are allowed",
                requests.len(),
                state.limits.max_batch
            )));
        }
    }
    let caller = match identity.viewer() {
        Some(viewer) => state.app.officials.by_id(&state.app.db, viewer.id).await?,
        None => None,
    };
    let operations = match &*batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(requests) => requests.len(),
    };
    let rate = crate::services::quotas::Quotas::rate_of(&state.limits, caller.as_deref());
    let counted = match &caller {
        Some(official) => crate::services::quotas::Client::Official(official.id),
        None => crate::services::quotas::Client::at(client.ip()),
    };
    if let Err(wait) = state.quotas.take(counted, rate, operations) {
        let rate = rate.map_or(0, std::num::NonZeroU32::get);
        metrics::counter!("motcua_quota_refusals_total").increment(1);
        return Err(ApiError::TooManyRequests {
            message: format!("this client may make {rate} requests a minute (each operation of a batch counts)"),
            retry_after: wait,
        });
    }
    let requests: Vec<&mut async_graphql::Request> = match batch {
        BatchRequest::Single(request) => vec![request],
        BatchRequest::Batch(requests) => requests.iter_mut().collect(),
    };
    for request in requests {
        let hash = persisted_hash(request)?;
        let (db, persisted) = (&state.app.db, &state.persisted);
        crate::services::persisted::resolve(db, persisted, caller.as_deref(), &mut request.query, hash).await?;
    }
    with_queries(batch)
}

/// The `persistedQuery` extension of a request: its hash, if it has one.
fn persisted_hash(request: &async_graphql::Request) -> Result<Option<String>, ApiError> {
    let Some(persisted) = request.extensions.get("persistedQuery") else { return Ok(None) };
    let persisted = serde_json::Value::try_from(persisted.clone()).unwrap_or(serde_json::Value::Null);
    if persisted["version"] != 1 {
        return Err(ApiError::bad_request("`persistedQuery.version` must be 1"));
    }
    let hash = persisted["sha256Hash"].as_str().unwrap_or_default().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request("`persistedQuery.sha256Hash` must be 64 hexadecimal digits"));
    }
    Ok(Some(hash))
}

/// Every request of the batch must carry a `query`.
fn with_queries(batch: &BatchRequest) -> Result<(), ApiError> {
    let missing = match batch {
        BatchRequest::Single(request) => request.query.is_empty(),
        BatchRequest::Batch(requests) => requests.iter().any(|request| request.query.is_empty()),
    };
    if missing {
        return Err(ApiError::bad_request("a GraphQL request needs a `query`: the document to run, as a string"));
    }
    Ok(())
}

/// `GET /graphql?query=…&variables=…&operationName=…`: queries only.
pub(super) async fn get(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Caller(identity): Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let format = Format::accepted(&headers);
    let request = match async_graphql::http::parse_query_string(query.as_deref().unwrap_or_default()) {
        Ok(request) => request,
        Err(error) => {
            return ApiError::bad_request(format!("the query string is not a GraphQL request: {error}")).into_response()
        }
    };
    let mut batch = BatchRequest::Single(request);
    if let Err(error) = prepare(&state, &identity, client, &mut batch).await {
        return error.into_response();
    }
    let BatchRequest::Single(request) = &batch else { return ApiError::bad_request("one request").into_response() };
    if let Some(kind) = operation_kind(&state, &request.query, request.operation_name.as_deref()) {
        if kind != async_graphql::parser::types::OperationType::Query {
            let error = ApiError::BadRequest {
                status: StatusCode::METHOD_NOT_ALLOWED,
                message: format!("a {kind} runs over POST only; GET /graphql runs queries"),
            };
            let mut response = error.into_response();
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    execute(&state, client, identity, batch, format).await
}

/// The kind of operation a document would run (`None` when it does not
/// parse or none can be picked: running it then gives the error).
fn operation_kind(
    state: &HttpState,
    query: &str,
    operation_name: Option<&str>,
) -> Option<async_graphql::parser::types::OperationType> {
    let document = match state.parsed.get(query) {
        Some(document) => document,
        None => async_graphql::parser::parse_query(query).ok()?,
    };
    crate::graphql::cost::pick_operation(&document, operation_name).ok().map(|operation| operation.ty)
}

/// A JSON body, within `--max-body-bytes`.
async fn read_json(state: &HttpState, request: Request) -> Result<BatchRequest, ApiError> {
    let body = Bytes::from_request(request, &()).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!("the request body exceeds {} bytes", state.limits.max_body_bytes))
        } else {
            ApiError::bad_request(rejection.body_text())
        }
    })?;
    serde_json::from_slice::<BatchRequest>(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not a GraphQL request: {e}")))
}

/// A GraphQL multipart request
/// (<https://github.com/jaydenseric/graphql-multipart-request-spec>): each
/// file within `--max-document-bytes`, at most `--max-documents` files. The
/// files wait in unnamed temporary files until the resolver stores them.
async fn read_multipart(state: &HttpState, content_type: String, body: Body) -> Result<BatchRequest, ApiError> {
    use futures_util::TryStreamExt;
    let limits = &state.limits;
    let options =
        MultipartOptions::default().max_file_size(limits.max_document_bytes).max_num_files(limits.max_documents);
    let reader = body.into_data_stream().map_err(std::io::Error::other).into_async_read();
    let too_large = || {
        ApiError::too_large(format!(
            "a document may hold at most {} bytes ({} MiB), and a request at most {} documents",
            limits.max_document_bytes,
            limits.max_document_bytes >> 20,
            limits.max_documents
        ))
    };
    let batch = async_graphql::http::receive_batch_body(Some(content_type), reader, options).await.map_err(
        |error| match error {
            ParseRequestError::PayloadTooLarge => too_large(),
            error => ApiError::bad_request(format!("the body is not a GraphQL multipart request: {error}")),
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

async fn execute(
    state: &HttpState,
    client: SocketAddr,
    identity: crate::auth::Identity,
    batch: BatchRequest,
    format: Format,
) -> Response {
    if let crate::auth::Identity::User(viewer) = &identity {
        tracing::debug!(user = %viewer.username, "request");
    }
    let started = Instant::now();
    // Named once the documents are parsed: after they ran.
    let named = |request: &async_graphql::Request| (request.query.clone(), request.operation_name.clone());
    let operations: Vec<(String, Option<String>)> = match &batch {
        BatchRequest::Single(request) => vec![named(request)],
        BatchRequest::Batch(requests) => requests.iter().map(named).collect(),
    };
    let batch = batch.data(Arc::new(RequestData::new(&state.app, identity, client.ip())));
    let timeout = state.limits.request_timeout;
    let (response, outcomes) = match tokio::time::timeout(timeout, state.schema.execute_batch(batch)).await {
        Ok(response) => {
            let outcomes: Vec<&'static str> = match &response {
                BatchResponse::Single(single) => vec![outcome(single)],
                BatchResponse::Batch(responses) => responses.iter().map(outcome).collect(),
            };
            (respond(response, format, state.limits.max_response_bytes), outcomes)
        }
        Err(_) => {
            let error =
                ApiError::timed_out(format!("the request took longer than {}", humantime::format_duration(timeout)));
            (error.into_response(), vec!["LIMIT_EXCEEDED"; operations.len()])
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    metrics::histogram!("motcua_graphql_request_seconds").record(seconds);
    for ((query, name), outcome) in operations.into_iter().zip(outcomes) {
        let operation = state.operations.label(state, &query, name.as_deref());
        metrics::counter!("motcua_graphql_operations_total", "operation" => operation.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("motcua_graphql_operation_seconds", "operation" => operation).record(seconds);
    }
    response
}

/// What an operation came to, for the metrics: `ok`, or its first error's code.
fn outcome(response: &async_graphql::Response) -> &'static str {
    let Some(first) = response.errors.first() else { return "ok" };
    let code = first.extensions.as_ref().and_then(|extensions| extensions.get("code"));
    match code {
        Some(async_graphql::Value::String(code)) => known_code(code),
        _ => "UNKNOWN",
    }
}

/// A code as a `'static` label: one of the codes this server sends.
fn known_code(code: &str) -> &'static str {
    const CODES: [&str; 16] = [
        "BAD_REQUEST",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "OPERATION_RESOLUTION_FAILURE",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "CONFLICT",
        "INVALID_TRANSITION",
        "LIMIT_EXCEEDED",
        "PERSISTED_QUERY_NOT_FOUND",
        "INTERNAL",
        "UNKNOWN",
        "ok",
        "other",
    ];
    CODES.into_iter().find(|known| *known == code).unwrap_or("other")
}

/// The operation names the metrics label requests with, bounded: a client
/// names its operations as it likes, and each new label is kept for good.
#[derive(Debug, Default)]
pub(crate) struct OperationLabels {
    seen: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// Most distinct operation names labelled; the rest are `other`.
const MOST_LABELS: usize = 200;

impl OperationLabels {
    /// The label of a request: its `operationName`, or the name of its one
    /// operation once the document is parsed (when it ran); `anonymous` without a
    /// name; `other` for a name not of GraphQL's shape, longer than 64, or
    /// past the first [`MOST_LABELS`].
    fn label(&self, state: &HttpState, query: &str, operation_name: Option<&str>) -> String {
        let name = match operation_name {
            Some(name) => Some(name.to_owned()),
            None => state.parsed.operation_name(query),
        };
        let Some(name) = name else { return "anonymous".into() };
        let shaped = name.len() <= 64
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !shaped {
            return "other".into();
        }
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.contains(&name) || seen.len() < MOST_LABELS {
            seen.insert(name.clone());
            return name;
        }
        "other".into()
    }
}

/// Whether a response is that of a request that failed before it ran: no
/// data, and no error from a field.
fn failed_before_running(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// One response as JSON: without `data` when the request failed before it ran.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Answer<'a> {
    Ran(&'a async_graphql::Response),
    FailedBeforeRunning { errors: &'a [async_graphql::ServerError] },
}

impl<'a> From<&'a async_graphql::Response> for Answer<'a> {
    fn from(response: &'a async_graphql::Response) -> Self {
        if failed_before_running(response) {
            Self::FailedBeforeRunning { errors: &response.errors }
        } else {
            Self::Ran(response)
        }
    }
}

fn respond(response: BatchResponse, format: Format, max_bytes: usize) -> Response {
    let mut bytes = CappedWriter { bytes: Vec::new(), cap: max_bytes };
    let (written, status) = match &response {
        BatchResponse::Single(single) => {
            let status = if format == Format::GraphqlResponse && failed_before_running(single) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (serde_json::to_writer(&mut bytes, &Answer::from(single)), status)
        }
        BatchResponse::Batch(responses) => {
            let bodies: Vec<Answer<'_>> = responses.iter().map(Answer::from).collect();
            (serde_json::to_writer(&mut bytes, &bodies), StatusCode::OK)
        }
    };
    if written.is_err() {
        return ApiError::limit(format!("the response would exceed {max_bytes} bytes, the most one may hold"))
            .into_response();
    }
    let mut response = (status, bytes.bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    response
}

/// A buffer that refuses to grow past `cap` bytes.
struct CappedWriter {
    bytes: Vec<u8>,
    cap: usize,
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.cap {
            return Err(std::io::Error::other("the response is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
