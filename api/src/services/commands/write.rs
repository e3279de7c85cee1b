//! Writing a command's change: the dossier's conditional update (or the new
//! dossier), its slip entry, its documents, its audit row and the change to
//! the report's counters (`services::tally`) — one statement
//! on PostgreSQL, one call with its transaction on SQLite.

use super::plan::Plan;
use super::{changed_meanwhile, Acted};
use crate::error::{ApiError, ApiResult};
use crate::services::audit;
use crate::services::combined::{has_sqlstate, Batch, Combined};
use crate::services::events::Published;
use crate::services::sqlite_writer::Writing;
use crate::services::tally;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::{dossier, dossier_document, dossier_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, TryIntoModel,
};

/// On SQLite, the end of a command's batch: 1 if its last insert — and so,
/// along the chain, every statement before it — wrote its row, else 0.
const WRITTEN: &str = "SELECT changes() AS written";

/// On SQLite: adds what a command records besides the dossier — its slip
/// entry, its documents, its audit row, the report's counters — to `batch`,
/// each written only if the statement before it changed one row.
fn add_records(
    batch: &mut Batch,
    event: &dossier_event::Model,
    documents: &[dossier_document::Model],
    entry: &audit::Entry<'_>,
    tallied: &[tally::Delta],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let not_one_row = || ApiError::internal("a record's insert is not one row of values");
    let event = dossier_event::ActiveModel::from(event.clone()).reset_all();
    batch.add_if_one_changed(&dossier_event::Entity::insert(event).into_query()).ok_or_else(not_one_row)?;
    for document in documents {
        let document = dossier_document::ActiveModel::from(document.clone()).reset_all();
        batch.add_if_one_changed(&dossier_document::Entity::insert(document).into_query()).ok_or_else(not_one_row)?;
    }
    let audit = entity::audit_log::Entity::insert(entry.row(Ok(()), now)).into_query();
    batch.add_if_one_changed(&audit).ok_or_else(not_one_row)?;
    for delta in tallied {
        batch.add_if_one_changed(&tally::insert_changes(std::slice::from_ref(delta))).ok_or_else(not_one_row)?;
    }
    Ok(())
}

/// On SQLite: the connection the commands write through, waited for.
pub(super) async fn sqlite_writer(state: &AppState) -> ApiResult<Writing<'_>> {
    match &state.sqlite_writer {
        Some(writer) => Ok(writer.lock().await),
        None => Err(ApiError::internal("no SQLite writing connection on this database")),
    }
}

/// The dossier's own write: a new dossier, or the update of one conditional
/// on the version the command acted on.
pub(super) enum DossierWrite<'a> {
    Insert(Box<dossier::Model>),
    Update { update: Box<dossier::ActiveModel>, before: &'a dossier::Model },
}

/// What a command writes: the dossier, then its slip entry, its documents,
/// its audit row and the change to the report's counters.
pub(super) struct Records<'a> {
    pub(super) dossier: DossierWrite<'a>,
    pub(super) event: &'a dossier_event::Model,
    pub(super) documents: &'a [dossier_document::Model],
    pub(super) entry: &'a audit::Entry<'a>,
    pub(super) tallied: &'a [tally::Delta],
    pub(super) now: DateTime<Utc>,
}

/// Writes `records`, all or none, on either database: one statement of
/// `WITH` clauses on PostgreSQL; on SQLite one call on the writing
/// connection — `begun` when the filing's transaction is already open on it
/// (its number was taken there), else a new `BEGIN IMMEDIATE` — each record
/// inserted only if the statement before it changed one row. `Ok(false)`:
/// the dossier's update found it at another version, and nothing was written.
pub(super) async fn write(state: &AppState, records: Records<'_>, begun: Option<Writing<'_>>) -> ApiResult<bool> {
    let Records { dossier: first, event, documents, entry, tallied, now } = records;
    if is_postgres(state) {
        let mut combined = Combined::default();
        let check = match first {
            DossierWrite::Insert(dossier) => {
                let insert = dossier::Entity::insert(dossier::ActiveModel::from(*dossier).reset_all());
                combined.add("filed", &insert.into_query());
                "true"
            }
            DossierWrite::Update { update, before } => {
                let mut changed = conditional_update(*update, before);
                changed.returning_col(dossier::Column::Id);
                combined.add("changed", &changed);
                "motcua_expect_one((SELECT count(*) FROM changed))"
            }
        };
        let statement = write_at_once(combined, event, documents, entry, tallied, now, check);
        return match state.db.execute(statement).await {
            Ok(_) => Ok(true),
            Err(error) if has_sqlstate(&error, CHANGED_SQLSTATE) => Ok(false),
            Err(error) => Err(error.into()),
        };
    }
    let mut batch = Batch::default();
    let mut writing = match begun {
        Some(writing) => writing,
        None => {
            batch.raw("BEGIN IMMEDIATE");
            sqlite_writer(state).await?
        }
    };
    match first {
        DossierWrite::Insert(dossier) => {
            batch.add(&dossier::Entity::insert(dossier::ActiveModel::from(*dossier).reset_all()).into_query())
        }
        DossierWrite::Update { update, before } => batch.add(&conditional_update(*update, before)),
    }
    if let Err(error) = add_records(&mut batch, event, documents, entry, tallied, now) {
        writing.roll_back().await;
        return Err(error);
    }
    batch.raw(WRITTEN);
    batch.raw("COMMIT");
    Ok(writing.fetch_i32(batch.finish(), "written").await? == 1)
}

/// The dossier's update, only if it is still at the version the command read.
fn conditional_update(update: dossier::ActiveModel, before: &dossier::Model) -> sea_orm::sea_query::UpdateStatement {
    dossier::Entity::update_many()
        .set(update)
        .filter(dossier::Column::Id.eq(before.id))
        .filter(dossier::Column::LockVersion.eq(before.lock_version))
        .into_query()
}

/// Writes the plan: the dossier's update (only if its version is still the
/// one read), the slip entry, the documents and the audit row, atomically.
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
    let tallied = tally::changes(Some(before), &after);
    let records = Records {
        dossier: DossierWrite::Update { update: Box::new(update), before },
        event: &event,
        documents: &documents,
        entry,
        tallied: &tallied,
        now,
    };
    if !write(state, records, None).await? {
        return Err(changed_meanwhile(before));
    }
    state.recent.remember(&after);
    state.events.committed(published);
    Ok(Acted { dossier: after, event, documents })
}

/// The SQLSTATE of `motcua_expect_one` (migration `write_guard`): the
/// dossier changed since it was read.
pub(super) const CHANGED_SQLSTATE: &str = "MC409";

pub(super) fn is_postgres(state: &AppState) -> bool {
    state.db.get_database_backend() == DbBackend::Postgres
}

/// On PostgreSQL: after the dossier's own write in `combined`, the slip
/// entry, the documents, the audit row, the change to the report's counters,
/// then a final `SELECT` of `check` (which may abort the statement) — one
/// statement, one round trip.
fn write_at_once(
    mut combined: Combined,
    event: &dossier_event::Model,
    documents: &[dossier_document::Model],
    entry: &audit::Entry<'_>,
    tallied: &[tally::Delta],
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
    if !tallied.is_empty() {
        combined.add("tallied", &tally::insert_changes(tallied));
    }
    combined.finish(&format!("SELECT {check}"))
}
