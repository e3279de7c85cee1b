//! The slip's new entries become deliveries: for every active consumer,
//! each entry past its cursor that it hears of — an action it asked for,
//! about a dossier held or received in its agency (or subtree) that its
//! owner may read now — and its cursor moved past them all, in one
//! transaction.

use super::notices;
use super::portal::{self, PORTAL};
use super::{ACTIVE, PENDING};
use crate::domain::paths::PathPattern;
use crate::domain::scope::Scope;
use crate::error::ApiResult;
use crate::services::writes::Write;
use crate::state::AppState;
use entity::{outbox_consumer, outbox_delivery};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryTrait, Statement,
    TransactionTrait,
};
use uuid::Uuid;

/// Most entries one pass reads.
const ENTRIES_AT_ONCE: i64 = 500;
/// The advisory lock that makes one fan-out at a time on PostgreSQL.
const FAN_OUT_LOCK: i64 = 0x6d6f_7463_7561_0001;

/// What a fan-out works out of each entry: whether it changed its
/// dossier's status (or began its life), whether the applicant gave an
/// e-mail address, whether an import wrote it.
fn derived_columns() -> String {
    let imported = crate::services::imports::dossiers::IMPORTED_DETAILS;
    format!(
        "CASE WHEN e.status_from IS NULL OR e.status_from <> e.status_to THEN 1 ELSE 0 END AS changes_status, \
         CASE WHEN d.applicant_email IS NULL OR d.applicant_email = '' THEN 0 ELSE 1 END AS has_email, \
         CASE WHEN e.action = 'IMPORT' OR e.details = '{imported}' THEN 1 ELSE 0 END AS imported"
    )
}

/// An entry of the slip as a fan-out reads it.
#[derive(Debug, FromQueryResult)]
struct Entry {
    id: Uuid,
    dossier_id: Uuid,
    agency_path: String,
    action: String,
    position: i64,
    receiving: String,
    /// 1 when the entry changed the dossier's status (or began its life).
    changes_status: i32,
    /// 1 when the dossier's applicant gave an e-mail address.
    has_email: i32,
    /// 1 when an import wrote the entry: its own (`IMPORT`), or one of the
    /// old system's it copied.
    imported: i32,
}

/// A consumer with what it hears of now.
struct Hearing {
    consumer: outbox_consumer::Model,
    scope: Scope,
    actions: Option<Vec<String>>,
    /// Only the entries that change the dossier's status (the portal's).
    status_changes: bool,
    /// Only the dossiers whose applicant gave an e-mail address (notices by e-mail).
    with_email: bool,
    /// Not what an import wrote: the portal and the applicants heard of it
    /// from the old system already (a webhook hears of it).
    live_only: bool,
}

impl Hearing {
    fn is_past(&self, entry: &Entry) -> bool {
        let cursor = (self.consumer.cursor_position, self.consumer.cursor_event.unwrap_or(Uuid::nil()));
        (entry.position, entry.id) > cursor
    }

    fn hears(&self, entry: &Entry) -> bool {
        (!self.status_changes || entry.changes_status == 1)
            && (!self.with_email || entry.has_email == 1)
            && (!self.live_only || entry.imported == 0)
            && self.actions.as_ref().is_none_or(|actions| actions.contains(&entry.action))
            && (self.scope.contains(&entry.agency_path) || self.scope.contains(&entry.receiving))
    }
}

/// One fan-out: how many entries it read (none: nothing new).
pub(super) async fn pass(state: &AppState) -> ApiResult<usize> {
    match state.db.get_database_backend() {
        DbBackend::Postgres => postgres(state).await,
        _ => sqlite(state).await,
    }
}

