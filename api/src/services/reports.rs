//! The periodic report on dossier handling (form II.06a), from the counters
//! of `services::tally` and the pending dossiers counted live, in one
//! statement (one snapshot). `docs/REPORTS.md` defines every column.
//!
//! For a period of calendar days `f..=t` (Vietnam time; the instants
//! `A` = the start of `f`, `B` = the start of the day after `t`), an agency's
//! counters give, with `S(d)` the sums of the days from `d` on (future due
//! days included) and `P` the dossiers pending now:
//! - received (by channel), resolved (by outcome), withdrawn, refused,
//!   stopped: the sums of the days `f..=t`;
//! - carried over (pending at `A`) = `P + S(f).ended − S(f).entered`;
//! - pending at `B` = carried over + received − ended in the period;
//! - pending and overdue at `B`: `B` in the past, the dossiers pending with a
//!   due date minus `S(t + 1).(overdue_from − overdue_until)`; `B` still to
//!   come, the dossiers pending now whose due time has passed.

use super::scope::Scope;
use super::tally::{Counter, COLUMNS, COUNTERS};
use crate::domain::calendar::vietnam;
use crate::domain::paths::{subtree_upper_bound, PathPattern};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use entity::agency;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use std::collections::BTreeMap;

/// How the report's rows are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One row per direct child agency (with its subtree), and one for the
    /// agency's own dossiers when it holds any.
    Agency,
    /// One row per calendar month of the period.
    Month,
}

/// A period of whole calendar days in Vietnam, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest period a report may span (about 20 years).
const LONGEST_DAYS: i64 = 7_320;

impl Period {
    /// `from..=to`, or `BAD_USER_INPUT` when it runs backwards or spans more
    /// than twenty years.
    pub fn new(from: NaiveDate, to: NaiveDate) -> ApiResult<Self> {
        if to < from {
            return Err(ApiError::BadUserInput(format!("the period ends ({to}) before it begins ({from})")));
        }
        if (to - from).num_days() > LONGEST_DAYS {
            return Err(ApiError::BadUserInput("a report spans at most twenty years".into()));
        }
        Ok(Self { from, to })
    }

    /// The instant the period begins: `from` at 00:00 in Vietnam.
    pub fn start(&self) -> DateTime<Utc> {
        day_start(self.from)
    }

    /// The instant after the period: the day after `to` at 00:00 in Vietnam.
    pub fn end(&self) -> DateTime<Utc> {
        day_start(self.to + Days::new(1))
    }
}

fn day_start(day: NaiveDate) -> DateTime<Utc> {
    vietnam().from_local_datetime(&day.and_time(chrono::NaiveTime::MIN)).unwrap().with_timezone(&Utc)
}

/// The columns of one row of the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub carried_over: i64,
    pub received_online: i64,
    pub received_direct: i64,
    pub received_postal: i64,
    pub resolved_early: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    pub withdrawn: i64,
    pub refused: i64,
    pub stopped: i64,
    pub pending_overdue: i64,
    pub pending: i64,
}

impl Figures {
    pub fn received(&self) -> i64 {
        self.received_online + self.received_direct + self.received_postal
    }

    pub fn total_to_resolve(&self) -> i64 {
        self.carried_over + self.received()
    }

    pub fn resolved(&self) -> i64 {
        self.resolved_early + self.resolved_on_time + self.resolved_late
    }

    pub fn pending_within_deadline(&self) -> i64 {
        self.pending - self.pending_overdue
    }

    /// Whether the row balances: everything to resolve was resolved, is
    /// pending, or ended another way.
    pub fn balances(&self) -> bool {
        self.total_to_resolve() == self.resolved() + self.pending + self.withdrawn + self.refused + self.stopped
    }
}

/// What a row is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    /// A direct child agency, with its subtree.
    Agency(agency::Model),
    /// The reported agency's own dossiers (not its children's).
    Own(agency::Model),
    /// A calendar month (its first day), cut to the period.
    Month(NaiveDate),
}

/// The report: its rows and the total over the whole period and scope.
#[derive(Debug, Clone)]
pub struct Report {
    pub rows: Vec<(RowKey, Figures)>,
    pub total: Figures,
    /// The moment the report describes: the pending dossiers of a period that
    /// has not ended are those pending now.
    pub as_of: DateTime<Utc>,
}

