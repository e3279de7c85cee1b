//! The bus of slip events that subscriptions listen to. A command hands its
//! event to the bus once its write has committed. On SQLite (one process)
//! the bus hands it to this server's subscribers. On PostgreSQL it goes out
//! as a `NOTIFY`; every server instance `LISTEN`s and hands what it hears to
//! its own subscribers, so an event written by one instance reaches the
//! subscribers of all. What an instance hears of the others' events also
//! tells it which remembered dossiers ([`super::recent::RecentDossiers`])
//! are out of date.
//!
//! The `NOTIFY` is not part of the command's own transaction: PostgreSQL
//! holds one database-wide lock from a notifying transaction's commit until
//! its log is on disk, so notifying commands would commit one at a time (a
//! quarter of the commands' throughput, docs/PERFORMANCE.md). A publisher
//! task sends the notices of the commands that committed meanwhile in one
//! statement on a connection of its own. A notice is therefore sent only
//! after its event committed, and is lost if the process stops in between:
//! subscriptions are live notifications, the slip is the record.

use super::recent::RecentDossiers;
use crate::error::ApiResult;
use entity::dossier_event;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{ConnectOptions, Connection};
use sea_orm::{DatabaseConnection, DbBackend, EntityTrait};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// The PostgreSQL channel of slip events.
pub(crate) const CHANNEL: &str = "motcua_dossier_events";

/// A slip event with the receiving agency of its dossier (which keeps sight
/// of a transferred dossier's events).
#[derive(Debug, Clone)]
pub struct Published {
    pub event: dossier_event::Model,
    pub receiving_agency_path: String,
}

impl Published {
    /// Whether the event's dossier is held or was received in `scope`.
    pub fn is_in(&self, scope: &crate::domain::scope::Scope) -> bool {
        scope.contains(&self.event.agency_path) || scope.contains(&self.receiving_agency_path)
    }
}

/// What a `NOTIFY` carries: the whole event when it fits the payload limit
/// (8,000 bytes), so listeners need not read it back; its id otherwise. With
/// the dossier it changed and the server instance that wrote it.
#[derive(Serialize, Deserialize)]
struct Notice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<dossier_event::Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<uuid::Uuid>,
    #[serde(default)]
    dossier: Option<uuid::Uuid>,
    #[serde(default)]
    writer: Option<uuid::Uuid>,
    receiving: String,
}

/// Room left in a notice for what PostgreSQL adds.
const MAX_NOTICE_BYTES: usize = 7_500;
/// Most notices waiting for the publisher; beyond, they are dropped (and logged).
const MAX_WAITING_NOTICES: usize = 100_000;
/// Most notices the publisher sends in one statement.
const MAX_NOTICES_AT_ONCE: usize = 1_000;

/// Slip events as they happen, to every subscriber of this server.
#[derive(Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Published>>,
    backend: DbBackend,
    /// On PostgreSQL, the notices waiting for the publisher.
    notices: Option<mpsc::Sender<String>>,
    waiting: std::sync::Mutex<Option<mpsc::Receiver<String>>>,
    /// This server instance, as its notices name it.
    instance: uuid::Uuid,
    /// The dossiers this instance remembers, which other instances' events make out of date.
    recent: Arc<RecentDossiers>,
}

impl EventBus {
    /// A bus for a database of `backend`, which keeps `recent` up to date.
    pub fn new(backend: DbBackend, recent: Arc<RecentDossiers>) -> Self {
        let (notices, waiting) = match backend {
            DbBackend::Postgres => {
                let (sender, receiver) = mpsc::channel(MAX_WAITING_NOTICES);
                (Some(sender), Some(receiver))
            }
            _ => (None, None),
        };
        Self {
            sender: broadcast::channel(4096).0,
            backend,
            notices,
            waiting: std::sync::Mutex::new(waiting),
            instance: uuid::Uuid::now_v7(),
            recent,
        }
    }

    /// The payload of the `NOTIFY` (on [`CHANNEL`]) that delivers the event on PostgreSQL.
    fn notice(&self, published: &Published) -> ApiResult<String> {
        let receiving = published.receiving_agency_path.clone();
        let (dossier, writer) = (Some(published.event.dossier_id), Some(self.instance));
        let whole =
            Notice { event: Some(published.event.clone()), id: None, dossier, writer, receiving: receiving.clone() };
        let notice = serde_json::to_string(&whole).map_err(crate::error::ApiError::internal)?;
        if notice.len() <= MAX_NOTICE_BYTES {
            return Ok(notice);
        }
        let by_id = Notice { event: None, id: Some(published.event.id), dossier, writer, receiving };
        serde_json::to_string(&by_id).map_err(crate::error::ApiError::internal)
    }

    /// After the commit: on SQLite, hands the event to this server's
    /// subscribers; on PostgreSQL, to the publisher.
    pub fn committed(&self, published: Published) {
        let Some(notices) = &self.notices else {
            // No subscriber is not an error.
            let _ = self.sender.send(Arc::new(published));
            return;
        };
        match self.notice(&published) {
            Ok(notice) => {
                if notices.try_send(notice).is_err() {
                    tracing::warn!(event = %published.event.id, "too many notices waiting: an event is not published");
                }
            }
            Err(error) => tracing::error!(?error, "cannot write the notice of an event"),
        }
    }

