//! The dossiers this server instance wrote last, as it wrote them. A command
//! on a dossier starts from here when it can, instead of reading the row
//! again: most commands follow one another on the same dossier (received,
//! assigned, a step completed, resolved, returned).
//!
//! A remembered copy is only a guess: the write that follows is conditional
//! on the copy's `lock_version` (every change of a dossier row increments
//! it), so a copy that another instance made out of date is never written
//! over. Copies are also forgotten when another instance's slip event
//! arrives (PostgreSQL `NOTIFY`), when the listener reconnects (notices may
//! have been missed), and after [`FRESH_FOR`].

use entity::dossier;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a copy is trusted at most.
pub(crate) const FRESH_FOR: Duration = Duration::from_secs(120);
/// Most copies kept (about 1 KiB each); all are forgotten when it is reached.
const CAPACITY: usize = 20_000;

/// Dossiers as this instance last wrote them, by id.
#[derive(Debug, Default)]
pub struct RecentDossiers {
    entries: Mutex<HashMap<Uuid, (Instant, dossier::Model)>>,
}

impl RecentDossiers {
    /// The copy of dossier `id`, if one is remembered and fresh.
    pub fn get(&self, id: Uuid) -> Option<dossier::Model> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(&id).filter(|(at, _)| at.elapsed() < FRESH_FOR).map(|(_, dossier)| dossier.clone())
    }

    /// Remembers `dossier` as it was just written.
    pub fn remember(&self, dossier: &dossier::Model) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(dossier.id, (Instant::now(), dossier.clone()));
    }

    /// Forgets the copy of dossier `id` (another instance changed it, or a
    /// command found it out of date).
    pub fn forget(&self, id: Uuid) {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&id);
    }

    /// Forgets every copy.
    pub fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}