async fn sqlite(state: &AppState) -> ApiResult<usize> {
    let consumers = active(&state.db).await?;
    let Some(from) = consumers.iter().map(|c| c.cursor_position).min() else { return Ok(0) };
    let sql = format!(
        "SELECT e.id, e.dossier_id, e.agency_path, e.action, e.rowid AS position, \
               d.receiving_agency_path AS receiving, {} \
               FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id \
               WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?",
        derived_columns()
    );
    let statement = Statement::from_sql_and_values(DbBackend::Sqlite, sql, [from.into(), ENTRIES_AT_ONCE.into()]);
    let entries = Entry::find_by_statement(statement).all(&state.db).await?;
    if entries.is_empty() {
        return Ok(0);
    }
    let (writes, _) = writes_for(&hearings(state, consumers).await?, &entries);
    crate::services::writes::all(state, writes).await?;
    state.outbox.made.notify_one();
    Ok(entries.len())
}

async fn postgres(state: &AppState) -> ApiResult<usize> {
    let transaction = state.db.begin().await?;
    let lock = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_try_advisory_xact_lock($1) AS locked",
        [FAN_OUT_LOCK.into()],
    );
    let locked = transaction.query_one(lock).await?.and_then(|row| row.try_get::<bool>("", "locked").ok());
    if locked != Some(true) {
        return Ok(0);
    }
    let consumers = active(&transaction).await?;
    let Some(from) = consumers.iter().map(|c| (c.cursor_position, c.cursor_event.unwrap_or(Uuid::nil()))).min() else {
        return Ok(0);
    };
    // Only the transactions older than the oldest still running: every
    // entry they wrote is visible, and none will appear among them later.
    let sql = format!(
        "SELECT e.id, e.dossier_id, e.agency_path, e.action, e.tx::text::bigint AS position, \
               d.receiving_agency_path AS receiving, {} \
               FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id \
               WHERE (e.tx, e.id) > ($1::bigint::text::xid8, $2) \
               AND e.tx < pg_snapshot_xmin(pg_current_snapshot()) \
               ORDER BY e.tx, e.id LIMIT $3",
        derived_columns()
    );
    let values = [from.0.into(), from.1.into(), ENTRIES_AT_ONCE.into()];
    let entries = Entry::find_by_statement(Statement::from_sql_and_values(DbBackend::Postgres, sql, values))
        .all(&transaction)
        .await?;
    if entries.is_empty() {
        return Ok(0);
    }
    let (writes, made) = writes_for(&hearings(state, consumers).await?, &entries);
    for write in writes {
        transaction.execute(write.build(DbBackend::Postgres)).await?;
    }
    transaction.commit().await?;
    state.outbox.made.notify_one();
    analyze_when_grown(state, made).await?;
    Ok(entries.len())
}

/// Deliveries made since the table's statistics were last gathered, past
/// which they are gathered again.
const ANALYZE_AFTER: u64 = 5_000;

/// Gathers `outbox_delivery`'s statistics once many deliveries were made
/// since the last time. The senders' claim is planned from them: with the
/// statistics of an emptier table, PostgreSQL joined every consumer to
/// every pending delivery and sorted them all — 2 s a claim over 91,000
/// pending, 2 ms once analysed (docs/PERFORMANCE.md) — and autovacuum
/// analyses a table that grows by thousands a second only a minute later.
async fn analyze_when_grown(state: &AppState, made: usize) -> ApiResult<()> {
    use std::sync::atomic::Ordering;
    let grown = state.outbox.made_since_analyze.fetch_add(made as u64, Ordering::Relaxed) + made as u64;
    if grown < ANALYZE_AFTER {
        return Ok(());
    }
    state.outbox.made_since_analyze.store(0, Ordering::Relaxed);
    state.db.execute_unprepared("ANALYZE outbox_delivery").await?;
    Ok(())
}

/// The active consumers, their cursors as of now.
async fn active(db: &impl ConnectionTrait) -> ApiResult<Vec<outbox_consumer::Model>> {
    Ok(outbox_consumer::Entity::find().filter(outbox_consumer::Column::State.eq(ACTIVE)).all(db).await?)
}