    /// A new subscriber's receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.sender.subscribe()
    }

    /// On PostgreSQL: publishes this instance's notices and listens for
    /// everyone's for as long as the process runs, reconnecting after a
    /// failure, and hands the events heard to the subscribers. Waits (at
    /// most [`FIRST_LISTEN_WITHIN`]) until the listener first listens, so
    /// that no command runs from a copy the first `LISTEN` would forget, nor
    /// misses another instance's notice.
    pub async fn start(self: &Arc<Self>, url: String, db: DatabaseConnection) {
        if self.backend != DbBackend::Postgres {
            return;
        }
        let (listening, first) = tokio::sync::oneshot::channel();
        let waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(waiting) = waiting {
            tokio::spawn(publish(url.clone(), waiting));
        }
        let bus = self.clone();
        tokio::spawn(async move {
            let mut listening = Some(listening);
            loop {
                if let Err(error) = bus.listen_once(&url, &db, &mut listening).await {
                    tracing::warn!(%error, "listening for dossier events failed; retrying in a second");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        if tokio::time::timeout(FIRST_LISTEN_WITHIN, first).await.is_err() {
            tracing::warn!("not listening for dossier events yet; serving meanwhile");
        }
    }

    async fn listen_once(
        &self,
        url: &str,
        db: &DatabaseConnection,
        listening: &mut Option<tokio::sync::oneshot::Sender<()>>,
    ) -> anyhow::Result<()> {
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        // Notices sent while nobody listened are lost: trust no copy from before.
        self.recent.forget_all();
        if let Some(listening) = listening.take() {
            let _ = listening.send(());
        }
        loop {
            let notification = listener.recv().await?;
            let notice: Notice = match serde_json::from_str(notification.payload()) {
                Ok(notice) => notice,
                Err(error) => {
                    tracing::warn!(%error, "a malformed dossier-event notice");
                    continue;
                }
            };
            if notice.writer != Some(self.instance) {
                let dossier = notice.dossier.or(notice.event.as_ref().map(|event| event.dossier_id));
                match dossier {
                    Some(id) => self.recent.forget(id),
                    None => self.recent.forget_all(),
                }
            }
            let event = match (notice.event, notice.id) {
                (Some(event), _) => Some(event),
                (None, Some(id)) => dossier_event::Entity::find_by_id(id).one(db).await?,
                (None, None) => None,
            };
            if let Some(event) = event {
                let _ = self.sender.send(Arc::new(Published { event, receiving_agency_path: notice.receiving }));
            }
        }
    }
}

/// How long a start waits for the first `LISTEN`.
const FIRST_LISTEN_WITHIN: Duration = Duration::from_secs(5);

/// Sends the waiting notices, as many as have gathered at once, in one
/// statement on a connection of its own that does not wait for the disk at
/// commit (a lost notice is what a crash loses anyway).
async fn publish(url: String, mut waiting: mpsc::Receiver<String>) {
    let mut connection: Option<PgConnection> = None;
    let mut batch = Vec::with_capacity(MAX_NOTICES_AT_ONCE);
    while waiting.recv_many(&mut batch, MAX_NOTICES_AT_ONCE).await > 0 {
        for attempt in 0..2 {
            if connection.is_none() {
                connection = match publisher_connection(&url).await {
                    Ok(connection) => Some(connection),
                    Err(error) => {
                        tracing::warn!(%error, "cannot connect to publish dossier events");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
            }
            let Some(open) = connection.as_mut() else { continue };
            let sent = sea_orm::sqlx::query("SELECT pg_notify($1, notice) FROM unnest($2::text[]) AS notice")
                .bind(CHANNEL)
                .bind(&batch)
                .execute(open)
                .await;
            match sent {
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, attempt, notices = batch.len(), "publishing dossier events failed");
                    connection = None;
                }
            }
        }
        batch.clear();
    }
}

async fn publisher_connection(url: &str) -> anyhow::Result<PgConnection> {
    let options: PgConnectOptions = url.parse()?;
    let mut connection = options.options([("synchronous_commit", "off")]).connect().await?;
    connection.ping().await?;
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(note: &str) -> Published {
        let event = dossier_event::Model {
            id: uuid::Uuid::now_v7(),
            dossier_id: uuid::Uuid::now_v7(),
            agency_path: "/91/899/30733/".into(),
            province_code: "91".into(),
            action: "RECEIVE".into(),
            status_from: None,
            status_to: entity::DossierStatus::Received,
            from_agency_id: None,
            from_official_id: None,
            to_agency_id: None,
            to_official_id: None,
            to_role: Some("specialist".into()),
            step: Some(2),
            step_due_at: None,
            note: Some(note.into()),
            details: None,
            created_at: chrono::Utc::now(),
        };
        Published { event, receiving_agency_path: "/91/899/30733/".into() }
    }

    #[test]
    fn a_notice_carries_the_whole_event_when_it_fits_and_its_id_otherwise() {
        let bus = EventBus::new(DbBackend::Postgres, Default::default());
        let small = published("Hồ sơ hợp lệ");
        let notice: Notice = serde_json::from_str(&bus.notice(&small).unwrap()).unwrap();
        assert_eq!(notice.event, Some(small.event.clone()));
        assert_eq!(notice.receiving, "/91/899/30733/");
        assert_eq!((notice.dossier, notice.writer), (Some(small.event.dossier_id), Some(bus.instance)));

        let large = published(&"Thiếu giấy tờ. ".repeat(600));
        let text = bus.notice(&large).unwrap();
        assert!(text.len() <= MAX_NOTICE_BYTES);
        let notice: Notice = serde_json::from_str(&text).unwrap();
        assert_eq!((notice.event, notice.id), (None, Some(large.event.id)));
        assert_eq!(notice.dossier, Some(large.event.dossier_id));
    }
}
