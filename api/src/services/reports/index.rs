//! The service index of Decision 766/QĐ-TTg.

use super::buckets::Buckets;
use super::period::{Grouping, Period};
use super::sums::sums;
use crate::domain::scope::Scope;
use crate::error::ApiResult;
use crate::services::tally::Counter;
use chrono::{DateTime, Days, Utc};
use entity::agency;
use sea_orm::DatabaseConnection;

/// A share: `count` of `base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Share {
    pub count: i64,
    pub base: i64,
}

impl Share {
    pub(crate) fn of(count: i64, base: i64) -> Self {
        Self { count, base }
    }

    /// `count / base`; none when the base is 0.
    pub(crate) fn ratio(&self) -> Option<f64> {
        (self.base > 0).then(|| self.count as f64 / self.base as f64)
    }
}

/// The service-index shares (Decision 766/QĐ-TTg) of an agency's subtree
/// over a period; docs/REPORTS.md says what each counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServiceIndex {
    pub procedures_fully_online: Share,
    pub procedures_partly_online: Share,
    pub received_online: Share,
    pub resolved_on_time: Share,
    pub digitized_documents: Share,
    pub digitized_results: Share,
    pub paid_online: Share,
}

/// The service index of `agency` over `period`, counting the agencies of
/// `within` (its subtree and the closed units it carries on): the
/// dossier shares from the report's counters, the procedure shares from the
/// catalogue that applies there.
pub(super) async fn service_index(
    db: &DatabaseConnection,
    within: &Scope,
    agency: &agency::Model,
    period: Period,
    now: DateTime<Utc>,
) -> ApiResult<ServiceIndex> {
    let figures = service_figures(db, within, period, now).await?;
    let catalogue =
        crate::services::procedures::catalog_counts(db, agency, crate::services::tally::vietnam_day(now)).await?;
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

/// The service index's dossier figures of the agencies of `within` over `period`.
async fn service_figures(
    db: &DatabaseConnection,
    within: &Scope,
    period: Period,
    now: DateTime<Utc>,
) -> ApiResult<ServiceFigures> {
    let mut total = Buckets::default();
    for buckets in sums(db, within, period, Grouping::Month, now).await?.values() {
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
