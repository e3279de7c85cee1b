//! On SQLite, the connection the commands write through. One process serves
//! a SQLite database and SQLite takes one writer at a time, so the commands
//! queue here for this connection (SQLite's own lock, contended, is polled
//! with sleeps of up to 100 ms) and each sends its whole transaction in one
//! call — `BEGIN IMMEDIATE`, its statements and `COMMIT` together. sqlx runs
//! a SQLite connection on a thread of its own and every call is a hand-over
//! to that thread and back; through the pool a transaction took three.

use crate::error::{ApiError, ApiResult};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{ConnectOptions, Row};
use sea_orm::{DbErr, RuntimeErr, Statement};
use sea_query_binder::SqlxValues;
use tokio::sync::{Mutex, MutexGuard};

/// The writing connection.
#[derive(Debug)]
pub struct SqliteWriter {
    connection: Mutex<Connection>,
}

#[derive(Debug)]
struct Connection {
    sqlite: SqliteConnection,
    /// A [`Writing`] let go of it with a transaction perhaps open: its
    /// command was cancelled (the client went away) between the call that
    /// began the transaction and the one that commits it.
    abandoned: bool,
}

impl SqliteWriter {
    /// Opens the writing connection with `options` (those of the pool).
    pub async fn open(options: &SqliteConnectOptions) -> anyhow::Result<Self> {
        Ok(Self { connection: Mutex::new(Connection { sqlite: options.connect().await?, abandoned: false }) })
    }

    /// Waits for the connection: until the guard is dropped, nobody else
    /// in this process writes through it. A transaction left open by a
    /// cancelled command is rolled back first.
    pub async fn lock(&self) -> Writing<'_> {
        let mut writing = Writing { connection: self.connection.lock().await, open: false };
        if writing.connection.abandoned {
            writing.roll_back().await;
            writing.connection.abandoned = false;
        }
        writing
    }
}

/// The writing connection, held.
#[derive(Debug)]
pub struct Writing<'a> {
    connection: MutexGuard<'a, Connection>,
    /// A call began a transaction that no call has ended yet.
    open: bool,
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        if self.open {
            self.connection.abandoned = true;
        }
    }
}

impl Writing<'_> {
    /// Runs `statement` — several statements separated by `;`, in one call.
    /// If one fails, the rest do not run and whatever transaction they opened
    /// is rolled back. (Its row counts are not returned: SQLite counts a
    /// `COMMIT` as changing the rows of the insert before it.)
    pub async fn execute(&mut self, statement: Statement) -> ApiResult<()> {
        self.open = true;
        let ends = ends_transaction(&statement.sql);
        let values = SqlxValues(statement.values.unwrap_or(sea_orm::Values(Vec::new())));
        match sea_orm::sqlx::query_with(&statement.sql, values).execute(&mut self.connection.sqlite).await {
            Ok(_) => {
                self.open = !ends;
                Ok(())
            }
            Err(error) => {
                self.roll_back().await;
                Err(database_error(error))
            }
        }
    }

    /// Runs `statement` like [`Writing::execute`] and returns the `i32`
    /// in `column` of the one row it returns (`RETURNING`).
    pub async fn fetch_i32(&mut self, statement: Statement, column: &str) -> ApiResult<i32> {
        self.open = true;
        let ends = ends_transaction(&statement.sql);
        let values = SqlxValues(statement.values.unwrap_or(sea_orm::Values(Vec::new())));
        let rows = sea_orm::sqlx::query_with(&statement.sql, values).fetch_all(&mut self.connection.sqlite).await;
        let value = rows.and_then(|rows| match rows.first() {
            Some(row) => row.try_get::<i32, _>(column),
            None => Err(sea_orm::sqlx::Error::RowNotFound),
        });
        match value {
            Ok(value) => {
                self.open = !ends;
                Ok(value)
            }
            Err(error) => {
                self.roll_back().await;
                Err(database_error(error))
            }
        }
    }

    /// Ends the open transaction, if any, without its changes.
    pub async fn roll_back(&mut self) {
        use sea_orm::sqlx::Executor;
        self.open = true;
        // Without an open transaction SQLite answers an error, which is no failure here.
        let _ = self.connection.sqlite.execute("ROLLBACK").await;
        self.open = false;
    }
}

/// Whether a batch ends with the end of its transaction (every batch either
/// does or leaves its transaction to the next call on the same [`Writing`]).
fn ends_transaction(sql: &str) -> bool {
    let last = sql.trim_end().trim_end_matches(';').rsplit(';').next().unwrap_or_default().trim();
    last.eq_ignore_ascii_case("COMMIT") || last.eq_ignore_ascii_case("ROLLBACK")
}

fn database_error(error: sea_orm::sqlx::Error) -> ApiError {
    DbErr::Exec(RuntimeErr::SqlxError(error)).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbBackend;
    use std::str::FromStr;

    fn sql(sql: &str) -> Statement {
        Statement::from_string(DbBackend::Sqlite, sql)
    }

    async fn writer() -> SqliteWriter {
        let writer = SqliteWriter::open(&SqliteConnectOptions::from_str("sqlite::memory:").unwrap()).await.unwrap();
        writer.lock().await.execute(sql("CREATE TABLE t (n INTEGER)")).await.unwrap();
        writer
    }

    #[tokio::test]
    async fn a_transaction_left_open_by_a_cancelled_command_is_rolled_back_before_the_next() {
        let writer = writer().await;
        let mut filing = writer.lock().await;
        let begun = filing.fetch_i32(sql("BEGIN IMMEDIATE; INSERT INTO t VALUES (1) RETURNING n"), "n").await;
        assert_eq!(begun.unwrap(), 1);
        drop(filing); // the command's future dropped before its COMMIT

        let mut next = writer.lock().await;
        next.execute(sql("BEGIN IMMEDIATE; INSERT INTO t VALUES (2); COMMIT")).await.unwrap();
        let rows = next.fetch_i32(sql("SELECT count(*) AS n FROM t WHERE n = 1"), "n").await.unwrap();
        assert_eq!(rows, 0, "the abandoned insert is not committed by the next transaction");
        let rows = next.fetch_i32(sql("SELECT count(*) AS n FROM t"), "n").await.unwrap();
        assert_eq!(rows, 1);
    }

    #[tokio::test]
    async fn a_transaction_carried_over_to_the_next_call_commits() {
        let writer = writer().await;
        let mut filing = writer.lock().await;
        filing.fetch_i32(sql("BEGIN IMMEDIATE; INSERT INTO t VALUES (1) RETURNING n"), "n").await.unwrap();
        filing.execute(sql("INSERT INTO t VALUES (2); COMMIT")).await.unwrap();
        drop(filing);
        let rows = writer.lock().await.fetch_i32(sql("SELECT count(*) AS n FROM t"), "n").await.unwrap();
        assert_eq!(rows, 2);
    }

    #[test]
    fn a_batch_ends_its_transaction_when_its_last_statement_does() {
        assert!(ends_transaction("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT"));
        assert!(ends_transaction("BEGIN; DELETE FROM t; commit;\n"));
        assert!(!ends_transaction("BEGIN IMMEDIATE; INSERT INTO t VALUES (1) RETURNING n"));
        assert!(!ends_transaction("INSERT INTO t VALUES ('COMMIT')"));
    }
}
