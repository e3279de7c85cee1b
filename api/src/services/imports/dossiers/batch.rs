//! A batch of imported dossiers written in one transaction: the dossiers,
//! their slip entries, their changes to the report's counters and the daily
//! code sequences raised past their codes — by `COPY` on PostgreSQL, by
//! multi-row inserts on SQLite (`db::bulk`).

use super::known::Known;
use super::row::Imported;
use crate::db::bulk::{self, Bound, Cell, Rows, DOSSIER_COLUMNS, EVENT_COLUMNS};
use crate::domain::codes::parse_dossier_code;
use crate::error::{ApiError, ApiResult};
use crate::services::tally::{self, Counts, COUNTERS};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{dossier, dossier_event};
use sea_orm::{ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// What identifies a dossier already there: when it was filed, and by whom.
pub(super) type Identity = (DateTime<Utc>, String);

/// The dossiers of `codes` already in the database.
pub(super) async fn existing(db: &DatabaseConnection, codes: Vec<String>) -> ApiResult<HashMap<String, Identity>> {
    let found: Vec<(String, DateTime<Utc>, String)> = dossier::Entity::find()
        .select_only()
        .columns([dossier::Column::Code, dossier::Column::FiledAt, dossier::Column::ApplicantIdNumber])
        .filter(dossier::Column::Code.is_in(codes))
        .into_tuple()
        .all(db)
        .await?;
    Ok(found.into_iter().map(|(code, filed, id_number)| (code, (filed, id_number))).collect())
}

fn text_of<T: sea_orm::ActiveEnum<Value = String>>(value: Option<T>) -> Cell {
    value.map_or(Cell::Null, |v| Cell::Text(v.to_value()))
}

fn dossier_row(d: &dossier::Model) -> Vec<Cell> {
    use sea_orm::ActiveEnum;
    vec![
        Cell::Uuid(d.id),
        Cell::Text(d.code.clone()),
        Cell::Uuid(d.procedure_id),
        Cell::Small(d.status.national_code()),
        Cell::Text(d.channel.to_value()),
        Cell::Text(d.applicant_kind.to_value()),
        Cell::Text(d.applicant_name.clone()),
        Cell::Text(d.applicant_id_number.clone()),
        Cell::Text(d.applicant_phone.clone()),
        d.applicant_email.clone().into(),
        Cell::Text(d.applicant_address.clone()),
        Cell::Uuid(d.receiving_agency_id),
        Cell::Text(d.receiving_agency_path.clone()),
        Cell::Bool(d.transferred),
        Cell::Uuid(d.competent_agency_id),
        Cell::Uuid(d.agency_id),
        Cell::Text(d.agency_path.clone()),
        Cell::Text(d.province_code.clone()),
        d.current_step.into(),
        d.assignee_id.into(),
        Cell::Time(d.filed_at),
        d.submitted_at.into(),
        d.received_at.into(),
        d.due_at.into(),
        d.paused_at.into(),
        d.finished_at.into(),
        d.returned_at.into(),
        text_of(d.outcome),
        Cell::Big(d.fee_amount),
        d.fee_paid_at.into(),
        text_of(d.payment_method),
        Cell::Bool(d.documents_digitized),
        Cell::Bool(d.result_digitized),
        d.result_number.clone().into(),
        d.signer_id.into(),
        d.idempotency_key.clone().into(),
        Cell::Int(d.lock_version),
        Cell::Time(d.created_at),
        Cell::Time(d.updated_at),
    ]
}

fn event_row(e: dossier_event::Model) -> Vec<Cell> {
    vec![
        Cell::Uuid(e.id),
        Cell::Uuid(e.dossier_id),
        Cell::Text(e.agency_path),
        Cell::Text(e.province_code),
        Cell::Text(e.action),
        e.status_from.map_or(Cell::Null, |s| Cell::Small(s.national_code())),
        Cell::Small(e.status_to.national_code()),
        e.from_agency_id.into(),
        e.from_official_id.into(),
        e.to_agency_id.into(),
        e.to_official_id.into(),
        e.to_role.into(),
        e.step.into(),
        e.step_due_at.into(),
        e.note.into(),
        e.details.into(),
        Cell::Time(e.created_at),
    ]
}

/// The batch's changes to the counters, summed per agency, procedure and day.
fn tally_rows(dossiers: &[dossier::Model]) -> Vec<Vec<Cell>> {
    let mut sums: BTreeMap<(Uuid, Uuid, NaiveDate), (String, Counts)> = BTreeMap::new();
    for delta in dossiers.iter().flat_map(|d| tally::changes(None, d)) {
        let key = (delta.agency_id, delta.procedure_id, delta.day);
        let sum = sums.entry(key).or_insert_with(|| (delta.agency_path.clone(), [0; COUNTERS]));
        for (total, n) in sum.1.iter_mut().zip(delta.counts) {
            *total += n;
        }
    }
    sums.into_iter()
        .map(|((agency, procedure, day), (path, counts))| {
            let mut row = vec![Cell::Uuid(agency), Cell::Uuid(procedure), Cell::Date(day), Cell::Text(path)];
            row.extend(counts.into_iter().map(Cell::Int));
            row
        })
        .collect()
}

/// The upsert raising each unit's daily sequence to the highest number its
/// imported codes took, so that the codes the system gives next follow them.
fn sequences(dossiers: &[dossier::Model], known: &Known, backend: DatabaseBackend) -> Vec<Bound> {
    let mut highest: HashMap<(Uuid, NaiveDate), i32> = HashMap::new();
    for dossier in dossiers {
        let Some((code, day, number)) = parse_dossier_code(&dossier.code) else { continue };
        let unit = match known.agency(code, day) {
            Some(unit) => unit.id,
            None => continue,
        };
        let number = i32::try_from(number).unwrap_or(i32::MAX);
        let entry = highest.entry((unit, day)).or_insert(number);
        *entry = (*entry).max(number);
    }
    // In one order, so that two batches written at once lock the rows they
    // share in the same order and never wait for each other in a cycle.
    let mut rows: Vec<_> = highest.into_iter().collect();
    rows.sort_unstable();
    rows.chunks(1_000)
        .map(|chunk| {
            let mut values = Vec::with_capacity(chunk.len() * 3);
            let mut tuples = Vec::with_capacity(chunk.len());
            for ((unit, day), number) in chunk {
                let at = values.len();
                tuples.push(match backend {
                    DatabaseBackend::Postgres => format!("(${}, ${}, ${})", at + 1, at + 2, at + 3),
                    _ => "(?, ?, ?)".to_owned(),
                });
                values.extend([Cell::Uuid(*unit), Cell::Date(*day), Cell::Int(*number)]);
            }
            let sql = format!(
                "INSERT INTO dossier_code_sequence (agency_id, day, last_seq) VALUES {} \
                 ON CONFLICT (agency_id, day) DO UPDATE SET last_seq = CASE \
                 WHEN excluded.last_seq > dossier_code_sequence.last_seq THEN excluded.last_seq \
                 ELSE dossier_code_sequence.last_seq END",
                tuples.join(", ")
            );
            Bound { sql, values }
        })
        .collect()
}

/// What one batch writes: its rows, and the statements after them.
pub(super) struct Load {
    batches: [Rows; 3],
    then: Vec<Bound>,
}

/// The rows and statements that write `imported` (the work of the
/// importing thread, so that the writes only send them), with the changes to
/// the counters when `counted` (a bulk load rebuilds them instead).
pub(super) fn load(imported: Vec<Imported>, known: &Known, (backend, counted): (DatabaseBackend, bool)) -> Load {
    let mut dossiers = Vec::with_capacity(imported.len());
    let mut events = Vec::with_capacity(imported.len() * 2);
    for Imported { dossier, slip } in imported {
        events.extend(slip.into_iter().map(event_row));
        dossiers.push(dossier);
    }
    let counters: &'static [&'static str] = &COUNTER_COLUMNS;
    let then = sequences(&dossiers, known, backend);
    let batches = [
        Rows { table: "dossier", columns: DOSSIER_COLUMNS, rows: dossiers.iter().map(dossier_row).collect() },
        Rows { table: "dossier_event", columns: EVENT_COLUMNS, rows: events },
        Rows {
            table: tally::CHANGES,
            columns: counters,
            rows: if counted { tally_rows(&dossiers) } else { Vec::new() },
        },
    ];
    Load { batches, then }
}

/// Writes `load` in one transaction.
pub(super) async fn write(db: &DatabaseConnection, load: Load) -> ApiResult<()> {
    bulk::write_then(db, &load.batches, &load.then).await.map_err(|e| match unique_violation(&e) {
        true => {
            ApiError::Conflict("a dossier of this batch was given its code meanwhile: import the file again".into())
        }
        false => ApiError::Internal(e),
    })
}

/// The columns of `dossier_tally_change`.
static COUNTER_COLUMNS: [&str; 4 + COUNTERS] = tally::keyed(["agency_id", "procedure_id", "day"]);

fn unique_violation(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<sea_orm::sqlx::Error>()
        .and_then(|e| e.as_database_error())
        .is_some_and(|e| e.is_unique_violation())
}
