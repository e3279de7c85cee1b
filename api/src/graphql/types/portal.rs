//! The national portal's view of a dossier, and the unsynced dossiers per agency.

use crate::graphql::context::{agency_by_id, required};
use crate::graphql::types::Agency;
use crate::services::outbox::portal::{FAILED, SYNCED};
use crate::services::outbox::PENDING;
use async_graphql::{Context, Enum, Object};
use chrono::{DateTime, Utc};
use entity::portal_sync;

/// Whether the national portal has a dossier's latest status.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SyncStatus {
    /// A status change waits to be sent (or is being sent).
    Pending,
    /// The portal took the dossier's latest status change.
    Synced,
    /// The last attempt failed; it is retried (docs/PORTAL.md), `lastError` says why.
    Failed,
}

impl SyncStatus {
    /// The stored name.
    pub(crate) fn stored(self) -> &'static str {
        match self {
            Self::Pending => PENDING,
            Self::Synced => SYNCED,
            Self::Failed => FAILED,
        }
    }

    fn of(stored: &str) -> Self {
        match stored {
            SYNCED => Self::Synced,
            FAILED => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A dossier's synchronisation with the national portal (docs/PORTAL.md).
pub(crate) struct PortalSync(pub portal_sync::Model);

#[Object]
impl PortalSync {
    /// Pending, synced, or failed.
    async fn status(&self) -> SyncStatus {
        SyncStatus::of(&self.0.status)
    }

    /// Why the last attempt failed (while `FAILED`).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When the state last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the portal last took one of the dossier's changes.
    async fn synced_at(&self) -> Option<DateTime<Utc>> {
        self.0.synced_at
    }
}

/// The dossiers an agency holds that the portal does not have the latest status of.
pub(crate) struct UnsyncedDossiers(pub crate::services::portal_sync::Unsynced);

#[Object]
impl UnsyncedDossiers {
    /// The agency holding them.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let id = self.0.agency_id;
        Ok(Agency(required(agency_by_id(ctx, id).await?, "agency", id)?))
    }

    /// Waiting to be sent.
    async fn pending(&self) -> i64 {
        self.0.pending
    }

    /// Whose last attempt failed.
    async fn failed(&self) -> i64 {
        self.0.failed
    }
}
