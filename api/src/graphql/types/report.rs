//! `DossierReport`: the periodic report on dossier handling (form II.06a).

use crate::domain::scope::Scope;
use crate::error::ApiError;
use crate::graphql::context::{scope, ContextExt};
use crate::graphql::ids::{global_id, id_of, NodeType};
use crate::graphql::scalars::Date;
use crate::graphql::types::procedure::Field;
use crate::graphql::types::{Agency, Procedure};
use crate::services::reports::{self, AgencyRow, Cell, CellRow, Figures, Period, Report, RowKey, Subject};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};

/// How the rows of a dossier report are cut.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[graphql(remote = "crate::services::reports::Grouping")]
pub enum ReportGrouping {
    /// One row per direct child agency, each summing its whole subtree, and
    /// one for the agency's own dossiers when it holds any (the default).
    #[default]
    Agency,
    /// One row per calendar month of the period (the first and the last cut
    /// to the period).
    Month,
    /// One row per procedure version with dossiers in the report, by code.
    Procedure,
    /// One row per field of administration with dossiers in the report, by code.
    Field,
}

/// The periodic report on dossier handling (*báo cáo tình hình giải quyết
/// hồ sơ*, form II.06a) of an agency's subtree over a period of whole days in
/// Vietnam time. `docs/REPORTS.md` defines every column.
pub(crate) struct DossierReport {
    pub agency: entity::agency::Model,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grouping: ReportGrouping,
    pub report: Report,
}

#[Object]
impl DossierReport {
    /// The agency reported on.
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

    /// How the rows are cut.
    async fn group_by(&self) -> ReportGrouping {
        self.grouping
    }

    /// The moment the figures describe: for a period that has not ended yet,
    /// the pending dossiers are those pending now.
    async fn as_of(&self) -> DateTime<Utc> {
        self.report.as_of
    }

    /// The rows, in the order of the form.
    async fn rows(&self) -> Vec<DossierReportRow> {
        self.report
            .rows
            .iter()
            .map(|(key, figures)| DossierReportRow {
                key: Some(key.clone()),
                figures: *figures,
                cell: self.cell(Some(key)),
            })
            .collect()
    }

    /// The whole period over the whole subtree the caller may see. By agency,
    /// procedure or field it is the sum of the rows; by month, received and ended sum the rows,
    /// carried over is the first month's and pending the last month's.
    async fn total(&self) -> DossierReportRow {
        DossierReportRow { key: None, figures: self.report.total, cell: self.cell(None) }
    }
}

impl DossierReport {
    /// The cell of a row (the total's with `None`), but for its column.
    fn cell(&self, key: Option<&RowKey>) -> ReportCell {
        report_cell(&self.agency, (self.from, self.to), key)
    }
}

impl ReportCellInput {
    /// The cell, checked like the report: `NOT_FOUND` for an agency the
    /// caller may not report on (or a row its report does not have).
    pub(crate) async fn checked(self, ctx: &Context<'_>) -> async_graphql::Result<Cell> {
        let (db, scope, lineage) = (ctx.db(), scope(ctx, "report", "read").await, ctx.state().authz.lineage());
        let period = (self.from.0, self.to.0);
        let subject = match (&self.agency_code, &self.agency_id) {
            (Some(code), None) => Subject::checked(db, &lineage, &scope, code, period).await?,
            (None, Some(id)) => {
                let id = id_of(id, NodeType::Agency, || ApiError::NotFound("no agency with this id".into()))?;
                Subject::checked_by_id(db, &lineage, &scope, id, period).await?
            }
            _ => {
                return Err(ApiError::BadUserInput(
                    "a report cell names its agency by `agencyCode` or `agencyId`".into(),
                ))?
            }
        };
        let row = match (self.procedure_id, self.field_code) {
            (Some(_), Some(_)) => {
                return Err(ApiError::BadUserInput(
                    "a report cell is in a row by procedure or by field, not both".into(),
                ))?
            }
            (Some(id), None) => CellRow::Procedure(id_of(&id, NodeType::Procedure, || {
                ApiError::BadUserInput("`procedureId` is not a procedure's id".into())
            })?),
            (None, Some(code)) => CellRow::Field(code),
            (None, None) => CellRow::Total,
        };
        let agency_row = match (self.own, &self.row_agency_id) {
            (true, Some(_)) => {
                return Err(ApiError::BadUserInput("a report cell is in the own row or in a unit's, not both".into()))?
            }
            (true, None) => Some(AgencyRow::Own),
            (false, Some(id)) => Some(AgencyRow::Unit(id_of(id, NodeType::Agency, || {
                ApiError::NotFound("the report has no row for this agency".into())
            })?)),
            (false, None) => None,
        };
        let (subject, except) = match agency_row {
            Some(agency_row) => reports::row_subject(db, &lineage, subject, agency_row).await?,
            None => (subject, Scope::default()),
        };
        Ok(Cell { subject, except, column: self.column.into(), row })
    }
}

