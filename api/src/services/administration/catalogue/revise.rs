//! `reviseProcedure`: a published version copied into a new draft.

use super::draft::parts;
use super::{managed_version, summary, today, DocumentSpec, StepSpec};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::administration::Prepared;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use entity::{procedure, ProcedureStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// Prepares a new draft copied from the published version `id` (its
/// attributes, documents and steps), numbered after the newest version.
pub(crate) async fn revise(state: &AppState, actor: &Viewer, id: Uuid) -> ApiResult<Prepared<procedure::Model>> {
    let (source, publisher) = managed_version(state, actor, id).await?;
    if source.status != ProcedureStatus::Published {
        return Err(ApiError::BadUserInput(format!(
            "version {} of {} is a draft: change it",
            source.version, source.code
        )));
    }
    let versions = procedure::Entity::find()
        .filter(procedure::Column::Code.eq(source.code.as_str()))
        .filter(procedure::Column::AgencyId.eq(source.agency_id))
        .order_by_desc(procedure::Column::Version)
        .all(&state.db)
        .await?;
    if let Some(draft) = versions.iter().find(|v| v.status == ProcedureStatus::Draft) {
        return Err(ApiError::Conflict(format!("{} has a draft already: version {}", source.code, draft.version)));
    }
    let draft = procedure::Model {
        id: Uuid::now_v7(),
        version: versions.first().map_or(1, |newest| newest.version + 1),
        decision_number: None,
        effective_from: today(state),
        effective_to: None,
        is_current: false,
        is_sample: false,
        created_at: state.clock.now(),
        status: ProcedureStatus::Draft,
        ..source.clone()
    };
    let documents = crate::services::procedures::documents_of(&state.db, &[id]).await?;
    let steps = crate::services::procedures::steps_of(&state.db, &[id]).await?;
    let documents: Vec<DocumentSpec> = documents
        .into_iter()
        .map(|d| DocumentSpec { name: d.name, originals: d.originals, copies: d.copies, required: d.required })
        .collect();
    let steps: Vec<StepSpec> =
        steps.into_iter().map(|s| StepSpec { name: s.name, role: s.role, budget_hours: s.budget_hours }).collect();
    let then = parts(state, draft.id, &documents, &steps).await?;
    let row = procedure::ActiveModel::from(draft.clone());
    Ok(Prepared {
        unit: Unit { then, ..Unit::of(Write::Insert(procedure::Entity::insert(row).into_query())) },
        target_id: draft.id.to_string(),
        details: json!({ "from": summary(&source), "after": summary(&draft) }),
        announced: None,
        agency: publisher,
        value: draft,
    })
}
