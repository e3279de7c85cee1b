//! The one statement a report reads: the day and month counters, the
//! totals, the changes not yet folded and the dossiers that fell due earlier
//! today, summed per group.

use super::buckets::{Buckets, Sums};
use super::period::{day_start, next_month, Grouping, Period};
use crate::domain::paths::{subtree_upper_bound, PathPattern};
use crate::domain::scope::Scope;
use crate::error::{ApiError, ApiResult};
use crate::services::tally::{COLUMNS, COUNTERS};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use std::collections::BTreeMap;

/// A statement's text and values, with placeholders for either database.
struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
    /// Paths are written into the text rather than bound (see `path`).
    inline: bool,
}

impl Sql {
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn bind(&mut self, value: impl Into<Value>) {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => self.text.push_str(&format!("${}", self.values.len())),
            _ => self.text.push('?'),
        }
    }

    /// A day, written into the statement rather than bound: PostgreSQL then
    /// plans with the days' real ranges even when it caches a generic plan
    /// (which, not knowing them, read every day of a wide scope).
    fn day(&mut self, day: NaiveDate) {
        match self.backend {
            DbBackend::Postgres => self.push(&format!("DATE '{}'", day.format("%Y-%m-%d"))),
            _ => self.push(&format!("'{}'", day.format("%Y-%m-%d"))),
        }
    }

    /// `agency_path` is in `scope`; nothing when the scope is empty.
    fn scope(&mut self, scope: &Scope) {
        self.paths_in("agency_path", scope);
    }

    /// A counter table's `agency_path` is in `scope`. On SQLite as a list
    /// of the agencies' paths, so that each agency's rows are one seek on
    /// the (agency_path, day) index — a range of paths would read every day
    /// of every agency in it, as SQLite's planner cannot skip. PostgreSQL
    /// plans the range by its statistics (and the tables' day-first indexes).
    fn counters_scope(&mut self, scope: &Scope) {
        match self.backend {
            DbBackend::Sqlite => {
                self.push("agency_path IN (SELECT path FROM agency WHERE ");
                self.paths_in("path", scope);
                self.push(")");
            }
            _ => {
                self.inline = true;
                self.scope(scope);
                self.inline = false;
            }
        }
    }

    /// A path, bound — or written into the statement (quotes doubled) while
    /// `inline`, so that even a cached generic plan knows the range.
    fn path(&mut self, path: &str) {
        if self.inline {
            self.push(&format!("'{}'", path.replace('\'', "''")));
        } else {
            self.bind(path.to_owned());
        }
    }

    /// `column` is in `scope`; nothing when the scope is empty.
    fn paths_in(&mut self, column: &str, scope: &Scope) {
        if scope.is_empty() {
            self.push("1 = 0");
            return;
        }
        self.push("(");
        for (index, pattern) in scope.patterns().iter().enumerate() {
            if index > 0 {
                self.push(" OR ");
            }
            match pattern {
                PathPattern::Agency(path) => {
                    self.push(&format!("{column} = "));
                    self.path(path);
                }
                PathPattern::Subtree(prefix) => {
                    self.push(&format!("({column} >= "));
                    self.path(prefix);
                    self.push(&format!(" AND {column} < "));
                    self.path(&subtree_upper_bound(prefix));
                    self.push(")");
                }
            }
        }
        self.push(")");
    }
}

/// Which days a report reads, and the boundaries that cut them into stretches.
struct Reading {
    /// A period that has ended, read from the days before it (and the
    /// totals) rather than from its days on: whichever covers fewer days.
    before: bool,
    /// The days that begin a stretch: each day (month) counts under the
    /// latest boundary at or before it.
    boundaries: Vec<NaiveDate>,
    /// The first day read (with `before`: the last day read is the period's).
    earliest: NaiveDate,
    /// The day after the period.
    after: NaiveDate,
    /// The months a boundary cuts: read from the day counters; whole months
    /// from the month counters.
    cut_months: Vec<NaiveDate>,
    period: Period,
}

impl Reading {
    async fn of(db: &DatabaseConnection, period: Period, now: DateTime<Utc>) -> ApiResult<Self> {
        let today = crate::services::tally::vietnam_day(now);
        let after = period.to + Days::new(1);
        let before = day_start(after) <= now && {
            let statement = "SELECT MIN(day) AS first, MAX(day) AS last FROM dossier_tally";
            let span = db.query_one(Statement::from_string(db.get_database_backend(), statement)).await?;
            let day = |column: &str| {
                span.as_ref().and_then(|row| row.try_get::<Option<NaiveDate>>("", column).ok().flatten())
            };
            match (day("first"), day("last")) {
                (Some(first), Some(last)) => period.from - first < last - period.to,
                _ => false,
            }
        };
        let cuts = if before {
            vec![period.from - Days::new(1), period.from, after]
        } else {
            vec![period.from, after, today, today + Days::new(1)]
        };
        let mut boundaries: Vec<NaiveDate> = if before { cuts[..2].to_vec() } else { cuts.clone() };
        boundaries.sort_unstable();
        boundaries.dedup();
        let mut cut_months: Vec<NaiveDate> = cuts[usize::from(before)..]
            .iter()
            .filter(|day| day.day() != 1)
            .map(|day| crate::services::tally::month_of(*day))
            .collect();
        cut_months.sort_unstable();
        cut_months.dedup();
        Ok(Self { before, boundaries, earliest: period.from.min(today), after, cut_months, period })
    }

