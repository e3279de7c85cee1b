//! Whether the national portal has a dossier's latest status.

use sea_orm::entity::prelude::*;

/// A dossier's synchronisation with the national portal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_sync")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub dossier_id: Uuid,
    /// `PENDING`, `SYNCED` or `FAILED`.
    pub status: String,
    /// Why the last attempt failed, while `FAILED`.
    pub last_error: Option<String>,
    pub updated_at: DateTimeUtc,
    /// When the portal last took one of the dossier's changes.
    pub synced_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
