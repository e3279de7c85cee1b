//! What every request shares: the database, the casbin enforcer, the clock,
//! the working-day calendars, the bus of slip events and the document store.

use crate::auth::Authz;
use crate::services::agencies::Directory;
use crate::services::calendars::Calendars;
use crate::services::clock::Clock;
use crate::services::documents::DocumentStore;
use crate::services::events::EventBus;
use crate::services::procedures::Versions;
use crate::services::recent::RecentDossiers;
use crate::services::tracking::Limiter;
use sea_orm::DatabaseConnection;

/// Shared by every request.
pub struct AppState {
    pub db: DatabaseConnection,
    pub authz: Authz,
    pub clock: Clock,
    pub calendars: Calendars,
    /// Agencies, as commands read them.
    pub agencies: Directory,
    /// On PostgreSQL, the intakes waiting for a dossier number.
    pub numbers: crate::services::numbers::DossierNumbers,
    /// Officials, as commands read them (assignees, signers).
    pub officials: crate::services::officials::Officials,
    /// Procedure versions with their steps, as commands read them.
    pub procedures: Versions,
    pub events: std::sync::Arc<EventBus>,
    /// Dossiers as this instance last wrote them, where commands start from.
    pub recent: std::sync::Arc<RecentDossiers>,
    /// On SQLite, the connection the commands write through, one at a time.
    pub sqlite_writer: Option<crate::services::sqlite_writer::SqliteWriter>,
    /// Unsuccessful `trackDossier` lookups per client.
    pub tracking: Limiter,
    /// Refused `POST /oauth/token` requests per client.
    pub token_failures: Limiter,
    /// Document contents, by their SHA-256, in the data folder.
    pub documents: DocumentStore,
    /// How long the lists returned whole can be, for the cost of a query.
    pub list_bounds: std::sync::Arc<crate::services::list_bounds::ListBounds>,
    /// Verifies tokens and remembers the officials they name.
    pub authenticator: std::sync::Arc<crate::auth::Authenticator>,
    /// Deliveries of the slip's entries to webhooks.
    pub outbox: crate::services::outbox::Outbox,
    /// Officials just deactivated or changed, for the WebSocket sessions.
    pub signed_out: crate::services::announcements::SignedOut,
}