/// The cell of a row of the report on `agency` over `from..=to` (the total's
/// with `None`), but for its column: also what the files give each row.
pub(crate) fn report_cell(
    agency: &entity::agency::Model,
    (from, to): (NaiveDate, NaiveDate),
    key: Option<&RowKey>,
) -> ReportCell {
    let mut cell = ReportCell {
        agency_id: global_id(NodeType::Agency, agency.id),
        from: Date(from),
        to: Date(to),
        row_agency_id: None,
        own: false,
        procedure_id: None,
        field_code: None,
    };
    match key {
        None => {}
        Some(RowKey::Agency(agency)) => cell.row_agency_id = Some(global_id(NodeType::Agency, agency.id)),
        Some(RowKey::Own(_)) => cell.own = true,
        Some(RowKey::Month(first)) => {
            let (first, last) = Period { from, to }.month_within(*first);
            (cell.from, cell.to) = (Date(first), Date(last));
        }
        Some(RowKey::Procedure(procedure)) => cell.procedure_id = Some(global_id(NodeType::Procedure, procedure.id)),
        Some(RowKey::Field(field)) => cell.field_code = Some(field.code.clone()),
    }
    cell
}

impl ReportCell {
    /// As JSON, the fields that are set: a `reportCell` but for its `column`.
    pub(crate) fn to_json(&self) -> String {
        let mut cell = serde_json::json!({ "agencyId": self.agency_id.as_str(), "from": self.from.0, "to": self.to.0 });
        if let Some(row) = &self.row_agency_id {
            cell["rowAgencyId"] = row.as_str().into();
        }
        if self.own {
            cell["own"] = true.into();
        }
        if let Some(procedure) = &self.procedure_id {
            cell["procedureId"] = procedure.as_str().into();
        }
        if let Some(field) = &self.field_code {
            cell["fieldCode"] = field.as_str().into();
        }
        cell.to_string()
    }
}

/// Where a row's figures come from: with a column, the `reportCell` that
/// lists the dossiers behind one of them —
/// `dossiers(filter: { reportCell: { agencyId, from, to, rowAgencyId, own, procedureId, fieldCode, column: RESOLVED_LATE } })`.
#[derive(SimpleObject, Clone)]
pub(crate) struct ReportCell {
    /// The agency reported on.
    pub agency_id: ID,
    /// The row's agency, by agency.
    pub row_agency_id: Option<ID>,
    /// The row's first day.
    pub from: Date,
    /// The row's last day (included).
    pub to: Date,
    /// The row of the agency's own dossiers.
    pub own: bool,
    /// The row's procedure version, by procedure.
    pub procedure_id: Option<ID>,
    /// The row's field, by field.
    pub field_code: Option<String>,
}

/// One row of the dossier report. Every row balances: `totalToResolve` =
/// `resolved` + `pending` + `withdrawn` + `refused` + `stopped`.
pub(crate) struct DossierReportRow {
    key: Option<RowKey>,
    figures: Figures,
    cell: ReportCell,
}

#[Object]
impl DossierReportRow {
    /// Which dossiers the row's figures count: add a `column` and pass it as
    /// `dossiers(filter: { reportCell })` to list those behind one figure.
    async fn cell(&self) -> &ReportCell {
        &self.cell
    }

