//! The GraphQL edge: every request passes through [`Guard`], which
//!
//! - parses the document (remembering parses by their text, `parsed.rs`)
//!   and measures it (`cost/`) before async-graphql validates it, refusing
//!   what exceeds the limits in time proportional to the document's length;
//! - ends the request when it runs past `--request-timeout` or its response
//!   grows past `--max-response-bytes`, field by field as it runs, so that
//!   neither time nor memory outgrows the limits whatever a resolver returns;
//! - gives every error that lacks one an `extensions.code`: parse failures
//!   `GRAPHQL_PARSE_FAILED`, validation failures `GRAPHQL_VALIDATION_FAILED`
//!   (`BAD_USER_INPUT` when a variable's value is wrong), arguments that do
//!   not parse `BAD_USER_INPUT`, anything else `INTERNAL`.

use super::cost::{self, Caps, Refused};
use super::parsed::ParsedOperations;
use crate::config::Limits;
use crate::error::ApiError;
use crate::services::list_bounds::ListBounds;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest, NextResolve,
    NextSubscribe, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Installs a [`Guard`] on every request.
pub(crate) struct GuardFactory {
    limits: Limits,
    caps: Caps,
    bounds: Arc<ListBounds>,
    parsed: Arc<ParsedOperations>,
}

impl GuardFactory {
    /// The guard of a schema held to `limits`, counting lists with `bounds`.
    pub(crate) fn new(limits: &Limits, bounds: Arc<ListBounds>, parsed: Arc<ParsedOperations>) -> Self {
        let caps = Caps {
            selections: limits.max_selections as u64,
            depth: limits.max_depth as u32,
            aliases: limits.max_aliases as u64,
            complexity: limits.max_complexity as u64,
            introspection: limits.max_introspection_values as u64,
            introspection_allowed: !limits.no_introspection,
        };
        Self { limits: limits.clone(), caps, bounds, parsed }
    }
}

impl ExtensionFactory for GuardFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Guard {
            started: Instant::now(),
            limits: self.limits.clone(),
            caps: self.caps.clone(),
            bounds: self.bounds.clone(),
            parsed: self.parsed.clone(),
            request: Mutex::default(),
            unbounded: AtomicBool::new(false),
            response_bytes: AtomicUsize::new(0),
        })
    }
}

/// One request's guard.
pub(crate) struct Guard {
    started: Instant,
    limits: Limits,
    caps: Caps,
    bounds: Arc<ListBounds>,
    parsed: Arc<ParsedOperations>,
    /// The operation name and the document's text, kept for the error edge.
    request: Mutex<(Option<String>, String)>,
    /// A subscription: its events are not held to the request's time and size.
    unbounded: AtomicBool,
    /// What the response holds so far, roughly as JSON.
    response_bytes: AtomicUsize,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Guard {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            give_code(error);
        }
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        // Only a subscription's events escape the request's time and size
        // (`parse_query` says which operation this is); a query or mutation
        // sent over the WebSocket is held to them as over HTTP.
        next.run(ctx, stream)
            .map(|mut response| {
                for error in &mut response.errors {
                    give_code(error);
                }
                response
            })
            .boxed()
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        *self.request.lock().unwrap_or_else(|p| p.into_inner()) =
            (request.operation_name.clone(), request.query.clone());
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        _next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // async-graphql's own parse step (with its recursion and directive
        // checks, which answer without a code) is replaced: the parser bounds
        // nesting itself, and `cost` measures everything else.
        let (document, remembered) = match self.parsed.get(query) {
            Some(document) => (document, true),
            None => (async_graphql::parser::parse_query(query).map_err(|error| parse_error(error, query))?, false),
        };
        self.within_time()?;
        let operation_name = self.request.lock().unwrap_or_else(|p| p.into_inner()).0.clone();
        let registry = &ctx.schema_env.registry;
        match cost::measure(&document, operation_name.as_deref(), variables, registry, &self.bounds, &self.caps) {
            Ok(cost) => {
                if !remembered {
                    self.parsed.remember(query, &document);
                }
                if cost.kind == OperationType::Subscription {
                    self.unbounded.store(true, Ordering::Relaxed);
                }
                tracing::trace!(?cost, "measured");
                Ok(document)
            }
            Err(Refused { error, locations }) => Err(error.to_server_error_at(locations)),
        }
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        self.within_time().map_err(|error| vec![error])?;
        result.map_err(|mut errors| {
            let variables = self.argument_positions_with_variables();
            for error in &mut errors {
                let about_a_variable = error.message.starts_with("Invalid value for argument")
                    && error.locations.iter().any(|location| variables.contains(location));
                ensure_code(error, if about_a_variable { "BAD_USER_INPUT" } else { "GRAPHQL_VALIDATION_FAILED" });
            }
            errors
        })
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let bounded = !self.unbounded.load(Ordering::Relaxed);
        if bounded {
            self.within_time()?;
        }
        let key = info.alias.unwrap_or(info.name).len();
        let value = next.run(ctx, info).await.map_err(|mut error| {
            give_code(&mut error);
            error
        })?;
        if bounded {
            let bytes = key + 4 + value.as_ref().map_or(4, leaf_bytes);
            let total = self.response_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
            if total > self.limits.max_response_bytes {
                return Err(ApiError::limit(format!(
                    "the response grew past {} bytes, the most one response may hold: ask for fewer items \
                     (smaller pages) or fewer fields",
                    self.limits.max_response_bytes
                ))
                .to_server_error());
            }
        }
        Ok(value)
    }
}