    /// The key a day (or month) `column` counts under: its stretch's boundary.
    fn day_key(&self, sql: &mut Sql, grouping: Grouping, column: &str) {
        match grouping {
            Grouping::Agency | Grouping::Procedure | Grouping::Field => {
                sql.push("CASE");
                for boundary in self.boundaries.iter().rev().filter(|b| self.before || **b >= self.earliest) {
                    sql.push(&format!(" WHEN {column} >= "));
                    sql.day(*boundary);
                    sql.push(" THEN ");
                    sql.day(*boundary);
                }
                if self.before {
                    // The days before the period, under the day before it.
                    sql.push(" ELSE ");
                    sql.day(self.period.from - Days::new(1));
                }
                sql.push(" END");
            }
            Grouping::Month if self.before => {
                sql.push(&format!("CASE WHEN {column} >= "));
                sql.day(self.period.from);
                sql.push(&format!(" THEN {column} ELSE "));
                sql.day(self.period.from - Days::new(1));
                sql.push(" END");
            }
            Grouping::Month => sql.push(column),
        }
    }

    /// The days (or months) `column` of a counter table that are read.
    fn range(&self, sql: &mut Sql, column: &str) {
        let month_of = crate::services::tally::month_of;
        match (column, self.before) {
            ("day", true) => {
                sql.push(" AND day < ");
                sql.day(self.after);
            }
            ("day", false) => {
                sql.push(" AND day >= ");
                sql.day(self.earliest);
            }
            (_, true) => {
                sql.push(" AND month < ");
                sql.day(month_of(self.after));
            }
            (_, false) => {
                sql.push(" AND month >= ");
                sql.day(month_of(self.earliest));
            }
        }
    }
}

/// The counter tables a grouping reads: days, months, totals.
fn tables(grouping: Grouping) -> (&'static str, &'static str, &'static str) {
    use crate::services::tally::{DAYS, MONTHS, PROCEDURE_DAYS, PROCEDURE_MONTHS, PROCEDURE_TOTALS, TOTALS};
    match grouping {
        Grouping::Procedure | Grouping::Field => (PROCEDURE_DAYS, PROCEDURE_MONTHS, PROCEDURE_TOTALS),
        Grouping::Agency | Grouping::Month => (DAYS, MONTHS, TOTALS),
    }
}

/// The sums per group (an agency's path, or one group for a report by
/// month), in one statement: the day counters from the earliest day needed
/// on, the totals, the changes not yet folded (PostgreSQL) in both, and the
/// pending dossiers that fell due earlier today.
pub(super) async fn sums(
    db: &DatabaseConnection,
    scope: &Scope,
    period: Period,
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<BTreeMap<String, Buckets>> {
    let reading = Reading::of(db, period, now).await?;
    let backend = db.get_database_backend();
    let mut sql = Sql { backend, text: String::new(), values: Vec::new(), inline: false };
    let sums: Vec<String> = COLUMNS.iter().map(|c| format!("SUM({c}) AS {c}")).collect();
    sql.push(&format!(
        "SELECT grp, kind, day_key, {}, SUM(due_earlier_today) AS due_earlier_today FROM (",
        sums.join(", ")
    ));
    counter_branches(&mut sql, &reading, scope, grouping);
    total_branches(&mut sql, scope, grouping);
    due_earlier_today_branch(&mut sql, scope, grouping, now);
    sql.push(") counted GROUP BY grp, kind, day_key");
    let rows = db.query_all(Statement::from_sql_and_values(backend, sql.text, sql.values)).await?;
    read_groups(rows, grouping, reading.before)
}

/// What the rows are grouped by.
fn group_column(grouping: Grouping) -> &'static str {
    match grouping {
        Grouping::Agency => "agency_path",
        Grouping::Procedure | Grouping::Field => "procedure_id",
        Grouping::Month => "''",
    }
}

