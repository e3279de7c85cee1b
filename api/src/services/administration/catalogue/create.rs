//! `createProcedure`: a new procedure's first version, a draft.

use super::draft::{apply, check_code, parts};
use super::{managed, summary, today, DraftSpec};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::administration::Prepared;
use crate::services::agencies;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use entity::{procedure, ProcedureStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// Checks a new procedure and prepares its first version, a draft.
pub(crate) async fn create(
    state: &AppState,
    actor: &Viewer,
    agency_code: &str,
    code: &str,
    spec: DraftSpec,
) -> ApiResult<Prepared<procedure::Model>> {
    let scope = managed(state, actor).await;
    let publisher = agencies::require_by_code(&state.db, agency_code, |a| scope.contains(&a.path)).await?;
    let code = code.trim();
    check_code(code)?;
    let exists = procedure::Entity::find()
        .filter(procedure::Column::Code.eq(code))
        .filter(procedure::Column::AgencyId.eq(publisher.id))
        .one(&state.db)
        .await?;
    if exists.is_some() {
        return Err(ApiError::Conflict(format!("{} already publishes {code}: revise it", publisher.name)));
    }
    let missing = |field: &str| ApiError::BadUserInput(format!("`{field}` is required"));
    let blank = procedure::Model {
        id: Uuid::now_v7(),
        code: code.to_owned(),
        version: 1,
        name: String::new(),
        field_id: Uuid::nil(),
        agency_id: publisher.id,
        agency_path: publisher.path.clone(),
        province_code: publisher.province_code.clone(),
        tier: spec.tier.ok_or_else(|| missing("tier"))?,
        online_mode: spec.online_mode.ok_or_else(|| missing("onlineMode"))?,
        resolution_time: spec.resolution_time.ok_or_else(|| missing("resolutionTime"))?,
        resolution_unit: spec.resolution_unit.ok_or_else(|| missing("resolutionUnit"))?,
        fee_amount: 0,
        fee_note: None,
        legal_basis: None,
        decision_number: None,
        effective_from: today(state),
        effective_to: None,
        published_national: false,
        is_current: false,
        is_sample: false,
        created_at: state.clock.now(),
        status: ProcedureStatus::Draft,
    };
    spec.name.as_ref().ok_or_else(|| missing("name"))?;
    spec.field_code.as_ref().ok_or_else(|| missing("fieldCode"))?;
    let version = apply(state, blank, &publisher, &spec).await?;
    let documents = spec.documents.as_deref().unwrap_or_default();
    let then = parts(state, version.id, documents, spec.steps.as_deref().unwrap_or_default()).await?;
    let row = procedure::ActiveModel::from(version.clone());
    Ok(Prepared {
        unit: Unit { then, ..Unit::of(Write::Insert(procedure::Entity::insert(row).into_query())) },
        target_id: version.id.to_string(),
        details: json!({ "after": summary(&version) }),
        announced: None,
        agency: publisher,
        value: version,
    })
}
