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

mod buckets;
mod by_procedure;
mod cell;
mod figures;
mod index;
mod moves;
mod period;
mod sums;
#[cfg(test)]
mod tests;

pub(crate) use cell::{Cell, Column as CellColumn, Row as CellRow};
pub(crate) use figures::{Figures, Report, RowKey};
pub(crate) use index::{ServiceIndex, Share};
pub(crate) use period::{Grouping, Period};

use crate::domain::paths::PathPattern;
use crate::domain::scope::Scope;
use crate::error::ApiResult;
use crate::services::lineage::Lineage;
use buckets::Buckets;
use by_procedure::by_procedure;
use chrono::{DateTime, NaiveDate, Utc};
use entity::agency;
use index::service_index;
use period::months;
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;
use sums::sums;

/// What a report was asked of: the agency and the period; and what it
/// counts — the agency's subtree and, for an agency that is open, the closed
/// ones it carries on (`services::lineage`), as far as the caller may report.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub agency: agency::Model,
    pub period: Period,
    pub within: Scope,
}

impl Subject {
    /// The agency with `code` over `from..=to`, for a caller whose `report,
    /// read` is `scope`: `BAD_USER_INPUT` for a period that runs backwards or
    /// is too long, `NOT_FOUND` — word for word the answer for a code that
    /// does not exist — for an agency the caller may not report on.
    pub(crate) async fn checked(
        db: &DatabaseConnection,
        lineage: &Lineage,
        scope: &Scope,
        code: &str,
        (from, to): (NaiveDate, NaiveDate),
    ) -> ApiResult<Self> {
        let period = Period::new(from, to)?;
        let agency =
            crate::services::agencies::require_by_code(db, code, |agency| scope.contains(&agency.path)).await?;
        Ok(Self::over(lineage, scope, agency, period))
    }

    /// The same for the agency with `id` (a closed unit whose code a new
    /// one took since).
    pub(crate) async fn checked_by_id(
        db: &DatabaseConnection,
        lineage: &Lineage,
        scope: &Scope,
        id: uuid::Uuid,
        (from, to): (NaiveDate, NaiveDate),
    ) -> ApiResult<Self> {
        let period = Period::new(from, to)?;
        let agency = crate::services::agencies::require_by_id(db, id, |agency| scope.contains(&agency.path)).await?;
        Ok(Self::over(lineage, scope, agency, period))
    }

    /// What a report on `agency`, visible in `scope`, counts.
    fn over(lineage: &Lineage, scope: &Scope, agency: agency::Model, period: Period) -> Self {
        let own = Scope::new([PathPattern::Subtree(agency.path.clone())]);
        let counted = match agency.valid_to {
            None => lineage.extend(own),
            Some(_) => own,
        };
        let within = Scope::new(counted.patterns().iter().flat_map(|p| scope.intersect(p).patterns().to_vec()));
        Self { agency, period, within }
    }
}

