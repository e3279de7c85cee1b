//! What each command changes: the dossier's new values and its slip entry,
//! worked out from the dossier as it was, the procedure's steps and the
//! province's calendar.

use super::documents::{attach, Owner};
use super::steps::{last_processing_step, return_step, step_after_receipt, step_deadline};
use super::{Change, DESK_ROLE};
use crate::auth::Viewer;
use crate::domain::calendar::{vietnam, WorkingCalendar};
use crate::domain::lifecycle::{self, Command};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::{
    dossier, dossier_document, dossier_event, official, procedure, procedure_step, DocumentKind, DossierStatus,
};
use sea_orm::{IntoActiveModel, Set};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// The slip entry a command writes.
#[derive(Debug, Clone)]
pub(super) struct Slip {
    pub(super) action: &'static str,
    pub(super) status_from: Option<DossierStatus>,
    pub(super) status_to: DossierStatus,
    pub(super) from_agency_id: Option<Uuid>,
    pub(super) from_official_id: Option<Uuid>,
    pub(super) to_agency_id: Option<Uuid>,
    pub(super) to_official_id: Option<Uuid>,
    pub(super) to_role: Option<String>,
    pub(super) step: Option<i16>,
    pub(super) step_due_at: Option<DateTime<Utc>>,
    pub(super) note: Option<String>,
    pub(super) details: Option<serde_json::Value>,
}

impl Slip {
    pub(super) fn into_model(self, dossier: &dossier::Model, at: DateTime<Utc>) -> dossier_event::Model {
        dossier_event::Model {
            id: Uuid::now_v7(),
            dossier_id: dossier.id,
            agency_path: dossier.agency_path.clone(),
            province_code: dossier.province_code.clone(),
            action: self.action.into(),
            status_from: self.status_from,
            status_to: self.status_to,
            from_agency_id: self.from_agency_id,
            from_official_id: self.from_official_id,
            to_agency_id: self.to_agency_id,
            to_official_id: self.to_official_id,
            to_role: self.to_role,
            step: self.step,
            step_due_at: self.step_due_at,
            note: self.note,
            details: self.details.map(|d| d.to_string()),
            created_at: at,
        }
    }
}

/// What a command changes: the dossier's new values and its slip entry.
pub(super) struct Plan {
    pub(super) dossier: dossier::ActiveModel,
    pub(super) slip: Slip,
    /// Documents to insert with the change.
    pub(super) documents: Vec<dossier_document::Model>,
    /// When the command runs: the dossier's `updated_at`, the slip entry's and the audit row's time.
    pub(super) at: DateTime<Utc>,
}

