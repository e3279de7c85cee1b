//! The moves a report leaves out: a dossier a reorganisation carried between
//! two agencies that one row (or the total) counts both of is neither moved
//! in nor moved out there — its figures just go on.

use super::period::Period;
use super::Figures;
use crate::domain::scope::Scope;
use crate::error::ApiResult;
use crate::services::scope::ScopeCondition;
use chrono::NaiveDate;
use entity::dossier_move;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

/// A move of the period between two agencies the report counts.
#[derive(Debug, Clone)]
pub(super) struct Internal {
    pub from_path: String,
    pub to_path: String,
    pub day: NaiveDate,
    pub procedure_id: Uuid,
}

/// The moves on the period's days between two agencies of `within`.
pub(super) async fn internal(db: &DatabaseConnection, within: &Scope, period: Period) -> ApiResult<Vec<Internal>> {
    let rows = dossier_move::Entity::find()
        .filter(dossier_move::Column::Day.between(period.from, period.to))
        .filter(within.condition(dossier_move::Column::FromPath))
        .filter(within.condition(dossier_move::Column::ToPath))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| Internal { from_path: m.from_path, to_path: m.to_path, day: m.day, procedure_id: m.procedure_id })
        .collect())
}

impl Figures {
    /// Leaves out `n` moves from one of its agencies to another.
    pub(super) fn less_moves(&mut self, n: i64) {
        self.moved_in -= n;
        self.moved_out -= n;
    }
}