/// The report on dossier handling (form II.06a) of the agency `code` over
/// `from..=to` as a caller with `scope` may have it: the one entry point of
/// `dossierReport` and `GET /reports/dossier-report.*`.
pub(crate) async fn dossier_report_of(
    db: &DatabaseConnection,
    (lineage, scope): (&Lineage, &Scope),
    code: &str,
    period: (NaiveDate, NaiveDate),
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<(Subject, Report)> {
    let subject = Subject::checked(db, lineage, scope, code, period).await?;
    let report = dossier_report(db, lineage, &subject, grouping, now).await?;
    Ok((subject, report))
}

/// The service index of the agency `code` over `from..=to` as a caller with
/// `scope` may have it: the one entry point of `serviceIndex` and `GET
/// /reports/service-index.*`.
pub(crate) async fn service_index_of(
    db: &DatabaseConnection,
    (lineage, scope): (&Lineage, &Scope),
    code: &str,
    period: (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> ApiResult<(Subject, ServiceIndex)> {
    let subject = Subject::checked(db, lineage, scope, code, period).await?;
    let index = service_index(db, &subject.within, &subject.agency, subject.period, now).await?;
    Ok((subject, index))
}

/// The report on the subject's agency for its period, over what it counts.
async fn dossier_report(
    db: &DatabaseConnection,
    lineage: &Lineage,
    subject: &Subject,
    grouping: Grouping,
    now: DateTime<Utc>,
) -> ApiResult<Report> {
    let (period, within) = (subject.period, &subject.within);
    if matches!(grouping, Grouping::Procedure | Grouping::Field) {
        let internal = moves::internal(db, within, period).await?;
        return by_procedure(db, within, period, grouping, &internal, now).await;
    }
    let groups = sums(db, within, period, grouping, now).await?;
    let mut total = Buckets::default();
    for buckets in groups.values() {
        total.add(buckets);
    }
    let internal = moves::internal(db, within, period).await?;
    let rows = match grouping {
        Grouping::Agency => by_agency(db, lineage, subject, &groups, &internal, now).await?,
        Grouping::Month => months(period)
            .into_iter()
            .map(|(first, from, to)| {
                let mut figures = total.figures(from, to, now);
                figures.less_moves(internal.iter().filter(|m| (from..=to).contains(&m.day)).count() as i64);
                (RowKey::Month(first), figures)
            })
            .collect(),
        Grouping::Procedure | Grouping::Field => unreachable!("counted from the dossiers above"),
    };
    let mut total = total.figures(period.from, period.to, now);
    total.less_moves(internal.len() as i64);
    Ok(Report { rows, total, as_of: now })
}

/// A row per unit the agency held during the period (its children then, and
/// the closed units it carries on), and one for its own dossiers: each
/// agency's sums go to the row whose subtree holds it, else to the row whose
/// subtree holds its heir — so no dossier counts twice.
async fn by_agency(
    db: &DatabaseConnection,
    lineage: &Lineage,
    subject: &Subject,
    groups: &BTreeMap<String, Buckets>,
    internal: &[moves::Internal],
    now: DateTime<Utc>,
) -> ApiResult<Vec<(RowKey, Figures)>> {
    let (agency, period) = (&subject.agency, subject.period);
    let units = Units::of(db, subject).await?;
    let assigned = |path: &str| units.assigned(lineage, path);
    let mut by_row: BTreeMap<Option<usize>, Buckets> = BTreeMap::new();
    for (path, buckets) in groups {
        by_row.entry(assigned(path)).or_default().add(buckets);
    }
    let figures_of = |row| {
        let mut figures = by_row.get(&row).map(|b| b.figures(period.from, period.to, now)).unwrap_or_default();
        let within_row = internal.iter().filter(|m| assigned(&m.from_path) == row && assigned(&m.to_path) == row);
        figures.less_moves(within_row.count() as i64);
        figures
    };
    let mut rows: Vec<(RowKey, Figures)> = (units.0.iter().enumerate())
        .map(|(index, unit)| (RowKey::Agency(unit.clone()), figures_of(Some(index))))
        .collect();
    let own = figures_of(None);
    if own != Figures::default() {
        rows.insert(0, (RowKey::Own(agency.clone()), own));
    }
    Ok(rows)
}

/// The units a report by agency has a row for: the agency's children that
/// existed during the period, and the closed units it carries on as a whole,
/// each with something the caller may report on.
/// (And the agency's open children without a row: not yet during the period.)
struct Units(Vec<agency::Model>, Vec<agency::Model>);

impl Units {
    async fn of(db: &DatabaseConnection, subject: &Subject) -> ApiResult<Self> {
        let (agency, period, within) = (&subject.agency, subject.period, &subject.within);
        let during = |a: &agency::Model| a.valid_from <= period.to && a.valid_to.is_none_or(|last| last >= period.from);
        let children = crate::services::agencies::children_of(db, &[agency.id]).await?;
        let predecessors = match agency.valid_to {
            None => crate::services::agencies::predecessors_of(db, &[agency.id]).await?,
            Some(_) => Vec::new(),
        };
        let (rows, others) = children
            .into_iter()
            .chain(predecessors.into_iter().map(|(_, predecessor, _)| predecessor))
            .partition(|unit| during(unit) && !within.intersect(&PathPattern::Subtree(unit.path.clone())).is_empty());
        let open_children = |unit: &agency::Model| unit.valid_to.is_none() && unit.parent_id == Some(agency.id);
        Ok(Self(rows, others.into_iter().filter(open_children).collect()))
    }

    fn row_of(&self, path: &str) -> Option<usize> {
        self.0.iter().position(|unit| path.starts_with(unit.path.as_str()))
    }

    /// The row an agency's figures go to: the row whose subtree holds it,
    /// else the row whose subtree holds its heir; `None`: the own row.
    fn assigned(&self, lineage: &Lineage, path: &str) -> Option<usize> {
        self.row_of(path).or_else(|| lineage.heir_of(path).and_then(|heir| self.row_of(heir)))
    }
}

/// A row of a report by agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgencyRow {
    /// The row of this unit.
    Unit(uuid::Uuid),
    /// The agency's own dossiers.
    Own,
}

/// The subject narrowed to one row of its report by agency: what that row
/// counts, and the paths within that it does not (the units before it
/// whose subtree its own holds: their rows count them). `NOT_FOUND` for a
/// unit the report has no row for.
pub(crate) async fn row_subject(
    db: &DatabaseConnection,
    lineage: &Lineage,
    subject: Subject,
    row: AgencyRow,
) -> ApiResult<(Subject, Scope)> {
    let units = Units::of(db, &subject).await?;
    let wanted = match row {
        AgencyRow::Own => None,
        AgencyRow::Unit(id) => Some(
            units
                .0
                .iter()
                .position(|unit| unit.id == id)
                .ok_or_else(|| crate::error::ApiError::NotFound("the report has no row for this agency".into()))?,
        ),
    };
    let mut except = Vec::new();
    let mut patterns: Vec<PathPattern> = match wanted {
        // A unit inside one before it: that row counts its subtree.
        Some(index) if units.row_of(&units.0[index].path) != Some(index) => Vec::new(),
        Some(index) => {
            let unit = &units.0[index].path;
            let before = units.0[..index].iter().filter(|earlier| earlier.path.starts_with(unit.as_str()));
            except.extend(before.map(|earlier| PathPattern::Subtree(earlier.path.clone())));
            vec![PathPattern::Subtree(unit.clone())]
        }
        None => vec![PathPattern::Agency(subject.agency.path.clone())],
    };
    // The closed units whose figures go to the row through their heir.
    patterns.extend(
        lineage
            .closed_paths()
            .filter(|path| subject.within.contains(path) && units.row_of(path).is_none())
            .filter(|path| *path != subject.agency.path && units.assigned(lineage, path) == wanted)
            .map(|path| PathPattern::Agency(path.to_owned())),
    );
    if wanted.is_none() {
        // The open children the report has no row for (not yet during the period).
        patterns.extend(units.1.iter().map(|child| PathPattern::Subtree(child.path.clone())));
    }
    let within = Scope::new(patterns.iter().flat_map(|p| subject.within.intersect(p).patterns().to_vec()));
    Ok((Subject { within, ..subject }, Scope::new(except)))
}
