//! The commands of a dossier's life. Each one, in order: find the dossier in
//! the caller's sight (`NOT_FOUND` otherwise, the same as a missing one),
//! check the caller's permission where the dossier is (`FORBIDDEN`), the
//! version the caller saw (`CONFLICT`) and the state machine
//! (`INVALID_TRANSITION`), then write the change, its slip entry and its audit
//! row in one transaction. The dossier's update is conditional on its version,
//! so of two officials acting at once exactly one succeeds; the other gets
//! `CONFLICT` and nothing of its command is written. A refused command writes
//! only its audit row.

use super::audit;
use super::combined::{has_sqlstate, Batch, Combined};
use super::dossiers;
use super::events::Published;
use super::scope::Scope;
use crate::auth::Viewer;
use crate::domain::calendar::{vietnam, WorkingCalendar};
use crate::domain::codes::format_dossier_code;
use crate::domain::lifecycle::{self, Command};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::{
    agency, dossier, dossier_code_sequence, dossier_document, dossier_event, official, procedure, procedure_step,
    AgencyKind, ApplicantKind, Channel, DocumentKind, DossierStatus, PaymentMethod, Tier,
};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QueryTrait, Set, TransactionTrait, TryIntoModel,
};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// The result of a command: the dossier as it is now, its new slip entry
/// and the documents the command attached.
#[derive(Debug, Clone)]
pub struct Acted {
    pub dossier: dossier::Model,
    pub event: dossier_event::Model,
    pub documents: Vec<dossier_document::Model>,
}

/// Who applies.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub email: Option<String>,
    pub address: String,
}

/// A document to attach: its uploaded content and what it is.
#[derive(Debug)]
pub struct Attachment {
    /// The upload's content (a temporary file).
    pub content: std::fs::File,
    /// The uploaded file's name.
    pub file_name: String,
    /// The upload's media type, as the client sent it.
    pub content_type: Option<String>,
    pub kind: DocumentKind,
    /// What the document is, e.g. *Tờ khai đăng ký khai sinh*; the file name when absent.
    pub name: Option<String>,
    /// Whether it is a digitised copy (*bản số hóa*) with the value of the paper.
    pub digitized: bool,
}

/// A new dossier: what `submitDossier` and `receiveDossier` (at the desk or by
/// post) take.
#[derive(Debug)]
pub struct Application {
    pub procedure_id: Uuid,
    /// The receiving agency; the caller's own agency when absent.
    pub agency_code: Option<String>,
    pub channel: Channel,
    pub applicant: Applicant,
    /// The same key from the same caller returns the same dossier.
    pub idempotency_key: Option<String>,
    pub note: Option<String>,
    /// The application's documents, filed with it.
    pub documents: Vec<Attachment>,
}

/// A command on an existing dossier, with what it needs.
#[derive(Debug)]
pub enum Change {
    Receive { note: Option<String> },
    Refuse { reason: String },
    Assign { assignee: Uuid, note: Option<String> },
    CompleteStep { to: Option<Uuid>, note: Option<String> },
    RequestSupplement { reason: String, documents: Vec<String>, days_allowed: u32 },
    SupplyDocuments { note: Option<String> },
    RequestPayment { amount: i64, note: Option<String> },
    ConfirmPayment { method: PaymentMethod, note: Option<String> },
    Stop { reason: String },
    Withdraw { reason: String },
    Resolve { result_number: String, signer: Option<Uuid>, result_digitized: bool, note: Option<String> },
    ReturnResult { note: Option<String> },
    Apologize { reason: String, new_appointment: DateTime<Utc> },
    Transfer { to_agency_code: String, note: Option<String> },
    AttachDocument { attachment: Attachment, note: Option<String> },
}

impl Change {
    /// A copy, to run the change a second time — on the dossier read afresh
    /// when a remembered copy turned out to be out of date. `None` for a
    /// document, whose upload can be read only once.
    fn replayable(&self) -> Option<Self> {
        Some(match self {
            Self::Receive { note } => Self::Receive { note: note.clone() },
            Self::Refuse { reason } => Self::Refuse { reason: reason.clone() },
            Self::Assign { assignee, note } => Self::Assign { assignee: *assignee, note: note.clone() },
            Self::CompleteStep { to, note } => Self::CompleteStep { to: *to, note: note.clone() },
            Self::RequestSupplement { reason, documents, days_allowed } => Self::RequestSupplement {
                reason: reason.clone(),
                documents: documents.clone(),
                days_allowed: *days_allowed,
            },
            Self::SupplyDocuments { note } => Self::SupplyDocuments { note: note.clone() },
            Self::RequestPayment { amount, note } => Self::RequestPayment { amount: *amount, note: note.clone() },
            Self::ConfirmPayment { method, note } => Self::ConfirmPayment { method: *method, note: note.clone() },
            Self::Stop { reason } => Self::Stop { reason: reason.clone() },
            Self::Withdraw { reason } => Self::Withdraw { reason: reason.clone() },
            Self::Resolve { result_number, signer, result_digitized, note } => Self::Resolve {
                result_number: result_number.clone(),
                signer: *signer,
                result_digitized: *result_digitized,
                note: note.clone(),
            },
            Self::ReturnResult { note } => Self::ReturnResult { note: note.clone() },
            Self::Apologize { reason, new_appointment } => {
                Self::Apologize { reason: reason.clone(), new_appointment: *new_appointment }
            }
            Self::Transfer { to_agency_code, note } => {
                Self::Transfer { to_agency_code: to_agency_code.clone(), note: note.clone() }
            }
            Self::AttachDocument { .. } => return None,
        })
    }