/// Sums of the counters over some days, with the live counts of the pending.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    counts: [i64; COUNTERS],
    /// Pending now; of them, with a due date; of them, past it now.
    pending_now: i64,
    pending_with_due: i64,
    overdue_now: i64,
}

impl Sums {
    fn add(&mut self, other: &Self) {
        for (sum, n) in self.counts.iter_mut().zip(other.counts) {
            *sum += n;
        }
        self.pending_now += other.pending_now;
        self.pending_with_due += other.pending_with_due;
        self.overdue_now += other.overdue_now;
    }

    fn get(&self, counter: Counter) -> i64 {
        self.counts[counter as usize]
    }

    fn entered(&self) -> i64 {
        self.get(Counter::EnteredOnline) + self.get(Counter::EnteredDirect) + self.get(Counter::EnteredPostal)
    }

    fn ended(&self) -> i64 {
        [
            Counter::ResolvedEarly,
            Counter::ResolvedOnTime,
            Counter::ResolvedLate,
            Counter::Withdrawn,
            Counter::Refused,
            Counter::Stopped,
        ]
        .into_iter()
        .map(|c| self.get(c))
        .sum()
    }

    fn overdue_balance(&self) -> i64 {
        self.get(Counter::OverdueFrom) - self.get(Counter::OverdueUntil)
    }
}

/// One group's sums: per day of the period (for a report by agency, the
/// whole period under its first day), and of every day after it with the
/// live counts.
#[derive(Debug, Clone, Default)]
struct Buckets {
    days: BTreeMap<NaiveDate, Sums>,
    after: Sums,
}

impl Buckets {
    fn add(&mut self, other: &Self) {
        for (day, sums) in &other.days {
            self.days.entry(*day).or_default().add(sums);
        }
        self.after.add(&other.after);
    }

    /// The figures of the days `from..=to` (inside the queried period).
    fn figures(&self, from: NaiveDate, to: NaiveDate, now: DateTime<Utc>) -> Figures {
        let mut period = Sums::default();
        let mut from_on = self.after;
        let mut after_to = self.after;
        for (day, sums) in &self.days {
            if *day >= from {
                from_on.add(sums);
            }
            if *day > to {
                after_to.add(sums);
            } else if *day >= from {
                period.add(sums);
            }
        }
        let carried_over = self.after.pending_now + from_on.ended() - from_on.entered();
        let mut figures = Figures {
            carried_over,
            received_online: period.get(Counter::EnteredOnline),
            received_direct: period.get(Counter::EnteredDirect),
            received_postal: period.get(Counter::EnteredPostal),
            resolved_early: period.get(Counter::ResolvedEarly),
            resolved_on_time: period.get(Counter::ResolvedOnTime),
            resolved_late: period.get(Counter::ResolvedLate),
            withdrawn: period.get(Counter::Withdrawn),
            refused: period.get(Counter::Refused),
            stopped: period.get(Counter::Stopped),
            pending_overdue: 0,
            pending: 0,
        };
        figures.pending = carried_over + period.entered() - period.ended();
        figures.pending_overdue = if day_start(to + Days::new(1)) <= now {
            self.after.pending_with_due - after_to.overdue_balance()
        } else {
            self.after.overdue_now
        };
        figures
    }
}

