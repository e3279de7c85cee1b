//! What an administrative write changed that every server instance must read
//! again: the grants, an official, the agencies, the catalogue, a calendar.
//!
//! The instance that wrote it applies it at once, after its commit, so its
//! next request already sees the change. On PostgreSQL the write also
//! announces it with `pg_notify` inside its own transaction — delivered only
//! if it commits, and only then — and every instance `LISTEN`s on
//! [`CHANNEL`] and applies what it hears, within milliseconds. An instance
//! that lost its listening connection reloads everything once it listens
//! again: it may have missed notices meanwhile. On SQLite there is one
//! process, so applying at once is all there is.
//!
//! Administrative writes are rare, so unlike the slip events' notices (see
//! `events`) these are sent inside the transaction.

use crate::state::AppState;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

/// The PostgreSQL channel of administrative changes.
pub(crate) const CHANNEL: &str = "motcua_administration";

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "camelCase")]
pub(crate) enum Announcement {
    /// A role was granted or revoked (or a role's permissions changed).
    Grants,
    /// An official was changed or deactivated: tokens naming it are checked
    /// again on their next request, and its subscriptions end if it is gone.
    Official { id: Uuid, username: String },
    /// An agency was created, changed or closed.
    Agencies,
    /// A procedure version or a field was created, published or retired.
    Catalogue,
    /// A province's calendar changed.
    Calendars,
    /// Whatever may have changed: after notices may have been missed.
    Everything,
}

impl Announcement {
    /// The statement that announces it to every instance (PostgreSQL), to run
    /// inside the transaction of the write.
    pub(crate) fn statement(&self) -> Statement {
        let payload = serde_json::to_string(self).expect("an announcement serializes");
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        )
    }
}

/// Officials whose tokens were just deactivated or changed, by username: the
/// WebSocket sessions of this instance check theirs again at once.
#[derive(Debug)]
pub struct SignedOut(broadcast::Sender<String>);

impl Default for SignedOut {
    fn default() -> Self {
        Self(broadcast::channel(256).0)
    }
}

impl SignedOut {
    /// A new session's receiver.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<String> {
        self.0.subscribe()
    }
}

/// Applies `announcement` to this instance: forgets what it remembered of
/// what changed, reloads the grants.
pub(crate) async fn apply(state: &AppState, announcement: &Announcement) {
    let grants = matches!(announcement, Announcement::Grants | Announcement::Everything);
    if grants {
        if let Err(error) = state.authz.reload(&state.db).await {
            tracing::error!(?error, "reloading the grants failed; the previous ones stay");
        }
        state.list_bounds.note_rules(&state.authz).await;
    }
    match announcement {
        Announcement::Official { username, .. } => {
            state.officials.forget().await;
            state.authenticator.forget(username);
            let _ = state.signed_out.0.send(username.clone());
        }
        Announcement::Agencies => {
            state.agencies.forget().await;
            reload_lineage(state).await;
            reload_lineage(state).await;
        }
        Announcement::Catalogue => state.procedures.forget().await,
        Announcement::Calendars => state.calendars.forget().await,
        Announcement::Everything => {
            state.officials.forget().await;
            state.authenticator.forget_all();
            // A deactivation may be among what was missed: every session checks its official.
            let _ = state.signed_out.0.send(String::new());
            state.agencies.forget().await;
            state.procedures.forget().await;
            state.calendars.forget().await;
        }
        Announcement::Grants => {}
    }
    if matches!(announcement, Announcement::Agencies | Announcement::Catalogue | Announcement::Everything) {
        // A new agency or version may lengthen a list past its bound.
        if let Err(error) = state.list_bounds.refresh(&state.db).await {
            tracing::warn!(?error, "reading the list bounds failed; the previous ones stay");
        }
    }
}

impl AppState {
    /// Forgets everything this instance remembers of agencies, procedure
    /// versions, officials and calendars, and reloads the grants, as after
    /// missed announcements: the next reads go to the database.
    pub async fn forget_remembered(&self) {
        apply(self, &Announcement::Everything).await;
    }
}

/// How long a start waits for the first `LISTEN`.
const FIRST_LISTEN_WITHIN: Duration = Duration::from_secs(5);

/// On PostgreSQL: listens for every instance's announcements for as long as
/// the state lives, reconnecting after a failure. Waits (at most
/// [`FIRST_LISTEN_WITHIN`]) until it first listens.
pub(crate) async fn start_listening(state: &Arc<AppState>, url: String) {
    if state.db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let (listening, first) = tokio::sync::oneshot::channel();
    let state = Arc::downgrade(state);
    tokio::spawn(async move {
        let mut listening = Some(listening);
        loop {
            match listen_once(&state, &url, &mut listening).await {
                Ok(()) => return,
                Err(error) => tracing::warn!(%error, "listening for administrative changes failed; retrying"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    if tokio::time::timeout(FIRST_LISTEN_WITHIN, first).await.is_err() {
        tracing::warn!("not listening for administrative changes yet; serving meanwhile");
    }
}

/// Listens until the state is dropped (`Ok`) or the connection fails.
async fn listen_once(
    state: &Weak<AppState>,
    url: &str,
    listening: &mut Option<tokio::sync::oneshot::Sender<()>>,
) -> anyhow::Result<()> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    match listening.take() {
        Some(first) => {
            let _ = first.send(());
        }
        // Listening again: whatever was announced meanwhile was missed.
        None => match state.upgrade() {
            Some(state) => apply(&state, &Announcement::Everything).await,
            None => return Ok(()),
        },
    }
    loop {
        let notification = tokio::time::timeout(Duration::from_secs(30), listener.recv()).await;
        let Some(state) = state.upgrade() else { return Ok(()) };
        let Ok(notification) = notification else { continue };
        match serde_json::from_str::<Announcement>(notification?.payload()) {
            Ok(announcement) => apply(&state, &announcement).await,
            Err(error) => tracing::warn!(%error, "a malformed announcement"),
        }
    }
}

/// The agencies' heirs read again; on failure the previous ones stay.
async fn reload_lineage(state: &AppState) {
    if let Err(error) = state.authz.reload_lineage(&state.db).await {
        tracing::warn!(?error, "reading the agencies' heirs failed; the previous ones stay");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announcement_reads_back_as_itself() {
        for announcement in [
            Announcement::Grants,
            Announcement::Official { id: Uuid::now_v7(), username: "vinhthanh.motcua".into() },
            Announcement::Catalogue,
        ] {
            let text = serde_json::to_string(&announcement).unwrap();
            assert_eq!(serde_json::from_str::<Announcement>(&text).unwrap(), announcement);
        }
        assert_eq!(serde_json::to_string(&Announcement::Grants).unwrap(), r#"{"what":"grants"}"#);
    }
}
