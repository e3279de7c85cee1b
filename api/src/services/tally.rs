//! The report's counters (`dossier_tally`): per agency and calendar day in
//! Vietnam time, how many dossiers entered (by channel), ended (by way), and
//! began or ended their overdue span. Every write of a dossier changes them
//! in the same transaction by the difference between the dossier's
//! contributions before and after ([`changes`]); the report adds them up
//! instead of reading every dossier (`services::reports`).
//!
//! A dossier's contributions, all at its current agency:
//! - **entered** (its channel) on the day it was taken in: received, or — an
//!   online submission refused at intake — refused. A submission still
//!   waiting, or withdrawn before anyone received it, was never taken in and
//!   counts nowhere.
//! - **ended** on the day it finished: resolved early / on time / late (its
//!   outcome), withdrawn, refused or stopped.
//! - **overdue from** day `D1 = max(due day, entered day)`: at the start of
//!   any later day it is overdue unless finished before that day; **overdue
//!   until** day `max(finished day, D1)` once finished. So the dossiers
//!   pending and overdue at the start of day `d` number
//!   `Σ_{day<d} (overdue_from − overdue_until)`. And **ended overdue** on
//!   the day it finished, if that was after D1 (it was overdue when the day
//!   began).
//!
//! For the service index, on the day it was taken in: **entered digitized**
//! (its documents digitised), **entered fee-bearing** (a fee to pay) and
//! **entered paid online** (that fee paid online); on the day it was
//! resolved: **resolved result digitized**. Each as the dossier is now.
//!
//! The same counters are kept per agency **and procedure version**
//! (`dossier_tally_procedure`, `_procedure_month`, `_procedure_total`), for
//! the report by procedure or by field.
//!
//! `dossier_tally_total` holds each agency's sums over all days: the
//! dossiers pending now are `entered − ended` there, those with a due date
//! `overdue_from − overdue_until`.
//!
//! A command appends its change to `dossier_tally_change` (no key, no
//! index): on PostgreSQL concurrent commands at one agency never queue on
//! one counter row, on SQLite it is one cheap insert instead of several
//! upserts. A background task ([`fold`]) moves the changes into the day,
//! month and total counters (per agency, and per agency and procedure)
//! every second, and a report adds up both.

use crate::domain::calendar::vietnam;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{dossier, Channel, DossierStatus, Outcome};
use futures_util::TryStreamExt;
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, Statement, TransactionTrait,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// One of the counters, in the order of [`COLUMNS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    EnteredOnline,
    EnteredDirect,
    EnteredPostal,
    ResolvedEarly,
    ResolvedOnTime,
    ResolvedLate,
    Withdrawn,
    Refused,
    Stopped,
    OverdueFrom,
    OverdueUntil,
    EndedOverdue,
    EnteredDigitized,
    EnteredFeeBearing,
    EnteredPaidOnline,
    ResolvedResultDigitized,
}

/// How many counters a row has.
pub const COUNTERS: usize = 16;

/// The counters' columns, in the order of [`Counter`].
pub const COLUMNS: [&str; COUNTERS] = [
    "entered_online",
    "entered_direct",
    "entered_postal",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "withdrawn",
    "refused",
    "stopped",
    "overdue_from",
    "overdue_until",
    "ended_overdue",
    "entered_digitized",
    "entered_fee_bearing",
    "entered_paid_online",
    "resolved_result_digitized",
];

/// The counters of one row, indexed by `Counter as usize`.
pub type Counts = [i32; COUNTERS];

/// The calendar day of `at` in Vietnam.
pub fn vietnam_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}

/// What the counters need of a dossier.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Facts {
    pub agency_id: Uuid,
    pub procedure_id: Uuid,
    pub agency_path: String,
    pub status: DossierStatus,
    pub channel: Channel,
    pub outcome: Option<Outcome>,
    pub received_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub documents_digitized: bool,
    pub result_digitized: bool,
    pub fee_amount: i64,
    pub payment_method: Option<entity::PaymentMethod>,
}

impl From<&dossier::Model> for Facts {
    fn from(dossier: &dossier::Model) -> Self {
        Self {
            agency_id: dossier.agency_id,
            procedure_id: dossier.procedure_id,
            agency_path: dossier.agency_path.clone(),
            status: dossier.status,
            channel: dossier.channel,
            outcome: dossier.outcome,
            received_at: dossier.received_at,
            finished_at: dossier.finished_at,
            due_at: dossier.due_at,
            documents_digitized: dossier.documents_digitized,
            result_digitized: dossier.result_digitized,
            fee_amount: dossier.fee_amount,
            payment_method: dossier.payment_method,
        }
    }
}

