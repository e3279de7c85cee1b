//! Parsed operations, remembered by their text. Clients send the same few
//! operations again and again — a dashboard's list, the desk's commands —
//! with new variables, and parsing the text is a tenth of a small request's
//! cost. The limits (`cost/`) and validation still run on every request;
//! only documents the limits accepted are remembered, and at most
//! [`MAX_REMEMBERED_TEXT`] bytes of them, so that a stream of distinct
//! documents cannot fill the memory.

use async_graphql::parser::types::ExecutableDocument;
use std::collections::HashMap;
use std::sync::Mutex;

/// Longest operation text remembered; longer ones are parsed every time.
const MAX_REMEMBERED_BYTES: usize = 16 * 1024;
/// Most operations remembered; all are forgotten when it is reached.
const MAX_REMEMBERED: usize = 1_000;
/// Most text remembered, all operations together; all are forgotten when it is reached.
const MAX_REMEMBERED_TEXT: usize = 1 << 20;

/// Documents by their text, and the length of that text.
#[derive(Debug, Default)]
pub(crate) struct ParsedOperations(Mutex<(HashMap<String, ExecutableDocument>, usize)>);

impl ParsedOperations {
    /// The document parsed from `query` before, if it is remembered.
    pub(crate) fn get(&self, query: &str) -> Option<ExecutableDocument> {
        if query.len() > MAX_REMEMBERED_BYTES {
            return None;
        }
        self.0.lock().unwrap_or_else(|p| p.into_inner()).0.get(query).cloned()
    }

    /// The name of the one operation of the document parsed from `query`
    /// before, if it is remembered and its one operation has a name.
    pub(crate) fn operation_name(&self, query: &str) -> Option<String> {
        use async_graphql::parser::types::DocumentOperations;
        let remembered = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match &remembered.0.get(query)?.operations {
            DocumentOperations::Multiple(operations) if operations.len() == 1 => {
                operations.keys().next().map(|name| name.to_string())
            }
            _ => None,
        }
    }

    /// Remembers the document parsed from `query` (when it is short enough).
    pub(crate) fn remember(&self, query: &str, document: &ExecutableDocument) {
        if query.len() > MAX_REMEMBERED_BYTES {
            return;
        }
        let mut remembered = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (documents, text) = &mut *remembered;
        if documents.contains_key(query) {
            return;
        }
        if documents.len() >= MAX_REMEMBERED || *text + query.len() > MAX_REMEMBERED_TEXT {
            documents.clear();
            *text = 0;
        }
        *text += query.len();
        documents.insert(query.to_owned(), document.clone());
    }
}
