//! Request limits that async-graphql measures but does not name: depth,
//! complexity and aliases, each rejected with `extensions.code = LIMIT_EXCEEDED`.

use crate::config::Limits;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};
use std::sync::Arc;

/// Installs [`LimitsExtension`] on every request.
pub struct LimitsFactory(pub Limits);

impl ExtensionFactory for LimitsFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension(self.0.clone()))
    }
}

/// Checks one request against the limits.
pub struct LimitsExtension(Limits);

/// A limit error with its code.
pub fn limit_error(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "LIMIT_EXCEEDED");
    error.extensions = Some(extensions);
    error
}

fn count_aliases(set: &SelectionSet, document: &ExecutableDocument, depth: usize) -> usize {
    // Fragments can nest; the parser already bounds recursion, this bounds our walk.
    if depth > 64 {
        return 0;
    }
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node, document, depth + 1)
            }
            Selection::InlineFragment(fragment) => {
                count_aliases(&fragment.node.selection_set.node, document, depth + 1)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| count_aliases(&fragment.node.selection_set.node, document, depth + 1)),
        })
        .sum()
}

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases: usize = document
            .operations
            .iter()
            .map(|(_, operation)| count_aliases(&operation.node.selection_set.node, &document, 0))
            .sum();
        if aliases > self.0.max_aliases {
            return Err(limit_error(format!(
                "the query uses {aliases} aliases; at most {} are allowed",
                self.0.max_aliases
            )));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.depth > self.0.max_depth {
            return Err(vec![limit_error(format!(
                "the query is nested {} levels deep; at most {} are allowed",
                result.depth, self.0.max_depth
            ))]);
        }
        if result.complexity > self.0.max_complexity {
            return Err(vec![limit_error(format!(
                "the query's complexity is {}; at most {} is allowed (a list costs its page size times its selection)",
                result.complexity, self.0.max_complexity
            ))]);
        }
        Ok(result)
    }
}
