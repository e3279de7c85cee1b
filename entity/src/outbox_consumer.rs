//! Who hears of the slip's entries beyond the server: a webhook (and, as
//! they come, the national portal's connector and the notices to
//! applicants), with the part of the slip it hears and how far it has read.

use sea_orm::entity::prelude::*;

/// One consumer of the outbox.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_consumer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `WEBHOOK`.
    pub kind: String,
    /// The agency whose dossiers it hears of.
    pub agency_id: Uuid,
    pub agency_path: String,
    /// True: the agency's whole subtree.
    pub subtree: bool,
    /// The official or service account it hears for: it hears only what
    /// they may read now.
    pub owner_id: Uuid,
    pub url: Option<String>,
    /// The signing secret (`whsec_…`).
    pub secret: Option<String>,
    /// The slip actions it hears of, as a JSON array; all when `None`.
    pub events: Option<String>,
    pub description: Option<String>,
    /// `ACTIVE` or `PAUSED`.
    pub state: String,
    /// How far it has read the slip: the position of the last entry read
    /// (PostgreSQL: its transaction; SQLite: its row) and its id.
    pub cursor_position: i64,
    pub cursor_event: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
