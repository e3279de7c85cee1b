//! Parsed operations, remembered by their text. Clients send the same few
//! operations again and again — a dashboard's list, the desk's commands —
//! with new variables, and parsing the text is a tenth of a small request's
//! cost. Validation and the limits still run on every request.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Variables};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Longest operation text remembered; longer ones are parsed every time.
const MAX_REMEMBERED_BYTES: usize = 16 * 1024;
/// Most operations remembered; all are forgotten when it is reached.
const MAX_REMEMBERED: usize = 1_000;

/// Installs [`ParsedOperations`] on every request; the memory is the schema's.
#[derive(Default)]
pub struct ParsedOperationsFactory(Arc<Mutex<HashMap<String, ExecutableDocument>>>);

impl ExtensionFactory for ParsedOperationsFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ParsedOperations(self.0.clone()))
    }
}

/// Answers `parse_query` from memory when the same text was parsed before.
struct ParsedOperations(Arc<Mutex<HashMap<String, ExecutableDocument>>>);

#[async_graphql::async_trait::async_trait]
impl Extension for ParsedOperations {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let rememberable = query.len() <= MAX_REMEMBERED_BYTES;
        if rememberable {
            if let Some(document) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(query) {
                return Ok(document.clone());
            }
        }
        let document = next.run(ctx, query, variables).await?;
        if rememberable {
            let mut documents = self.0.lock().unwrap_or_else(|p| p.into_inner());
            if documents.len() >= MAX_REMEMBERED {
                documents.clear();
            }
            documents.insert(query.to_owned(), document.clone());
        }
        Ok(document)
    }
}