/// The day and month counters (kind 0): the day counters of the cut months —
/// on SQLite one month at a time (a single range of days, one index seek per
/// agency of the scope), on PostgreSQL in one branch, which it reads as a
/// bitmap of the months' ranges on the (day, agency_path) index —, the
/// changes not yet folded, and the month counters of the whole months.
fn counter_branches(sql: &mut Sql, reading: &Reading, scope: &Scope, grouping: Grouping) {
    use crate::services::tally::CHANGES;
    let (days, months, _) = tables(grouping);
    let by_procedure = matches!(grouping, Grouping::Procedure | Grouping::Field);
    let (group, counters) = (group_column(grouping), COLUMNS.join(", "));
    let day_branches: Vec<Option<Vec<NaiveDate>>> = match sql.backend {
        DbBackend::Sqlite => reading.cut_months.iter().map(|month| Some(vec![*month])).collect(),
        _ => vec![Some(reading.cut_months.clone())],
    };
    let branches =
        day_branches.into_iter().map(|cut| (days, "day", cut)).chain([(CHANGES, "day", None), (months, "month", None)]);
    for (table, column, cut) in branches {
        sql.push(&format!("SELECT {group} AS grp, 0 AS kind, "));
        reading.day_key(sql, grouping, column);
        sql.push(&format!(" AS day_key, {counters}, 0 AS due_earlier_today FROM {table} WHERE "));
        sql.counters_scope(scope);
        reading.range(sql, column);
        if by_procedure && table == CHANGES {
            sql.push(" AND procedure_id IS NOT NULL");
        }
        if let Some(cut) = cut {
            // Only the days of the months cut by a boundary.
            sql.push(" AND (1 = 0");
            for month in cut {
                sql.push(" OR (day >= ");
                sql.day(month);
                sql.push(" AND day < ");
                sql.day(next_month(month));
                sql.push(")");
            }
            sql.push(")");
        }
        if table == months {
            for month in &reading.cut_months {
                sql.push(" AND month <> ");
                sql.day(*month);
            }
        }
        sql.push(" UNION ALL ");
    }
}

/// The totals over all days and the changes not yet folded (kind 1).
fn total_branches(sql: &mut Sql, scope: &Scope, grouping: Grouping) {
    use crate::services::tally::CHANGES;
    let (_, _, totals) = tables(grouping);
    let (group, counters) = (group_column(grouping), COLUMNS.join(", "));
    for table in [totals, CHANGES] {
        sql.push(&format!("SELECT {group}, 1, CAST(NULL AS DATE), {counters}, 0 FROM {table} WHERE "));
        sql.counters_scope(scope);
        if matches!(grouping, Grouping::Procedure | Grouping::Field) && table == CHANGES {
            // Changes written before the counters per procedure existed.
            sql.push(" AND procedure_id IS NOT NULL");
        }
        sql.push(" UNION ALL ");
    }
}

/// The pending dossiers that fell due earlier today, counted live (kind 2).
fn due_earlier_today_branch(sql: &mut Sql, scope: &Scope, grouping: Grouping, now: DateTime<Utc>) {
    let zeros = ["0"; COUNTERS].join(", ");
    sql.push(&format!(
        "SELECT {}, 2, CAST(NULL AS DATE), {zeros}, 1 FROM dossier WHERE {} AND due_at >= ",
        group_column(grouping),
        migration::PENDING
    ));
    sql.bind(day_start(crate::services::tally::vietnam_day(now)));
    sql.push(" AND due_at < ");
    sql.bind(now);
    sql.push(" AND ");
    sql.scope(scope);
}

/// The statement's rows, into each group's buckets.
fn read_groups(
    rows: Vec<sea_orm::QueryResult>,
    grouping: Grouping,
    before: bool,
) -> ApiResult<BTreeMap<String, Buckets>> {
    let mut groups: BTreeMap<String, Buckets> = BTreeMap::new();
    for row in rows {
        let group: String = match grouping {
            Grouping::Procedure | Grouping::Field => row.try_get::<uuid::Uuid>("", "grp")?.to_string(),
            Grouping::Agency | Grouping::Month => row.try_get("", "grp")?,
        };
        let kind: i32 = row.try_get("", "kind")?;
        let mut sums = Sums::default();
        for (index, column) in COLUMNS.iter().enumerate() {
            sums.0[index] = row.try_get::<Option<i64>>("", column)?.unwrap_or(0);
        }
        let buckets = groups.entry(group).or_default();
        buckets.before = before;
        match kind {
            0 => {
                let day: Option<NaiveDate> = row.try_get("", "day_key")?;
                let day = day.ok_or_else(|| ApiError::internal("a day's counters without their day"))?;
                buckets.days.entry(day).or_default().add(&sums);
            }
            1 => buckets.totals.add(&sums),
            _ => buckets.due_earlier_today += row.try_get::<Option<i64>>("", "due_earlier_today")?.unwrap_or(0),
        }
    }
    Ok(groups)
}