/// When the report counts `dossier` as taken in: its receipt, or — refused
/// at intake, never received — its refusal. `None`: it counts nowhere.
pub fn entered_at(dossier: &Facts) -> Option<DateTime<Utc>> {
    match (dossier.received_at, dossier.status) {
        (Some(received), _) => Some(received),
        (None, DossierStatus::Refused) => dossier.finished_at,
        (None, _) => None,
    }
}

/// How a finished dossier ended, as its counter.
fn ending(dossier: &Facts) -> Option<Counter> {
    match dossier.status {
        DossierStatus::Resolved | DossierStatus::Returned => match dossier.outcome? {
            Outcome::Early => Some(Counter::ResolvedEarly),
            Outcome::OnTime => Some(Counter::ResolvedOnTime),
            Outcome::Late => Some(Counter::ResolvedLate),
        },
        DossierStatus::Withdrawn => Some(Counter::Withdrawn),
        DossierStatus::Refused => Some(Counter::Refused),
        DossierStatus::Stopped => Some(Counter::Stopped),
        _ => None,
    }
}

/// The days and counters `dossier` adds one to (see the module's comment).
pub fn contributions(dossier: &Facts) -> Vec<(NaiveDate, Counter)> {
    let Some(entered) = entered_at(dossier) else {
        return Vec::new();
    };
    let entered_day = vietnam_day(entered);
    let channel = match dossier.channel {
        Channel::Online => Counter::EnteredOnline,
        Channel::Direct => Counter::EnteredDirect,
        Channel::Postal => Counter::EnteredPostal,
    };
    let mut counted = vec![(entered_day, channel)];
    if dossier.documents_digitized {
        counted.push((entered_day, Counter::EnteredDigitized));
    }
    if dossier.fee_amount > 0 {
        counted.push((entered_day, Counter::EnteredFeeBearing));
        if dossier.payment_method == Some(entity::PaymentMethod::Online) {
            counted.push((entered_day, Counter::EnteredPaidOnline));
        }
    }
    let finished = dossier.finished_at.and_then(|at| Some((vietnam_day(at), ending(dossier)?)));
    if let Some((day, counter)) = finished {
        counted.push((day, counter));
        let resolved = matches!(counter, Counter::ResolvedEarly | Counter::ResolvedOnTime | Counter::ResolvedLate);
        if resolved && dossier.result_digitized {
            counted.push((day, Counter::ResolvedResultDigitized));
        }
    }
    if let Some(due) = dossier.due_at {
        let from = vietnam_day(due).max(entered_day);
        counted.push((from, Counter::OverdueFrom));
        if let Some((day, _)) = finished {
            counted.push((day.max(from), Counter::OverdueUntil));
            if from < day {
                counted.push((day, Counter::EndedOverdue));
            }
        }
    }
    counted
}

/// A change to the counters of one agency and procedure version on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub agency_id: Uuid,
    pub procedure_id: Uuid,
    pub agency_path: String,
    pub day: NaiveDate,
    pub counts: Counts,
}

/// What writing `after` over `before` (`None`: a new dossier) changes in the
/// counters: `after`'s contributions minus `before`'s, rows of zeros left out.
pub fn changes(before: Option<&dossier::Model>, after: &dossier::Model) -> Vec<Delta> {
    let mut rows: BTreeMap<(Uuid, Uuid, NaiveDate), (String, Counts)> = BTreeMap::new();
    let sides = before.map(|b| (Facts::from(b), -1)).into_iter().chain([(Facts::from(after), 1)]);
    for (dossier, sign) in sides {
        for (day, counter) in contributions(&dossier) {
            let key = (dossier.agency_id, dossier.procedure_id, day);
            let row = rows.entry(key).or_insert_with(|| (dossier.agency_path.clone(), [0; COUNTERS]));
            row.1[counter as usize] += sign;
        }
    }
    rows.into_iter()
        .filter(|(_, (_, counts))| counts.iter().any(|&n| n != 0))
        .map(|((agency_id, procedure_id, day), (agency_path, counts))| Delta {
            agency_id,
            procedure_id,
            agency_path,
            day,
            counts,
        })
        .collect()
}

/// The table of each agency's sums over all days.
pub const TOTALS: &str = "dossier_tally_total";

/// The table of each agency's sums per calendar month (keyed by its first day).
pub const MONTHS: &str = "dossier_tally_month";

/// The table of each agency's sums per day.
pub const DAYS: &str = "dossier_tally";

