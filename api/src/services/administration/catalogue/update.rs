//! `updateProcedureDraft`: a draft changed, its documents and steps replaced when given.

use super::draft::{apply, parts};
use super::{managed_version, still, summary, DraftSpec};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::administration::Prepared;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use entity::{procedure, procedure_document, procedure_step, ProcedureStatus};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// Checks the changes to a draft and prepares them (its documents and
/// steps are replaced when given).
pub(crate) async fn update(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    spec: DraftSpec,
) -> ApiResult<Prepared<procedure::Model>> {
    let (before, publisher) = managed_version(state, actor, id).await?;
    if before.status != ProcedureStatus::Draft {
        return Err(ApiError::InvalidTransition {
            message: format!("version {} of {} is published: revise it into a new draft", before.version, before.code),
            status: "PUBLISHED",
            allowed: vec!["reviseProcedure", "retireProcedure"],
        });
    }
    let after = apply(state, before.clone(), &publisher, &spec).await?;
    let mut deletes = Vec::new();
    let mut then = Vec::new();
    if let Some(documents) = &spec.documents {
        let delete = procedure_document::Entity::delete_many()
            .filter(procedure_document::Column::ProcedureId.eq(id))
            .filter(still(id, ProcedureStatus::Draft));
        deletes.push(Write::Delete(delete.into_query()));
        then.extend(parts(state, id, documents, &[]).await?);
    }
    if let Some(steps) = &spec.steps {
        let delete = procedure_step::Entity::delete_many()
            .filter(procedure_step::Column::ProcedureId.eq(id))
            .filter(still(id, ProcedureStatus::Draft));
        deletes.push(Write::Delete(delete.into_query()));
        then.extend(parts(state, id, &[], steps).await?);
    }
    // Every column written (a model converts to unchanged values, which `set` skips).
    let row = procedure::ActiveModel::from(after.clone()).reset_all();
    let mut statement = procedure::Entity::update_many().set(row);
    statement =
        statement.filter(procedure::Column::Id.eq(id)).filter(procedure::Column::Status.eq(ProcedureStatus::Draft));
    Ok(Prepared {
        unit: Unit { before: deletes, then, ..Unit::of(Write::Update(statement.into_query())) },
        target_id: id.to_string(),
        details: json!({ "before": summary(&before), "after": summary(&after) }),
        announced: None,
        agency: publisher,
        value: after,
    })
}
