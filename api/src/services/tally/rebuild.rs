//! The counters rebuilt from the dossiers, after a bulk load.

use super::*;
use crate::db::bulk::{Bound, Cell, Loader, Rows};
use chrono::NaiveDate;
use entity::dossier;
use futures_util::TryStreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait};
use std::collections::BTreeMap;
use uuid::Uuid;

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
                Column::Moves,
            ])
            // Only those that may count: received, or finished (refused).
            .filter(Column::ReceivedAt.is_not_null().or(Column::FinishedAt.is_not_null()))
            .into_model::<Facts>()
            .stream(db)
            .await?;
        while let Some(dossier) = dossiers.try_next().await? {
            for (agency_id, day, counter) in placed(&dossier) {
                let key = (agency_id, dossier.procedure_id, day);
                counts.entry(key).or_insert([0; COUNTERS])[counter as usize] += 1;
            }
            for (agency_id, path) in paths_of(&dossier) {
                paths.entry(agency_id).or_insert(path);
            }
        }
    }
    write_all(db, &counts, &paths).await
}

/// Rows a `COPY` (or the inserts on SQLite) takes at a time.
const ROWS_PER_LOAD: usize = 50_000;

type Key = (Uuid, Option<Uuid>, Option<NaiveDate>);

/// Replaces every counter table's rows with those of `counts` (per agency,
/// procedure version and day) and their sums per day, month and all days,
/// in one transaction: bulk writes into emptied tables, no fold.
async fn write_all(
    db: &DatabaseConnection,
    counts: &BTreeMap<(Uuid, Uuid, NaiveDate), Counts>,
    paths: &BTreeMap<Uuid, String>,
) -> anyhow::Result<()> {
    let mut sums: [BTreeMap<Key, Counts>; 5] = Default::default();
    for ((agency, procedure, day), row) in counts {
        let (procedure, month) = (Some(*procedure), Some(month_of(*day)));
        let keys = [
            (*agency, None, Some(*day)),
            (*agency, None, month),
            (*agency, None, None),
            (*agency, procedure, month),
            (*agency, procedure, None),
        ];
        for (sum, key) in sums.iter_mut().zip(keys) {
            let total = sum.entry(key).or_insert([0; COUNTERS]);
            for (total, n) in total.iter_mut().zip(row) {
                *total += n;
            }
        }
    }
    let mut loader = Loader::begin(db).await?;
    for table in [CHANGES, TOTALS, MONTHS, DAYS, PROCEDURE_TOTALS, PROCEDURE_MONTHS, PROCEDURE_DAYS] {
        loader.run(&Bound { sql: format!("DELETE FROM {table}"), values: Vec::new() }).await?;
    }
    let by_procedure =
        counts.iter().map(|((agency, procedure, day), row)| ((*agency, Some(*procedure), Some(*day)), row));
    load(&mut loader, (PROCEDURE_DAYS, &PROCEDURE_DAY_COLUMNS), by_procedure, paths).await?;
    let [days, months, totals, procedure_months, procedure_totals] = &sums;
    let tables: [(&'static str, &'static [&'static str], _); 5] = [
        (DAYS, &DAY_COLUMNS, days),
        (MONTHS, &MONTH_COLUMNS, months),
        (TOTALS, &TOTAL_COLUMNS, totals),
        (PROCEDURE_MONTHS, &PROCEDURE_MONTH_COLUMNS, procedure_months),
        (PROCEDURE_TOTALS, &PROCEDURE_TOTAL_COLUMNS, procedure_totals),
    ];
    for (table, columns, rows) in tables {
        load(&mut loader, (table, columns), rows.iter().map(|(k, v)| (*k, v)), paths).await?;
    }
    loader.commit().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        // Statistics for the planner, and the deleted rows' space back.
        db.execute_unprepared(&format!("VACUUM ANALYZE {CHANGES}")).await?;
    }
    Ok(())
}

static PROCEDURE_DAY_COLUMNS: [&str; 4 + COUNTERS] = keyed(["agency_id", "procedure_id", "day"]);
static DAY_COLUMNS: [&str; 3 + COUNTERS] = keyed(["agency_id", "day"]);
static MONTH_COLUMNS: [&str; 3 + COUNTERS] = keyed(["agency_id", "month"]);
static TOTAL_COLUMNS: [&str; 2 + COUNTERS] = keyed(["agency_id"]);
static PROCEDURE_MONTH_COLUMNS: [&str; 4 + COUNTERS] = keyed(["agency_id", "procedure_id", "month"]);
static PROCEDURE_TOTAL_COLUMNS: [&str; 3 + COUNTERS] = keyed(["agency_id", "procedure_id"]);

/// Writes `rows` (each its key's present parts, then the counters) into
/// `table` of `columns`, [`ROWS_PER_LOAD`] at a time.
async fn load<'a>(
    loader: &mut Loader,
    (table, columns): (&'static str, &'static [&'static str]),
    rows: impl Iterator<Item = (Key, &'a Counts)>,
    paths: &BTreeMap<Uuid, String>,
) -> anyhow::Result<()> {
    let mut batch = Rows { table, columns, rows: Vec::with_capacity(ROWS_PER_LOAD) };
    for ((agency, procedure, period), counts) in rows {
        let mut row = vec![Cell::Uuid(agency)];
        row.extend(procedure.map(Cell::Uuid));
        row.extend(period.map(Cell::Date));
        row.push(Cell::Text(paths.get(&agency).cloned().unwrap_or_default()));
        row.extend(counts.iter().map(|&n| Cell::Int(n)));
        batch.rows.push(row);
        if batch.rows.len() == ROWS_PER_LOAD {
            loader.rows(&batch).await?;
            batch.rows.clear();
        }
    }
    if !batch.rows.is_empty() {
        loader.rows(&batch).await?;
    }
    Ok(())
}
