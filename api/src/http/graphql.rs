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
        crate::services::persisted::resolve(&state.app.db, &state.persisted, caller.as_deref(), request).await?;
    }
    with_queries(batch)
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
    let batch = batch.data(Arc::new(RequestData::new(&state.app.db, identity, client.ip())));
    let timeout = state.limits.request_timeout;
    let response = match tokio::time::timeout(timeout, state.schema.execute_batch(batch)).await {
        Ok(response) => respond(response, format, state.limits.max_response_bytes),
        Err(_) => ApiError::timed_out(format!("the request took longer than {}", humantime::format_duration(timeout)))
            .into_response(),
    };
    metrics::histogram!("motcua_graphql_request_seconds").record(started.elapsed().as_secs_f64());
    response
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
