//! The report's counters (form II.06a): per agency and calendar day (Vietnam
//! time), how many dossiers entered, ended each way and passed their due
//! date. Kept by every command in the transaction of its change, so a report
//! reads a few rows per agency and day instead of every dossier.

use sea_orm::entity::prelude::*;

/// An agency's counters on one day. What each counter counts is defined by
/// `api::services::tally` (and `docs/REPORTS.md`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// The agency's canonical path: the report's scope filter runs on it.
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
    /// Dossiers that became overdue-capable on this day: from the next day on,
    /// they count as overdue while pending.
    pub overdue_from: i32,
    /// Dossiers whose overdue span ended on this day (finished then, or never
    /// overdue at all when finished before their due day).
    pub overdue_until: i32,
    /// Dossiers that finished on this day after their overdue span began
    /// (already overdue when the day began).
    pub ended_overdue: i32,
    /// Service index: taken in with digitised documents.
    pub entered_digitized: i32,
    /// Service index: taken in with a fee to pay.
    pub entered_fee_bearing: i32,
    /// Service index: taken in with a fee, paid online.
    pub entered_paid_online: i32,
    /// Service index: resolved with a digitised result.
    pub resolved_result_digitized: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
