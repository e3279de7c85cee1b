//! Writing a command's change: the dossier's conditional update (or the new
//! dossier), its slip entry, its documents and its audit row — one statement
//! on PostgreSQL, one batch in a transaction on SQLite.

use super::change::Plan;
use super::{changed_meanwhile, Acted};
use crate::error::{ApiError, ApiResult};
use crate::services::audit;
use crate::services::combined::{has_sqlstate, Batch, Combined};
use crate::services::events::Published;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::{dossier, dossier_document, dossier_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, TransactionTrait,
    TryIntoModel,
};

/// On SQLite: adds what a command records besides the dossier — its slip
/// entry, its documents, its audit row — to `batch`; returns how many rows
/// they insert.
pub(super) fn add_records(
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

/// Writes the plan: the dossier's update (only if its version is still the
/// one read), the slip entry, the documents and the audit row, atomically —
/// on PostgreSQL as one statement, on SQLite in a transaction.
pub(super) async fn commit(
    state: &AppState,
    before: &dossier::Model,
    plan: Plan,
    entry: &audit::Entry<'_>,
) -> ApiResult<Acted> {
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
pub(super) async fn enter_write_gate(state: &AppState) -> Option<tokio::sync::MutexGuard<'_, ()>> {
    match &state.write_gate {
        Some(gate) => Some(gate.lock().await),
        None => None,
    }
}

/// The SQLSTATE of `motcua_expect_one` (migration `write_guard`): the
/// dossier changed since it was read.
pub(super) const CHANGED_SQLSTATE: &str = "MC409";

pub(super) fn is_postgres(state: &AppState) -> bool {
    state.db.get_database_backend() == DbBackend::Postgres
}

/// On PostgreSQL: after the dossier's own write in `combined`, the slip
/// entry, the documents, the audit row, then a final `SELECT` of `check`
/// (which may abort the statement) — one statement, one round trip.
pub(super) fn write_at_once(
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