    /// The command this change runs.
    pub fn command(&self) -> Command {
        match self {
            Self::Receive { .. } => Command::Receive,
            Self::Refuse { .. } => Command::Refuse,
            Self::Assign { .. } => Command::Assign,
            Self::CompleteStep { .. } => Command::CompleteStep,
            Self::RequestSupplement { .. } => Command::RequestSupplement,
            Self::SupplyDocuments { .. } => Command::SupplyDocuments,
            Self::RequestPayment { .. } => Command::RequestPayment,
            Self::ConfirmPayment { .. } => Command::ConfirmPayment,
            Self::Stop { .. } => Command::Stop,
            Self::Withdraw { .. } => Command::Withdraw,
            Self::Resolve { .. } => Command::Resolve,
            Self::ReturnResult { .. } => Command::ReturnResult,
            Self::Apologize { .. } => Command::Apologize,
            Self::Transfer { .. } => Command::Transfer,
            Self::AttachDocument { .. } => Command::AttachDocument,
        }
    }
}

/// Which dossier a command acts on, and the version the caller last saw.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub dossier_id: Uuid,
    pub version: Option<i32>,
}

/// Commands the applicant comes to the desk for: the desk of the receiving
/// agency may run them on a dossier it transferred, as well as the agency
/// holding it.
fn at_the_desk(command: Command) -> bool {
    matches!(
        command,
        Command::SupplyDocuments
            | Command::ConfirmPayment
            | Command::Withdraw
            | Command::ReturnResult
            | Command::AttachDocument
    )
}

/// The role of the one-stop desk in `policies/policy.csv`.
const DESK_ROLE: &str = "receiver";

/// Runs `change` on the dossier `target` names, as `actor`.
pub async fn act(state: &AppState, actor: &Viewer, target: Target, change: Change) -> ApiResult<Acted> {
    let command = change.command();
    let mut entry = audit::Entry::new(actor, command.mutation(), "Dossier");
    entry.target_id = Some(target.dossier_id.to_string());
    let result = run(state, actor, target, change, &mut entry).await;
    if let Err(error) = &result {
        record_refusal(state, actor, &mut entry, error).await;
    }
    result
}

/// Files a new dossier: `submitDossier` (online) or `receiveDossier` at the
/// desk or by post.
pub async fn file(state: &AppState, actor: &Viewer, command: Command, application: Application) -> ApiResult<Acted> {
    let mut entry = audit::Entry::new(actor, command.mutation(), "Dossier");
    let result = file_new(state, actor, command, application, &mut entry).await;
    if let Err(error) = &result {
        record_refusal(state, actor, &mut entry, error).await;
    }
    result
}

