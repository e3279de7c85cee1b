//! Moving the changes into the counters, every second.

use super::*;
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{DatabaseConnection, DbBackend, Statement};
use std::sync::atomic::{AtomicI64, Ordering};

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
pub(super) fn sqlite_fold() -> String {
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

/// When a fold last succeeded (Unix milliseconds; 0: never), for the
/// `motcua_tally_fold_lag_seconds` gauge.
pub static LAST_FOLDED: AtomicI64 = AtomicI64::new(0);

/// Folds the changes every `every` for as long as the state lives.
pub fn spawn_folding(state: std::sync::Weak<crate::state::AppState>, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(state) = state.upgrade() else { return };
            match fold(&state).await {
                Ok(()) => LAST_FOLDED.store(crate::services::now().timestamp_millis(), Ordering::Relaxed),
                Err(error) => tracing::warn!(?error, "folding the report's counters"),
            }
        }
    });
}