    /// What the row is about, in words: the agency's name (its own dossiers:
    /// the name followed by "(own dossiers)"), the month (`2026-01`), the
    /// procedure's or the field's name, or `Total`.
    async fn label(&self) -> String {
        match &self.key {
            Some(RowKey::Agency(agency)) => agency.name.clone(),
            Some(RowKey::Own(agency)) => format!("{} (own dossiers)", agency.name),
            Some(RowKey::Month(first)) => first.format("%Y-%m").to_string(),
            Some(RowKey::Procedure(procedure)) => procedure.name.clone(),
            Some(RowKey::Field(field)) => field.name.clone(),
            None => "Total".to_owned(),
        }
    }

    /// The agency of the row (a child of the agency reported on, with its
    /// subtree, or the agency itself for its own dossiers); null by month
    /// and in the total.
    async fn agency(&self) -> Option<Agency> {
        match &self.key {
            Some(RowKey::Agency(agency) | RowKey::Own(agency)) => Some(Agency(agency.clone().into())),
            _ => None,
        }
    }

    /// Whether the row counts only the reported agency's own dossiers, not
    /// its children's.
    async fn own(&self) -> bool {
        matches!(self.key, Some(RowKey::Own(_)))
    }

    /// The procedure version of the row; null unless grouped by procedure.
    async fn procedure(&self) -> Option<Procedure> {
        match &self.key {
            Some(RowKey::Procedure(procedure)) => Some(Procedure(procedure.clone().into())),
            _ => None,
        }
    }

    /// The field of the row; null unless grouped by field.
    async fn field(&self) -> Option<Field> {
        match &self.key {
            Some(RowKey::Field(field)) => Some(field.clone().into()),
            _ => None,
        }
    }

    /// The month of the row (`2026-01`); null unless grouped by month.
    async fn month(&self) -> Option<String> {
        match &self.key {
            Some(RowKey::Month(first)) => Some(first.format("%Y-%m").to_string()),
            _ => None,
        }
    }

    /// Carried over (*kỳ trước chuyển qua*): taken in before the period and
    /// not finished when it began.
    async fn carried_over(&self) -> i64 {
        self.figures.carried_over
    }

    /// Received online in the period (*trực tuyến*).
    async fn received_online(&self) -> i64 {
        self.figures.received_online
    }

    /// Received at the one-stop desk in the period (*trực tiếp*).
    async fn received_direct(&self) -> i64 {
        self.figures.received_direct
    }

    /// Received by public postal service in the period (*bưu chính công ích*).
    async fn received_postal(&self) -> i64 {
        self.figures.received_postal
    }

    /// Received in the period (*tiếp nhận mới trong kỳ*): the three channels.
    async fn received(&self) -> i64 {
        self.figures.received()
    }

    /// To resolve (*tổng số hồ sơ phải giải quyết*): carried over + received
    /// + moved in.
    async fn total_to_resolve(&self) -> i64 {
        self.figures.total_to_resolve()
    }

    /// Resolved in the period before the due date (*trước hạn*).
    async fn resolved_early(&self) -> i64 {
        self.figures.resolved_early
    }

    /// Resolved in the period on the due date (*đúng hạn*).
    async fn resolved_on_time(&self) -> i64 {
        self.figures.resolved_on_time
    }

    /// Resolved in the period after the due date (*quá hạn*).
    async fn resolved_late(&self) -> i64 {
        self.figures.resolved_late
    }

    /// Resolved in the period (*đã giải quyết*): early + on time + late.
    async fn resolved(&self) -> i64 {
        self.figures.resolved()
    }

    /// Pending at the period's end and not yet past the due date (*trong hạn*).
    async fn pending_within_deadline(&self) -> i64 {
        self.figures.pending_within_deadline()
    }

    /// Pending at the period's end and past the due date (*quá hạn*): due
    /// before the period's end (before now, for a period not yet ended).
    async fn pending_overdue(&self) -> i64 {
        self.figures.pending_overdue
    }

    /// Pending at the period's end (*đang giải quyết*): within deadline + overdue.
    async fn pending(&self) -> i64 {
        self.figures.pending
    }

    /// Withdrawn at the applicant's request in the period (*rút hồ sơ*).
    async fn withdrawn(&self) -> i64 {
        self.figures.withdrawn
    }