/// Writes the audit row of a refused command. A dossier the caller may not
/// see is logged under the caller's own agency, not the dossier's.
async fn record_refusal(state: &AppState, actor: &Viewer, entry: &mut audit::Entry<'_>, error: &ApiError) {
    if entry.agency_path.is_none() {
        if let Ok(Some(home)) = agency::Entity::find_by_id(actor.agency_id).one(&state.db).await {
            entry.agency_path = Some(home.path);
            entry.province_code = Some(home.province_code);
        }
    }
    let _writing = enter_write_gate(state).await;
    if let Err(failure) = entry.write(&state.db, Err(error), state.clock.now()).await {
        tracing::error!(error = ?failure, "cannot write the audit row of a refused command");
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound("no dossier with this ID".into())
}

/// Runs the change on this instance's remembered copy of the dossier when it
/// has one (see [`super::recent`]), else on the row read now. A copy out of
/// date is never written over: the write is conditional on its version, and
/// a conflict there is answered as any conflict. Any other refusal decided on
/// a copy is checked against the row: if the row moved on since, the change
/// runs again on the row.
async fn run(
    state: &AppState,
    actor: &Viewer,
    target: Target,
    change: Change,
    entry: &mut audit::Entry<'_>,
) -> ApiResult<Acted> {
    let scope = state.authz.scope(&actor.username, "dossier", "read").await;
    let id = target.dossier_id;
    // A version sent with the command that differs from the copy's is checked against the row.
    let copy = state.recent.get(id).filter(|copy| target.version.is_none_or(|version| version == copy.lock_version));
    if let (Some(copy), Some(again)) = (copy, change.replayable()) {
        let remembered = copy.lock_version;
        match run_on(state, actor, &scope, target, copy, again, entry).await {
            Ok(acted) => return Ok(acted),
            Err(error @ ApiError::Conflict(_)) => {
                state.recent.forget(id);
                return Err(error);
            }
            Err(error) => {
                state.recent.forget(id);
                let row = read_dossier(state, id).await?;
                if row.as_ref().is_none_or(|row| row.lock_version == remembered) {
                    return Err(error);
                }
                return run_on(state, actor, &scope, target, row.ok_or_else(not_found)?, change, entry).await;
            }
        }
    }
    let row = read_dossier(state, id).await?.ok_or_else(not_found)?;
    run_on(state, actor, &scope, target, row, change, entry).await
}

/// The dossier's row as it is now.
async fn read_dossier(state: &AppState, id: Uuid) -> ApiResult<Option<dossier::Model>> {
    Ok(dossier::Entity::find_by_id(id).one(&state.db).await?)
}

/// Runs the change on `before`, the dossier as last read or written: the
/// caller must see it, hold the command's right, know its version, and the
/// state machine must allow the command; then the change is written.
async fn run_on(
    state: &AppState,
    actor: &Viewer,
    scope: &Scope,
    target: Target,
    before: dossier::Model,
    change: Change,
    entry: &mut audit::Entry<'_>,
) -> ApiResult<Acted> {
    if !dossiers::is_visible_in(&before, scope) {
        return Err(not_found());
    }
    let command = change.command();
    entry.agency_path = Some(before.agency_path.clone());
    entry.province_code = Some(before.province_code.clone());
    authorise(state, actor, command, &before).await?;
    if let Some(version) = target.version {
        if version != before.lock_version {
            return Err(stale(&before));
        }
    }
    let status = lifecycle::transition(command, before.status)?;
    let now = state.clock.now();
    let calendar = state.calendars.of(&state.db, &before.province_code).await?;
    let version = procedure_version(state, before.procedure_id)
        .await?
        .ok_or_else(|| ApiError::internal("a dossier's procedure is missing"))?;
    let mut plan = Plan::new(&before, command, status, actor, now);
    let context = Context {
        state,
        actor,
        before: &before,
        calendar: &calendar,
        procedure: &version.procedure,
        steps: &version.steps,
        now,
    };
    context.apply(change, &mut plan).await?;
    commit(state, &before, plan, entry).await
}

fn stale(dossier: &dossier::Model) -> ApiError {
    ApiError::Conflict(format!(
        "dossier {} changed since you read it (it is at version {} now): read it again and retry",
        dossier.code, dossier.lock_version
    ))
}

/// The dossier changed between the version the command acted on and its write.
fn changed_meanwhile(dossier: &dossier::Model) -> ApiError {
    ApiError::Conflict(format!(
        "dossier {} changed after version {}, which this command acted on: read it again and retry",
        dossier.code, dossier.lock_version
    ))
}

/// Checks casbin: the command's action where the dossier is held, or, for a
/// desk command on a transferred dossier, at the receiving agency.
async fn authorise(state: &AppState, actor: &Viewer, command: Command, dossier: &dossier::Model) -> ApiResult<()> {
    let action = command.action();
    if state.authz.allows(&actor.username, &dossier.agency_path, "dossier", action).await {
        return Ok(());
    }
    if at_the_desk(command)
        && dossier.transferred
        && state.authz.allows(&actor.username, &dossier.receiving_agency_path, "dossier", action).await
    {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "`{}` needs the `{action}` permission on dossiers at {}, which you do not hold",
        command.mutation(),
        dossier.agency_path
    )))
}

/// A procedure version with its internal process (steps in order), from the
/// cache of versions.
async fn procedure_version(
    state: &AppState,
    procedure_id: Uuid,
) -> ApiResult<Option<std::sync::Arc<super::procedures::Version>>> {
    state.procedures.get(&state.db, procedure_id).await
}

/// The step a received dossier enters: the one after the desk's intake step
/// (the receipt completes it), or the first.
fn step_after_receipt(steps: &[procedure_step::Model]) -> Option<&procedure_step::Model> {
    match steps {
        [intake, next, ..] if intake.role == DESK_ROLE => Some(next),
        _ => steps.first(),
    }
}

/// The last step of processing: the one before the desk returns the result,
/// if the process ends at the desk.
fn last_processing_step(steps: &[procedure_step::Model]) -> Option<i16> {
    match steps {
        [.., before, last] if last.role == DESK_ROLE => Some(before.position),
        [.., last] => Some(last.position),
        [] => None,
    }
}

/// The step returning the result at the desk, if the process has one.
fn return_step(steps: &[procedure_step::Model]) -> Option<&procedure_step::Model> {
    steps.last().filter(|step| step.role == DESK_ROLE && steps.len() > 1)
}

/// A step's deadline: its budget in working hours from `now`, never after the dossier's due time.
fn step_deadline(
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
    step: &procedure_step::Model,
    due_at: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let deadline = calendar.add_working_hours(now, step.budget_hours.max(0) as u32);
    due_at.map_or(deadline, |due| deadline.min(due))
}