/// The same three per agency and procedure version: per day, per month, all days.
pub const PROCEDURE_DAYS: &str = "dossier_tally_procedure";
pub const PROCEDURE_MONTHS: &str = "dossier_tally_procedure_month";
pub const PROCEDURE_TOTALS: &str = "dossier_tally_procedure_total";

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("day 1 exists")
}

/// The insert of `deltas` into `dossier_tally_change`.
pub fn insert_changes(deltas: &[Delta]) -> sea_orm::sea_query::InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(sea_orm::sea_query::Alias::new(CHANGES)).columns(all_columns());
    for delta in deltas {
        let mut values: Vec<SimpleExpr> = vec![
            delta.agency_id.into(),
            delta.procedure_id.into(),
            delta.day.into(),
            delta.agency_path.as_str().into(),
        ];
        values.extend(delta.counts.iter().map(|&n| SimpleExpr::from(n)));
        insert.values_panic(values);
    }
    insert.to_owned()
}

fn all_columns() -> Vec<sea_orm::sea_query::Alias> {
    ["agency_id", "procedure_id", "day", "agency_path"]
        .into_iter()
        .chain(COLUMNS)
        .map(sea_orm::sea_query::Alias::new)
        .collect()
}

/// Rows of counters per insert while rebuilding: 20 values each, under
/// SQLite's 32,766 bound values a statement (PostgreSQL allows 65,535).
const ROWS_PER_INSERT: usize = 32_766 / (COUNTERS + 4) / 2;

/// The table of the changes not yet folded. It has no key and no index: a
/// command's insert is an append, and a fold takes all.
pub const CHANGES: &str = "dossier_tally_change";

/// The `SET` list adding `excluded`'s counters to `table`'s.
fn added_to(table: &str) -> String {
    COLUMNS.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect::<Vec<_>>().join(", ")
}

fn summed() -> String {
    COLUMNS.iter().map(|c| format!("sum({c})")).collect::<Vec<_>>().join(", ")
}

/// The upserts that add the rows of `source` to the six counter tables —
/// per agency and per agency and procedure version, each per day, per month
/// (`month` computes a day's month) and over all days. Changes written before
/// the counters per procedure existed have no procedure and only count per
/// agency (the counters are rebuilt after that migration anyway).
fn fold_upserts(source: &str, month: &str) -> Vec<String> {
    let (columns, sums) = (COLUMNS.join(", "), summed());
    let targets = [
        (DAYS, "agency_id, day", "agency_id, day".to_owned()),
        (MONTHS, "agency_id, month", format!("agency_id, {month}")),
        (TOTALS, "agency_id", "agency_id".to_owned()),
        (PROCEDURE_DAYS, "agency_id, procedure_id, day", "agency_id, procedure_id, day".to_owned()),
        (PROCEDURE_MONTHS, "agency_id, procedure_id, month", format!("agency_id, procedure_id, {month}")),
        (PROCEDURE_TOTALS, "agency_id, procedure_id", "agency_id, procedure_id".to_owned()),
    ];
    targets
        .into_iter()
        .map(|(table, key, grouped)| {
            // `WHERE` also keeps SQLite from reading `ON CONFLICT` as a join's.
            let only = if key.contains("procedure_id") { "procedure_id IS NOT NULL" } else { "true" };
            format!(
                "INSERT INTO {table} ({key}, agency_path, {columns}) \
                 SELECT {grouped}, max(agency_path), {sums} FROM {source} WHERE {only} GROUP BY {grouped} \
                 ON CONFLICT ({key}) DO UPDATE SET {added}",
                added = added_to(table),
            )
        })
        .collect()
}

/// On PostgreSQL: moves every change into the counter tables in one
/// statement (so a report sees each change exactly once, before or after).
/// Changes committed meanwhile wait for the next fold; two instances folding
/// at once each move distinct rows (the second skips those the first
/// deleted). Returns how many changes moved.
pub async fn fold_postgres(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    let upserts: Vec<String> = fold_upserts("moved", "CAST(date_trunc('month', day) AS date)")
        .into_iter()
        .enumerate()
        .map(|(index, upsert)| format!("folded_{index} AS ({upsert})"))
        .collect();
    let sql = format!(
        "WITH moved AS (DELETE FROM {CHANGES} RETURNING *), {} SELECT count(*) AS moved FROM moved",
        upserts.join(", ")
    );
    // Straight on sqlx's pool: the fold is no request's statement, and
    // sea-orm's metric callback (which counts a request's statements) should
    // not see it.
    let moved: i64 = sea_orm::sqlx::query_scalar(&sql)
        .fetch_one(db.get_postgres_connection_pool())
        .await
        .map_err(|error| sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(error)))?;
    Ok(moved as u64)
}

