//! The server's clock. Production reads the system time; tests may fix it to
//! receive a dossier on the Friday before Lunar New Year.

use chrono::{DateTime, Utc};
use std::sync::RwLock;

/// The time every command and deadline reads.
#[derive(Debug, Default)]
pub struct Clock {
    fixed: RwLock<Option<DateTime<Utc>>>,
}

impl Clock {
    /// The current time (at the database's precision).
    pub fn now(&self) -> DateTime<Utc> {
        let fixed = *self.fixed.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        fixed.unwrap_or_else(super::now)
    }

    /// Fixes the time at `at` (`None`: follow the system time again).
    pub fn set(&self, at: Option<DateTime<Utc>>) {
        *self.fixed.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
    }
}