impl Plan {
    pub(super) fn new(
        before: &dossier::Model,
        command: Command,
        status: DossierStatus,
        actor: &Viewer,
        now: DateTime<Utc>,
    ) -> Self {
        let mut dossier = before.clone().into_active_model();
        if status != before.status {
            dossier.status = Set(status);
        }
        dossier.lock_version = Set(before.lock_version + 1);
        dossier.updated_at = Set(now);
        let slip = Slip {
            action: command.event_action(),
            status_from: Some(before.status),
            status_to: status,
            from_agency_id: Some(before.agency_id),
            from_official_id: Some(actor.id),
            to_agency_id: Some(before.agency_id),
            to_official_id: None,
            to_role: None,
            step: before.current_step,
            step_due_at: None,
            note: None,
            details: None,
        };
        Self { dossier, slip, documents: Vec::new(), at: now }
    }
}

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
    pub(super) async fn apply(&self, change: Change, plan: &mut Plan) -> ApiResult<()> {
        let now = self.now;
        let before = self.before;
        match change {
            Change::Receive { note } => {
                let procedure = self.procedure;
                let due = self.calendar.due_at(now, procedure.resolution_time.max(0) as u32, procedure.resolution_unit);
                plan.dossier.received_at = Set(Some(now));
                plan.dossier.due_at = Set(Some(due));
                self.enter_step(plan, step_after_receipt(self.steps), None, Some(due));
                plan.slip.note = note;
            }
            Change::Refuse { reason } => {
                plan.dossier.finished_at = Set(Some(now));
                plan.slip.note = Some(required("reason", reason)?);
            }
            Change::Assign { assignee, note } => {
                let step = self.current_step();
                let role = step.map(|s| s.role.as_str());
                let official = self.official_who_can_take(assignee, role, "assigneeId").await?;
                plan.dossier.assignee_id = Set(Some(official.id));
                plan.slip.to_official_id = Some(official.id);
                plan.slip.to_role = role.map(Into::into);
                plan.slip.step_due_at = step.map(|s| step_deadline(self.calendar, now, s, before.due_at));
                plan.slip.note = note;
            }
            Change::CompleteStep { to, note } => {
                self.check_holds_current_step().await?;
                let current = before.current_step.unwrap_or(0);
                let last = last_processing_step(self.steps).unwrap_or(0);
                if current >= last {
                    return Err(ApiError::BadUserInput(format!(
                        "step {current} is the last step of processing: the leader resolves the dossier \
                         (`resolveDossier`)"
                    )));
                }
                let next = self.steps.iter().find(|s| s.position > current);
                let to = match (to, next) {
                    (Some(id), Some(step)) => Some(self.official_who_can_take(id, Some(&step.role), "toUserId").await?),
                    _ => None,
                };
                plan.dossier.assignee_id = Set(to.as_ref().map(|o| o.id));
                self.enter_step(plan, next, to.map(|o| o.id), before.due_at);
                plan.slip.note = note;
            }
            Change::RequestSupplement { reason, documents, days_allowed } => {
                let reason = required("reason", reason)?;
                let documents: Vec<String> =
                    documents.into_iter().map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect();
                if documents.is_empty() {
                    return Err(ApiError::BadUserInput("`missingDocuments` must name at least one document".into()));
                }
                if !(1..=60).contains(&days_allowed) {
                    return Err(ApiError::BadUserInput("`daysAllowed` must be 1 to 60 working days".into()));
                }
                let local_day = now.with_timezone(&vietnam()).date_naive();
                let until = self.calendar.add_working_days(local_day, days_allowed);
                plan.dossier.paused_at = Set(Some(now));
                plan.slip.note = Some(reason.clone());
                plan.slip.details = Some(json!({
                    "reason": reason,
                    "missingDocuments": documents,
                    "daysAllowed": days_allowed,
                    "supplyBy": until.to_string(),
                }));
            }
            Change::SupplyDocuments { note } => {
                self.resume(plan);
                plan.slip.note = note;
            }
            Change::RequestPayment { amount, note } => {
                if amount <= 0 {
                    return Err(ApiError::BadUserInput("`amount` must be a positive number of VND".into()));
                }
                plan.dossier.fee_amount = Set(amount);
                plan.dossier.paused_at = Set(Some(now));
                plan.slip.note = note;
                plan.slip.details = Some(json!({ "amount": amount }));
            }
            Change::ConfirmPayment { method, note } => {
                self.resume(plan);
                plan.dossier.fee_paid_at = Set(Some(now));
                plan.dossier.payment_method = Set(Some(method));
                plan.slip.note = note;
                plan.slip.details = Some(json!({ "amount": before.fee_amount, "method": method }));
            }
            Change::Stop { reason } => {
                plan.dossier.finished_at = Set(Some(now));
                if before.paused_at.is_none() {
                    plan.dossier.paused_at = Set(Some(now));
                }
                plan.slip.note = Some(required("reason", reason)?);
            }
            Change::Withdraw { reason } => {
                plan.dossier.finished_at = Set(Some(now));
                plan.slip.note = Some(required("reason", reason)?);
            }
            Change::Resolve { result_number, signer, result_digitized, note } => {
                let result_number = required("resultNumber", result_number)?;
                let signer = match signer {
                    None => self.actor.id,
                    Some(id) => self.official_with_permission(id, "resolve", "signerId").await?.id,
                };
                plan.dossier.finished_at = Set(Some(now));
                plan.dossier.outcome = Set(before.due_at.map(|due| crate::domain::calendar::outcome_of(now, due)));
                plan.dossier.result_number = Set(Some(result_number.clone()));
                plan.dossier.result_digitized = Set(result_digitized);
                plan.dossier.signer_id = Set(Some(signer));
                plan.dossier.assignee_id = Set(None);
                // The result goes back to the desk that received the dossier.
                plan.slip.to_agency_id = Some(before.receiving_agency_id);
                match return_step(self.steps) {
                    Some(step) => {
                        plan.dossier.current_step = Set(Some(step.position));
                        plan.slip.step = Some(step.position);
                        plan.slip.to_role = Some(step.role.clone());
                        plan.slip.step_due_at =
                            Some(self.calendar.add_working_hours(now, step.budget_hours.max(0) as u32));
                    }
                    None => plan.slip.to_role = Some(DESK_ROLE.into()),
                }
                plan.slip.note = note;
                plan.slip.details = Some(json!({
                    "resultNumber": result_number,
                    "signerId": signer,
                    "resultDigitized": result_digitized,
                }));
            }
            Change::ReturnResult { note } => {
                plan.dossier.returned_at = Set(Some(now));
                plan.slip.to_agency_id = None;
                plan.slip.note = note;
            }
            Change::Apologize { reason, new_appointment } => {
                let reason = required("reason", reason)?;
                let Some(due) = before.due_at else {
                    return Err(ApiError::BadUserInput("the dossier has no due date to apologise for".into()));
                };
                if new_appointment <= due || new_appointment <= now {
                    return Err(ApiError::BadUserInput(
                        "`newAppointment` must be later than the due date and than now".into(),
                    ));
                }
                plan.dossier.appointment_at = Set(Some(new_appointment));
                plan.slip.note = Some(reason);
                plan.slip.details = Some(json!({ "newAppointment": new_appointment, "dueAt": due }));
            }
            Change::Transfer { to_agency_code, note } => {
                let to = self
                    .state
                    .agencies
                    .by_code(&self.state.db, &to_agency_code)
                    .await?
                    .ok_or_else(|| ApiError::BadUserInput(format!("no agency has the code `{to_agency_code}`")))?;
                if to.id == before.agency_id {
                    return Err(ApiError::BadUserInput("the dossier is already at that agency".into()));
                }
                if to.province_code != before.province_code {
                    return Err(ApiError::BadUserInput("a dossier is transferred within its province".into()));
                }
                plan.dossier.agency_id = Set(to.id);
                plan.dossier.agency_path = Set(to.path.clone());
                plan.dossier.competent_agency_id = Set(to.id);
                plan.dossier.transferred = Set(to.id != before.receiving_agency_id);
                plan.dossier.assignee_id = Set(None);
                plan.slip.to_agency_id = Some(to.id);
                self.enter_step(plan, step_after_receipt(self.steps), None, before.due_at);
                plan.slip.note = note;
            }
            Change::AttachDocument { attachment, note } => {
                check_kind_fits(attachment.kind, before.status)?;
                check_room_for_a_document(&self.state.db, before.id).await?;
                let document = attach(self.state, Owner::of(before), self.actor, attachment, now).await?;
                if document.digitized {
                    match document.kind {
                        DocumentKind::Result => plan.dossier.result_digitized = Set(true),
                        DocumentKind::Application | DocumentKind::Supplement => {
                            plan.dossier.documents_digitized = Set(true)
                        }
                    }
                }
                plan.slip.to_agency_id = None;
                plan.slip.note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
                plan.slip.details = Some(json!({
                    "documentId": document.id,
                    "kind": document.kind,
                    "name": document.name,
                    "sizeBytes": document.size_bytes,
                    "sha256": document.sha256,
                    "digitized": document.digitized,
                }));
                plan.documents.push(document);
            }
        }
        Ok(())
    }

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
async fn check_room_for_a_document(db: &sea_orm::DatabaseConnection, dossier: uuid::Uuid) -> ApiResult<()> {
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
