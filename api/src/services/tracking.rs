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
pub const MAX_MISSES: u32 = 5;
/// The window over which misses count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Misses per client address.
#[derive(Debug, Default)]
pub struct Limiter {
    misses: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Limiter {
    /// `LIMIT_EXCEEDED` while `client` has used up its misses.
    pub fn check(&self, client: Option<IpAddr>) -> ApiResult<()> {
        let Some(client) = client else { return Ok(()) };
        let misses = self.misses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match misses.get(&client) {
            Some((since, count)) if *count >= MAX_MISSES && since.elapsed() < WINDOW => {
                let wait = WINDOW.saturating_sub(since.elapsed()).as_secs().div_ceil(60);
                Err(ApiError::LimitExceeded(format!(
                    "too many unsuccessful lookups from your address: try again in {wait} minutes"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Counts a miss of `client`.
    pub fn miss(&self, client: Option<IpAddr>) {
        let Some(client) = client else { return };
        let mut misses = self.misses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if misses.len() > 100_000 {
            misses.retain(|_, (since, _)| since.elapsed() < WINDOW);
        }
        let entry = misses.entry(client).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

/// The dossier with `code` whose applicant has `phone`, with its slip; `None`
/// when there is no such dossier or the phone number differs.
pub async fn track(
    db: &DatabaseConnection,
    limiter: &Limiter,
    client: Option<IpAddr>,
    code: &str,
    phone: &str,
) -> ApiResult<Option<(dossier::Model, Vec<dossier_event::Model>)>> {
    limiter.check(client)?;
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
    let Some(dossier) = found else {
        limiter.miss(client);
        return Ok(None);
    };
    let events = super::dossiers::events_of(db, &[dossier.id]).await?;
    Ok(Some((dossier, events)))
}
