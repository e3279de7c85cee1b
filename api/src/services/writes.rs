//! A unit of writes that reaches either database the same way: on
//! PostgreSQL a transaction on the pool; on SQLite the writing connection
//! (`sqlite_writer`: the one process's one writer), the whole transaction in
//! one call. The dossier's own writes, which PostgreSQL takes as one
//! statement, have theirs in `commands::write`; everything else writes
//! through here.

use super::announcements::{self, Announcement};
use super::combined::Batch;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sea_orm::sea_query::{DeleteStatement, InsertStatement, UpdateStatement};
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};

/// One statement of a unit.
#[derive(Debug)]
pub(crate) enum Write {
    Insert(InsertStatement),
    Update(UpdateStatement),
    Delete(DeleteStatement),
}

impl Write {
    pub(crate) fn build(&self, backend: DbBackend) -> sea_orm::Statement {
        match self {
            Self::Insert(statement) => backend.build(statement),
            Self::Update(statement) => backend.build(statement),
            Self::Delete(statement) => backend.build(statement),
        }
    }

    fn add_to(&self, batch: &mut Batch) {
        match self {
            Self::Insert(statement) => batch.add(statement),
            Self::Update(statement) => batch.add(statement),
            Self::Delete(statement) => batch.add(statement),
        }
    }
}

/// Writes that happen together or not at all: `first`, which must change
/// exactly one row, preceded by `before` (whatever they change) and followed
/// by `then`, one-row inserts (an audit row) that are written only with it;
/// what it changes that every instance must read again is `announced`.
#[derive(Debug)]
pub(crate) struct Unit {
    pub(crate) before: Vec<Write>,
    pub(crate) first: Write,
    pub(crate) then: Vec<InsertStatement>,
    pub(crate) announced: Option<Announcement>,
}

impl Unit {
    /// A unit of `first` alone.
    pub(crate) fn of(first: Write) -> Self {
        Self { before: Vec::new(), first, then: Vec::new(), announced: None }
    }
}

/// Runs `unit`: `Ok(true)` when it was written, `Ok(false)` when `first`
/// changed no row (or several), and then nothing of it was. What it
/// announces is applied here before it returns, and on PostgreSQL sent to
/// every instance with the commit.
pub(crate) async fn run(state: &AppState, unit: Unit) -> ApiResult<bool> {
    let announced = unit.announced.clone();
    let written = write(state, unit).await?;
    if let (true, Some(announcement)) = (written, announced) {
        announcements::apply(state, &announcement).await;
    }
    Ok(written)
}

/// Runs `writes` together, whatever rows each changes: one transaction.
pub(crate) async fn all(state: &AppState, writes: Vec<Write>) -> ApiResult<()> {
    if writes.is_empty() {
        return Ok(());
    }
    match &state.sqlite_writer {
        Some(writer) => {
            let mut batch = Batch::default();
            batch.raw("BEGIN IMMEDIATE");
            for write in &writes {
                write.add_to(&mut batch);
            }
            batch.raw("COMMIT");
            writer.lock().await.execute(batch.finish()).await
        }
        None => {
            let backend = state.db.get_database_backend();
            let transaction = state.db.begin().await?;
            for write in &writes {
                transaction.execute(write.build(backend)).await?;
            }
            Ok(transaction.commit().await?)
        }
    }
}

async fn write(state: &AppState, unit: Unit) -> ApiResult<bool> {
    match &state.sqlite_writer {
        Some(writer) => {
            let mut batch = Batch::default();
            batch.raw("BEGIN IMMEDIATE");
            for write in &unit.before {
                write.add_to(&mut batch);
            }
            unit.first.add_to(&mut batch);
            for insert in &unit.then {
                batch
                    .add_if_one_changed(insert)
                    .ok_or_else(|| ApiError::internal("a unit's insert is not one row of values"))?;
            }
            batch.raw("SELECT changes() AS written");
            batch.raw("COMMIT");
            Ok(writer.lock().await.fetch_i32(batch.finish(), "written").await? == 1)
        }
        None => {
            let backend = state.db.get_database_backend();
            let transaction = state.db.begin().await?;
            for write in &unit.before {
                transaction.execute(write.build(backend)).await?;
            }
            if transaction.execute(unit.first.build(backend)).await?.rows_affected() != 1 {
                transaction.rollback().await?;
                return Ok(false);
            }
            for insert in &unit.then {
                transaction.execute(backend.build(insert)).await?;
            }
            if let Some(announcement) = &unit.announced {
                transaction.execute(announcement.statement()).await?;
            }
            transaction.commit().await?;
            Ok(true)
        }
    }
}