/// On SQLite: the same in one transaction on the writing connection, which
/// no command can write through meanwhile.
pub async fn fold_sqlite(writer: &crate::services::sqlite_writer::SqliteWriter) -> crate::error::ApiResult<()> {
    writer.lock().await.execute(Statement::from_string(DbBackend::Sqlite, sqlite_fold())).await
}

/// On SQLite: the fold's statements, in one transaction.
fn sqlite_fold() -> String {
    let upserts = fold_upserts(CHANGES, "date(day, 'start of month')").join("; ");
    format!("BEGIN IMMEDIATE; {upserts}; DELETE FROM {CHANGES}; COMMIT")
}

/// Folds the changes now, on either database.
pub async fn fold(state: &crate::state::AppState) -> crate::error::ApiResult<()> {
    match &state.sqlite_writer {
        Some(writer) => fold_sqlite(writer).await,
        None => fold_postgres(&state.db).await.map(drop).map_err(Into::into),
    }
}

/// Folds the changes every `every` for as long as the state lives.
pub fn spawn_folding(state: std::sync::Weak<crate::state::AppState>, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(state) = state.upgrade() else { return };
            if let Err(error) = fold(&state).await {
                tracing::warn!(?error, "folding the report's counters");
            }
        }
    });
}

/// Computes every counter again from the dossiers themselves, replacing
/// what the tables held: after a bulk load, and when the tables are first
/// created over existing dossiers. Reads the dossiers as a stream.
pub async fn rebuild(db: &DatabaseConnection) -> anyhow::Result<()> {
    use dossier::Column;
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let mut counts: BTreeMap<(Uuid, Uuid, NaiveDate), Counts> = BTreeMap::new();
    let mut paths: BTreeMap<Uuid, String> = BTreeMap::new();
    {
        let mut dossiers = dossier::Entity::find()
            .select_only()
            .columns([
                Column::AgencyId,
                Column::ProcedureId,
                Column::AgencyPath,
                Column::Status,
                Column::Channel,
                Column::Outcome,
                Column::ReceivedAt,
                Column::FinishedAt,
                Column::DueAt,
                Column::DocumentsDigitized,
                Column::ResultDigitized,
                Column::FeeAmount,
                Column::PaymentMethod,
            ])
            // Only those that may count: received, or finished (refused).
            .filter(Column::ReceivedAt.is_not_null().or(Column::FinishedAt.is_not_null()))
            .into_model::<Facts>()
            .stream(db)
            .await?;
        while let Some(dossier) = dossiers.try_next().await? {
            for (day, counter) in contributions(&dossier) {
                let key = (dossier.agency_id, dossier.procedure_id, day);
                counts.entry(key).or_insert([0; COUNTERS])[counter as usize] += 1;
            }
            paths.entry(dossier.agency_id).or_insert(dossier.agency_path);
        }
    }
    // Written as changes, then folded like any others: every counter table
    // comes out of the one fold.
    let transaction = db.begin().await?;
    for table in [CHANGES, TOTALS, MONTHS, DAYS, PROCEDURE_TOTALS, PROCEDURE_MONTHS, PROCEDURE_DAYS] {
        transaction.execute_unprepared(&format!("DELETE FROM {table}")).await?;
    }
    let deltas: Vec<Delta> = counts
        .into_iter()
        .map(|((agency_id, procedure_id, day), counts)| Delta {
            agency_id,
            procedure_id,
            agency_path: paths[&agency_id].clone(),
            day,
            counts,
        })
        .collect();
    let backend = db.get_database_backend();
    for chunk in deltas.chunks(ROWS_PER_INSERT) {
        transaction.execute(backend.build(&insert_changes(chunk))).await?;
    }
    transaction.commit().await?;
    match backend {
        DbBackend::Postgres => {
            fold_postgres(db).await?;
            // The fold deleted every change row it moved (one per agency,
            // procedure and day); until vacuumed, the dead rows would slow
            // every report's scan of the (keyless) change table.
            db.execute_unprepared(&format!("VACUUM ANALYZE {CHANGES}")).await?;
        }
        _ => db.execute_unprepared(&sqlite_fold()).await.map(drop)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        vietnam().with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap().with_timezone(&Utc)
    }

    fn dossier(status: DossierStatus) -> dossier::Model {
        dossier::Model {
            id: Uuid::nil(),
            code: "X".into(),
            procedure_id: Uuid::nil(),
            status,
            channel: Channel::Direct,
            applicant_kind: entity::ApplicantKind::Citizen,
            applicant_name: String::new(),
            applicant_id_number: String::new(),
            applicant_phone: String::new(),
            applicant_email: None,
            applicant_address: String::new(),
            receiving_agency_id: Uuid::nil(),
            receiving_agency_path: "/91/".into(),
            transferred: false,
            competent_agency_id: Uuid::nil(),
            agency_id: Uuid::nil(),
            agency_path: "/91/".into(),
            province_code: "91".into(),
            current_step: None,
            assignee_id: None,
            filed_at: at(2, 9),
            submitted_at: None,
            received_at: Some(at(2, 9)),
            due_at: Some(at(5, 17)),
            paused_at: None,
            finished_at: None,
            appointment_at: None,
            returned_at: None,
            outcome: None,
            fee_amount: 0,
            fee_paid_at: None,
            payment_method: None,
            documents_digitized: false,
            result_digitized: false,
            result_number: None,
            signer_id: None,
            idempotency_key: None,
            lock_version: 0,
            created_at: at(2, 9),
            updated_at: at(2, 9),
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn a_pending_dossier_counts_its_entry_and_its_due_day() {
        let pending = dossier(DossierStatus::Processing);
        assert_eq!(
            contributions(&Facts::from(&pending)),
            [(day(2), Counter::EnteredDirect), (day(5), Counter::OverdueFrom)]
        );
    }

    #[test]
    fn a_late_dossier_is_overdue_from_its_due_day_until_it_finished() {
        let mut late = dossier(DossierStatus::Resolved);
        late.finished_at = Some(at(9, 10));
        late.outcome = Some(Outcome::Late);
        assert_eq!(
            contributions(&Facts::from(&late)),
            [
                (day(2), Counter::EnteredDirect),
                (day(9), Counter::ResolvedLate),
                (day(5), Counter::OverdueFrom),
                (day(9), Counter::OverdueUntil),
                (day(9), Counter::EndedOverdue)
            ]
        );
    }

    #[test]
    fn an_early_dossier_ends_its_overdue_span_where_it_began() {
        let mut early = dossier(DossierStatus::Returned);
        early.finished_at = Some(at(3, 10));
        early.outcome = Some(Outcome::Early);
        let counted = contributions(&Facts::from(&early));
        assert!(counted.contains(&(day(5), Counter::OverdueFrom)));
        assert!(counted.contains(&(day(5), Counter::OverdueUntil)));
    }

    #[test]
    fn a_submission_counts_only_once_taken_in_or_refused() {
        let mut submitted = dossier(DossierStatus::Submitted);
        submitted.received_at = None;
        submitted.due_at = None;
        assert!(contributions(&Facts::from(&submitted)).is_empty());
        let mut withdrawn = submitted.clone();
        withdrawn.status = DossierStatus::Withdrawn;
        withdrawn.finished_at = Some(at(3, 8));
        assert!(contributions(&Facts::from(&withdrawn)).is_empty());
        let mut refused = submitted.clone();
        refused.status = DossierStatus::Refused;
        refused.finished_at = Some(at(3, 8));
        assert_eq!(
            contributions(&Facts::from(&refused)),
            [(day(3), Counter::EnteredDirect), (day(3), Counter::Refused)]
        );
    }

    #[test]
    fn the_day_is_vietnams() {
        // 23:30 UTC on the 1st is 06:30 on the 2nd in Vietnam.
        let late_utc = Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).unwrap();
        assert_eq!(vietnam_day(late_utc), day(2));
    }

    #[test]
    fn a_change_moves_only_what_differs_and_a_transfer_moves_everything() {
        let before = dossier(DossierStatus::Processing);
        let mut paused = before.clone();
        paused.due_at = Some(at(7, 17));
        let moved = changes(Some(&before), &paused);
        assert_eq!(moved.len(), 2);
        assert_eq!(moved[0].day, day(5));
        assert_eq!(moved[0].counts[Counter::OverdueFrom as usize], -1);
        assert_eq!(moved[1].day, day(7));
        assert_eq!(moved[1].counts[Counter::OverdueFrom as usize], 1);
        assert!(changes(Some(&before), &before).is_empty());

        let mut transferred = before.clone();
        transferred.agency_id = Uuid::from_u128(7);
        transferred.agency_path = "/91/STP/".into();
        let moved = changes(Some(&before), &transferred);
        let total: i32 = moved.iter().map(|d| d.counts.iter().sum::<i32>()).sum();
        assert_eq!(total, 0);
        assert!(moved.iter().any(|d| d.agency_path == "/91/STP/" && d.counts[Counter::EnteredDirect as usize] == 1));
        assert!(moved.iter().any(|d| d.agency_path == "/91/" && d.counts[Counter::EnteredDirect as usize] == -1));
    }
}