    /// Refused at intake in the period (*từ chối tiếp nhận*).
    async fn refused(&self) -> i64 {
        self.figures.refused
    }

    /// Stopped in the period (*dừng xử lý*).
    async fn stopped(&self) -> i64 {
        self.figures.stopped
    }

    /// Pending dossiers a reorganisation brought in the period from a
    /// predecessor agency that closed (*tiếp nhận từ đơn vị được sắp xếp*);
    /// zero in a report that counts the predecessor too.
    async fn moved_in(&self) -> i64 {
        self.figures.moved_in
    }

    /// Pending dossiers a reorganisation carried in the period to a
    /// successor agency (*chuyển đơn vị kế thừa*); zero in a report that
    /// counts the successor too.
    async fn moved_out(&self) -> i64 {
        self.figures.moved_out
    }
}

/// A figure of `dossierReport` (its column) or of `serviceIndex` (a count
/// or a base): which dossiers `dossiers(filter: { reportCell })` lists.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::services::reports::CellColumn")]
pub enum ReportColumn {
    /// `carriedOver`: taken in before the period, not finished when it began.
    CarriedOver,
    /// `receivedOnline`.
    ReceivedOnline,
    /// `receivedDirect`.
    ReceivedDirect,
    /// `receivedPostal`.
    ReceivedPostal,
    /// `received` (the service index's base of `receivedOnline`,
    /// `digitizedDocuments`): taken in within the period, any channel.
    Received,
    /// `movedIn`: a reorganisation brought them in within the period.
    MovedIn,
    /// `totalToResolve`: carried over, received or moved in.
    TotalToResolve,
    /// `resolvedEarly`.
    ResolvedEarly,
    /// `resolvedOnTime`.
    ResolvedOnTime,
    /// `resolvedLate`.
    ResolvedLate,
    /// `resolved` (the service index's base of `resolvedOnTime` and `digitizedResults`).
    Resolved,
    /// `withdrawn`.
    Withdrawn,
    /// `refused`.
    Refused,
    /// `stopped`.
    Stopped,
    /// `movedOut`: a reorganisation carried them away within the period.
    MovedOut,
    /// `pending`: not finished at the period's end.
    Pending,
    /// `pendingOverdue`: pending, past their due time at the period's end (or now).
    PendingOverdue,
    /// `pendingWithinDeadline`.
    PendingWithinDeadline,
    /// The service index's `digitizedDocuments` count.
    ReceivedDigitized,
    /// The service index's `paidOnline` base: taken in within the period with a fee.
    ReceivedWithFee,
    /// The service index's `paidOnline` count.
    PaidOnline,
    /// The service index's `resolvedOnTime` count: resolved early or on time.
    ResolvedInTime,
    /// The service index's `digitizedResults` count.
    ResultDigitized,
}

/// One figure of a report: `dossiers(filter: { reportCell })` lists exactly
/// the dossiers it counts, and its `totalCount` is the figure (docs/REPORTS.md,
/// "Drill-down"). The same rights and scope as the report: an agency the
/// caller may not report on is `NOT_FOUND`.
#[derive(InputObject, Clone)]
pub(crate) struct ReportCellInput {
    /// The agency reported on (`dossierReport(agencyCode:)`, `serviceIndex`).
    /// Give it or `agencyId`.
    pub agency_code: Option<String>,
    /// The agency reported on, by id (a closed unit whose code a new unit
    /// has taken since).
    pub agency_id: Option<ID>,
    /// A row by agency: the row's agency (`DossierReportRow.agency.id`).
    /// Its figures are not always the report on that agency: a closed unit
    /// within another row counts there, not under its heir.
    pub row_agency_id: Option<ID>,
    /// The period's first day; for a row by month, the first day of the
    /// month within the period.
    pub from: Date,
    /// The period's last day (included); for a row by month, the month's
    /// last day within the period.
    pub to: Date,
    /// Which figure.
    pub column: ReportColumn,
    /// A row by procedure: its version (`DossierReportRow.procedure.id`).
    pub procedure_id: Option<ID>,
    /// A row by field: its code (`DossierReportRow.field.code`).
    pub field_code: Option<String>,
    /// The row of the agency's own dossiers (not its children's).
    #[graphql(default = false)]
    pub own: bool,
}
