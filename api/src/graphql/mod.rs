//! The GraphQL schema: types, loaders, limits. Resolvers are thin: they parse
//! input, call a service and map the result.

pub mod context;
pub mod enums;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod parsed;
pub mod query;
pub mod scalars;
pub mod subscription;
pub mod types;

use crate::config::Limits;
use async_graphql::Schema;
use context::AppState;
use std::sync::Arc;

/// The schema type.
pub type AppSchema = Schema<query::Query, mutation::Mutation, subscription::SubscriptionRoot>;

/// Builds the schema over the shared state.
pub fn build_schema(state: Option<Arc<AppState>>, limits: &Limits) -> AppSchema {
    let mut builder = Schema::build(query::Query, mutation::Mutation, subscription::SubscriptionRoot)
        .extension(limits::LimitsFactory(limits.clone()))
        // After the limits, so that a remembered operation is still checked against them.
        .extension(parsed::ParsedOperationsFactory::default())
        .limit_recursive_depth(64)
        .limit_directives(20);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL of the schema, as `motcua schema` prints it and `docs/schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema(None, &Limits::default()).sdl()
}
