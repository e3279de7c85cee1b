//! The counters rebuilt from the dossiers, after a bulk load.

use super::fold::{sqlite_fold, ROWS_PER_INSERT};
use super::*;
use chrono::NaiveDate;
use entity::dossier;
use futures_util::TryStreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, TransactionTrait};
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