/// What each consumer hears of: what its owner may read now in its agency
/// (or subtree) — nothing once the owner is deactivated or the grant revoked.
async fn hearings(state: &AppState, consumers: Vec<outbox_consumer::Model>) -> ApiResult<Vec<Hearing>> {
    let owners: Vec<Uuid> = consumers.iter().map(|c| c.owner_id).collect();
    let owners = crate::services::officials::find_by_ids(&state.db, &owners).await?;
    let mut hearings = Vec::with_capacity(consumers.len());
    for consumer in consumers {
        let everything = || Scope::new([PathPattern::Subtree("/".into())]);
        if consumer.kind == PORTAL {
            let hearing = Hearing {
                consumer,
                scope: everything(),
                actions: None,
                status_changes: true,
                with_email: false,
                live_only: true,
            };
            hearings.push(hearing);
            continue;
        }
        if let Some(channel) = notices::channel_of(&consumer.kind) {
            let with_email = channel == crate::services::notices::Channel::Email;
            let actions = Some(notices::actions());
            let hearing =
                Hearing { consumer, scope: everything(), actions, status_changes: false, with_email, live_only: true };
            hearings.push(hearing);
            continue;
        }
        let owner = owners.iter().find(|owner| owner.id == consumer.owner_id && owner.active);
        let scope = match owner {
            Some(owner) => {
                let pattern = match consumer.subtree {
                    true => PathPattern::Subtree(consumer.agency_path.clone()),
                    false => PathPattern::Agency(consumer.agency_path.clone()),
                };
                state.authz.scope(&owner.username, "dossier", "read").await.intersect(&pattern)
            }
            None => Scope::new(std::iter::empty()),
        };
        let actions = consumer.events.as_deref().and_then(|events| serde_json::from_str(events).ok());
        let hearing = Hearing { consumer, scope, actions, status_changes: false, with_email: false, live_only: false };
        hearings.push(hearing);
    }
    Ok(hearings)
}

/// The deliveries of `entries` (read in the slip's order) and the cursors
/// moved past them; and how many deliveries.
fn writes_for(hearings: &[Hearing], entries: &[Entry]) -> (Vec<Write>, usize) {
    let now = crate::services::now();
    let mut deliveries = Vec::new();
    let mut to_portal = Vec::new();
    for entry in entries {
        for hearing in hearings.iter().filter(|h| h.is_past(entry) && h.hears(entry)) {
            if hearing.consumer.kind == PORTAL {
                to_portal.push(entry.dossier_id);
            }
            deliveries.push(outbox_delivery::ActiveModel {
                id: sea_orm::Set(Uuid::now_v7()),
                consumer_id: sea_orm::Set(hearing.consumer.id),
                event_id: sea_orm::Set(entry.id),
                dossier_id: sea_orm::Set(entry.dossier_id),
                position: sea_orm::Set(entry.position),
                status: sea_orm::Set(PENDING.into()),
                attempts: sea_orm::Set(0),
                next_attempt_at: sea_orm::Set(now),
                leased_until: sea_orm::Set(None),
                last_status_code: sea_orm::Set(None),
                last_error: sea_orm::Set(None),
                created_at: sea_orm::Set(now),
                finished_at: sea_orm::Set(None),
            });
        }
    }
    let made = deliveries.len();
    let mut writes: Vec<Write> = Vec::new();
    let mut rows = deliveries.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        writes.push(Write::Insert(outbox_delivery::Entity::insert_many(chunk).into_query()));
    }
    to_portal.sort_unstable();
    to_portal.dedup();
    writes.extend(portal::queued(&to_portal, now));
    let Some(last) = entries.last() else { return (writes, made) };
    for hearing in hearings.iter().filter(|h| h.is_past(last)) {
        let moved = Query::update()
            .table(outbox_consumer::Entity)
            .value(outbox_consumer::Column::CursorPosition, last.position)
            .value(outbox_consumer::Column::CursorEvent, last.id)
            .and_where(Expr::col(outbox_consumer::Column::Id).eq(hearing.consumer.id))
            .to_owned();
        writes.push(Write::Update(moved));
    }
    (writes, made)
}
