//! Citizen tracking: a dossier found by its code and the applicant's phone
//! number, answered to anonymous callers with what concerns the applicant
//! and nothing else. A wrong phone number gets the same answer as a missing
//! code; a client that keeps guessing is slowed down.

use super::commands::normalize_phone;
use crate::error::{ApiError, ApiResult};
use entity::{dossier, dossier_event};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Unsuccessful lookups a client may make in [`WINDOW`].
pub(crate) const MAX_MISSES: u32 = 5;
/// The window over which misses count.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Misses per client address. A lookup is counted as a miss *before* it
/// runs, under one lock, and given back when it finds what it looked for:
/// lookups running at once (aliases, a batch, parallel connections) can
/// never make more than `most` guesses between them in a window.
#[derive(Debug)]
pub struct Limiter {
    misses: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    most: u32,
    window: Duration,
    /// What the refusal says was unsuccessful, e.g. `lookups`.
    what: &'static str,
}

impl Default for Limiter {
    /// `trackDossier`'s: [`MAX_MISSES`] in [`WINDOW`].
    fn default() -> Self {
        Self::new(MAX_MISSES, WINDOW, "lookups")
    }
}

/// A lookup counted as a miss until it is [`Guess::found`].
#[derive(Debug)]
pub struct Guess<'a> {
    limiter: &'a Limiter,
    client: Option<IpAddr>,
}

impl Guess<'_> {
    /// The lookup found the dossier: it was not a miss.
    pub fn found(self) {
        let Some(client) = self.client else { return };
        let mut misses = self.limiter.misses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = misses.get_mut(&client) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }
}

impl Limiter {
    /// A limiter of `most` misses per address in `window`.
    pub(crate) fn new(most: u32, window: Duration, what: &'static str) -> Self {
        Self { misses: Mutex::default(), most, window, what }
    }

    /// Counts a lookup by `client` as a miss, or `LIMIT_EXCEEDED` while
    /// `client` has used up its misses.
    pub fn guess(&self, client: Option<IpAddr>) -> ApiResult<Guess<'_>> {
        let Some(client) = client else { return Ok(Guess { limiter: self, client }) };
        let mut misses = self.misses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if misses.len() > 100_000 {
            misses.retain(|_, (since, _)| since.elapsed() < self.window);
        }
        let entry = misses.entry(client).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        if entry.1 >= self.most {
            let wait = self.window.saturating_sub(entry.0.elapsed()).as_secs().div_ceil(60).max(1);
            return Err(ApiError::limit(format!(
                "too many unsuccessful {} from your address: try again in {wait} minutes",
                self.what
            )));
        }
        entry.1 += 1;
        Ok(Guess { limiter: self, client: Some(client) })
    }
}

/// The dossier with `code` whose applicant has `phone`, with its slip; `None`
/// when there is no such dossier or the phone number differs.
pub(crate) async fn track(
    db: &DatabaseConnection,
    limiter: &Limiter,
    client: Option<IpAddr>,
    code: &str,
    phone: &str,
) -> ApiResult<Option<(dossier::Model, Vec<dossier_event::Model>)>> {
    let guess = limiter.guess(client)?;
    let phone = normalize_phone(phone);
    let found = match phone {
        Some(phone) => {
            dossier::Entity::find()
                .filter(dossier::Column::Code.eq(code.trim()))
                .filter(dossier::Column::ApplicantPhone.eq(phone))
                .one(db)
                .await?
        }
        None => None,
    };
    let Some(dossier) = found else { return Ok(None) };
    guess.found();
    let events = super::dossiers::events_of(db, &[dossier.id]).await?;
    Ok(Some((dossier, events)))
}
