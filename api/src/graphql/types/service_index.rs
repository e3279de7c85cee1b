//! `ServiceIndex`: the service-index shares of Decision 766/QĐ-TTg.

use crate::graphql::scalars::Date;
use crate::graphql::types::report::ReportColumn;
use crate::graphql::types::Agency;
use crate::services::reports;
use async_graphql::{Object, SimpleObject};
use chrono::{DateTime, Utc};

/// A share: how many of how many.
#[derive(SimpleObject, Debug, Clone, Copy, PartialEq)]
pub(crate) struct Share {
    /// How many meet the indicator.
    pub count: i64,
    /// Out of how many.
    pub base: i64,
    /// `count / base`; null when the base is 0.
    pub ratio: Option<f64>,
    /// The dossiers counted: `dossiers(filter: { reportCell: { agencyCode,
    /// from, to, column: countColumn } })` lists them (null for procedures).
    pub count_column: Option<ReportColumn>,
    /// The dossiers of the base, the same way.
    pub base_column: Option<ReportColumn>,
}

impl Share {
    /// A share of procedures.
    fn of_procedures(share: reports::Share) -> Self {
        Self { count: share.count, base: share.base, ratio: share.ratio(), count_column: None, base_column: None }
    }

    /// A share of dossiers, whose count and base list as these columns.
    fn of_dossiers(share: reports::Share, count: ReportColumn, base: ReportColumn) -> Self {
        Self { count_column: Some(count), base_column: Some(base), ..Self::of_procedures(share) }
    }
}

/// The service-index indicators (*Bộ chỉ số phục vụ người dân, doanh
/// nghiệp*, Decision 766/QĐ-TTg) of an agency's subtree over a period of
/// whole days in Vietnam time. Dossiers count as in `dossierReport`
/// (docs/REPORTS.md); the procedures are those in force that apply in the
/// subtree, as in `catalogStats`. Applicant satisfaction is not collected
/// yet, so it is not here.
pub(crate) struct ServiceIndex {
    pub agency: entity::agency::Model,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub as_of: DateTime<Utc>,
    pub index: reports::ServiceIndex,
}

#[Object]
impl ServiceIndex {
    /// The agency, with its subtree.
    async fn agency(&self) -> Agency {
        Agency(self.agency.clone().into())
    }

    /// The first day of the period.
    async fn from(&self) -> Date {
        Date(self.from)
    }

    /// The last day of the period (included).
    async fn to(&self) -> Date {
        Date(self.to)
    }

    /// The moment the figures describe.
    async fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }

    /// Procedures in force offered fully online (*toàn trình*), of all in force.
    async fn procedures_fully_online(&self) -> Share {
        Share::of_procedures(self.index.procedures_fully_online)
    }

    /// Procedures in force offered partly online (*một phần*), of all in force.
    async fn procedures_partly_online(&self) -> Share {
        Share::of_procedures(self.index.procedures_partly_online)
    }

    /// Dossiers received online, of all received in the period.
    async fn received_online(&self) -> Share {
        Share::of_dossiers(self.index.received_online, ReportColumn::ReceivedOnline, ReportColumn::Received)
    }

    /// Dossiers resolved early or on time, of all resolved in the period.
    async fn resolved_on_time(&self) -> Share {
        Share::of_dossiers(self.index.resolved_on_time, ReportColumn::ResolvedInTime, ReportColumn::Resolved)
    }

    /// Dossiers received in the period whose documents are digitised (*số hóa hồ sơ*).
    async fn digitized_documents(&self) -> Share {
        Share::of_dossiers(self.index.digitized_documents, ReportColumn::ReceivedDigitized, ReportColumn::Received)
    }

    /// Dossiers resolved in the period with a digitised result (*số hóa kết quả*).
    async fn digitized_results(&self) -> Share {
        Share::of_dossiers(self.index.digitized_results, ReportColumn::ResultDigitized, ReportColumn::Resolved)
    }

    /// Fee-bearing dossiers received in the period whose fee was paid online
    /// (*thanh toán trực tuyến*), of all fee-bearing ones received.
    async fn paid_online(&self) -> Share {
        Share::of_dossiers(self.index.paid_online, ReportColumn::PaidOnline, ReportColumn::ReceivedWithFee)
    }
}
