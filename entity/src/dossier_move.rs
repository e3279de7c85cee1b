//! One move of a dossier to a successor agency, by a reorganisation: what a
//! report reads to leave out the moves within what it counts.

use sea_orm::entity::prelude::*;

/// A dossier carried from one agency to another on a day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_move")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub procedure_id: Uuid,
    /// The day its counters moved (the effective date).
    pub day: Date,
    pub from_path: String,
    pub to_path: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
