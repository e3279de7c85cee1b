//! The outbox: the slip's committed entries delivered beyond the server —
//! to webhooks now — at least once, in order per dossier, and never lost.
//!
//! The slip is the outbox: a command writes nothing more than its slip
//! entry. Each consumer (`outbox_consumer`) keeps a cursor in the slip; a
//! fan-out (`fan_out.rs`) reads the entries past the cursors, turns those a
//! consumer hears of into deliveries (`outbox_delivery`) and moves the
//! cursors, in one transaction; senders (`sending.rs`) take the deliveries
//! due, post them, and record each attempt (`outbox_attempt`), retrying with
//! exponential backoff and jitter until the last attempt, after which a
//! delivery is a dead letter (which an admin may send again).
//!
//! On PostgreSQL several instances share the work: one fan-out at a time
//! (an advisory lock), a delivery taken with `FOR UPDATE SKIP LOCKED` and
//! leased for longer than an attempt may take, so that two instances never
//! send the same delivery at once; the slip is read in the order of the
//! transactions that wrote it, only up to the oldest one still running, so
//! that an entry committed late is never passed over. On SQLite one process
//! serves the database: its one fan-out and one sender.

pub(crate) mod address;
mod fan_out;
mod payload;
pub(crate) mod portal;
mod sending;
pub(crate) mod signature;

pub(crate) use sending::message_id;

use crate::config::Settings;
use crate::error::ApiResult;
use crate::state::AppState;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::sync::{Arc, Weak};
use std::time::Duration;
use uuid::Uuid;

/// A delivery's status: waiting for its next attempt (or being sent).
pub(crate) const PENDING: &str = "PENDING";
/// A delivery's status: a receiver took it (a 2xx answer).
pub(crate) const DELIVERED: &str = "DELIVERED";
/// A delivery's status: its last attempt failed; sent again only when asked.
pub(crate) const DEAD: &str = "DEAD";
/// A consumer's state: it hears of the slip.
pub(crate) const ACTIVE: &str = "ACTIVE";
/// A consumer's state: paused; its cursor waits where it is.
pub(crate) const PAUSED: &str = "PAUSED";
/// The kind of consumer a webhook is.
pub(crate) const WEBHOOK: &str = "WEBHOOK";

/// How often the fan-out and the senders look for work when nothing woke them.
const POLL: Duration = Duration::from_millis(500);

/// How long a fan-out woken by an entry waits for the entries committed with it.
const GATHER: Duration = Duration::from_millis(20);

/// What the outbox's tasks share.
#[derive(Debug)]
pub struct Outbox {
    pub(crate) settings: crate::config::OutboxSettings,
    pub(crate) destinations: address::Destinations,
    client: reqwest::Client,
    /// Woken when a fan-out made deliveries.
    made: Arc<tokio::sync::Notify>,
}

impl Outbox {
    /// The outbox of a server with `settings`.
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        // The portal is the operator's own setting: its host may be anywhere.
        let portal = settings.outbox.portal_url.as_deref().and_then(|url| reqwest::Url::parse(url).ok());
        let mut allowed = settings.outbox.webhook_allowed_hosts.clone();
        allowed.extend(portal.as_ref().and_then(|url| url.host_str()).map(str::to_owned));
        let destinations = address::Destinations::new(&allowed, settings.listen);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(destinations.clone()))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.outbox.webhook_timeout)
            .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { settings: settings.outbox.clone(), destinations, client, made: Default::default() })
    }

    fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The notice that a fan-out made deliveries.
    fn made(&self) -> Arc<tokio::sync::Notify> {
        self.made.clone()
    }

    /// How long a sender holds a delivery: longer than an attempt may take.
    fn lease(&self) -> Duration {
        self.settings.webhook_timeout + Duration::from_secs(5)
    }

    /// The wait before the attempt after `attempts` failed ones: the base
    /// doubled for each failure after the first, at most the cap, of which a
    /// random half to whole (so that receivers coming back are not all
    /// retried at once).
    fn backoff(&self, attempts: i32) -> Duration {
        use rand::Rng;
        let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
        let full =
            self.settings.delivery_retry_base.saturating_mul(1 << doublings).min(self.settings.delivery_retry_cap);
        full.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

/// Where the slip ends now: a new consumer hears of what is written from here on.
pub(crate) async fn head(state: &AppState) -> ApiResult<(i64, Option<Uuid>)> {
    let backend = state.db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1 AS head",
        _ => "SELECT COALESCE(MAX(rowid), 0) AS head FROM dossier_event",
    };
    let row = state.db.query_one(Statement::from_string(backend, sql)).await?;
    let head: i64 = row.map(|row| row.try_get("", "head")).transpose()?.unwrap_or(0);
    // On PostgreSQL, every entry of the transactions before the oldest running.
    Ok((head, (backend == DbBackend::Postgres).then_some(Uuid::max())))
}

/// Starts the fan-out and the senders of this instance, which run while
/// the server does.
pub(crate) fn spawn_delivering(state: &Arc<AppState>) {
    let weak = Arc::downgrade(state);
    let mut heard = state.events.subscribe();
    tokio::spawn(async move {
        if let Some(state) = weak.upgrade() {
            if let Err(error) = sending::after_restart(&state).await {
                tracing::warn!(?error, "releasing the deliveries of a stopped server");
            }
            if let Err(error) = portal::configure(&state).await {
                tracing::warn!(?error, "configuring the national portal's connector");
            }
        }
        loop {
            let Some(state) = weak.upgrade() else { return };
            let read = match fan_out::pass(&state).await {
                Ok(read) => read,
                Err(error) => {
                    tracing::warn!(?error, "fanning out the slip's new entries");
                    0
                }
            };
            drop(state);
            if read == 0 {
                tokio::select! {
                    _ = heard.recv() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
                // Entries committed close together are read together: one
                // pass per gathering, not one per entry.
                tokio::time::sleep(GATHER).await;
                use tokio::sync::broadcast::error::TryRecvError;
                while !matches!(heard.try_recv(), Err(TryRecvError::Empty | TryRecvError::Closed)) {}
            }
        }
    });
    let weak: Weak<AppState> = Arc::downgrade(state);
    tokio::spawn(sending::run(weak));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_with_jitter_up_to_the_cap() {
        let mut settings = Settings::for_data_dir("/tmp".into());
        settings.outbox.delivery_retry_base = Duration::from_secs(5);
        settings.outbox.delivery_retry_cap = Duration::from_secs(60);
        let outbox = Outbox::new(&settings).unwrap();
        for (attempts, full) in [(1, 5), (2, 10), (3, 20), (4, 40), (5, 60), (40, 60)] {
            let wait = outbox.backoff(attempts);
            let full = Duration::from_secs(full);
            assert!(wait >= full / 2 && wait <= full, "after {attempts} failures: {wait:?}");
        }
    }
}
