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
mod figures;
mod index;
mod period;
mod sums;
#[cfg(test)]
mod tests;

pub(crate) use figures::{Figures, Report, RowKey};
pub(crate) use index::{ServiceIndex, Share};
pub(crate) use period::{Grouping, Period};

use crate::domain::paths::PathPattern;
use crate::domain::scope::Scope;
use crate::error::ApiResult;
use buckets::Buckets;
use by_procedure::by_procedure;
use chrono::{DateTime, NaiveDate, Utc};
use entity::agency;
use index::service_index;
use period::months;
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;
use sums::sums;

/// What a report was asked of: the agency and the period.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub agency: agency::Model,
    pub period: Period,
}

impl Subject {
    /// The agency with `code` over `from..=to`, for a caller whose `report,
    /// read` is `scope`: `BAD_USER_INPUT` for a period that runs backwards or
    /// is too long, `NOT_FOUND` — word for word the answer for a code that
    /// does not exist — for an agency the caller may not report on.
    pub(crate) async fn checked(
        db: &DatabaseConnection,
        scope: &Scope,
        code: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ApiResult<Self> {
        let period = Period::new(from, to)?;
        let agency =
            crate::services::agencies::require_by_code(db, code, |agency| scope.contains(&agency.path)).await?;
        Ok(Self { agency, period })
    }
}

/// The report on dossier handling (form II.06a) of the agency `code` over
/// `from..=to` as a caller with `scope` may have it: the one entry point of
/// `dossierReport` and `GET /reports/dossier-report.*`.
pub(crate) async fn dossier_report_of(
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
pub(crate) async fn service_index_of(
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
        Grouping::Agency => crate::services::agencies::children_of(db, &[agency.id]).await?,
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

/// The path of the direct child of `parent` whose subtree holds `path`;
/// `None` for `parent` itself.
fn child_of(parent: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(parent)?;
    let segment = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(format!("{parent}{segment}/"))
}