impl Guard {
    /// `LIMIT_EXCEEDED` once the request has run longer than `--request-timeout`.
    fn within_time(&self) -> ServerResult<()> {
        if self.started.elapsed() <= self.limits.request_timeout {
            return Ok(());
        }
        Err(ApiError::timed_out(format!(
            "the request took longer than {}",
            humantime::format_duration(self.limits.request_timeout)
        ))
        .to_server_error())
    }

    /// Where the document's arguments whose values use a variable are (read
    /// again from the text, only when validation failed).
    fn argument_positions_with_variables(&self) -> Vec<async_graphql::Pos> {
        fn uses_variable(value: &async_graphql_value::Value) -> bool {
            use async_graphql_value::Value;
            match value {
                Value::Variable(_) => true,
                Value::List(items) => items.iter().any(uses_variable),
                Value::Object(fields) => fields.values().any(uses_variable),
                _ => false,
            }
        }
        fn walk(set: &SelectionSet, found: &mut Vec<async_graphql::Pos>) {
            for item in &set.items {
                match &item.node {
                    Selection::Field(field) => {
                        for (name, value) in &field.node.arguments {
                            if uses_variable(&value.node) {
                                found.extend([name.pos, value.pos]);
                            }
                        }
                        walk(&field.node.selection_set.node, found);
                    }
                    Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node, found),
                    Selection::FragmentSpread(_) => {}
                }
            }
        }
        let query = self.request.lock().unwrap_or_else(|p| p.into_inner()).1.clone();
        let Ok(document) = async_graphql::parser::parse_query(&query) else { return Vec::new() };
        let mut found = Vec::new();
        for (_, operation) in document.operations.iter() {
            walk(&operation.node.selection_set.node, &mut found);
        }
        for fragment in document.fragments.values() {
            walk(&fragment.node.selection_set.node, &mut found);
        }
        found
    }
}

/// Gives an error without a code the one its message says it deserves.
fn give_code(error: &mut ServerError) {
    let bad_input = ["Failed to parse", "Invalid value", "Expected input type"];
    let code = if bad_input.iter().any(|start| error.message.starts_with(start)) {
        "BAD_USER_INPUT"
    } else if error.path.is_empty() && error.message.starts_with("Unknown operation") {
        "OPERATION_RESOLUTION_FAILURE"
    } else if error.message.starts_with("Subscriptions are not supported") {
        error.message = "a subscription runs over the WebSocket at /graphql/ws (graphql-transport-ws)".into();
        "BAD_REQUEST"
    } else {
        "INTERNAL"
    };
    if code == "INTERNAL" && !has_code(error) {
        tracing::error!(request_id = crate::request_id::current(), message = %error.message, "an error without a code");
    }
    ensure_code(error, code);
}

fn has_code(error: &ServerError) -> bool {
    error.extensions.as_ref().is_some_and(|extensions| extensions.get("code").is_some())
}

/// Sets `extensions.code` when the error has none.
pub(crate) fn ensure_code(error: &mut ServerError, code: &str) {
    if !has_code(error) {
        error.extensions.get_or_insert_with(Default::default).set("code", code);
    }
}

/// A parse failure as the client sees it: where, and what was expected
/// (not the parser's copy of the whole line, which may be the whole document).
fn parse_error(error: async_graphql::parser::Error, query: &str) -> ServerError {
    use async_graphql::parser::Error;
    match error {
        // The parser gives up on deep nesting with a syntax error: say what it was.
        Error::Syntax { .. } if bracket_depth(query) > cost::MAX_NESTING as usize => ApiError::limit(format!(
            "the document nests selections or values more than {} levels deep",
            cost::MAX_NESTING
        ))
        .to_server_error(),
        Error::Syntax { message, start, .. } => {
            let expected = message.lines().last().map(|line| line.trim_start_matches([' ', '=']).trim()).unwrap_or("");
            let expected: String = expected.chars().take(200).collect();
            ApiError::ParseFailed(format!(
                "the document is not GraphQL: at line {}, column {}: {expected}",
                start.line, start.column
            ))
            .to_server_error_at(vec![start])
        }
        Error::RecursionLimitExceeded => ApiError::limit(format!(
            "the document nests selections or values more than {} levels deep",
            cost::MAX_NESTING
        ))
        .to_server_error(),
        other => {
            let locations = other.positions().collect();
            ApiError::ValidationFailed(other.to_string()).to_server_error_at(locations)
        }
    }
}

/// The deepest nesting of `{`, `[` and `(` in a document, strings and comments left out.
fn bracket_depth(query: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut chars = query.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' | '[' | '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    deepest
}

/// Roughly how many bytes a resolved value adds to the JSON response: a
/// scalar or a list of scalars in full; an object or a list of objects
/// nothing more (their fields were counted as they resolved).
fn leaf_bytes(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Boolean(_) => 5,
        Value::Number(_) => 12,
        Value::String(text) => text.len() + 2,
        Value::Enum(name) => name.len() + 2,
        Value::Binary(bytes) => bytes.len() * 4 / 3 + 4,
        Value::List(items) => 2 + items.iter().map(|item| leaf_bytes(item) + 1).sum::<usize>(),
        Value::Object(_) => 2,
    }
}
