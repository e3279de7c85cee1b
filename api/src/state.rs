//! What every request shares: the database, the casbin enforcer, the clock,
//! the working-day calendars and the bus of slip events.

use crate::auth::Authz;
use crate::services::calendars::Calendars;
use crate::services::clock::Clock;
use crate::services::events::EventBus;
use crate::services::tracking::Limiter;
use sea_orm::DatabaseConnection;
use std::path::PathBuf;

/// Shared by every request.
pub struct AppState {
    pub db: DatabaseConnection,
    pub authz: Authz,
    pub clock: Clock,
    pub calendars: Calendars,
    pub events: std::sync::Arc<EventBus>,
    /// Unsuccessful `trackDossier` lookups per client.
    pub tracking: Limiter,
    /// Where document contents are stored, by their SHA-256.
    pub data_dir: PathBuf,
}
