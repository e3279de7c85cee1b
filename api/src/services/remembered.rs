//! Values read from the database and trusted for a while: what commands and
//! the API's relations read on every call but that changes rarely (procedure
//! versions, agencies, officials, calendars). Each server instance keeps its
//! own; a change made through any instance is announced to every instance,
//! which forgets what it remembered (`services::announcements`), and the
//! freshness time bounds what a missed announcement can leave.

use crate::error::ApiResult;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Values by key, each trusted for `fresh_for` after it was read.
#[derive(Debug)]
pub(crate) struct Remembered<K, V> {
    fresh_for: Duration,
    /// Most values kept; all are forgotten when it is reached.
    capacity: usize,
    entries: RwLock<HashMap<K, (Instant, Arc<V>)>>,
    /// Raised by every [`Remembered::forget`]: a value read before it is not
    /// remembered after it (it may be what the change replaced).
    generation: AtomicU64,
}

impl<K: Hash + Eq + Clone, V> Remembered<K, V> {
    pub(crate) fn new(fresh_for: Duration, capacity: usize) -> Self {
        Self { fresh_for, capacity, entries: Default::default(), generation: AtomicU64::new(0) }
    }

    /// The value of `key`: remembered if still fresh, else what `load` reads
    /// (nothing is remembered of a key `load` does not find).
    pub(crate) async fn get<F, Fut>(&self, key: &K, load: F) -> ApiResult<Option<Arc<V>>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<Option<V>>>,
    {
        if let Some(value) = self.fresh(key) {
            return Ok(Some(value));
        }
        let generation = self.generation();
        let Some(value) = load().await?.map(Arc::new) else { return Ok(None) };
        self.remember(generation, key.clone(), value.clone());
        Ok(Some(value))
    }

    /// The rows `load` reads, each remembered under `key` (unless something
    /// was forgotten while they were read).
    pub(crate) async fn read(
        &self,
        load: impl Future<Output = ApiResult<Vec<V>>>,
        key: impl Fn(&V) -> K,
    ) -> ApiResult<Vec<Arc<V>>> {
        let generation = self.generation();
        let rows: Vec<Arc<V>> = load.await?.into_iter().map(Arc::new).collect();
        for row in &rows {
            self.remember(generation, key(row), row.clone());
        }
        Ok(rows)
    }

    /// What to pass to [`Remembered::remember`] for a value about to be read.
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The value of `key` if it is remembered and still fresh.
    pub(crate) fn fresh(&self, key: &K) -> Option<Arc<V>> {
        let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (at, value) = entries.get(key)?;
        (at.elapsed() < self.fresh_for).then(|| value.clone())
    }

    /// Remembers `value`, read after [`Remembered::generation`] gave
    /// `generation`, unless something was forgotten since.
    fn remember(&self, generation: u64, key: K, value: Arc<V>) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation() != generation {
            return;
        }
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// Forgets every value (after a change made here).
    pub(crate) async fn forget(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
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

    #[tokio::test]
    async fn a_value_read_before_a_forget_is_not_remembered_after_it() {
        let remembered = Remembered::new(Duration::from_secs(60), 10);
        let generation = remembered.generation();
        // A change is announced while the old value is being read.
        remembered.forget().await;
        remembered.remember(generation, "a", Arc::new("old"));
        assert!(remembered.fresh(&"a").is_none());
        remembered.remember(remembered.generation(), "a", Arc::new("new"));
        assert_eq!(remembered.fresh(&"a").as_deref(), Some(&"new"));
    }
}