/// The slip entry a command writes.
#[derive(Debug, Clone)]
struct Slip {
    action: &'static str,
    status_from: Option<DossierStatus>,
    status_to: DossierStatus,
    from_agency_id: Option<Uuid>,
    from_official_id: Option<Uuid>,
    to_agency_id: Option<Uuid>,
    to_official_id: Option<Uuid>,
    to_role: Option<String>,
    step: Option<i16>,
    step_due_at: Option<DateTime<Utc>>,
    note: Option<String>,
    details: Option<serde_json::Value>,
}

impl Slip {
    fn into_model(self, dossier: &dossier::Model, at: DateTime<Utc>) -> dossier_event::Model {
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
struct Plan {
    dossier: dossier::ActiveModel,
    slip: Slip,
    /// Documents to insert with the change.
    documents: Vec<dossier_document::Model>,
    /// When the command runs: the dossier's `updated_at`, the slip entry's and the audit row's time.
    at: DateTime<Utc>,
}

impl Plan {
    fn new(
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
struct Context<'a> {
    state: &'a AppState,
    actor: &'a Viewer,
    before: &'a dossier::Model,
    calendar: &'a WorkingCalendar,
    procedure: &'a procedure::Model,
    steps: &'a [procedure_step::Model],
    now: DateTime<Utc>,
}

impl Context<'_> {
    async fn apply(&self, change: Change, plan: &mut Plan) -> ApiResult<()> {
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
    fn enter_step(
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
    fn resume(&self, plan: &mut Plan) {
        let before = self.before;
        if let (Some(paused_at), Some(due)) = (before.paused_at, before.due_at) {
            let minutes = self.calendar.working_minutes_between(paused_at, self.now);
            let moved = self.calendar.shift(due, minutes);
            plan.dossier.due_at = Set(Some(moved));
            plan.slip.details = Some(json!({ "pausedWorkingMinutes": minutes, "dueAt": moved }));
        }
        plan.dossier.paused_at = Set(None);
    }

    fn current_step(&self) -> Option<&procedure_step::Model> {
        let position = self.before.current_step?;
        self.steps.iter().find(|s| s.position == position)
    }

    /// A step is completed by its assignee, or, when nobody is assigned, by
    /// anyone holding the step's role where the dossier is.
    async fn check_holds_current_step(&self) -> ApiResult<()> {
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
    async fn official_who_can_take(
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
    async fn official_with_permission(&self, id: Uuid, action: &str, field: &str) -> ApiResult<Arc<official::Model>> {
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
async fn holds(state: &AppState, user: &str, role: &str, path: &str) -> bool {
    state.authz.grants(user).await.iter().any(|grant| grant.role == role && grant.pattern.contains(path))
}

/// Which documents fit which moment: the application's until the dossier is
/// resolved, a supplement's while it is being processed, the result's from
/// processing until it is handed out.
fn check_kind_fits(kind: DocumentKind, status: DossierStatus) -> ApiResult<()> {
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

/// The dossier a document belongs to.
#[derive(Clone, Copy)]
struct Owner<'a> {
    id: Uuid,
    agency_path: &'a str,
    province_code: &'a str,
}

impl<'a> Owner<'a> {
    fn of(dossier: &'a dossier::Model) -> Self {
        Self { id: dossier.id, agency_path: &dossier.agency_path, province_code: &dossier.province_code }
    }
}

/// Stores an attachment's content and describes it for `dossier`. Runs after
/// the caller's rights were checked, so nobody else fills the store.
async fn attach(
    state: &AppState,
    dossier: Owner<'_>,
    actor: &Viewer,
    attachment: Attachment,
    now: DateTime<Utc>,
) -> ApiResult<dossier_document::Model> {
    let Attachment { content, file_name, content_type, kind, name, digitized } = attachment;
    let name = match name {
        Some(name) => required("name", name)?.chars().take(255).collect(),
        None => super::documents::clean_name(&file_name).ok_or_else(|| {
            ApiError::BadUserInput("the uploaded file has no name: give the document a `name`".into())
        })?,
    };
    let empty = content.metadata().map(|m| m.len() == 0).unwrap_or(false);
    if empty {
        return Err(ApiError::BadUserInput(format!("the document `{name}` is empty")));
    }
    let stored = state.documents.put(content).await?;
    Ok(dossier_document::Model {
        id: Uuid::now_v7(),
        dossier_id: dossier.id,
        agency_path: dossier.agency_path.to_owned(),
        province_code: dossier.province_code.to_owned(),
        kind,
        name,
        content_type: super::documents::clean_content_type(content_type.as_deref()),
        size_bytes: stored.size as i64,
        sha256: stored.sha256,
        digitized,
        uploaded_by: Some(actor.id),
        created_at: now,
    })
}

/// On SQLite: adds what a command records besides the dossier — its slip
/// entry, its documents, its audit row — to `batch`; returns how many rows
/// they insert.
fn add_records(
    batch: &mut Batch,
    event: &dossier_event::Model,
    documents: &[dossier_document::Model],
    entry: &audit::Entry<'_>,
    now: DateTime<Utc>,
) -> u64 {
    batch.add(&dossier_event::Entity::insert(dossier_event::ActiveModel::from(event.clone()).reset_all()).into_query());
    if !documents.is_empty() {
        let rows = documents.iter().cloned().map(|d| dossier_document::ActiveModel::from(d).reset_all());
        batch.add(&dossier_document::Entity::insert_many(rows).into_query());
    }
    batch.add(&entity::audit_log::Entity::insert(entry.row(Ok(()), now)).into_query());
    2 + documents.len() as u64
}

fn required(field: &str, value: String) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::BadUserInput(format!("`{field}` must not be empty")));
    }
    if value.chars().count() > 2000 {
        return Err(ApiError::BadUserInput(format!("`{field}` holds at most 2000 characters")));
    }
    Ok(value.to_owned())
}

/// Writes the plan: the dossier's update (only if its version is still the
/// one read), the slip entry, the documents and the audit row, atomically —
/// on PostgreSQL as one statement, on SQLite in a transaction.
async fn commit(state: &AppState, before: &dossier::Model, plan: Plan, entry: &audit::Entry<'_>) -> ApiResult<Acted> {
    let Plan { dossier: update, slip, documents, at: now } = plan;
    let after = update.clone().try_into_model().map_err(ApiError::from)?;
    let event = slip.into_model(&after, now);
    let published = Published { event: event.clone(), receiving_agency_path: after.receiving_agency_path.clone() };
    if is_postgres(state) {
        let mut changed = dossier::Entity::update_many()
            .set(update)
            .filter(dossier::Column::Id.eq(before.id))
            .filter(dossier::Column::LockVersion.eq(before.lock_version))
            .into_query();
        changed.returning_col(dossier::Column::Id);
        let mut combined = Combined::default();
        combined.add("changed", &changed);
        let statement = write_at_once(
            combined,
            &event,
            &documents,
            entry,
            now,
            "motcua_expect_one((SELECT count(*) FROM changed))",
        );
        return match state.db.execute(statement).await {
            Ok(_) => {
                state.recent.remember(&after);
                state.events.committed(published);
                Ok(Acted { dossier: after, event, documents })
            }
            Err(error) if has_sqlstate(&error, CHANGED_SQLSTATE) => Err(changed_meanwhile(before)),
            Err(error) => Err(error.into()),
        };
    }
    // The dossier's write comes first, so that SQLite takes its write lock at
    // once; if it changed no row, the inserts after it are rolled back.
    let mut batch = Batch::default();
    batch.add(
        &dossier::Entity::update_many()
            .set(update)
            .filter(dossier::Column::Id.eq(before.id))
            .filter(dossier::Column::LockVersion.eq(before.lock_version))
            .into_query(),
    );
    let rows = add_records(&mut batch, &event, &documents, entry, now);
    let _writing = enter_write_gate(state).await;
    let txn = state.db.begin().await?;
    let written = txn.execute(batch.finish()).await?;
    if written.rows_affected() != 1 + rows {
        txn.rollback().await?;
        return Err(changed_meanwhile(before));
    }
    txn.commit().await?;
    state.recent.remember(&after);
    state.events.committed(published);
    Ok(Acted { dossier: after, event, documents })
}

/// On SQLite: waits for the other writers of this process to finish, so that
/// SQLite's own lock is never contended (a contended lock is polled with
/// sleeps of up to 100 ms). Held until the write commits.
async fn enter_write_gate(state: &AppState) -> Option<tokio::sync::MutexGuard<'_, ()>> {
    match &state.write_gate {
        Some(gate) => Some(gate.lock().await),
        None => None,
    }
}

/// The SQLSTATE of `motcua_expect_one` (migration `write_guard`): the
/// dossier changed since it was read.
const CHANGED_SQLSTATE: &str = "MC409";

fn is_postgres(state: &AppState) -> bool {
    state.db.get_database_backend() == DbBackend::Postgres
}

/// On PostgreSQL: after the dossier's own write in `combined`, the slip
/// entry, the documents, the audit row, then a final `SELECT` of `check`
/// (which may abort the statement) — one statement, one round trip.
fn write_at_once(
    mut combined: Combined,
    event: &dossier_event::Model,
    documents: &[dossier_document::Model],
    entry: &audit::Entry<'_>,
    now: DateTime<Utc>,
    check: &str,
) -> sea_orm::Statement {
    combined.add(
        "slip",
        &dossier_event::Entity::insert(dossier_event::ActiveModel::from(event.clone()).reset_all()).into_query(),
    );
    if !documents.is_empty() {
        let rows = documents.iter().cloned().map(|d| dossier_document::ActiveModel::from(d).reset_all());
        combined.add("documents", &dossier_document::Entity::insert_many(rows).into_query());
    }
    combined.add("audit", &entity::audit_log::Entity::insert(entry.row(Ok(()), now)).into_query());
    combined.finish(&format!("SELECT {check}"))
}

async fn file_new(
    state: &AppState,
    actor: &Viewer,
    command: Command,
    application: Application,
    entry: &mut audit::Entry<'_>,
) -> ApiResult<Acted> {
    let applicant = validate_applicant(application.applicant)?;
    match (command, application.channel) {
        (Command::Submit, Channel::Online) | (Command::Receive, Channel::Direct | Channel::Postal) => {}
        (Command::Submit, _) => return Err(ApiError::BadUserInput("`submitDossier` files online dossiers".into())),
        (Command::Receive, _) => {
            return Err(ApiError::BadUserInput(
                "an online dossier arrives through `submitDossier`; receive it with its `dossierId`".into(),
            ))
        }
        _ => return Err(ApiError::internal(format!("{command:?} does not file a dossier"))),
    }
    let agency = match &application.agency_code {
        Some(code) => state
            .agencies
            .by_code(&state.db, code)
            .await?
            .ok_or_else(|| ApiError::BadUserInput(format!("no agency has the code `{code}`")))?,
        None => state
            .agencies
            .by_id(&state.db, actor.agency_id)
            .await?
            .ok_or_else(|| ApiError::internal("the caller's agency is missing"))?,
    };
    entry.agency_path = Some(agency.path.clone());
    entry.province_code = Some(agency.province_code.clone());
    if !state.authz.allows(&actor.username, &agency.path, "dossier", command.action()).await {
        return Err(ApiError::Forbidden(format!(
            "`{}` needs the `{}` permission on dossiers at {}, which you do not hold",
            command.mutation(),
            command.action(),
            agency.path
        )));
    }
    let key = match application.idempotency_key.as_deref().map(str::trim) {
        None => None,
        Some(key) if key.is_empty() || key.len() > 200 => {
            return Err(ApiError::BadUserInput("`idempotencyKey` must hold 1 to 200 characters".into()))
        }
        Some(key) => Some(format!("{}:{key}", actor.id)),
    };
    if let Some(key) = &key {
        if let Some(acted) = replay(&state.db, key).await? {
            entry.target_id = Some(acted.dossier.id.to_string());
            return Ok(acted);
        }
    }
    let version = procedure_version(state, application.procedure_id)
        .await?
        .ok_or_else(|| ApiError::BadUserInput("`procedureId` names no procedure".into()))?;
    let (procedure, steps) = (&version.procedure, &version.steps);
    if !procedure.is_current {
        return Err(ApiError::BadUserInput(format!(
            "procedure {} version {} is no longer in force: file under its current version",
            procedure.code, procedure.version
        )));
    }
    let competent = competent_agency(procedure, &agency)?;
    let status = command.next(None).ok_or_else(|| ApiError::internal("a filing command without a first status"))?;
    let now = state.clock.now();
    let calendar = state.calendars.of(&state.db, &agency.province_code).await?;
    let received = status == DossierStatus::Received;
    let due_at =
        received.then(|| calendar.due_at(now, procedure.resolution_time.max(0) as u32, procedure.resolution_unit));
    let step = if received { step_after_receipt(steps) } else { None };
    let id = Uuid::now_v7();
    let day = now.with_timezone(&vietnam()).date_naive();
    let owner = Owner { id, agency_path: &agency.path, province_code: &agency.province_code };
    let mut documents = Vec::with_capacity(application.documents.len());
    for mut attachment in application.documents {
        attachment.kind = DocumentKind::Application;
        documents.push(attach(state, owner, actor, attachment, now).await?);
    }
    let documents_digitized = documents.iter().any(|d| d.digitized);

    // On PostgreSQL the number is taken in a short transaction of its own, so
    // that concurrent intakes at one desk wait for one another only that
    // long, not for each other's whole filing; a filing that fails afterwards
    // leaves its number unused. On SQLite the filing transaction takes it.
    let writing = if is_postgres(state) { None } else { enter_write_gate(state).await };
    let (txn, sequence) = if is_postgres(state) {
        (None, take_sequence_number(&state.db, agency.id, day).await?)
    } else {
        let txn = state.db.begin().await?;
        let sequence = next_sequence(&txn, agency.id, day).await?;
        (Some(txn), sequence)
    };
    let dossier = dossier::Model {
        id,
        code: format_dossier_code(&agency.code, day, sequence as u32),
        procedure_id: procedure.id,
        status,
        channel: application.channel,
        applicant_kind: applicant.kind,
        applicant_name: applicant.name,
        applicant_id_number: applicant.id_number,
        applicant_phone: applicant.phone,
        applicant_email: applicant.email,
        applicant_address: applicant.address,
        receiving_agency_id: agency.id,
        receiving_agency_path: agency.path.clone(),
        transferred: false,
        competent_agency_id: competent,
        agency_id: agency.id,
        agency_path: agency.path.clone(),
        province_code: agency.province_code.clone(),
        current_step: step.map(|s| s.position),
        assignee_id: None,
        filed_at: now,
        submitted_at: (!received).then_some(now),
        received_at: received.then_some(now),
        due_at,
        paused_at: None,
        finished_at: None,
        appointment_at: None,
        returned_at: None,
        outcome: None,
        fee_amount: procedure.fee_amount,
        fee_paid_at: None,
        payment_method: None,
        documents_digitized,
        result_digitized: false,
        result_number: None,
        signer_id: None,
        idempotency_key: key.clone(),
        lock_version: 0,
        created_at: now,
        updated_at: now,
    };
    let slip = Slip {
        action: command.event_action(),
        status_from: None,
        status_to: status,
        from_agency_id: None,
        from_official_id: Some(actor.id),
        to_agency_id: Some(agency.id),
        to_official_id: None,
        to_role: Some(step.map_or_else(|| DESK_ROLE.to_owned(), |s| s.role.clone())),
        step: step.map(|s| s.position),
        step_due_at: step.map(|s| step_deadline(&calendar, now, s, due_at)),
        note: application.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
        details: None,
    };
    let event = slip.into_model(&dossier, now);
    let published = Published { event: event.clone(), receiving_agency_path: dossier.receiving_agency_path.clone() };
    entry.target_id = Some(id.to_string());
    let written = match txn {
        None => {
            let mut combined = Combined::default();
            let insert = dossier::Entity::insert(dossier::ActiveModel::from(dossier.clone()).reset_all());
            combined.add("filed", &insert.into_query());
            let statement = write_at_once(combined, &event, &documents, entry, now, "true");
            state.db.execute(statement).await.map(drop).map_err(ApiError::from)
        }
        Some(txn) => {
            let mut batch = Batch::default();
            batch.add(&dossier::Entity::insert(dossier::ActiveModel::from(dossier.clone()).reset_all()).into_query());
            add_records(&mut batch, &event, &documents, entry, now);
            let inserted = txn.execute(batch.finish()).await.map(drop).map_err(ApiError::from);
            match inserted {
                Ok(()) => txn.commit().await.map_err(ApiError::from),
                Err(error) => {
                    txn.rollback().await?;
                    Err(error)
                }
            }
        }
    };
    drop(writing);
    match written {
        Ok(()) => {
            state.recent.remember(&dossier);
            state.events.committed(published);
            Ok(Acted { dossier, event, documents })
        }
        Err(error) => {
            // Two requests with one idempotency key: the other one won the race.
            if let Some(key) = &key {
                if let Some(acted) = replay(&state.db, key).await? {
                    return Ok(acted);
                }
            }
            Err(error)
        }
    }
}

/// The dossier an earlier request with the same idempotency key filed, with its first slip entry.
async fn replay(db: &DatabaseConnection, key: &str) -> ApiResult<Option<Acted>> {
    let Some(dossier) = dossier::Entity::find().filter(dossier::Column::IdempotencyKey.eq(key)).one(db).await? else {
        return Ok(None);
    };
    let event = dossiers::events_of(db, &[dossier.id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("a filed dossier without a slip entry"))?;
    let documents = super::documents::of_dossiers(db, &[dossier.id]).await?;
    Ok(Some(Acted { dossier, event, documents }))
}

/// On PostgreSQL: the next number of the agency's daily sequence, in a
/// transaction of its own that does not wait for the disk (the filing's own
/// commit, later, flushes the log past it, so a number is never given twice).
async fn take_sequence_number(db: &DatabaseConnection, agency_id: Uuid, day: chrono::NaiveDate) -> ApiResult<i32> {
    use sea_orm::sqlx::Row;
    // One round trip: the simple protocol runs the four statements in order.
    // The values are a UUID and a date formatted here, never client text.
    let sql = format!(
        "BEGIN; SET LOCAL synchronous_commit TO off; \
         INSERT INTO dossier_code_sequence (agency_id, day, last_seq) VALUES ('{agency_id}', '{day}', 1) \
         ON CONFLICT (agency_id, day) DO UPDATE SET last_seq = dossier_code_sequence.last_seq + 1 \
         RETURNING last_seq; COMMIT;"
    );
    let row = sea_orm::sqlx::raw_sql(&sql)
        .fetch_one(db.get_postgres_connection_pool())
        .await
        .map_err(|error| ApiError::internal(format!("taking a dossier number: {error}")))?;
    row.try_get::<i32, _>("last_seq").map_err(|error| ApiError::internal(format!("taking a dossier number: {error}")))
}

/// The next number of the agency's daily sequence. The upsert locks the
/// (agency, day) row until the transaction ends, so concurrent intakes at
/// one agency get consecutive numbers and never the same.
async fn next_sequence(txn: &impl ConnectionTrait, agency_id: Uuid, day: chrono::NaiveDate) -> ApiResult<i32> {
    use dossier_code_sequence::Column;
    let statement = Query::insert()
        .into_table(dossier_code_sequence::Entity)
        .columns([Column::AgencyId, Column::Day, Column::LastSeq])
        .values_panic([agency_id.into(), day.into(), 1.into()])
        .on_conflict(
            OnConflict::columns([Column::AgencyId, Column::Day])
                .value(Column::LastSeq, Expr::col((dossier_code_sequence::Entity, Column::LastSeq)).add(1))
                .to_owned(),
        )
        .returning_col(Column::LastSeq)
        .to_owned();
    let row = txn
        .query_one(txn.get_database_backend().build(&statement))
        .await?
        .ok_or_else(|| ApiError::internal("the sequence upsert returned no row"))?;
    Ok(row.try_get::<i32>("", "last_seq")?)
}

/// The agency competent to resolve a dossier of `procedure` received at
/// `agency`: a department (or the province) for the province tier, the
/// district for the district tier (the commune's district when a commune
/// receives it), the commune for the commune tier.
fn competent_agency(procedure: &procedure::Model, agency: &agency::Model) -> ApiResult<Uuid> {
    let refuse = |why: &str| {
        Err(ApiError::BadUserInput(format!(
            "{} ({}) cannot be received at {}: {why}",
            procedure.code, procedure.name, agency.name
        )))
    };
    if procedure.province_code != agency.province_code {
        return refuse("it is another province's procedure");
    }
    match (procedure.tier, agency.kind) {
        (Tier::Province, AgencyKind::Department) if procedure.agency_id != agency.id => {
            refuse("a department receives its own procedures")
        }
        (Tier::Province, _) => Ok(procedure.agency_id),
        (Tier::District, AgencyKind::District) => Ok(agency.id),
        (Tier::District, AgencyKind::Commune) => {
            agency.parent_id.map_or_else(|| refuse("the commune has no district"), Ok)
        }
        (Tier::District, _) => refuse("district procedures are received at a district or one of its communes"),
        (Tier::Commune, AgencyKind::Commune) => Ok(agency.id),
        (Tier::Commune, _) => refuse("commune procedures are received at a commune"),
    }
}

/// Trims and checks the applicant's fields; the phone number is kept as
/// digits with a leading 0 (`+84 912 345 678` → `0912345678`), the form
/// `trackDossier` compares.
fn validate_applicant(applicant: Applicant) -> ApiResult<Applicant> {
    let name = required("applicant.name", applicant.name)?;
    let address = required("applicant.address", applicant.address)?;
    let id_number = applicant.id_number.trim().to_owned();
    if !(9..=13).contains(&id_number.len()) || !id_number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadUserInput(
            "`applicant.idNumber` must be a citizen ID number (12 digits) or a tax code (10 or 13 digits)".into(),
        ));
    }
    let phone = normalize_phone(&applicant.phone).ok_or_else(|| {
        ApiError::BadUserInput("`applicant.phone` must be a Vietnamese phone number, e.g. 0912345678".into())
    })?;
    let email = applicant.email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if let Some(email) = &email {
        if !email.contains('@') || email.len() > 254 {
            return Err(ApiError::BadUserInput("`applicant.email` is not an email address".into()));
        }
    }
    Ok(Applicant { kind: applicant.kind, name, id_number, phone, email, address })
}

/// A phone number as digits with a leading 0, or `None` when it is not one.
pub fn normalize_phone(phone: &str) -> Option<String> {
    let compact: String = phone.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
    let national = match compact.strip_prefix("+84") {
        Some(rest) => format!("0{rest}"),
        None => compact,
    };
    (national.starts_with('0') && (10..=11).contains(&national.len()) && national.bytes().all(|b| b.is_ascii_digit()))
        .then_some(national)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(position: i16, role: &str) -> procedure_step::Model {
        procedure_step::Model {
            id: Uuid::now_v7(),
            procedure_id: Uuid::nil(),
            position,
            name: format!("step {position}"),
            role: role.into(),
            budget_hours: 8,
        }
    }

    #[test]
    fn the_receipt_completes_the_intake_step_and_resolution_leads_to_the_desk() {
        let steps = [step(1, "receiver"), step(2, "specialist"), step(3, "leader"), step(4, "receiver")];
        assert_eq!(step_after_receipt(&steps).map(|s| s.position), Some(2));
        assert_eq!(last_processing_step(&steps), Some(3));
        assert_eq!(return_step(&steps).map(|s| s.position), Some(4));
        let internal_only = [step(1, "specialist"), step(2, "leader")];
        assert_eq!(step_after_receipt(&internal_only).map(|s| s.position), Some(1));
        assert_eq!(last_processing_step(&internal_only), Some(2));
        assert!(return_step(&internal_only).is_none());
    }

    #[test]
    fn phone_numbers_are_compared_in_one_form() {
        assert_eq!(normalize_phone("+84 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(normalize_phone("0912.345.678").as_deref(), Some("0912345678"));
        assert_eq!(normalize_phone("12345"), None);
        assert_eq!(normalize_phone("09123456ab"), None);
    }
}
