//! The periodic report on dossier handling (form II.06a), from the counters
//! of `services::tally` and the pending dossiers counted live, in one
//! statement (one snapshot). `docs/REPORTS.md` defines every column.
//!
//! For a period of calendar days `f..=t` (Vietnam time; `B` = the start
//! of the day after `t`), with `S(d)` the sums of the day counters from day
//! `d` on (future due days included) and `T` an agency's totals over all
//! days (pending now `P = T.entered − T.ended`, of them with a due date
//! `P_due = T.overdue_from − T.overdue_until`):
//! - received (by channel), resolved (by outcome), withdrawn, refused,
//!   stopped: `S(f) − S(t + 1)`;
//! - carried over (pending at the start of `f`) = `P + S(f).ended − S(f).entered`;
//! - pending at `B` = carried over + received − ended in the period;
//! - pending and overdue at `B`, `B` past: `P_due − S(t + 1).(overdue_from −
//!   overdue_until)`; `B` still to come (overdue now): `P_due −
//!   S(today).(overdue_from − overdue_until) − today's ended_overdue` (those
//!   overdue since before today and not finished since) plus the pending
//!   dossiers that fell due earlier today, counted live (a partial index on
//!   the due time of the pending finds them).
//!
//! So a report reads the day counters from `min(f, today)` on, one total per
//! agency and a few live rows: its cost grows with agencies × days, not with
//! dossiers.

use super::tally::{Counter, COLUMNS, COUNTERS};
use crate::domain::calendar::vietnam;
use crate::domain::paths::{subtree_upper_bound, PathPattern};
use crate::domain::scope::Scope;
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
    /// One row per procedure version with dossiers in the report.
    Procedure,
    /// One row per field of administration with dossiers in the report.
    Field,
}

impl std::str::FromStr for Grouping {
    type Err = crate::error::ApiError;

