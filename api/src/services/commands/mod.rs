//! The commands of a dossier's life. Each one, in order: find the dossier in
//! the caller's sight (`NOT_FOUND` otherwise, the same as a missing one),
//! check the caller's permission where the dossier is (`FORBIDDEN`), the
//! version the caller saw (`CONFLICT`) and the state machine
//! (`INVALID_TRANSITION`), then write the change, its slip entry and its audit
//! row in one transaction. The dossier's update is conditional on its version,
//! so of two officials acting at once exactly one succeeds; the other gets
//! `CONFLICT` and nothing of its command is written. A refused command writes
//! only its audit row.

mod apologize;
mod assign;
mod attach_document;
mod change;
mod complete_step;
mod confirm_payment;
mod context;
mod documents;
mod filing;
mod plan;
mod receive;
mod refuse;
mod request_payment;
mod request_supplement;
mod resolve;
mod return_result;
mod stop;
mod supply_documents;
mod transfer;
mod withdraw;
mod write;

pub(crate) use change::{
    Apologize, Assign, AttachDocument, Change, CompleteStep, ConfirmPayment, Receive, Refuse, RequestPayment,
    RequestSupplement, Resolve, ReturnResult, Stop, SupplyDocuments, Transfer, Withdraw,
};
pub(crate) use filing::normalize_phone;

use context::Context;
use filing::file_new;
use plan::Plan;
use write::commit;

use super::audit;
use super::dossiers;
use crate::auth::Viewer;
use crate::domain::lifecycle::{self, Command};
use crate::domain::scope::Scope;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use entity::{agency, dossier, dossier_document, dossier_event, ApplicantKind, Channel, DocumentKind};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// The result of a command: the dossier as it is now, its new slip entry
/// and the documents the command attached.
#[derive(Debug, Clone)]
pub(crate) struct Acted {
    pub dossier: dossier::Model,
    pub event: dossier_event::Model,
    pub documents: Vec<dossier_document::Model>,
}

/// Who applies.
#[derive(Debug, Clone)]
pub(crate) struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub email: Option<String>,
    pub address: String,
}

/// A document to attach: its uploaded content and what it is.
#[derive(Debug)]
pub(crate) struct Attachment {
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
pub(crate) struct Application {
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

/// Which dossier a command acts on, and the version the caller last saw.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub dossier_id: Uuid,
    pub version: Option<i32>,
}

/// Runs `change` on the dossier `target` names, as `actor`.
pub(crate) async fn act(state: &AppState, actor: &Viewer, target: Target, change: Change) -> ApiResult<Acted> {
    let command = change.command();
    let started = std::time::Instant::now();
    let mut entry = audit::Entry::new(actor, command.mutation(), "Dossier");
    entry.target_id = Some(target.dossier_id.to_string());
    let result = run(state, actor, target, change, &mut entry).await;
    if let Err(error) = &result {
        record_refusal(state, actor, &mut entry, error).await;
    }
    measure(command, &result, started);
    result
}

/// Counts a command by name and outcome (`ok` or its error's code), and how long it took.
fn measure(command: Command, result: &ApiResult<Acted>, started: std::time::Instant) {
    let outcome = match result {
        Ok(_) => "ok",
        Err(error) => error.code(),
    };
    metrics::counter!("motcua_commands_total", "command" => command.mutation(), "outcome" => outcome).increment(1);
    metrics::histogram!("motcua_command_seconds", "command" => command.mutation())
        .record(started.elapsed().as_secs_f64());
}

/// Files a new dossier: `submitDossier` (online) or `receiveDossier` at the
/// desk or by post.
pub(crate) async fn file(
    state: &AppState,
    actor: &Viewer,
    command: Command,
    application: Application,
) -> ApiResult<Acted> {
    let started = std::time::Instant::now();
    let mut entry = audit::Entry::new(actor, command.mutation(), "Dossier");
    let result = file_new(state, actor, command, application, &mut entry).await;
    if let Err(error) = &result {
        record_refusal(state, actor, &mut entry, error).await;
    }
    measure(command, &result, started);
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
    let written = audit::record(state, entry, Err(error)).await;
    if let Err(failure) = written {
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
    change.apply(&context, &mut plan).await?;
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
    if command.facts().at_the_desk
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
