//! Several writes sent to the database at once. On PostgreSQL, one
//! statement ([`Combined`]): each write is a data-modifying `WITH` clause,
//! and the statement's final `SELECT` ties them together. One statement is
//! atomic on its own — no `BEGIN`/`COMMIT` round trips — and all its parts
//! see one snapshot; foreign keys are checked at its end, after every part
//! ran. On SQLite, a [`Batch`] of statements run one after the other in one
//! call, inside the caller's transaction.

use sea_orm::sea_query::{InsertStatement, PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder};
use sea_orm::{DbBackend, DbErr, RuntimeErr, Statement, Value};

/// A statement being put together.
#[derive(Debug, Default)]
pub(crate) struct Combined {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Combined {
    /// Adds `statement` as the clause `name` (which later clauses or the final
    /// `SELECT` may read, if it has a `RETURNING`).
    pub(crate) fn add(&mut self, name: &str, statement: &impl QueryStatementWriter) {
        let (sql, values) = statement.build(PostgresQueryBuilder);
        let sql = shift_placeholders(&sql, self.values.len());
        self.clauses.push(format!("{name} AS ({sql})"));
        self.values.extend(values.0);
    }

    /// A placeholder for `value`, for the final `SELECT`.
    #[cfg(test)]
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    /// The statement: the clauses, then `select`.
    pub(crate) fn finish(self, select: &str) -> Statement {
        let sql = if self.clauses.is_empty() {
            select.to_owned()
        } else {
            format!("WITH {} {select}", self.clauses.join(", "))
        };
        Statement::from_sql_and_values(DbBackend::Postgres, sql, self.values)
    }
}

/// Statements for SQLite, sent as one: SQLite runs them in order, each with
/// its share of the values (placeholders are `?`, bound in order across the
/// statements). sqlx runs each call on the connection's own thread, so one
/// call instead of one per statement saves a hand-over to that thread and
/// back for each.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    sql: String,
    values: Vec<Value>,
}

impl Batch {
    /// Appends `statement`.
    pub(crate) fn add(&mut self, statement: &impl QueryStatementWriter) {
        let (sql, values) = statement.build(SqliteQueryBuilder);
        if !self.sql.is_empty() {
            self.sql.push_str("; ");
        }
        self.sql.push_str(&sql);
        self.values.extend(values.0);
    }

    /// Appends `sql`, a statement without values (`BEGIN IMMEDIATE`, `COMMIT`).
    pub(crate) fn raw(&mut self, sql: &str) {
        if !self.sql.is_empty() {
            self.sql.push_str("; ");
        }
        self.sql.push_str(sql);
    }

    /// Appends the one-row `insert` so that it inserts its row only if the
    /// statement before it changed exactly one row: a chain of such inserts
    /// after a conditional update writes all or nothing, and the batch's row
    /// count tells which. `None` if `insert` is not a single row of values.
    pub(crate) fn add_if_one_changed(&mut self, insert: &InsertStatement) -> Option<()> {
        let (sql, values) = insert.build(SqliteQueryBuilder);
        let (head, row) = sql.rsplit_once(" VALUES (")?;
        let row = row.strip_suffix(')')?;
        if !row.split(", ").all(|placeholder| placeholder == "?") {
            return None;
        }
        self.raw(&format!("{head} SELECT {row} WHERE changes() = 1"));
        self.values.extend(values.0);
        Some(())
    }

    /// The statements as one.
    pub(crate) fn finish(self) -> Statement {
        Statement::from_sql_and_values(DbBackend::Sqlite, self.sql, self.values)
    }
}

/// Renumbers the `$n` placeholders of `sql` to `$(n + offset)`, leaving
/// quoted identifiers and string literals alone.
fn shift_placeholders(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let n: usize = digits.parse().unwrap_or(0);
                out.push('$');
                out.push_str(&(n + offset).to_string());
            }
            None => out.push(c),
        }
    }
    out
}

/// Whether `error` is a database error with SQLSTATE `code`.
pub(crate) fn has_sqlstate(error: &DbErr, code: &str) -> bool {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            error.as_database_error().and_then(|e| e.code()).is_some_and(|c| c == code)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_move_past_the_earlier_clauses_values() {
        assert_eq!(
            shift_placeholders(r#"INSERT INTO "t" ("a$1", "b") VALUES ($1, $12) -- '$3'"#, 4),
            r#"INSERT INTO "t" ("a$1", "b") VALUES ($5, $16) -- '$3'"#
        );
        assert_eq!(shift_placeholders("SELECT $1", 0), "SELECT $1");
    }

    #[test]
    fn a_batch_joins_its_statements_and_their_values_in_order() {
        use sea_orm::sea_query::{Alias, Query};
        let mut batch = Batch::default();
        for n in [1, 2] {
            batch.add(
                &Query::insert()
                    .into_table(Alias::new("t"))
                    .columns([Alias::new("n")])
                    .values_panic([n.into()])
                    .to_owned(),
            );
        }
        let statement = batch.finish();
        assert_eq!(statement.sql, r#"INSERT INTO "t" ("n") VALUES (?); INSERT INTO "t" ("n") VALUES (?)"#);
        assert_eq!(statement.values.map(|v| v.0), Some(vec![1.into(), 2.into()]));
    }

    #[test]
    fn a_guarded_insert_inserts_only_after_a_statement_that_changed_one_row() {
        use sea_orm::sea_query::{Alias, Query};
        let insert = |rows: &[i32]| {
            let mut insert = Query::insert();
            insert.into_table(Alias::new("t")).columns([Alias::new("n"), Alias::new("m")]);
            for n in rows {
                insert.values_panic([(*n).into(), "x".into()]);
            }
            insert
        };
        let mut batch = Batch::default();
        batch.raw("BEGIN IMMEDIATE");
        assert!(batch.add_if_one_changed(&insert(&[1])).is_some());
        assert!(batch.add_if_one_changed(&insert(&[1, 2])).is_none(), "two rows are not one");
        batch.raw("COMMIT");
        let statement = batch.finish();
        assert_eq!(
            statement.sql,
            r#"BEGIN IMMEDIATE; INSERT INTO "t" ("n", "m") SELECT ?, ? WHERE changes() = 1; COMMIT"#
        );
        assert_eq!(statement.values.map(|v| v.0.len()), Some(2));
    }

    #[test]
    fn clauses_are_numbered_in_order() {
        use sea_orm::sea_query::{Alias, Query};
        let mut combined = Combined::default();
        let insert = |n: i32| {
            Query::insert().into_table(Alias::new("t")).columns([Alias::new("n")]).values_panic([n.into()]).to_owned()
        };
        combined.add("a", &insert(1));
        combined.add("b", &insert(2));
        let tail = combined.bind("x");
        let statement = combined.finish(&format!("SELECT {tail}"));
        assert_eq!(
            statement.sql,
            r#"WITH a AS (INSERT INTO "t" ("n") VALUES ($1)), b AS (INSERT INTO "t" ("n") VALUES ($2)) SELECT $3"#
        );
        assert_eq!(statement.values.map(|v| v.0.len()), Some(3));
    }
}
