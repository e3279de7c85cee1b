//! Connecting to the database (SQLite or PostgreSQL) and migrating it.

pub mod bulk;

use crate::config::Settings;
use anyhow::Context;
use futures_util::StreamExt;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait,
};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counts the SQL statements sent through sea-orm; the benchmark reads it to
/// prove that a request sends a constant number of statements.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements sent so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Opens the configured database: SQLite in WAL mode with foreign keys on, or PostgreSQL.
pub async fn connect(settings: &Settings) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating the data folder {}", settings.data_dir.display()))?;
    }
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.db_pool)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection when it goes back to the pool and
        // closes it if the ping fails; its second ping, on every acquire, was
        // one more round trip per statement (lives +10 %, docs/PERFORMANCE.md).
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(sqlite_options);
    let mut db = Database::connect(options).await.context("connecting to the database")?;
    let counter = StatementCounter::default();
    let counted = counter.0.clone();
    db.set_metric_callback(move |info| {
        counted.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("motcua_sql_statements_total").increment(1);
        metrics::histogram!("motcua_sql_statement_seconds").record(info.elapsed.as_secs_f64());
    });
    Ok((db, counter))
}

/// The settings of every SQLite connection: WAL, foreign keys on, a busy
/// timeout, a larger page cache and memory-mapped reads (fewer system calls
/// on lists over a million dossiers and on bulk loads).
pub fn sqlite_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .create_if_missing(true)
        .pragma("cache_size", "-65536")
        .pragma("mmap_size", "1073741824")
        .pragma("temp_store", "memory")
}

/// On SQLite, the connection the commands write through
/// ([`crate::services::sqlite_writer`]); `None` on PostgreSQL.
pub async fn sqlite_writer(
    settings: &Settings,
) -> anyhow::Result<Option<crate::services::sqlite_writer::SqliteWriter>> {
    let url = settings.database_url();
    if !url.starts_with("sqlite:") {
        return Ok(None);
    }
    let options: SqliteConnectOptions = url.parse().context("reading the SQLite URL")?;
    let writer = crate::services::sqlite_writer::SqliteWriter::open(&sqlite_options(options))
        .await
        .context("opening the SQLite writing connection")?;
    Ok(Some(writer))
}

/// Applies every pending migration, and restores whatever an interrupted bulk
/// load left dropped (see [`prepare_bulk_load`]).
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let pending = Migrator::get_pending_migrations(db).await.context("reading the migrations applied")?;
    let new_tally = pending.iter().any(|migration| TALLY_MIGRATIONS.contains(&migration.name()));
    Migrator::up(db, None).await.context("migrating the database")?;
    let interrupted = finish_bulk_load(db).await?;
    // An interrupted bulk load (the seed's, a large import's) left dossiers
    // whose counters it had not yet rebuilt.
    if new_tally || interrupted {
        // The report's counters over the dossiers already there.
        crate::services::tally::rebuild(db).await?;
    }
    Ok(())
}

/// The migrations that created the report's counters (per agency, per procedure).
const TALLY_MIGRATIONS: [&str; 2] = ["m20261126_000004_dossier_tally", "m20261127_000005_procedure_tally"];

/// Before a bulk load into `dossier` and `dossier_event`: drops their
/// secondary indexes and, on PostgreSQL, their foreign keys (checked row by
/// row they cost more than the load itself; re-adding one checks every row in
/// a single join). [`finish_bulk_load`] puts them back.
pub async fn prepare_bulk_load(db: &DatabaseConnection) -> anyhow::Result<()> {
    for index in migration::BULK_INDEXES {
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {}", index.name)).await?;
    }
    if db.get_database_backend() == DatabaseBackend::Postgres {
        for (table, name, ..) in migration::BULK_FOREIGN_KEYS {
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")).await?;
        }
    }
    Ok(())
}

/// Creates whichever of the big tables' secondary indexes and foreign keys is
/// missing; two cheap catalogue reads when nothing is. Run after a bulk load
/// and at every start. On PostgreSQL two statements run at a time, the slip's
/// (largest) first; SQLite has one writer. Whether anything was missing.
pub async fn finish_bulk_load(db: &DatabaseConnection) -> anyhow::Result<bool> {
    let backend = db.get_database_backend();
    let existing = catalogue_names(db).await?;
    let mut statements: Vec<(&'static str, String)> = migration::BULK_INDEXES
        .iter()
        .filter(|index| !existing.contains(index.name))
        .map(|index| (index.table, index.create_sql()))
        .collect();
    if backend == DatabaseBackend::Postgres {
        statements.extend(migration::BULK_FOREIGN_KEYS.iter().filter(|(_, name, ..)| !existing.contains(*name)).map(
            |(table, name, column, target)| {
                let sql = format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target} (id)"
                );
                (*table, sql)
            },
        ));
    }
    statements.sort_by_key(|(table, _)| *table != "dossier_event");
    let parallel = if backend == DatabaseBackend::Postgres { 2 } else { 1 };
    let missing = !statements.is_empty();
    let sqls: Vec<String> = statements.into_iter().map(|(_, sql)| sql).collect();
    let mut runs =
        futures_util::stream::iter(sqls.into_iter().map(|sql| rebuild_one(db, sql))).buffer_unordered(parallel);
    while let Some(done) = runs.next().await {
        done?;
    }
    Ok(missing)
}

/// Runs one statement of [`finish_bulk_load`] in its own transaction.
async fn rebuild_one(db: &DatabaseConnection, sql: String) -> anyhow::Result<()> {
    let transaction = db.begin().await?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Sort in memory rather than in temporary files.
        transaction.execute_unprepared("SET LOCAL maintenance_work_mem = '512MB'").await?;
    }
    let started = std::time::Instant::now();
    transaction.execute_unprepared(&sql).await?;
    transaction.commit().await?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "{sql}");
    Ok(())
}

/// Names of the indexes and (on PostgreSQL) constraints in the database.
pub async fn catalogue_names(db: &DatabaseConnection) -> anyhow::Result<HashSet<String>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() \
             UNION ALL SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'index'",
    };
    let rows = db.query_all(Statement::from_string(backend, sql)).await?;
    rows.iter().map(|row| row.try_get::<String>("", "name").map_err(Into::into)).collect()
}
