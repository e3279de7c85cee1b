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
    connection: Mutex<SqliteConnection>,
}

impl SqliteWriter {
    /// Opens the writing connection with `options` (those of the pool).
    pub async fn open(options: &SqliteConnectOptions) -> anyhow::Result<Self> {
        Ok(Self { connection: Mutex::new(options.connect().await?) })
    }

    /// Waits for the connection: until the guard is dropped, nobody else
    /// in this process writes through it.
    pub async fn lock(&self) -> Writing<'_> {
        Writing(self.connection.lock().await)
    }
}

/// The writing connection, held.
#[derive(Debug)]
pub struct Writing<'a>(MutexGuard<'a, SqliteConnection>);

impl Writing<'_> {
    /// Runs `statement` — several statements separated by `;`, in one call.
    /// If one fails, the rest do not run and whatever transaction they opened
    /// is rolled back. (Its row counts are not returned: SQLite counts a
    /// `COMMIT` as changing the rows of the insert before it.)
    pub async fn execute(&mut self, statement: Statement) -> ApiResult<()> {
        let values = SqlxValues(statement.values.unwrap_or(sea_orm::Values(Vec::new())));
        match sea_orm::sqlx::query_with(&statement.sql, values).execute(&mut *self.0).await {
            Ok(_) => Ok(()),
            Err(error) => {
                self.roll_back().await;
                Err(database_error(error))
            }
        }
    }

    /// Runs `statement` like [`Writing::execute`] and returns the `i32`
    /// in `column` of the one row it returns (`RETURNING`).
    pub async fn fetch_i32(&mut self, statement: Statement, column: &str) -> ApiResult<i32> {
        let values = SqlxValues(statement.values.unwrap_or(sea_orm::Values(Vec::new())));
        let rows = sea_orm::sqlx::query_with(&statement.sql, values).fetch_all(&mut *self.0).await;
        let value = rows.and_then(|rows| match rows.first() {
            Some(row) => row.try_get::<i32, _>(column),
            None => Err(sea_orm::sqlx::Error::RowNotFound),
        });
        match value {
            Ok(value) => Ok(value),
            Err(error) => {
                self.roll_back().await;
                Err(database_error(error))
            }
        }
    }

    /// Ends the open transaction, if any, without its changes.
    pub async fn roll_back(&mut self) {
        use sea_orm::sqlx::Executor;
        // Without an open transaction SQLite answers an error, which is no failure here.
        let _ = self.0.execute("ROLLBACK").await;
    }
}

fn database_error(error: sea_orm::sqlx::Error) -> ApiError {
    DbErr::Exec(RuntimeErr::SqlxError(error)).into()
}
