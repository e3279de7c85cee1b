//! Filing a new dossier: `submitDossier` online, `receiveDossier` at the desk
//! or by post — the applicant, the competent agency, the daily code
//! sequence, idempotency.

use super::context::required;
use super::documents::{attach, Owner};
use super::plan::Slip;
use super::write::{is_postgres, sqlite_writer, write, DossierWrite, Records};
use super::{procedure_version, Acted, Applicant, Application};
use crate::auth::Viewer;
use crate::domain::calendar::vietnam;
use crate::domain::codes::format_dossier_code;
use crate::domain::lifecycle::Command;
use crate::domain::steps::{step_after_receipt, step_deadline, DESK_ROLE};
use crate::error::{ApiError, ApiResult};
use crate::services::audit;
use crate::services::combined::Batch;
use crate::services::dossiers;
use crate::services::events::Published;
use crate::services::sqlite_writer::Writing;
use crate::state::AppState;
use entity::{
    agency, dossier, dossier_code_sequence, procedure, AgencyKind, Channel, DocumentKind, DossierStatus, Tier,
};
use sea_orm::sea_query::{Expr, InsertStatement, OnConflict, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

pub(super) async fn file_new(
    state: &AppState,
    actor: &Viewer,
    command: Command,
    application: Application,
    entry: &mut audit::Entry<'_>,
) -> ApiResult<Acted> {
    let applicant = validate_applicant(application.applicant)?;
    check_channel(command, application.channel)?;
    let agency = receiving_agency(state, actor, application.agency_code.as_deref()).await?;
    entry.agency_path = Some(agency.path.clone());
    entry.province_code = Some(agency.province_code.clone());
    authorise(state, actor, command, &agency).await?;
    let key = idempotency_key(application.idempotency_key.as_deref(), actor)?;
    if let Some(key) = &key {
        if let Some(acted) = replay(&state.db, key).await? {
            entry.target_id = Some(acted.dossier.id.to_string());
            return Ok(acted);
        }
    }
    let version = current_version(state, application.procedure_id).await?;
    let (procedure, steps) = (&version.procedure, &version.steps);
    let competent = competent_agency(procedure, &agency)?;
    let status = command.next(None).ok_or_else(|| ApiError::internal("a filing command without a first status"))?;
    let now = state.clock.now();
    let calendar = state.calendars.of(&state.db, &agency.province_code).await?;
    let received = status == DossierStatus::Received;
    let due_at =
        received.then(|| calendar.due_at(now, procedure.resolution_time.max(0) as u32, procedure.resolution_unit));
    let step = if received { step_after_receipt(steps) } else { None };
    let id = Uuid::now_v7();
    let owner = Owner { id, agency_path: &agency.path, province_code: &agency.province_code };
    let mut documents = Vec::with_capacity(application.documents.len());
    for mut attachment in application.documents {
        attachment.kind = DocumentKind::Application;
        documents.push(attach(state, owner, actor, attachment, now).await?);
    }
    let day = now.with_timezone(&vietnam()).date_naive();
    let (sequence, begun) = take_number(state, agency.id, day).await?;
    let new = NewDossier { id, status, channel: application.channel, applicant, competent, due_at, now };
    let dossier = new.model(&agency, procedure, step, format_dossier_code(&agency.code, day, sequence as u32), &key);
    let dossier = dossier::Model { documents_digitized: documents.iter().any(|d| d.digitized), ..dossier };
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
    entry.target_id = Some(id.to_string());
    let filed = record(state, dossier, slip.into_model_for(id, &agency, now), documents, entry, begun).await;
    match filed {
        Err(error) => match &key {
            // Two requests with one idempotency key: the other one won the race.
            Some(key) => replay(&state.db, key).await?.ok_or(error),
            None => Err(error),
        },
        acted => acted,
    }
}

/// What a new dossier is filed with, besides its agency, procedure and code.
struct NewDossier {
    id: Uuid,
    status: DossierStatus,
    channel: Channel,
    applicant: Applicant,
    competent: Uuid,
    due_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
}

impl NewDossier {
    /// The new dossier's row.
    fn model(
        self,
        agency: &agency::Model,
        procedure: &procedure::Model,
        step: Option<&entity::procedure_step::Model>,
        code: String,
        key: &Option<String>,
    ) -> dossier::Model {
        let Self { id, status, channel, applicant, competent, due_at, now } = self;
        let received = status == DossierStatus::Received;
        dossier::Model {
            id,
            code,
            procedure_id: procedure.id,
            status,
            channel,
            applicant_kind: applicant.kind,
            applicant_name: applicant.name,
            applicant_id_number: applicant.id_number,
            applicant_phone: applicant.phone,
            applicant_email: applicant.email,
            applicant_address: applicant.address,
            receiving_agency_id: agency.id,
            receiving_agency_path: agency.path.clone(),
            transferred: false,
            moves: None,
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
            documents_digitized: false,
            result_digitized: false,
            result_number: None,
            signer_id: None,
            idempotency_key: key.clone(),
            lock_version: 0,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Writes the new dossier with its records (`write`), then remembers it and
/// tells the subscribers.
async fn record(
    state: &AppState,
    dossier: dossier::Model,
    event: entity::dossier_event::Model,
    documents: Vec<entity::dossier_document::Model>,
    entry: &audit::Entry<'_>,
    begun: Option<Writing<'_>>,
) -> ApiResult<Acted> {
    let tallied = crate::services::tally::changes(None, &dossier);
    let records = Records {
        dossier: DossierWrite::Insert(Box::new(dossier.clone())),
        event: &event,
        documents: &documents,
        entry,
        tallied: &tallied,
        now: event.created_at,
    };
    if !write(state, records, begun).await? {
        return Err(ApiError::internal("a filing's records were not all written"));
    }
    state.recent.remember(&dossier);
    let published = Published { event: event.clone(), receiving_agency_path: dossier.receiving_agency_path.clone() };
    state.events.committed(published);
    Ok(Acted { dossier, event, documents })
}

/// The dossier's number of the day at its agency. On PostgreSQL it is taken
/// before the filing, in a short transaction of its own
/// (`services::numbers`); a filing that fails afterwards leaves it unused.
/// On SQLite the filing's own transaction, opened here on the writing
/// connection, takes it — and the connection comes back with it open.
async fn take_number(state: &AppState, agency: Uuid, day: chrono::NaiveDate) -> ApiResult<(i32, Option<Writing<'_>>)> {
    if is_postgres(state) {
        return Ok((state.numbers.next(&state.db, agency, day).await?, None));
    }
    let mut writing = sqlite_writer(state).await?;
    let mut batch = Batch::default();
    batch.raw("BEGIN IMMEDIATE");
    batch.add(&sequence_upsert(agency, day));
    let sequence = writing.fetch_i32(batch.finish(), "last_seq").await?;
    Ok((sequence, Some(writing)))
}

/// `submitDossier` files online dossiers, `receiveDossier` those at the desk or by post.
fn check_channel(command: Command, channel: Channel) -> ApiResult<()> {
    match (command, channel) {
        (Command::Submit, Channel::Online) | (Command::Receive, Channel::Direct | Channel::Postal) => Ok(()),
        (Command::Submit, _) => Err(ApiError::BadUserInput("`submitDossier` files online dossiers".into())),
        (Command::Receive, _) => Err(ApiError::BadUserInput(
            "an online dossier arrives through `submitDossier`; receive it with its `dossierId`".into(),
        )),
        _ => Err(ApiError::internal(format!("{command:?} does not file a dossier"))),
    }
}

/// The receiving agency: the one named, or the caller's own; open today.
async fn receiving_agency(
    state: &AppState,
    actor: &Viewer,
    code: Option<&str>,
) -> ApiResult<std::sync::Arc<agency::Model>> {
    let agency = named_or_own(state, actor, code).await?;
    crate::services::agencies::require_open(&agency, crate::services::tally::vietnam_day(state.clock.now()))?;
    Ok(agency)
}

async fn named_or_own(
    state: &AppState,
    actor: &Viewer,
    code: Option<&str>,
) -> ApiResult<std::sync::Arc<agency::Model>> {
    match code {
        Some(code) => state
            .agencies
            .by_code(&state.db, code)
            .await?
            .ok_or_else(|| ApiError::BadUserInput(format!("no agency has the code `{code}`"))),
        None => state
            .agencies
            .by_id(&state.db, actor.agency_id)
            .await?
            .ok_or_else(|| ApiError::internal("the caller's agency is missing")),
    }
}

/// The filing command's casbin action at the receiving agency.
async fn authorise(state: &AppState, actor: &Viewer, command: Command, agency: &agency::Model) -> ApiResult<()> {
    if state.authz.allows(&actor.username, &agency.path, "dossier", command.action()).await {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "`{}` needs the `{}` permission on dossiers at {}, which you do not hold",
        command.mutation(),
        command.action(),
        agency.path
    )))
}

/// The idempotency key as stored: `{caller id}:{key}`.
fn idempotency_key(key: Option<&str>, actor: &Viewer) -> ApiResult<Option<String>> {
    match key.map(str::trim) {
        None => Ok(None),
        Some(key) if key.is_empty() || key.len() > 200 => {
            Err(ApiError::BadUserInput("`idempotencyKey` must hold 1 to 200 characters".into()))
        }
        Some(key) => Ok(Some(format!("{}:{key}", actor.id))),
    }
}

/// The version of the procedure `id` names that is in force at the receipt
/// (today, in Vietnam): that one, or the version of it that is. A draft,
/// a retired procedure or one not in force yet takes no dossier.
async fn current_version(
    state: &AppState,
    id: Uuid,
) -> ApiResult<std::sync::Arc<crate::services::procedures::Version>> {
    use crate::services::procedures::{in_force, version_in_force};
    let named = procedure_version(state, id)
        .await?
        .ok_or_else(|| ApiError::BadUserInput("`procedureId` names no procedure".into()))?;
    let today = crate::services::tally::vietnam_day(state.clock.now());
    if in_force(&named.procedure, today) {
        return Ok(named);
    }
    let procedure = &named.procedure;
    let published = procedure.status == entity::ProcedureStatus::Published;
    if let Some(current) = version_in_force(&state.db, procedure, today).await?.filter(|_| published) {
        return procedure_version(state, current.id)
            .await?
            .ok_or_else(|| ApiError::internal("a version in force vanished"));
    }
    let (status, why) = match (procedure.status, procedure.effective_to) {
        (entity::ProcedureStatus::Draft, _) => ("DRAFT", "is a draft, not published".to_owned()),
        (_, Some(last)) if last < today => ("RETIRED", format!("was retired: its last day was {last}")),
        _ => ("NOT_IN_FORCE", format!("is in force from {} only", procedure.effective_from)),
    };
    Err(ApiError::InvalidTransition {
        message: format!("procedure {} {why}; it takes no new dossiers", procedure.code),
        status,
        allowed: Vec::new(),
    })
}

/// The dossier an earlier request with the same idempotency key filed, with its first slip entry.
pub(super) async fn replay(db: &DatabaseConnection, key: &str) -> ApiResult<Option<Acted>> {
    let Some(dossier) = dossier::Entity::find().filter(dossier::Column::IdempotencyKey.eq(key)).one(db).await? else {
        return Ok(None);
    };
    let event = dossiers::events_of(db, &[dossier.id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("a filed dossier without a slip entry"))?;
    let documents = crate::services::documents::of_dossiers(db, &[dossier.id]).await?;
    Ok(Some(Acted { dossier, event, documents }))
}

/// On SQLite: the upsert that takes the next number of the agency's daily
/// sequence and returns it. Its row stays locked until the filing's
/// transaction ends, so concurrent intakes at one agency get consecutive
/// numbers and never the same.
fn sequence_upsert(agency_id: Uuid, day: chrono::NaiveDate) -> InsertStatement {
    use dossier_code_sequence::Column;
    Query::insert()
        .into_table(dossier_code_sequence::Entity)
        .columns([Column::AgencyId, Column::Day, Column::LastSeq])
        .values_panic([agency_id.into(), day.into(), 1.into()])
        .on_conflict(
            OnConflict::columns([Column::AgencyId, Column::Day])
                .value(Column::LastSeq, Expr::col((dossier_code_sequence::Entity, Column::LastSeq)).add(1))
                .to_owned(),
        )
        .returning_col(Column::LastSeq)
        .to_owned()
}

/// The agency competent to resolve a dossier of `procedure` received at
/// `agency`: a department (or the province) for the province tier, the
/// district for the district tier (the commune's district when a commune
/// receives it), the commune for the commune tier.
pub(super) fn competent_agency(procedure: &procedure::Model, agency: &agency::Model) -> ApiResult<Uuid> {
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
pub(super) fn validate_applicant(applicant: Applicant) -> ApiResult<Applicant> {
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
pub(crate) fn normalize_phone(phone: &str) -> Option<String> {
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

    #[test]
    fn phone_numbers_are_compared_in_one_form() {
        assert_eq!(normalize_phone("+84 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(normalize_phone("0912.345.678").as_deref(), Some("0912345678"));
        assert_eq!(normalize_phone("12345"), None);
        assert_eq!(normalize_phone("09123456ab"), None);
    }
}
