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
pub(crate) mod entries;
mod fan_out;
pub(crate) mod notices;
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
    /// The mail server's transport, when `--smtp-url` names one.
    mailer: Option<notices::Mailer>,
    /// Woken when a fan-out made deliveries.
    made: Arc<tokio::sync::Notify>,
    /// Deliveries made since `outbox_delivery` was last analysed (PostgreSQL).
    made_since_analyze: std::sync::atomic::AtomicU64,
}

impl Outbox {
    /// The outbox of a server with `settings`.
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        // The portal is the operator's own setting: its host may be anywhere.
        let portal = settings.outbox.portal_url.as_deref().and_then(|url| reqwest::Url::parse(url).ok());
        let mut allowed = settings.outbox.webhook_allowed_hosts.clone();
        allowed.extend(portal.as_ref().and_then(|url| url.host_str()).map(str::to_owned));
        let gateway = settings.outbox.sms_gateway_url.as_deref().and_then(|url| reqwest::Url::parse(url).ok());
        allowed.extend(gateway.as_ref().and_then(|url| url.host_str()).map(str::to_owned));
        let destinations = address::Destinations::new(&allowed, settings.listen);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(destinations.clone()))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.outbox.webhook_timeout)
            .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let mailer = notices::mailer(settings.outbox.smtp_url.as_deref(), settings.outbox.webhook_timeout)?;
        Ok(Self {
            settings: settings.outbox.clone(),
            destinations,
            client,
            mailer,
            made: Default::default(),
            made_since_analyze: Default::default(),
        })
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

/// At start: the installation's own consumer `id` (the portal's, the
/// notices') hears of the slip while `configured`, and waits (paused, its
/// cursor where it was) while it is not. The first time it is configured it
/// starts at the slip's head. Every instance shares it.
pub(crate) async fn ensure_consumer(
    state: &AppState,
    id: Uuid,
    kind: &str,
    description: &str,
    configured: bool,
) -> ApiResult<()> {
    use crate::services::writes::{self, Write};
    use entity::outbox_consumer;
    use sea_orm::sea_query::{Expr, OnConflict, Query};
    use sea_orm::{EntityTrait, QueryTrait};
    let wanted = if configured { ACTIVE } else { PAUSED };
    let now = crate::services::now();
    let write = match outbox_consumer::Entity::find_by_id(id).one(&state.db).await? {
        Some(consumer) if consumer.state == wanted => return Ok(()),
        Some(_) => Write::Update(
            Query::update()
                .table(outbox_consumer::Entity)
                .value(outbox_consumer::Column::State, wanted)
                .value(outbox_consumer::Column::UpdatedAt, now)
                .and_where(Expr::col(outbox_consumer::Column::Id).eq(id))
                .to_owned(),
        ),
        None if !configured => return Ok(()),
        None => {
            let (cursor_position, cursor_event) = head(state).await?;
            let consumer = outbox_consumer::ActiveModel {
                id: sea_orm::Set(id),
                kind: sea_orm::Set(kind.into()),
                agency_id: sea_orm::Set(Uuid::nil()),
                agency_path: sea_orm::Set("/".into()),
                subtree: sea_orm::Set(true),
                owner_id: sea_orm::Set(Uuid::nil()),
                url: sea_orm::Set(None),
                secret: sea_orm::Set(None),
                events: sea_orm::Set(None),
                description: sea_orm::Set(Some(description.into())),
                state: sea_orm::Set(ACTIVE.into()),
                cursor_position: sea_orm::Set(cursor_position),
                cursor_event: sea_orm::Set(cursor_event),
                created_by: sea_orm::Set("motcua".into()),
                created_at: sea_orm::Set(now),
                updated_at: sea_orm::Set(now),
            };
            let mut insert = outbox_consumer::Entity::insert(consumer).into_query();
            insert.on_conflict(OnConflict::column(outbox_consumer::Column::Id).do_nothing().to_owned());
            Write::Insert(insert)
        }
    };
    writes::all(state, vec![write]).await
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
            if let Err(error) = notices::configure(&state).await {
                tracing::warn!(?error, "configuring the notices to applicants");
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

/// A failed request's cause, innermost first, without the URL.
pub(super) fn describe(error: &reqwest::Error) -> String {
    use std::error::Error;
    let mut cause: Option<&dyn Error> = error.source();
    let mut text = String::from(if error.is_connect() { "cannot connect" } else { "the request failed" });
    while let Some(inner) = cause {
        text = format!("{text}: {inner}");
        cause = inner.source();
    }
    text.chars().take(500).collect()
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
