//! Values read from the database and trusted for a while: what commands read
//! on every call but that changes rarely (procedure versions, agencies,
//! calendars). Each server instance keeps its own, so a change made through
//! another instance is seen within the freshness time at most.

use crate::error::ApiResult;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Values by key, each trusted for `fresh_for` after it was read.
#[derive(Debug)]
pub(crate) struct Remembered<K, V> {
    fresh_for: Duration,
    /// Most values kept; all are forgotten when it is reached.
    capacity: usize,
    entries: RwLock<HashMap<K, (Instant, Arc<V>)>>,
}

impl<K: Hash + Eq + Clone, V> Remembered<K, V> {
    pub(crate) fn new(fresh_for: Duration, capacity: usize) -> Self {
        Self { fresh_for, capacity, entries: Default::default() }
    }

    /// The value of `key`: remembered if still fresh, else what `load` reads
    /// (nothing is remembered of a key `load` does not find).
    pub(crate) async fn get<F, Fut>(&self, key: &K, load: F) -> ApiResult<Option<Arc<V>>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<Option<V>>>,
    {
        if let Some((at, value)) = self.entries.read().await.get(key) {
            if at.elapsed() < self.fresh_for {
                return Ok(Some(value.clone()));
            }
        }
        let Some(value) = load().await?.map(Arc::new) else { return Ok(None) };
        let mut entries = self.entries.write().await;
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key.clone(), (Instant::now(), value.clone()));
        Ok(Some(value))
    }

    /// Forgets every value (after a change made here).
    pub(crate) async fn forget(&self) {
        self.entries.write().await.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_read_once_while_fresh_and_again_after() {
        let remembered = Remembered::new(Duration::from_millis(50), 10);
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let load = || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Some(7))
        };
        assert_eq!(remembered.get(&"a", load).await.unwrap().as_deref(), Some(&7));
        assert_eq!(remembered.get(&"a", load).await.unwrap().as_deref(), Some(&7));
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(60)).await;
        remembered.get(&"a", load).await.unwrap();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 2);
        remembered.forget().await;
        remembered.get(&"a", load).await.unwrap();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 3);
        let missing = remembered.get(&"b", || async { Ok(None) }).await.unwrap();
        assert!(missing.is_none());
    }
}
