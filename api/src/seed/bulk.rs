//! Bulk writes for seeding: PostgreSQL `COPY … FROM STDIN (FORMAT csv)` and
//! SQLite multi-row `INSERT`s with bound values, both on sea-orm's own sqlx pool.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use std::fmt::Write;
use uuid::Uuid;

/// One value of a row.
#[derive(Debug, Clone)]
pub enum Cell {
    Null,
    Uuid(Uuid),
    Text(String),
    Int(i64),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl From<Option<Uuid>> for Cell {
    fn from(value: Option<Uuid>) -> Self {
        value.map_or(Self::Null, Self::Uuid)
    }
}

impl From<Option<String>> for Cell {
    fn from(value: Option<String>) -> Self {
        value.map_or(Self::Null, Self::Text)
    }
}

impl From<Option<DateTime<Utc>>> for Cell {
    fn from(value: Option<DateTime<Utc>>) -> Self {
        value.map_or(Self::Null, Self::Time)
    }
}

impl From<Option<i64>> for Cell {
    fn from(value: Option<i64>) -> Self {
        value.map_or(Self::Null, Self::Int)
    }
}

/// A table, its columns, and rows of cells in the same order.
pub struct Rows<'a> {
    pub table: &'a str,
    pub columns: &'a [&'a str],
    pub rows: Vec<Vec<Cell>>,
}

/// Writes `rows` inside the open transaction-less connection pool, in one
/// transaction per call.
pub async fn write(db: &DatabaseConnection, batches: &[Rows<'_>]) -> anyhow::Result<()> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => write_postgres(db, batches).await,
        DatabaseBackend::Sqlite => write_sqlite(db, batches).await,
        other => anyhow::bail!("bulk writes are not implemented for {other:?}"),
    }
}

fn csv_field(out: &mut String, cell: &Cell) {
    match cell {
        Cell::Null => {}
        Cell::Uuid(id) => {
            let _ = write!(out, "{id}");
        }
        Cell::Text(text) => {
            out.push('"');
            for c in text.chars() {
                if c == '"' {
                    out.push('"');
                }
                out.push(c);
            }
            out.push('"');
        }
        Cell::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Cell::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Cell::Time(t) => {
            let _ = write!(out, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00"));
        }
    }
}

async fn write_postgres(db: &DatabaseConnection, batches: &[Rows<'_>]) -> anyhow::Result<()> {
    let pool = db.get_postgres_connection_pool();
    let mut transaction = pool.begin().await?;
    for batch in batches {
        let mut data = String::with_capacity(batch.rows.len() * 256);
        for row in &batch.rows {
            for (index, cell) in row.iter().enumerate() {
                if index > 0 {
                    data.push(',');
                }
                csv_field(&mut data, cell);
            }
            data.push('\n');
        }
        let statement = format!("COPY {} ({}) FROM STDIN (FORMAT csv)", batch.table, batch.columns.join(", "));
        let mut copy = transaction.copy_in_raw(&statement).await?;
        copy.send(data.into_bytes()).await?;
        copy.finish().await?;
    }
    transaction.commit().await?;
    Ok(())
}

async fn write_sqlite(db: &DatabaseConnection, batches: &[Rows<'_>]) -> anyhow::Result<()> {
    use sea_orm::sqlx;
    let pool = db.get_sqlite_connection_pool();
    let mut transaction = pool.begin().await?;
    for batch in batches {
        // SQLite allows 32,766 bound values per statement.
        let rows_per_statement = (30_000 / batch.columns.len()).max(1);
        for chunk in batch.rows.chunks(rows_per_statement) {
            let placeholders = format!("({})", vec!["?"; batch.columns.len()].join(","));
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                batch.table,
                batch.columns.join(", "),
                vec![placeholders; chunk.len()].join(",")
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                for cell in row {
                    query = match cell.clone() {
                        Cell::Null => query.bind(Option::<String>::None),
                        Cell::Uuid(id) => query.bind(id),
                        Cell::Text(text) => query.bind(text),
                        Cell::Int(n) => query.bind(n),
                        Cell::Bool(b) => query.bind(b),
                        Cell::Time(t) => query.bind(t),
                    };
                }
            }
            query.execute(&mut *transaction).await?;
        }
    }
    transaction.commit().await?;
    Ok(())
}
