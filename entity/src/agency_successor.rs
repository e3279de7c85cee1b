//! Which agency took over from which (the 2025 reorganisation merged and divided units).

use sea_orm::entity::prelude::*;

/// One successor of an agency that ceased to exist.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agency_successor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub successor_id: Uuid,
    /// The successor that took the old agency's seat and its in-flight dossiers.
    pub is_default: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
