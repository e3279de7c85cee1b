//! Bulk writes for the seed and the import of dossiers: PostgreSQL `COPY …
//! FROM STDIN (FORMAT binary)` and SQLite multi-row `INSERT`s with bound
//! values, both on sea-orm's own sqlx pool, each load in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use uuid::Uuid;

/// One value of a row.
#[derive(Debug, Clone)]
pub enum Cell {
    Null,
    Uuid(Uuid),
    Text(String),
    /// `smallint`
    Small(i16),
    /// `integer`
    Int(i32),
    /// `bigint`
    Big(i64),
    Bool(bool),
    Time(DateTime<Utc>),
    /// `date`
    Date(NaiveDate),
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

impl From<Option<i16>> for Cell {
    fn from(value: Option<i16>) -> Self {
        value.map_or(Self::Null, Self::Small)
    }
}

/// The columns of a dossier's row in a bulk load (the seed's, an import's),
/// in the order of its cells.
pub const DOSSIER_COLUMNS: &[&str] = &[
    "id",
    "code",
    "procedure_id",
    "status",
    "channel",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "receiving_agency_id",
    "receiving_agency_path",
    "transferred",
    "competent_agency_id",
    "agency_id",
    "agency_path",
    "province_code",
    "current_step",
    "assignee_id",
    "filed_at",
    "submitted_at",
    "received_at",
    "due_at",
    "paused_at",
    "finished_at",
    "returned_at",
    "outcome",
    "fee_amount",
    "fee_paid_at",
    "payment_method",
    "documents_digitized",
    "result_digitized",
    "result_number",
    "signer_id",
    "idempotency_key",
    "lock_version",
    "created_at",
    "updated_at",
];

/// The columns of a slip entry's row in a bulk load, in the order of its cells.
pub const EVENT_COLUMNS: &[&str] = &[
    "id",
    "dossier_id",
    "agency_path",
    "province_code",
    "action",
    "status_from",
    "status_to",
    "from_agency_id",
    "from_official_id",
    "to_agency_id",
    "to_official_id",
    "to_role",
    "step",
    "step_due_at",
    "note",
    "details",
    "created_at",
];

/// A table, its columns, and rows of cells in the same order.
pub struct Rows {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

/// A statement and its values, bound in order (`$1`, `$2`… on PostgreSQL,
/// `?` on SQLite).
pub struct Bound {
    pub sql: String,
    pub values: Vec<Cell>,
}

/// Writes the batches in one transaction.
pub async fn write(db: &DatabaseConnection, batches: &[Rows]) -> anyhow::Result<()> {
    write_then(db, batches, &[]).await
}

/// Writes the batches, then runs `then`, all in one transaction.
pub async fn write_then(db: &DatabaseConnection, batches: &[Rows], then: &[Bound]) -> anyhow::Result<()> {
    let mut loader = Loader::begin(db).await?;
    for batch in batches {
        loader.rows(batch).await?;
    }
    for statement in then {
        loader.run(statement).await?;
    }
    loader.commit().await
}

/// `query` with `cell` bound (a macro: the query's type differs by database).
macro_rules! bind {
    ($query:expr, $cell:expr) => {
        match $cell {
            Cell::Null => $query.bind(Option::<&str>::None),
            Cell::Uuid(id) => $query.bind(*id),
            Cell::Text(text) => $query.bind(text.as_str()),
            Cell::Small(n) => $query.bind(*n),
            Cell::Int(n) => $query.bind(*n),
            Cell::Big(n) => $query.bind(*n),
            Cell::Bool(b) => $query.bind(*b),
            Cell::Time(t) => $query.bind(*t),
            Cell::Date(d) => $query.bind(*d),
        }
    };
}

/// One transaction of a bulk load: rows and statements in any order, then
/// the commit (dropped without it, nothing is written).
pub enum Loader {
    Postgres(sea_orm::sqlx::Transaction<'static, sea_orm::sqlx::Postgres>),
    Sqlite(sea_orm::sqlx::Transaction<'static, sea_orm::sqlx::Sqlite>),
}

impl Loader {
    pub async fn begin(db: &DatabaseConnection) -> anyhow::Result<Self> {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let mut transaction = db.get_postgres_connection_pool().begin().await?;
                // A load can be run again; it need not wait for the WAL flush of each batch.
                sea_orm::sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *transaction).await?;
                Ok(Self::Postgres(transaction))
            }
            // `BEGIN IMMEDIATE`: the write lock taken at once (or waited for),
            // never refused half-way when the server's writer holds it.
            DatabaseBackend::Sqlite => {
                Ok(Self::Sqlite(db.get_sqlite_connection_pool().begin_with("BEGIN IMMEDIATE").await?))
            }
            other => anyhow::bail!("bulk writes are not implemented for {other:?}"),
        }
    }

