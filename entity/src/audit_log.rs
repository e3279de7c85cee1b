//! The audit log: every mutation, who did it, where, and how it ended.

use sea_orm::entity::prelude::*;

/// One audited operation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor: Option<String>,
    pub agency_path: Option<String>,
    pub province_code: Option<String>,
    pub operation: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// `OK` or the error code.
    pub outcome: String,
    pub request_id: String,
    /// An administrative command's compact before and after (JSON), when it has one.
    pub details: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
