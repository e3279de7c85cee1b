//! `retireProcedure`: the last day a procedure takes dossiers.

use super::{managed_version, still, summary, today};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::administration::Prepared;
use crate::services::announcements::Announcement;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use chrono::{Days, NaiveDate};
use entity::{procedure, ProcedureStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// Checks that the procedure of version `id` may be retired with
/// `effective_to` as its last day (yesterday at the earliest), and prepares
/// it: no version of it takes dossiers after that day.
pub(crate) async fn retire(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    effective_to: NaiveDate,
) -> ApiResult<Prepared<procedure::Model>> {
    let (before, publisher) = managed_version(state, actor, id).await?;
    if before.status != ProcedureStatus::Published {
        return Err(ApiError::BadUserInput("a draft is not in force: there is nothing to retire".into()));
    }
    let yesterday = today(state).checked_sub_days(Days::new(1)).unwrap_or(effective_to);
    if effective_to < yesterday {
        return Err(ApiError::BadUserInput(format!("`effectiveTo` must be {yesterday} or later")));
    }
    if before.effective_to.is_some_and(|last| last <= effective_to) {
        return Err(ApiError::Conflict(format!("{} is retired already", before.code)));
    }
    let later = procedure::Entity::update_many()
        .col_expr(procedure::Column::EffectiveTo, Expr::value(effective_to))
        .filter(procedure::Column::Code.eq(before.code.as_str()))
        .filter(procedure::Column::AgencyId.eq(before.agency_id))
        .filter(procedure::Column::Id.ne(id))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Published))
        .filter(procedure::Column::EffectiveTo.is_null().or(procedure::Column::EffectiveTo.gt(effective_to)))
        .filter(still(id, ProcedureStatus::Published));
    let statement = procedure::Entity::update_many()
        .col_expr(procedure::Column::EffectiveTo, Expr::value(effective_to))
        .filter(procedure::Column::Id.eq(id))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Published));
    let after = procedure::Model { effective_to: Some(effective_to), ..before.clone() };
    Ok(Prepared {
        unit: Unit {
            before: vec![Write::Update(later.into_query())],
            ..Unit::of(Write::Update(statement.into_query()))
        },
        target_id: id.to_string(),
        details: json!({ "before": summary(&before), "after": summary(&after) }),
        announced: Some(Announcement::Catalogue),
        agency: publisher,
        value: after,
    })
}