    /// Writes `batch`: one binary `COPY` on PostgreSQL, multi-row inserts on SQLite.
    pub async fn rows(&mut self, batch: &Rows) -> anyhow::Result<()> {
        if batch.rows.is_empty() {
            return Ok(());
        }
        match self {
            Self::Postgres(transaction) => copy_postgres(transaction, batch).await,
            Self::Sqlite(transaction) => insert_sqlite(transaction, batch).await,
        }
    }

    /// Runs `statement`.
    pub async fn run(&mut self, statement: &Bound) -> anyhow::Result<()> {
        match self {
            Self::Postgres(transaction) => {
                let mut query = sea_orm::sqlx::query(&statement.sql);
                for cell in &statement.values {
                    query = bind!(query, cell);
                }
                query.execute(&mut **transaction).await?;
            }
            Self::Sqlite(transaction) => {
                let mut query = sea_orm::sqlx::query(&statement.sql);
                for cell in &statement.values {
                    query = bind!(query, cell);
                }
                query.execute(&mut **transaction).await?;
            }
        }
        Ok(())
    }

    pub async fn commit(self) -> anyhow::Result<()> {
        match self {
            Self::Postgres(transaction) => transaction.commit().await?,
            Self::Sqlite(transaction) => transaction.commit().await?,
        }
        Ok(())
    }
}

/// How many writers may load at once: PostgreSQL takes several `COPY`s in
/// parallel, SQLite has one writer.
pub fn writers(db: &DatabaseConnection) -> usize {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => 2,
        _ => 1,
    }
}

/// Refreshes the planner's statistics after a load.
pub async fn analyze(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE dossier, dossier_event").await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01 00:00 UTC.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Days from the Unix epoch to PostgreSQL's.
const POSTGRES_EPOCH_DAYS: i32 = 10_957;

/// Appends one field in PostgreSQL's binary `COPY` format: its length, then
/// its value in network byte order (the types must match the columns').
fn binary_field(out: &mut Vec<u8>, cell: &Cell) {
    fn sized(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    match cell {
        Cell::Null => out.extend_from_slice(&(-1i32).to_be_bytes()),
        Cell::Uuid(id) => sized(out, id.as_bytes()),
        Cell::Text(text) => sized(out, text.as_bytes()),
        Cell::Small(n) => sized(out, &n.to_be_bytes()),
        Cell::Int(n) => sized(out, &n.to_be_bytes()),
        Cell::Big(n) => sized(out, &n.to_be_bytes()),
        Cell::Bool(b) => sized(out, &[u8::from(*b)]),
        Cell::Time(t) => sized(out, &(t.timestamp_micros() - POSTGRES_EPOCH_MICROS).to_be_bytes()),
        Cell::Date(d) => sized(out, &(d.to_epoch_days() - POSTGRES_EPOCH_DAYS).to_be_bytes()),
    }
}

async fn copy_postgres(
    transaction: &mut sea_orm::sqlx::Transaction<'static, sea_orm::sqlx::Postgres>,
    batch: &Rows,
) -> anyhow::Result<()> {
    let mut data = Vec::with_capacity(batch.rows.len() * 512);
    data.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    data.extend_from_slice(&0i32.to_be_bytes()); // flags
    data.extend_from_slice(&0i32.to_be_bytes()); // header extension length
    for row in &batch.rows {
        data.extend_from_slice(&(row.len() as i16).to_be_bytes());
        for cell in row {
            binary_field(&mut data, cell);
        }
    }
    data.extend_from_slice(&(-1i16).to_be_bytes());
    let statement = format!("COPY {} ({}) FROM STDIN (FORMAT binary)", batch.table, batch.columns.join(", "));
    let mut copy = transaction.copy_in_raw(&statement).await?;
    copy.send(data).await?;
    copy.finish().await?;
    Ok(())
}

async fn insert_sqlite(
    transaction: &mut sea_orm::sqlx::Transaction<'static, sea_orm::sqlx::Sqlite>,
    batch: &Rows,
) -> anyhow::Result<()> {
    // SQLite allows 32,766 bound values per statement.
    let rows_per_statement = (30_000 / batch.columns.len()).max(1);
    let placeholders = format!("({})", vec!["?"; batch.columns.len()].join(","));
    for chunk in batch.rows.chunks(rows_per_statement) {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            batch.table,
            batch.columns.join(", "),
            vec![placeholders.as_str(); chunk.len()].join(",")
        );
        let mut query = sea_orm::sqlx::query(&sql);
        for cell in chunk.iter().flatten() {
            query = bind!(query, cell);
        }
        query.execute(&mut **transaction).await?;
    }
    Ok(())
}
