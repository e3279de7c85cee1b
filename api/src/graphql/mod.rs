//! The GraphQL schema: types, loaders, limits. Resolvers are thin: they parse
//! input, call a service and map the result.

pub(crate) mod context;
pub(crate) mod cost;
pub(crate) mod enums;
pub(crate) mod ids;
pub(crate) mod limits;
pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod parsed;
pub(crate) mod query;
pub(crate) mod scalars;
pub(crate) mod subscription;
pub(crate) mod types;

use crate::config::Limits;
use crate::state::AppState;
use async_graphql::Schema;
use std::sync::Arc;

/// The schema type.
pub(crate) type AppSchema = Schema<query::Query, mutation::Mutation, subscription::SubscriptionRoot>;

/// Builds the schema over the shared state, held to `limits`; `parsed`
/// remembers the documents parsed so far.
pub(crate) fn build_schema(
    state: Option<Arc<AppState>>,
    limits: &Limits,
    parsed: Arc<parsed::ParsedOperations>,
) -> AppSchema {
    let bounds = state.as_ref().map(|state| state.list_bounds.clone()).unwrap_or_default();
    let mut builder =
        Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::SubscriptionRoot)
            .extension(limits::GuardFactory::new(limits, bounds, parsed));
    if limits.no_introspection {
        builder = builder.disable_introspection();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL of the schema, as `motcua schema` prints it and `docs/schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema(None, &Limits::default(), Default::default()).sdl()
}
