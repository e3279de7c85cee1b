//! `publishProcedure`: a draft in force from a day on; the version before it ends the day before.

use super::{managed_version, still, summary, today};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::administration::{required_text, Prepared};
use crate::services::announcements::Announcement;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use chrono::{Days, NaiveDate};
use entity::{procedure, procedure_step, ProcedureStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// Checks that a draft may be published from `effective_from` under
/// `decision_number`, and prepares it: the version before it ends the day
/// before; every instance files under it from that day on.
pub(crate) async fn publish(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    effective_from: NaiveDate,
    decision_number: &str,
) -> ApiResult<Prepared<procedure::Model>> {
    let (before, publisher) = managed_version(state, actor, id).await?;
    if before.status != ProcedureStatus::Draft {
        return Err(ApiError::Conflict(format!("version {} of {} is already published", before.version, before.code)));
    }
    if effective_from < today(state) {
        return Err(ApiError::BadUserInput(format!("`effectiveFrom` must be today or later, not {effective_from}")));
    }
    let steps =
        procedure_step::Entity::find().filter(procedure_step::Column::ProcedureId.eq(id)).all(&state.db).await?;
    if steps.is_empty() {
        return Err(ApiError::BadUserInput("a procedure needs at least one step of its internal process".into()));
    }
    let decision = required_text("decisionNumber", decision_number, 200)?;
    let day_before = effective_from.checked_sub_days(Days::new(1)).unwrap_or(effective_from);
    let others = || {
        procedure::Entity::update_many()
            .filter(procedure::Column::Code.eq(before.code.as_str()))
            .filter(procedure::Column::AgencyId.eq(before.agency_id))
            .filter(procedure::Column::Id.ne(id))
            .filter(still(id, ProcedureStatus::Draft))
    };
    let end_earlier = others()
        .col_expr(procedure::Column::EffectiveTo, Expr::value(day_before))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Published))
        .filter(procedure::Column::EffectiveTo.is_null().or(procedure::Column::EffectiveTo.gte(effective_from)));
    let not_newest = others().col_expr(procedure::Column::IsCurrent, Expr::value(false));
    let after = procedure::Model {
        status: ProcedureStatus::Published,
        effective_from,
        decision_number: Some(decision),
        is_current: true,
        ..before.clone()
    };
    let statement = procedure::Entity::update_many()
        .col_expr(procedure::Column::Status, Expr::value(ProcedureStatus::Published))
        .col_expr(procedure::Column::EffectiveFrom, Expr::value(effective_from))
        .col_expr(procedure::Column::DecisionNumber, Expr::value(after.decision_number.clone()))
        .col_expr(procedure::Column::IsCurrent, Expr::value(true))
        .filter(procedure::Column::Id.eq(id))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Draft));
    let before_writes = vec![Write::Update(end_earlier.into_query()), Write::Update(not_newest.into_query())];
    Ok(Prepared {
        unit: Unit { before: before_writes, ..Unit::of(Write::Update(statement.into_query())) },
        target_id: id.to_string(),
        details: json!({ "before": summary(&before), "after": summary(&after) }),
        announced: Some(Announcement::Catalogue),
        agency: publisher,
        value: after,
    })
}