/// The report on `agency` for `period`, over the agencies of `scope` in its
/// subtree. The caller checks that `scope` contains the agency.
pub async fn dossier_report(
    db: &DatabaseConnection,
    scope: &Scope,
    agency: &agency::Model,
    children: &[agency::Model],
    period: Period,
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<Report> {
    let within = scope.intersect(&PathPattern::Subtree(agency.path.clone()));
    let groups = sums(db, &within, period, grouping, now).await?;
    let mut total = Buckets::default();
    for buckets in groups.values() {
        total.add(buckets);
    }
    let rows = match grouping {
        Grouping::Agency => {
            let mut by_child: BTreeMap<String, Buckets> = BTreeMap::new();
            for (path, buckets) in &groups {
                let child = child_of(&agency.path, path).unwrap_or_else(|| agency.path.clone());
                by_child.entry(child).or_default().add(buckets);
            }
            let figures_of =
                |path: &str| by_child.get(path).map(|b| b.figures(period.from, period.to, now)).unwrap_or_default();
            let mut rows: Vec<(RowKey, Figures)> = children
                .iter()
                .filter(|child| !within.intersect(&PathPattern::Subtree(child.path.clone())).is_empty())
                .map(|child| (RowKey::Agency(child.clone()), figures_of(&child.path)))
                .collect();
            let own = figures_of(&agency.path);
            if own != Figures::default() {
                rows.insert(0, (RowKey::Own(agency.clone()), own));
            }
            rows
        }
        Grouping::Month => months(period)
            .into_iter()
            .map(|(first, from, to)| (RowKey::Month(first), total.figures(from, to, now)))
            .collect(),
    };
    Ok(Report { rows, total: total.figures(period.from, period.to, now), as_of: now })
}

/// The path of the direct child of `parent` whose subtree holds `path`;
/// `None` for `parent` itself.
fn child_of(parent: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(parent)?;
    let segment = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(format!("{parent}{segment}/"))
}

/// The months of `period`: each one's first day, and its days inside the period.
fn months(period: Period) -> Vec<(NaiveDate, NaiveDate, NaiveDate)> {
    let mut months = Vec::new();
    let mut first = period.from.with_day(1).expect("day 1 exists");
    while first <= period.to {
        let next = first.checked_add_months(chrono::Months::new(1)).expect("a month after");
        months.push((first, first.max(period.from), (next - Days::new(1)).min(period.to)));
        first = next;
    }
    months
}

/// A statement's text and values, with placeholders for either database.
struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
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

    /// `agency_path` is in `scope`; nothing when the scope is empty.
    fn scope(&mut self, scope: &Scope) {
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
                    self.push("agency_path = ");
                    self.bind(path.as_str());
                }
                PathPattern::Subtree(prefix) => {
                    self.push("(agency_path >= ");
                    self.bind(prefix.as_str());
                    self.push(" AND agency_path < ");
                    self.bind(subtree_upper_bound(prefix));
                    self.push(")");
                }
            }
        }
        self.push(")");
    }
}

