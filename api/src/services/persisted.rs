//! Documents known by hash: Apollo's automatic persisted queries (a client
//! sends the SHA-256 of its document, and the document itself only when the
//! server does not know it yet) and trusted documents (a service account in
//! that mode runs only the documents registered for it). docs/LIMITS.md
//! "Persisted queries and trusted documents".

use crate::error::{ApiError, ApiResult};
use crate::services::administration::service_accounts::hash_of as sha256_hex;
use entity::{official, trusted_document};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Most bytes of documents the persisted-query store keeps; the oldest go first.
const STORE_BYTES: usize = 16 << 20;

/// The documents clients persisted, bounded: a flood of new documents
/// pushes the oldest out, never the memory up.
#[derive(Debug, Default)]
pub(crate) struct PersistedQueries {
    store: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    by_hash: HashMap<String, Arc<str>>,
    order: VecDeque<String>,
    bytes: usize,
}

impl PersistedQueries {
    fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.store.lock().unwrap_or_else(|p| p.into_inner()).by_hash.get(hash).cloned()
    }

    fn put(&self, hash: String, document: &str) {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if store.by_hash.contains_key(&hash) || document.len() > STORE_BYTES {
            return;
        }
        while store.bytes + document.len() > STORE_BYTES {
            let Some(oldest) = store.order.pop_front() else { break };
            if let Some(gone) = store.by_hash.remove(&oldest) {
                store.bytes -= gone.len();
            }
        }
        store.bytes += document.len();
        store.order.push_back(hash.clone());
        store.by_hash.insert(hash, Arc::from(document));
    }
}

/// Gives a request the document it is to run: its own `query`, or the one
/// its persisted query's `hash` names (a hash this server does not know is
/// `PERSISTED_QUERY_NOT_FOUND`; a document that does not match its hash is
/// refused). A caller in trusted-documents mode runs only the documents
/// registered for it (`FORBIDDEN` for any other).
pub(crate) async fn resolve(
    db: &DatabaseConnection,
    persisted: &PersistedQueries,
    caller: Option<&official::Model>,
    query: &mut String,
    hash: Option<String>,
) -> ApiResult<()> {
    let trusted_only = caller.filter(|official| official.trusted_documents_only);
    if query.is_empty() {
        let Some(hash) = hash else { return Ok(()) };
        let found = match trusted_only {
            Some(official) => registered(db, official, &hash).await?.map(|document| Arc::from(document.as_str())),
            None => persisted.get(&hash),
        };
        *query = found.ok_or(ApiError::PersistedQueryNotFound)?.to_string();
        return Ok(());
    }
    let actual = sha256_hex(query);
    if let Some(hash) = hash {
        if hash != actual {
            return Err(ApiError::bad_request("`persistedQuery.sha256Hash` is not the SHA-256 of the `query`"));
        }
        if trusted_only.is_none() {
            persisted.put(actual.clone(), query);
        }
    }
    if let Some(official) = trusted_only {
        if registered(db, official, &actual).await?.is_none() {
            return Err(ApiError::Forbidden(format!(
                "{} runs only the documents registered for it; this one (SHA-256 {actual}) is not",
                official.username
            )));
        }
    }
    Ok(())
}

/// The document registered for `official` under `hash`.
async fn registered(db: &DatabaseConnection, official: &official::Model, hash: &str) -> ApiResult<Option<String>> {
    let found = trusted_document::Entity::find_by_id((official.id, hash.to_owned())).one(db).await?;
    Ok(found.map(|document| document.document))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_keeps_its_bytes_bounded_dropping_the_oldest() {
        let store = PersistedQueries::default();
        let big = "x".repeat(STORE_BYTES / 3 + 1);
        for n in 0..3 {
            store.put(format!("{n}"), &big);
        }
        assert!(store.get("0").is_none(), "the oldest went");
        assert!(store.get("1").is_some() && store.get("2").is_some());
        assert!(store.store.lock().unwrap().bytes <= STORE_BYTES);
    }

    #[test]
    fn hashes_are_lower_case_hex_sha256() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