    /// `AGENCY`, `MONTH`, `PROCEDURE` or `FIELD` (any case), as GraphQL names them.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_uppercase().as_str() {
            "AGENCY" => Ok(Self::Agency),
            "MONTH" => Ok(Self::Month),
            "PROCEDURE" => Ok(Self::Procedure),
            "FIELD" => Ok(Self::Field),
            _ => Err(crate::error::ApiError::BadUserInput(format!(
                "`groupBy`: `{value}` is not one of AGENCY, MONTH, PROCEDURE, FIELD"
            ))),
        }
    }
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

    fn add(&mut self, other: &Self) {
        self.carried_over += other.carried_over;
        self.received_online += other.received_online;
        self.received_direct += other.received_direct;
        self.received_postal += other.received_postal;
        self.resolved_early += other.resolved_early;
        self.resolved_on_time += other.resolved_on_time;
        self.resolved_late += other.resolved_late;
        self.withdrawn += other.withdrawn;
        self.refused += other.refused;
        self.stopped += other.stopped;
        self.pending_overdue += other.pending_overdue;
        self.pending += other.pending;
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
    /// A procedure version.
    Procedure(entity::procedure::Model),
    /// A field of administration.
    Field(entity::field::Model),
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

/// Sums of the counters.
#[derive(Debug, Clone, Copy, Default)]
struct Sums([i64; COUNTERS]);

impl Sums {
    fn add(&mut self, other: &Self) {
        for (sum, n) in self.0.iter_mut().zip(other.0) {
            *sum += n;
        }
    }

    fn minus(mut self, other: &Self) -> Self {
        for (sum, n) in self.0.iter_mut().zip(other.0) {
            *sum -= n;
        }
        self
    }

    fn get(&self, counter: Counter) -> i64 {
        self.0[counter as usize]
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

/// One group's sums: of the days from the earliest day the report needs on,
/// each under its key (a day of its own, or for a report by agency the
/// boundary that begins its stretch); the sums over all days; and the
/// dossiers pending now that fell due earlier today.
#[derive(Debug, Clone, Default)]
struct Buckets {
    days: BTreeMap<NaiveDate, Sums>,
    totals: Sums,
    due_earlier_today: i64,
    /// Whether `days` holds the days before the period's end (from the
    /// first on) rather than the days from its start on.
    before: bool,
}

impl Buckets {
    fn add(&mut self, other: &Self) {
        for (day, sums) in &other.days {
            self.days.entry(*day).or_default().add(sums);
        }
        self.totals.add(&other.totals);
        self.due_earlier_today += other.due_earlier_today;
        self.before = other.before;
    }

    /// The sums of the days from `day` on: added up, or the totals less the
    /// days before it.
    fn days_from(&self, day: NaiveDate) -> Sums {
        let mut sums = Sums::default();
        if self.before {
            for (_, day_sums) in self.days.range(..day) {
                sums.add(day_sums);
            }
            return self.totals.minus(&sums);
        }
        for (_, day_sums) in self.days.range(day..) {
            sums.add(day_sums);
        }
        sums
    }

    /// The figures of the days `from..=to`: each of `from`, `to + 1`, today
    /// and tomorrow must begin a stretch of the keys.
    fn figures(&self, from: NaiveDate, to: NaiveDate, now: DateTime<Utc>) -> Figures {
        let after = to + Days::new(1);
        let (from_on, after_on) = (self.days_from(from), self.days_from(after));
        let period = from_on.minus(&after_on);
        let pending_now = self.totals.entered() - self.totals.ended();
        let pending_with_due = self.totals.overdue_balance();
        let carried_over = pending_now + from_on.ended() - from_on.entered();
        let pending_overdue = if day_start(after) <= now {
            pending_with_due - after_on.overdue_balance()
        } else {
            // Overdue since before today and not finished since, and those
            // that fell due earlier today.
            let today = super::tally::vietnam_day(now);
            let today_on = self.days_from(today);
            let ended_overdue_today = today_on.minus(&self.days_from(today + Days::new(1))).get(Counter::EndedOverdue);
            pending_with_due - today_on.overdue_balance() - ended_overdue_today + self.due_earlier_today
        };
        Figures {
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
            pending_overdue,
            pending: carried_over + period.entered() - period.ended(),
        }
    }
}

/// What a report was asked of: the agency and the period.
#[derive(Debug, Clone)]
pub struct Subject {
    pub agency: agency::Model,
    pub period: Period,
}

impl Subject {
    /// The agency with `code` over `from..=to`, for a caller whose `report,
    /// read` is `scope`: `BAD_USER_INPUT` for a period that runs backwards or
    /// is too long, `NOT_FOUND` — word for word the answer for a code that
    /// does not exist — for an agency the caller may not report on.
    pub async fn checked(
        db: &DatabaseConnection,
        scope: &Scope,
        code: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ApiResult<Self> {
        let period = Period::new(from, to)?;
        let agency = super::agencies::require_by_code(db, code, |agency| scope.contains(&agency.path)).await?;
        Ok(Self { agency, period })
    }
}

/// The report on dossier handling (form II.06a) of the agency `code` over
/// `from..=to` as a caller with `scope` may have it: the one entry point of
/// `dossierReport` and `GET /reports/dossier-report.*`.
pub async fn dossier_report_of(
    db: &DatabaseConnection,
    scope: &Scope,
    code: &str,
    (from, to): (NaiveDate, NaiveDate),
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<(Subject, Report)> {
    let subject = Subject::checked(db, scope, code, from, to).await?;
    let report = dossier_report(db, scope, &subject.agency, subject.period, grouping, now).await?;
    Ok((subject, report))
}

/// The service index of the agency `code` over `from..=to` as a caller with
/// `scope` may have it: the one entry point of `serviceIndex` and `GET
/// /reports/service-index.*`.
pub async fn service_index_of(
    db: &DatabaseConnection,
    scope: &Scope,
    code: &str,
    (from, to): (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> ApiResult<(Subject, ServiceIndex)> {
    let subject = Subject::checked(db, scope, code, from, to).await?;
    let index = service_index(db, scope, &subject.agency, subject.period, now).await?;
    Ok((subject, index))
}

/// The report on `agency` for `period`, over the agencies of `scope` in its
/// subtree; `scope` contains the agency (`Subject::checked`).
async fn dossier_report(
    db: &DatabaseConnection,
    scope: &Scope,
    agency: &agency::Model,
    period: Period,
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<Report> {
    let within = scope.intersect(&PathPattern::Subtree(agency.path.clone()));
    if matches!(grouping, Grouping::Procedure | Grouping::Field) {
        return by_procedure(db, &within, period, grouping, now).await;
    }
    let children = match grouping {
        Grouping::Agency => super::agencies::children_of(db, &[agency.id]).await?,
        _ => Vec::new(),
    };
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
        Grouping::Procedure | Grouping::Field => unreachable!("counted from the dossiers above"),
    };
    Ok(Report { rows, total: total.figures(period.from, period.to, now), as_of: now })
}

/// A share: `count` of `base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub count: i64,
    pub base: i64,
}

impl Share {
    pub fn of(count: i64, base: i64) -> Self {
        Self { count, base }
    }

    /// `count / base`; none when the base is 0.
    pub fn ratio(&self) -> Option<f64> {
        (self.base > 0).then(|| self.count as f64 / self.base as f64)
    }
}

/// The service-index shares (Decision 766/QĐ-TTg) of an agency's subtree
/// over a period; docs/REPORTS.md says what each counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceIndex {
    pub procedures_fully_online: Share,
    pub procedures_partly_online: Share,
    pub received_online: Share,
    pub resolved_on_time: Share,
    pub digitized_documents: Share,
    pub digitized_results: Share,
    pub paid_online: Share,
}

/// The service index of `agency`'s subtree (the agencies of `scope` in it;
/// the caller checks that `scope` contains the agency) over `period`: the
/// dossier shares from the report's counters, the procedure shares from the
/// catalogue that applies there.
async fn service_index(
    db: &DatabaseConnection,
    scope: &Scope,
    agency: &agency::Model,
    period: Period,
    now: DateTime<Utc>,
) -> ApiResult<ServiceIndex> {
    let figures = service_figures(db, scope, agency, period, now).await?;
    let catalogue = super::procedures::catalog_counts(db, agency).await?;
    let procedures = catalogue.total();
    Ok(ServiceIndex {
        procedures_fully_online: Share::of(catalogue.of_mode(entity::OnlineMode::Full), procedures),
        procedures_partly_online: Share::of(catalogue.of_mode(entity::OnlineMode::Partial), procedures),
        received_online: Share::of(figures.received_online, figures.received),
        resolved_on_time: Share::of(figures.resolved_in_time, figures.resolved),
        digitized_documents: Share::of(figures.received_digitized, figures.received),
        digitized_results: Share::of(figures.resolved_result_digitized, figures.resolved),
        paid_online: Share::of(figures.received_paid_online, figures.received_fee_bearing),
    })
}

/// The dossier figures of the service index of `period`, from the same
/// counters as the report (see `services::tally`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ServiceFigures {
    /// Taken in within the period; of them online, with digitised
    /// documents, with a fee, with the fee paid online.
    received: i64,
    received_online: i64,
    received_digitized: i64,
    received_fee_bearing: i64,
    received_paid_online: i64,
    /// Resolved within the period; of them early or on time, with a
    /// digitised result.
    resolved: i64,
    resolved_in_time: i64,
    resolved_result_digitized: i64,
}

/// The service index's dossier figures of `agency`'s subtree (the agencies
/// of `scope` in it) over `period`.
async fn service_figures(
    db: &DatabaseConnection,
    scope: &Scope,
    agency: &agency::Model,
    period: Period,
    now: DateTime<Utc>,
) -> ApiResult<ServiceFigures> {
    let within = scope.intersect(&PathPattern::Subtree(agency.path.clone()));
    let mut total = Buckets::default();
    for buckets in sums(db, &within, period, Grouping::Month, now).await?.values() {
        total.add(buckets);
    }
    let sums = total.days_from(period.from).minus(&total.days_from(period.to + Days::new(1)));
    Ok(ServiceFigures {
        received: sums.entered(),
        received_online: sums.get(Counter::EnteredOnline),
        received_digitized: sums.get(Counter::EnteredDigitized),
        received_fee_bearing: sums.get(Counter::EnteredFeeBearing),
        received_paid_online: sums.get(Counter::EnteredPaidOnline),
        resolved: sums.get(Counter::ResolvedEarly)
            + sums.get(Counter::ResolvedOnTime)
            + sums.get(Counter::ResolvedLate),
        resolved_in_time: sums.get(Counter::ResolvedEarly) + sums.get(Counter::ResolvedOnTime),
        resolved_result_digitized: sums.get(Counter::ResolvedResultDigitized),
    })
}

/// The report by procedure or by field, from the counters per agency and
/// procedure version (the same sums as by agency, one group per version);
/// by field, the versions' figures added up under their field.
async fn by_procedure(
    db: &DatabaseConnection,
    scope: &Scope,
    period: Period,
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<Report> {
    let groups = sums(db, scope, period, grouping, now).await?;
    let mut total = Buckets::default();
    let mut counted: Vec<(uuid::Uuid, Figures)> = Vec::with_capacity(groups.len());
    for (id, buckets) in &groups {
        total.add(buckets);
        let figures = buckets.figures(period.from, period.to, now);
        // A version none of whose dossiers is in the period's report.
        if figures != Figures::default() {
            counted.push((uuid::Uuid::parse_str(id).map_err(ApiError::internal)?, figures));
        }
    }
    let total = total.figures(period.from, period.to, now);
    let ids: Vec<uuid::Uuid> = counted.iter().map(|(id, _)| *id).collect();
    let procedures: BTreeMap<uuid::Uuid, entity::procedure::Model> =
        super::procedures::find_by_ids(db, &ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut rows: Vec<(RowKey, Figures)> = match grouping {
        Grouping::Field => {
            let mut by_field: BTreeMap<uuid::Uuid, Figures> = BTreeMap::new();
            for (id, figures) in &counted {
                let field = procedures.get(id).map(|p| p.field_id).unwrap_or_default();
                by_field.entry(field).or_default().add(figures);
            }
            let field_ids: Vec<uuid::Uuid> = by_field.keys().copied().collect();
            let fields = super::procedures::fields_by_ids(db, &field_ids).await?;
            fields
                .into_iter()
                .map(|field| (by_field[&field.id], field))
                .map(|(f, field)| (RowKey::Field(field), f))
                .collect()
        }
        _ => counted
            .into_iter()
            .filter_map(|(id, figures)| Some((RowKey::Procedure(procedures.get(&id)?.clone()), figures)))
            .collect(),
    };
    rows.sort_by_key(|row| label_of(&row.0));
    Ok(Report { rows, total, as_of: now })
}

/// The sort key of a row by procedure or field: its code.
fn label_of(key: &RowKey) -> String {
    match key {
        RowKey::Procedure(procedure) => format!("{}#{:05}", procedure.code, procedure.version),
        RowKey::Field(field) => field.code.clone(),
        _ => String::new(),
    }
}

/// The path of the direct child of `parent` whose subtree holds `path`;
/// `None` for `parent` itself.
fn child_of(parent: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(parent)?;
    let segment = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(format!("{parent}{segment}/"))
}

/// The first day of the month after `month`'s.
fn next_month(month: NaiveDate) -> NaiveDate {
    month.with_day(1).expect("day 1 exists").checked_add_months(chrono::Months::new(1)).expect("a month after")
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

/// The sums per group (an agency's path, or one group for a report by
/// month), in one statement: the day counters from the earliest day needed
/// on, the totals, the changes not yet folded (PostgreSQL) in both, and the
/// pending dossiers that fell due earlier today.
async fn sums(
    db: &DatabaseConnection,
    scope: &Scope,
    period: Period,
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<BTreeMap<String, Buckets>> {
    use super::tally::{month_of, CHANGES, DAYS, MONTHS, PROCEDURE_DAYS, PROCEDURE_MONTHS, PROCEDURE_TOTALS, TOTALS};
    let by_procedure = matches!(grouping, Grouping::Procedure | Grouping::Field);
    let (days, months, totals) =
        if by_procedure { (PROCEDURE_DAYS, PROCEDURE_MONTHS, PROCEDURE_TOTALS) } else { (DAYS, MONTHS, TOTALS) };
    let backend = db.get_database_backend();
    let today = super::tally::vietnam_day(now);
    let after = period.to + Days::new(1);
    // A period that has ended needs the sums from its start on, or — the
    // same from the totals — those before it: whichever covers fewer days.
    let before = day_start(after) <= now && {
        let span = db
            .query_one(Statement::from_string(backend, "SELECT MIN(day) AS first, MAX(day) AS last FROM dossier_tally"))
            .await?;
        let day =
            |column: &str| span.as_ref().and_then(|row| row.try_get::<Option<NaiveDate>>("", column).ok().flatten());
        match (day("first"), day("last")) {
            (Some(first), Some(last)) => period.from - first < last - period.to,
            _ => false,
        }
    };
    let mut boundaries = if before {
        vec![period.from - Days::new(1), period.from]
    } else {
        vec![period.from, after, today, today + Days::new(1)]
    };
    boundaries.sort_unstable();
    boundaries.dedup();
    let earliest = period.from.min(today);
    // Whole months come from the month counters; the months a boundary
    // cuts (and the changes not yet folded) from the day counters.
    let cuts = if before { vec![period.from, after] } else { vec![period.from, after, today, today + Days::new(1)] };
    let mut cut_months: Vec<NaiveDate> = cuts.iter().filter(|day| day.day() != 1).map(|day| month_of(*day)).collect();
    cut_months.sort_unstable();
    cut_months.dedup();
    let mut sql = Sql { backend, text: String::new(), values: Vec::new(), inline: false };
    let group = match grouping {
        Grouping::Agency => "agency_path",
        Grouping::Procedure | Grouping::Field => "procedure_id",
        Grouping::Month => "''",
    };
    let counters = COLUMNS.join(", ");
    let sums: Vec<String> = COLUMNS.iter().map(|c| format!("SUM({c}) AS {c}")).collect();
    sql.push(&format!(
        "SELECT grp, kind, day_key, {}, SUM(due_earlier_today) AS due_earlier_today FROM (",
        sums.join(", ")
    ));
    // The day counters of the cut months: on SQLite one month at a time (a
    // single range of days, one index seek per agency of the scope); on
    // PostgreSQL in one branch, which it reads as a bitmap of the months'
    // ranges on the (day, agency_path) index.
    let day_branches: Vec<Option<Vec<NaiveDate>>> = match backend {
        DbBackend::Sqlite => cut_months.iter().map(|month| Some(vec![*month])).collect(),
        _ => vec![Some(cut_months.clone())],
    };
    let branches =
        day_branches.into_iter().map(|cut| (days, "day", cut)).chain([(CHANGES, "day", None), (months, "month", None)]);
    for (table, column, cut) in branches {
        sql.push(&format!("SELECT {group} AS grp, 0 AS kind, "));
        match grouping {
            // Each day (month) under the boundary that begins its stretch.
            Grouping::Agency | Grouping::Procedure | Grouping::Field => {
                sql.push("CASE");
                for boundary in boundaries.iter().rev().filter(|b| before || **b >= earliest) {
                    sql.push(&format!(" WHEN {column} >= "));
                    sql.day(*boundary);
                    sql.push(" THEN ");
                    sql.day(*boundary);
                }
                if before {
                    // The days before the period, under the day before it.
                    sql.push(" ELSE ");
                    sql.day(period.from - Days::new(1));
                }
                sql.push(" END");
            }
            Grouping::Month if before => {
                sql.push(&format!("CASE WHEN {column} >= "));
                sql.day(period.from);
                sql.push(&format!(" THEN {column} ELSE "));
                sql.day(period.from - Days::new(1));
                sql.push(" END");
            }
            _ => sql.push(column),
        }
        sql.push(&format!(" AS day_key, {counters}, 0 AS due_earlier_today FROM {table} WHERE "));
        sql.counters_scope(scope);
        match (column, before) {
            ("day", true) => {
                sql.push(" AND day < ");
                sql.day(after);
            }
            ("day", false) => {
                sql.push(" AND day >= ");
                sql.day(earliest);
            }
            (_, true) => {
                sql.push(" AND month < ");
                sql.day(month_of(after));
            }
            (_, false) => {
                sql.push(" AND month >= ");
                sql.day(month_of(earliest));
            }
        }
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
            for month in &cut_months {
                sql.push(" AND month <> ");
                sql.day(*month);
            }
        }
        sql.push(" UNION ALL ");
    }
    for table in [totals, CHANGES] {
        sql.push(&format!("SELECT {group}, 1, CAST(NULL AS DATE), {counters}, 0 FROM {table} WHERE "));
        sql.counters_scope(scope);
        if by_procedure && table == CHANGES {
            // Changes written before the counters per procedure existed.
            sql.push(" AND procedure_id IS NOT NULL");
        }
        sql.push(" UNION ALL ");
    }
    let zeros = ["0"; COUNTERS].join(", ");
    sql.push(&format!(
        "SELECT {group}, 2, CAST(NULL AS DATE), {zeros}, 1 FROM dossier WHERE {} AND due_at >= ",
        migration::PENDING
    ));
    sql.bind(day_start(today));
    sql.push(" AND due_at < ");
    sql.bind(now);
    sql.push(" AND ");
    sql.scope(scope);
    sql.push(") counted GROUP BY grp, kind, day_key");
    let rows = db.query_all(Statement::from_sql_and_values(backend, sql.text, sql.values)).await?;
    let mut groups: BTreeMap<String, Buckets> = BTreeMap::new();
    for row in rows {
        let group: String = match by_procedure {
            true => row.try_get::<uuid::Uuid>("", "grp")?.to_string(),
            false => row.try_get("", "grp")?,
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
            buckets.days.entry(date(2026, 3, d)).or_default().0[counter as usize] += 1;
        };
        put(2, Counter::EnteredDirect);
        put(9, Counter::ResolvedLate);
        put(9, Counter::EndedOverdue);
        put(5, Counter::OverdueFrom);
        put(9, Counter::OverdueUntil);
        put(3, Counter::EnteredOnline);
        put(4, Counter::OverdueFrom);
        buckets.totals = buckets.days_from(date(2026, 1, 1));
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
        // A period not ended yet, seen at noon on the 9th: the first dossier
        // finished that morning, the second is overdue now.
        let noon = day_start(date(2026, 3, 9)) + chrono::Duration::hours(12);
        let figures = buckets.figures(date(2026, 3, 1), date(2026, 3, 31), noon);
        assert_eq!((figures.pending, figures.pending_overdue), (1, 1));
    }
}
