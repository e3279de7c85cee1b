//! What a command's change may read — the dossier as it was, the
//! procedure's steps, the province's calendar — and the checks the changes
//! share.

use super::plan::Plan;
use crate::auth::Viewer;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::lifecycle;
use crate::domain::steps::step_deadline;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::{dossier, official, procedure, procedure_step, DocumentKind, DossierStatus};
use sea_orm::Set;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// What a command's change may read.
pub(super) struct Context<'a> {
    pub(super) state: &'a AppState,
    pub(super) actor: &'a Viewer,
    pub(super) before: &'a dossier::Model,
    pub(super) calendar: &'a WorkingCalendar,
    pub(super) procedure: &'a procedure::Model,
    pub(super) steps: &'a [procedure_step::Model],
    pub(super) now: DateTime<Utc>,
}

impl Context<'_> {
    /// The dossier enters `step`, for `official` or for the step's role.
    pub(super) fn enter_step(
        &self,
        plan: &mut Plan,
        step: Option<&procedure_step::Model>,
        official: Option<Uuid>,
        due_at: Option<DateTime<Utc>>,
    ) {
        let Some(step) = step else {
            plan.dossier.current_step = Set(None);
            plan.slip.step = None;
            return;
        };
        plan.dossier.current_step = Set(Some(step.position));
        plan.slip.step = Some(step.position);
        plan.slip.to_role = Some(step.role.clone());
        plan.slip.to_official_id = official;
        plan.slip.step_due_at = Some(step_deadline(self.calendar, self.now, step, due_at));
    }

    /// The clock runs again: the due date moves by the working time it stood still.
    pub(super) fn resume(&self, plan: &mut Plan) {
        let before = self.before;
        if let (Some(paused_at), Some(due)) = (before.paused_at, before.due_at) {
            let minutes = self.calendar.working_minutes_between(paused_at, self.now);
            let moved = self.calendar.shift(due, minutes);
            plan.dossier.due_at = Set(Some(moved));
            plan.slip.details = Some(json!({ "pausedWorkingMinutes": minutes, "dueAt": moved }));
        }
        plan.dossier.paused_at = Set(None);
    }

    pub(super) fn current_step(&self) -> Option<&procedure_step::Model> {
        let position = self.before.current_step?;
        self.steps.iter().find(|s| s.position == position)
    }

    /// A step is completed by its assignee, or, when nobody is assigned, by
    /// anyone holding the step's role where the dossier is.
    pub(super) async fn check_holds_current_step(&self) -> ApiResult<()> {
        let Some(step) = self.current_step() else { return Ok(()) };
        if self.before.assignee_id == Some(self.actor.id) {
            return Ok(());
        }
        if self.before.assignee_id.is_none()
            && holds(self.state, &self.actor.username, &step.role, &self.before.agency_path).await
        {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "step {} ({}) belongs to {}",
            step.position,
            step.name,
            if self.before.assignee_id.is_some() {
                "the official assigned to it".to_owned()
            } else {
                format!("the {} role", step.role)
            }
        )))
    }

    /// An active official who holds `role` (when given) and may complete
    /// steps where the dossier is.
    pub(super) async fn official_who_can_take(
        &self,
        id: Uuid,
        role: Option<&str>,
        field: &str,
    ) -> ApiResult<Arc<official::Model>> {
        let official = self.official_with_permission(id, "complete_step", field).await?;
        if let Some(role) = role {
            if !holds(self.state, &official.username, role, &self.before.agency_path).await {
                return Err(ApiError::BadUserInput(format!(
                    "`{field}` must name an official holding the {role} role at {}",
                    self.before.agency_path
                )));
            }
        }
        Ok(official)
    }

    /// An active official allowed `action` on dossiers where the dossier is.
    pub(super) async fn official_with_permission(
        &self,
        id: Uuid,
        action: &str,
        field: &str,
    ) -> ApiResult<Arc<official::Model>> {
        let refused = || {
            ApiError::BadUserInput(format!(
                "`{field}` must name an active official who may {action} dossiers at {}",
                self.before.agency_path
            ))
        };
        let official = self.state.officials.by_id(&self.state.db, id).await?.ok_or_else(refused)?;
        if !official.active
            || !self.state.authz.allows(&official.username, &self.before.agency_path, "dossier", action).await
        {
            return Err(refused());
        }
        Ok(official)
    }
}

/// Whether `user` holds `role` at the agency at `path`.
pub(super) async fn holds(state: &AppState, user: &str, role: &str, path: &str) -> bool {
    state.authz.grants(user).await.iter().any(|grant| grant.role == role && grant.pattern.contains(path))
}

/// Which documents fit which moment: the application's until the dossier is
/// resolved, a supplement's while it is being processed, the result's from
/// processing until it is handed out.
pub(super) fn check_kind_fits(kind: DocumentKind, status: DossierStatus) -> ApiResult<()> {
    use DossierStatus::*;
    let fits = match kind {
        DocumentKind::Application => status != Resolved,
        DocumentKind::Supplement => matches!(status, SupplementRequested | Processing | AwaitingPayment),
        DocumentKind::Result => matches!(status, Processing | Resolved),
    };
    if fits {
        return Ok(());
    }
    let kind_name = match kind {
        DocumentKind::Application => "an APPLICATION document is attached before the dossier is resolved",
        DocumentKind::Supplement => "a SUPPLEMENT document is attached while the dossier is being processed",
        DocumentKind::Result => "a RESULT document is attached while the dossier is processed or once it is resolved",
    };
    Err(ApiError::BadUserInput(format!("{kind_name}; this one is {}", lifecycle::status_name(status))))
}

pub(super) fn required(field: &str, value: String) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::BadUserInput(format!("`{field}` must not be empty")));
    }
    if value.chars().count() > 2000 {
        return Err(ApiError::BadUserInput(format!("`{field}` holds at most 2000 characters")));
    }
    Ok(value.to_owned())
}

/// A dossier holds at most [`DOCUMENTS_PER_DOSSIER`] documents (the bound
/// its `documents` list is costed with).
///
/// [`DOCUMENTS_PER_DOSSIER`]: crate::services::list_bounds::DOCUMENTS_PER_DOSSIER
pub(super) async fn check_room_for_a_document(db: &sea_orm::DatabaseConnection, dossier: uuid::Uuid) -> ApiResult<()> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let held = entity::dossier_document::Entity::find()
        .filter(entity::dossier_document::Column::DossierId.eq(dossier))
        .count(db)
        .await?;
    let most = crate::services::list_bounds::DOCUMENTS_PER_DOSSIER;
    if held >= most {
        return Err(ApiError::limit(format!("a dossier holds at most {most} documents, and this one is full")));
    }
    Ok(())
}
