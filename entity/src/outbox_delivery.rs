//! One slip entry due to one consumer of the outbox.

use sea_orm::entity::prelude::*;

/// A delivery: pending until a receiver took it, dead after its last attempt failed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_delivery")]
pub struct Model {
    /// Also the `webhook-id` of every attempt.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consumer_id: Uuid,
    pub event_id: Uuid,
    pub dossier_id: Uuid,
    /// The entry's position in the slip (its transaction on PostgreSQL, its row on SQLite).
    pub position: i64,
    /// `PENDING`, `DELIVERED` or `DEAD`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// While an instance is sending it: nobody else takes it before.
    pub leased_until: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    /// When it was delivered or given up.
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