/// The sums per group (an agency's path, or one group for a report by
/// month): the counters of the days from `period.from` on and the pending
/// dossiers, in one statement.
async fn sums(
    db: &DatabaseConnection,
    scope: &Scope,
    period: Period,
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<BTreeMap<String, Buckets>> {
    let backend = db.get_database_backend();
    let mut sql = Sql { backend, text: String::new(), values: Vec::new() };
    let (group, day_key) = match grouping {
        Grouping::Agency => ("agency_path", "CAST(NULL AS DATE)"),
        Grouping::Month => ("''", "day"),
    };
    let counters = COLUMNS.join(", ");
    let sums: Vec<String> = COLUMNS.iter().map(|c| format!("SUM({c}) AS {c}")).collect();
    sql.push(&format!(
        "SELECT grp, later, day_key, {}, SUM(pending_now) AS pending_now, \
         SUM(pending_with_due) AS pending_with_due, SUM(overdue_now) AS overdue_now FROM (",
        sums.join(", ")
    ));
    for table in ["dossier_tally", "dossier_tally_change"] {
        sql.push(&format!("SELECT {group} AS grp, CASE WHEN day > "));
        sql.bind(period.to);
        sql.push(&format!(
            " THEN 1 ELSE 0 END AS later, {day_key} AS day_key, {counters}, \
             0 AS pending_now, 0 AS pending_with_due, 0 AS overdue_now FROM {table} WHERE "
        ));
        sql.scope(scope);
        sql.push(" AND day >= ");
        sql.bind(period.from);
        sql.push(" UNION ALL ");
    }
    let zeros = ["0"; COUNTERS].join(", ");
    sql.push(&format!(
        "SELECT {group}, 1, CAST(NULL AS DATE), {zeros}, 1, \
         CASE WHEN due_at IS NULL THEN 0 ELSE 1 END, CASE WHEN due_at < "
    ));
    sql.bind(now);
    sql.push(&format!(" THEN 1 ELSE 0 END FROM dossier WHERE {} AND ", migration::PENDING));
    sql.scope(scope);
    sql.push(") counted GROUP BY grp, later, day_key");
    let rows = db.query_all(Statement::from_sql_and_values(backend, sql.text, sql.values)).await?;
    let mut groups: BTreeMap<String, Buckets> = BTreeMap::new();
    for row in rows {
        let group: String = row.try_get("", "grp")?;
        let later: i32 = row.try_get("", "later")?;
        let day: Option<NaiveDate> = row.try_get("", "day_key")?;
        let mut sums = Sums::default();
        for (index, column) in COLUMNS.iter().enumerate() {
            sums.counts[index] = row.try_get::<Option<i64>>("", column)?.unwrap_or(0);
        }
        sums.pending_now = row.try_get::<Option<i64>>("", "pending_now")?.unwrap_or(0);
        sums.pending_with_due = row.try_get::<Option<i64>>("", "pending_with_due")?.unwrap_or(0);
        sums.overdue_now = row.try_get::<Option<i64>>("", "overdue_now")?.unwrap_or(0);
        let buckets = groups.entry(group).or_default();
        if later == 1 {
            buckets.after.add(&sums);
        } else {
            buckets.days.entry(day.unwrap_or(period.from)).or_default().add(&sums);
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_period_runs_from_midnight_to_midnight_in_vietnam() {
        let period = Period::new(date(2026, 1, 1), date(2026, 3, 31)).unwrap();
        assert_eq!(period.start().to_rfc3339(), "2025-12-31T17:00:00+00:00");
        assert_eq!(period.end().to_rfc3339(), "2026-03-31T17:00:00+00:00");
        assert!(Period::new(date(2026, 2, 1), date(2026, 1, 1)).is_err());
    }

    #[test]
    fn months_are_cut_to_the_period() {
        let period = Period::new(date(2026, 1, 15), date(2026, 3, 10)).unwrap();
        assert_eq!(
            months(period),
            [
                (date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 31)),
                (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 28)),
                (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 10)),
            ]
        );
    }

    #[test]
    fn a_row_groups_under_the_direct_child() {
        assert_eq!(child_of("/91/", "/91/899/30733/").as_deref(), Some("/91/899/"));
        assert_eq!(child_of("/91/", "/91/STP/").as_deref(), Some("/91/STP/"));
        assert_eq!(child_of("/91/", "/91/"), None);
    }

    #[test]
    fn counters_give_carried_over_pending_and_overdue() {
        // One dossier entered on the 2nd, due on the 5th, finished late on
        // the 9th; another entered on the 3rd, still pending, due on the 4th.
        let mut buckets = Buckets::default();
        let mut put = |d: u32, counter: Counter| {
            buckets.days.entry(date(2026, 3, d)).or_default().counts[counter as usize] += 1;
        };
        put(2, Counter::EnteredDirect);
        put(9, Counter::ResolvedLate);
        put(5, Counter::OverdueFrom);
        put(9, Counter::OverdueUntil);
        put(3, Counter::EnteredOnline);
        put(4, Counter::OverdueFrom);
        buckets.after = Sums { pending_now: 1, pending_with_due: 1, overdue_now: 1, ..Sums::default() };
        let now = day_start(date(2026, 4, 1));
        let figures = buckets.figures(date(2026, 3, 6), date(2026, 3, 7), now);
        assert_eq!((figures.carried_over, figures.received(), figures.pending, figures.pending_overdue), (2, 0, 2, 2));
        assert!(figures.balances());
        let figures = buckets.figures(date(2026, 3, 1), date(2026, 3, 4), now);
        // Both entered; at the start of the 5th only the second is overdue.
        assert_eq!((figures.carried_over, figures.received(), figures.pending, figures.pending_overdue), (0, 2, 2, 1));
        let figures = buckets.figures(date(2026, 3, 9), date(2026, 3, 31), now);
        assert_eq!(
            (figures.carried_over, figures.resolved_late, figures.pending, figures.pending_overdue),
            (2, 1, 1, 1)
        );
        assert!(figures.balances());
    }
}
