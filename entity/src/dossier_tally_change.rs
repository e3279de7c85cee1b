//! On PostgreSQL, the counters' changes as commands write them: one
//! insert-only row per change, so that concurrent commands at one agency never
//! wait on each other for the day's counter row. A background task folds them
//! into `dossier_tally`; reports add up both.

use sea_orm::entity::prelude::*;

/// A change to one agency's counters on one day.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_tally_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: Uuid,
    pub day: Date,
    pub agency_path: String,
    pub entered_online: i32,
    pub entered_direct: i32,
    pub entered_postal: i32,
    pub resolved_early: i32,
    pub resolved_on_time: i32,
    pub resolved_late: i32,
    pub withdrawn: i32,
    pub refused: i32,
    pub stopped: i32,
    pub overdue_from: i32,
    pub overdue_until: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
