//! Filing a new dossier: `submitDossier` online, `receiveDossier` at the desk
//! or by post — the applicant, the competent agency, the daily code
//! sequence, idempotency.

use super::context::required;
use super::documents::{attach, Owner};
use super::plan::Slip;
use super::write::{add_records, is_postgres, sqlite_writer, write_at_once, WRITTEN};
use super::{procedure_version, Acted, Applicant, Application};
use crate::auth::Viewer;
use crate::domain::calendar::vietnam;
use crate::domain::codes::format_dossier_code;
use crate::domain::lifecycle::Command;
use crate::domain::steps::{step_after_receipt, step_deadline, DESK_ROLE};
use crate::error::{ApiError, ApiResult};
use crate::services::audit;
use crate::services::combined::{Batch, Combined};
use crate::services::dossiers;
use crate::services::events::Published;
use crate::state::AppState;
use entity::{
    agency, dossier, dossier_code_sequence, procedure, AgencyKind, Channel, DocumentKind, DossierStatus, Tier,
};
use sea_orm::sea_query::{Expr, InsertStatement, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryTrait,
};
use uuid::Uuid;

pub(super) async fn file_new(
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

    // On PostgreSQL the number is taken before the filing, in a short
    // transaction of its own (`services::numbers`); a filing that fails
    // afterwards leaves its number unused. On SQLite the filing's
    // transaction, on the writing connection, takes it.
    let mut writing = if is_postgres(state) { None } else { Some(sqlite_writer(state).await?) };
    let sequence = match writing.as_mut() {
        None => state.numbers.next(&state.db, agency.id, day).await?,
        Some(writing) => {
            let mut batch = Batch::default();
            batch.raw("BEGIN IMMEDIATE");
            batch.add(&sequence_upsert(agency.id, day));
            writing.fetch_i32(batch.finish(), "last_seq").await?
        }
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
    let tallied = crate::services::tally::changes(None, &dossier);
    let written = match writing.as_mut() {
        None => {
            let mut combined = Combined::default();
            let insert = dossier::Entity::insert(dossier::ActiveModel::from(dossier.clone()).reset_all());
            combined.add("filed", &insert.into_query());
            let statement = write_at_once(combined, &event, &documents, entry, &tallied, now, "true");
            state.db.execute(statement).await.map(drop).map_err(ApiError::from)
        }
        Some(writing) => {
            let mut batch = Batch::default();
            batch.add(&dossier::Entity::insert(dossier::ActiveModel::from(dossier.clone()).reset_all()).into_query());
            match add_records(&mut batch, &event, &documents, entry, &tallied, now) {
                Ok(()) => {
                    batch.raw(WRITTEN);
                    batch.raw("COMMIT");
                    writing.fetch_i32(batch.finish(), "written").await.and_then(|written| match written {
                        1 => Ok(()),
                        _ => Err(ApiError::internal("a filing's records were not all written")),
                    })
                }
                Err(error) => {
                    writing.roll_back().await;
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

    #[test]
    fn phone_numbers_are_compared_in_one_form() {
        assert_eq!(normalize_phone("+84 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(normalize_phone("0912.345.678").as_deref(), Some("0912345678"));
        assert_eq!(normalize_phone("12345"), None);
        assert_eq!(normalize_phone("09123456ab"), None);
    }
}
