//! The reports as files: `GET /reports/{report}.{csv|xlsx}` with the
//! arguments of the GraphQL query of the same name — `dossier-report`
//! (`agencyCode`, `from`, `to`, `groupBy`), `service-index` (`agencyCode`,
//! `from`, `to`) and `catalog-stats` (`agencyCode`) — with the Vietnamese
//! column headings of the forms. The same authentication as `/graphql` (a
//! bearer token), the same rights and the same figures: the file is the
//! GraphQL answer laid out as a table; an agency the caller may not report
//! on gets the `NOT_FOUND` of a missing one. Errors are JSON bodies with
//! `errors[].extensions.code`, as on `/graphql`.
//!
//! CSV: UTF-8 with a byte-order mark (so that Excel reads the diacritics),
//! one heading row, the rows, the total. XLSX: the form — title, agency,
//! period, the moment the figures describe, the grouped headings of form
//! II.06a with the column numbers, the rows and the total.

use crate::auth::Identity;
use crate::domain::calendar::vietnam;
use crate::error::ApiError;
use crate::http::{percent_encode, with_headers, Caller, HttpState};
use crate::services::procedures::{self, CatalogCounts};
use crate::services::reports::{self, Figures, Grouping, Period, Report, RowKey, ServiceIndex, Share};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{OnlineMode, Tier};
use rust_xlsxwriter::{Format as Style, FormatAlign, FormatBorder, Workbook, XlsxError};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// The query string: the GraphQL arguments' names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Params {
    agency_code: Option<String>,
    from: Option<String>,
    to: Option<String>,
    group_by: Option<String>,
}

impl Params {
    /// The NUL character cannot be stored or looked up on PostgreSQL: refused alike on both databases.
    fn refuse_unstorable_text(&self) -> Result<(), ApiError> {
        let values = [&self.agency_code, &self.from, &self.to, &self.group_by];
        if values.iter().any(|value| value.as_deref().is_some_and(|v| v.contains('\0'))) {
            return Err(ApiError::BadUserInput("an argument holds the NUL character (U+0000): remove it".into()));
        }
        Ok(())
    }
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// A ratio (0.25), written as a percentage; blank when there is none.
    Percent(Option<f64>),
    Blank,
}

/// A column: its heading in the CSV (whole, unique) and its place under
/// the XLSX's grouped headings (from the top group down to its own).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub heading: &'static str,
    pub groups: &'static [&'static str],
    pub width: f64,
}

const fn column(heading: &'static str, groups: &'static [&'static str]) -> Column {
    Column { heading, groups, width: 11.0 }
}

/// A report laid out as a table: what both formats write.
#[derive(Debug, Clone)]
pub struct Table {
    /// The worksheet's name.
    pub sheet: &'static str,
    pub title: String,
    /// Under the title: the agency, the period, when the figures were taken.
    pub lines: Vec<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// The last row is the total (in bold).
    pub total: bool,
    /// Columns frozen on the left (those that say what a row is).
    pub key_columns: u16,
}

const RECEIVED: &str = "Số hồ sơ nhận giải quyết";
const NEW: &str = "Mới tiếp nhận trong kỳ";
const RESOLVED: &str = "Số hồ sơ đã giải quyết";
const PENDING: &str = "Số hồ sơ đang giải quyết";
const OTHER: &str = "Số hồ sơ kết thúc khác";

/// The columns of form II.06a, in its order, with the figure each holds.
#[allow(clippy::type_complexity)]
const FORM: [(Column, fn(&Figures) -> i64); 16] = [
    (column("Tổng số hồ sơ nhận giải quyết", &[RECEIVED, "Tổng số"]), |f| f.total_to_resolve()),
    (column("Số kỳ trước chuyển qua", &[RECEIVED, "Kỳ trước chuyển qua"]), |f| f.carried_over),
    (column("Số mới tiếp nhận trong kỳ", &[RECEIVED, NEW, "Tổng số"]), |f| f.received()),
    (column("Mới tiếp nhận trực tuyến", &[RECEIVED, NEW, "Trực tuyến"]), |f| f.received_online),
    (column("Mới tiếp nhận trực tiếp", &[RECEIVED, NEW, "Trực tiếp"]), |f| f.received_direct),
    (
        column("Mới tiếp nhận qua dịch vụ bưu chính công ích", &[RECEIVED, NEW, "Bưu chính công ích"]),
        |f| f.received_postal,
    ),
    (column("Tổng số hồ sơ đã giải quyết", &[RESOLVED, "Tổng số"]), |f| f.resolved()),
    (column("Giải quyết trước hạn", &[RESOLVED, "Trước hạn"]), |f| f.resolved_early),
    (column("Giải quyết đúng hạn", &[RESOLVED, "Đúng hạn"]), |f| f.resolved_on_time),
    (column("Giải quyết quá hạn", &[RESOLVED, "Quá hạn"]), |f| f.resolved_late),
    (column("Tổng số hồ sơ đang giải quyết", &[PENDING, "Tổng số"]), |f| f.pending),
    (column("Đang giải quyết trong hạn", &[PENDING, "Trong hạn"]), |f| f.pending_within_deadline()),
    (column("Đang giải quyết quá hạn", &[PENDING, "Quá hạn"]), |f| f.pending_overdue),
    (column("Rút hồ sơ", &[OTHER, "Rút hồ sơ"]), |f| f.withdrawn),
    (column("Từ chối tiếp nhận", &[OTHER, "Từ chối tiếp nhận"]), |f| f.refused),
    (column("Dừng xử lý", &[OTHER, "Dừng xử lý"]), |f| f.stopped),
];

const NUMBER: Column = Column { heading: "STT", groups: &["STT"], width: 5.0 };
const CODE: Column = Column { heading: "Mã", groups: &["Mã"], width: 12.0 };

fn day(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

fn header_lines(agency: &entity::agency::Model, period: Option<Period>, as_of: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec![format!("Đơn vị: {} (mã {})", agency.name, agency.code)];
    if let Some(period) = period {
        lines.push(format!("Kỳ báo cáo: từ ngày {} đến ngày {}", day(period.from), day(period.to)));
    }
    lines.push(format!(
        "Số liệu tính đến: {} (giờ Việt Nam)",
        as_of.with_timezone(&vietnam()).format("%H:%M:%S ngày %d/%m/%Y")
    ));
    lines
}

/// Form II.06a: the report on dossier handling.
pub fn dossier_table(agency: &entity::agency::Model, period: Period, grouping: Grouping, report: &Report) -> Table {
    let (groups, by): (&'static [&'static str], _) = match grouping {
        Grouping::Agency => (&["Đơn vị"], "đơn vị trực thuộc"),
        Grouping::Month => (&["Tháng"], "tháng"),
        Grouping::Procedure => (&["Thủ tục hành chính"], "thủ tục hành chính"),
        Grouping::Field => (&["Lĩnh vực"], "lĩnh vực"),
    };
    let label = Column { heading: groups[0], groups, width: 42.0 };
    let mut columns = vec![NUMBER, label, CODE];
    columns.extend(FORM.iter().map(|(column, _)| *column));
    let figures = |f: &Figures| FORM.iter().map(|(_, value)| Cell::Count(value(f))).collect::<Vec<_>>();
    let mut rows: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .enumerate()
        .map(|(index, (key, f))| {
            let (label, code) = match key {
                RowKey::Agency(agency) => (agency.name.clone(), agency.code.clone()),
                RowKey::Own(agency) => {
                    (format!("{} (hồ sơ do chính đơn vị giải quyết)", agency.name), agency.code.clone())
                }
                RowKey::Month(first) => (format!("Tháng {}", first.format("%m/%Y")), first.format("%Y-%m").to_string()),
                RowKey::Procedure(procedure) if procedure.version > 1 => {
                    (format!("{} (phiên bản {})", procedure.name, procedure.version), procedure.code.clone())
                }
                RowKey::Procedure(procedure) => (procedure.name.clone(), procedure.code.clone()),
                RowKey::Field(field) => (field.name.clone(), field.code.clone()),
            };
            let mut row = vec![Cell::Count(index as i64 + 1), Cell::Text(label), Cell::Text(code)];
            row.extend(figures(f));
            row
        })
        .collect();
    let mut total = vec![Cell::Blank, Cell::Text("Tổng cộng".into()), Cell::Blank];
    total.extend(figures(&report.total));
    rows.push(total);
    let mut lines = header_lines(agency, Some(period), report.as_of);
    lines.push(format!("Mẫu II.06a, theo {by}"));
    Table {
        sheet: "II.06a",
        title: "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH".into(),
        lines,
        columns,
        rows,
        total: true,
        key_columns: 3,
    }
}

const SHARE_COLUMNS: [Column; 6] = [
    NUMBER,
    Column { heading: "Nhóm", groups: &["Nhóm"], width: 26.0 },
    Column { heading: "Chỉ tiêu", groups: &["Chỉ tiêu"], width: 58.0 },
    Column { heading: "Số lượng", groups: &["Số lượng"], width: 12.0 },
    Column { heading: "Trên tổng số", groups: &["Trên tổng số"], width: 12.0 },
    Column { heading: "Tỷ lệ (%)", groups: &["Tỷ lệ (%)"], width: 10.0 },
];

fn share_rows<'a>(shares: impl IntoIterator<Item = (&'a str, String, Share)>) -> Vec<Vec<Cell>> {
    shares
        .into_iter()
        .enumerate()
        .map(|(index, (group, label, share))| {
            vec![
                Cell::Count(index as i64 + 1),
                Cell::Text(group.to_owned()),
                Cell::Text(label),
                Cell::Count(share.count),
                Cell::Count(share.base),
                Cell::Percent(share.ratio()),
            ]
        })
        .collect()
}

/// The service index of Decision 766/QĐ-TTg.
pub fn service_index_table(
    agency: &entity::agency::Model,
    period: Period,
    as_of: DateTime<Utc>,
    index: &ServiceIndex,
) -> Table {
    const PROCEDURES: &str = "Thủ tục hành chính";
    const DOSSIERS: &str = "Hồ sơ";
    let shares = [
        (PROCEDURES, "Cung cấp dịch vụ công trực tuyến toàn trình", index.procedures_fully_online),
        (PROCEDURES, "Cung cấp dịch vụ công trực tuyến một phần", index.procedures_partly_online),
        (DOSSIERS, "Tiếp nhận trực tuyến", index.received_online),
        (DOSSIERS, "Giải quyết trước hạn và đúng hạn", index.resolved_on_time),
        (DOSSIERS, "Tiếp nhận có thành phần hồ sơ được số hóa", index.digitized_documents),
        (DOSSIERS, "Giải quyết có kết quả được số hóa", index.digitized_results),
        (DOSSIERS, "Có phí, lệ phí, được thanh toán trực tuyến", index.paid_online),
    ];
    let mut lines = header_lines(agency, Some(period), as_of);
    lines.push("Bộ chỉ số theo Quyết định 766/QĐ-TTg".into());
    Table {
        sheet: "Chỉ số phục vụ",
        title: "CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP".into(),
        lines,
        columns: SHARE_COLUMNS.to_vec(),
        rows: share_rows(shares.map(|(group, label, share)| (group, label.to_owned(), share))),
        total: false,
        key_columns: 3,
    }
}

/// The catalogue statistics: per tier, online mode, field, and published
/// on the national portal; each with its share.
pub fn catalog_table(
    agency: &entity::agency::Model,
    counts: &CatalogCounts,
    fields: &HashMap<uuid::Uuid, entity::field::Model>,
    as_of: DateTime<Utc>,
) -> Table {
    let all = counts.total();
    let mut shares = vec![("Tổng số", "Thủ tục đang có hiệu lực".to_owned(), Share::of(all, all))];
    for (tier, name) in [(Tier::Province, "Cấp tỉnh"), (Tier::District, "Cấp huyện"), (Tier::Commune, "Cấp xã")]
    {
        shares.push(("Cấp thực hiện", name.to_owned(), Share::of(counts.of_tier(tier), all)));
    }
    for (mode, name) in [
        (OnlineMode::Full, "Trực tuyến toàn trình"),
        (OnlineMode::Partial, "Trực tuyến một phần"),
        (OnlineMode::None, "Không cung cấp trực tuyến"),
    ] {
        shares.push(("Dịch vụ công trực tuyến", name.to_owned(), Share::of(counts.of_mode(mode), all)));
    }
    shares.push((
        "Dịch vụ công trực tuyến",
        "Công bố trên Cổng Dịch vụ công quốc gia (trên số thủ tục trực tuyến)".to_owned(),
        Share::of(counts.published_national(), counts.offered_online()),
    ));
    for (field_id, procedures) in counts.by_field() {
        let name = fields.get(&field_id).map_or_else(|| field_id.to_string(), |f| format!("{} ({})", f.name, f.code));
        shares.push(("Lĩnh vực", name, Share::of(procedures, all)));
    }
    Table {
        sheet: "Thống kê TTHC",
        title: "THỐNG KÊ THỦ TỤC HÀNH CHÍNH".into(),
        lines: header_lines(agency, None, as_of),
        columns: SHARE_COLUMNS.to_vec(),
        rows: share_rows(shares),
        total: false,
        key_columns: 3,
    }
}

/// A cell's text for the CSV. Text that a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@` first) is quoted with an apostrophe.
fn csv_field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{text}"),
        Cell::Text(text) => text.clone(),
        Cell::Count(count) => count.to_string(),
        Cell::Percent(Some(ratio)) => format!("{:.2}", ratio * 100.0),
        Cell::Percent(None) | Cell::Blank => String::new(),
    }
}

/// The table as CSV (RFC 4180, UTF-8 with a byte-order mark).
pub fn to_csv(table: &Table) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(table.columns.iter().map(|c| c.heading)).map_err(ApiError::internal)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(csv_field)).map_err(ApiError::internal)?;
    }
    writer.into_inner().map_err(ApiError::internal)
}

/// The table as an XLSX workbook of one sheet laid out like the form.
pub fn to_xlsx(table: &Table) -> Result<Vec<u8>, ApiError> {
    write_xlsx(table).map_err(ApiError::internal)
}

fn write_xlsx(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let properties = rust_xlsxwriter::DocProperties::new().set_title(&table.title).set_author("motcua");
    workbook.set_properties(&properties);
    let sheet = workbook.add_worksheet();
    sheet.set_name(table.sheet)?.set_landscape();
    let last = table.columns.len().saturating_sub(1) as u16;
    let title = Style::new().set_bold().set_font_size(13).set_align(FormatAlign::Center);
    let line = Style::new().set_italic().set_align(FormatAlign::Center);
    let heading = Style::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color("#E7EEF7");
    let number_row = Style::new().set_italic().set_align(FormatAlign::Center).set_border(FormatBorder::Thin);
    let text = Style::new().set_text_wrap().set_align(FormatAlign::VerticalCenter).set_border(FormatBorder::Thin);
    let count = Style::new().set_num_format("#,##0").set_border(FormatBorder::Thin);
    let percent = Style::new().set_num_format("0.00%").set_border(FormatBorder::Thin);
    let (bold_text, bold_count, bold_percent) =
        (text.clone().set_bold(), count.clone().set_bold(), percent.clone().set_bold());

    let mut row = 0u32;
    merged(sheet, row, 0, row, last, &table.title, &title)?;
    row += 1;
    for words in &table.lines {
        merged(sheet, row, 0, row, last, words, &line)?;
        row += 1;
    }
    row += 1;
    // The grouped headings: a group spans its columns; a heading with
    // nothing under it spans the rows down to the last heading row.
    let depth = table.columns.iter().map(|c| c.groups.len()).max().unwrap_or(1) as u32;
    for level in 0..depth as usize {
        let mut first = 0usize;
        while first < table.columns.len() {
            let groups = table.columns[first].groups;
            if groups.len() <= level {
                first += 1;
                continue;
            }
            let mut end = first;
            while end + 1 < table.columns.len()
                && table.columns[end + 1].groups.len() > level
                && table.columns[end + 1].groups[..=level] == groups[..=level]
            {
                end += 1;
            }
            let bottom = if groups.len() == level + 1 { row + depth - 1 } else { row + level as u32 };
            merged(sheet, row + level as u32, first as u16, bottom, end as u16, groups[level], &heading)?;
            first = end + 1;
        }
    }
    row += depth;
    for (index, column) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(row, index as u16, format!("({})", index + 1), &number_row)?;
        sheet.set_column_width(index as u16, column.width)?;
    }
    row += 1;
    sheet.set_freeze_panes(row, table.key_columns)?;
    for (index, cells) in table.rows.iter().enumerate() {
        let bold = table.total && index + 1 == table.rows.len();
        let (text, count, percent) =
            if bold { (&bold_text, &bold_count, &bold_percent) } else { (&text, &count, &percent) };
        for (column, cell) in cells.iter().enumerate() {
            let column = column as u16;
            match cell {
                Cell::Text(words) => sheet.write_string_with_format(row, column, words, text)?,
                Cell::Count(n) => sheet.write_number_with_format(row, column, *n as f64, count)?,
                Cell::Percent(Some(ratio)) => sheet.write_number_with_format(row, column, *ratio, percent)?,
                Cell::Percent(None) | Cell::Blank => sheet.write_blank(row, column, text)?,
            };
        }
        row += 1;
    }
    workbook.save_to_buffer()
}

/// Writes `words` over a range (one cell: plainly; merging one cell is an error).
fn merged(
    sheet: &mut rust_xlsxwriter::Worksheet,
    first_row: u32,
    first_column: u16,
    last_row: u32,
    last_column: u16,
    words: &str,
    style: &Style,
) -> Result<(), XlsxError> {
    if first_row == last_row && first_column == last_column {
        sheet.write_string_with_format(first_row, first_column, words, style)?;
    } else {
        sheet.merge_range(first_row, first_column, last_row, last_column, words, style)?;
    }
    Ok(())
}

/// A report made into a file.
struct File {
    name: String,
    format: FileFormat,
    content: Vec<u8>,
}

/// `GET /reports/{file}`.
pub async fn handler(
    State(state): State<Arc<HttpState>>,
    Caller(identity): Caller,
    Path(file): Path<String>,
    params: Result<Query<Params>, QueryRejection>,
) -> Response {
    let started = Instant::now();
    let produced = tokio::time::timeout(state.limits.request_timeout, produce(&state, identity, &file, params)).await;
    metrics::histogram!("motcua_export_request_seconds").record(started.elapsed().as_secs_f64());
    match produced {
        Ok(Ok(file)) => file_response(file),
        Ok(Err(error)) => error.into_response(),
        Err(_) => ApiError::timed_out(format!(
            "the export took longer than {}",
            humantime::format_duration(state.limits.request_timeout)
        ))
        .into_response(),
    }
}

fn file_response(file: File) -> Response {
    // `filename` for tools that read only it (curl -J), `filename*` for browsers.
    let name = format!("{}.{}", percent_encode(&file.name), file.format.extension());
    with_headers(
        file.content.into_response(),
        [
            (header::CONTENT_TYPE, file.format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"; filename*=UTF-8''{name}")),
            (header::CACHE_CONTROL, "private, no-store".into()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        ],
    )
}

const REPORTS: &str = "dossier-report, service-index or catalog-stats, as .csv or .xlsx";

async fn produce(
    state: &HttpState,
    identity: Identity,
    file: &str,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<File, ApiError> {
    let (report, format) = match file.rsplit_once('.') {
        Some((report, "csv")) => (report, FileFormat::Csv),
        Some((report, "xlsx")) => (report, FileFormat::Xlsx),
        _ => return Err(ApiError::NotFound(format!("no report `{file}`: the reports are {REPORTS}"))),
    };
    if !matches!(report, "dossier-report" | "service-index" | "catalog-stats") {
        return Err(ApiError::NotFound(format!("no report `{file}`: the reports are {REPORTS}")));
    }
    let Query(params) = params.map_err(|rejection| ApiError::BadUserInput(rejection.body_text()))?;
    params.refuse_unstorable_text()?;
    let code = params.agency_code.as_deref().ok_or_else(|| missing("agencyCode"))?;
    let (db, now) = (&state.app.db, state.app.clock.now());
    let (table, name) = if report == "catalog-stats" {
        refuse(&params.from, "from", report)?;
        refuse(&params.to, "to", report)?;
        refuse(&params.group_by, "groupBy", report)?;
        let agency = crate::services::agencies::require_by_code(db, code, |_| true).await?;
        let counts = procedures::catalog_counts(db, &agency).await?;
        let ids: Vec<uuid::Uuid> = counts.by_field().into_iter().map(|(id, _)| id).collect();
        let fields = procedures::fields_by_ids(db, &ids).await?.into_iter().map(|f| (f.id, f)).collect();
        (catalog_table(&agency, &counts, &fields, now), format!("thong-ke-tthc_{}", agency.code))
    } else {
        let Identity::User(viewer) = identity else {
            return Err(ApiError::Unauthenticated("sign in to export reports".into()));
        };
        let from = date(params.from.as_deref(), "from")?;
        let to = date(params.to.as_deref(), "to")?;
        let period = Period::new(from, to)?;
        if report == "service-index" {
            refuse(&params.group_by, "groupBy", report)?;
        }
        let grouping = params.group_by.as_deref().map(grouping).transpose()?.unwrap_or(Grouping::Agency);
        let scope = state.app.authz.scope(&viewer.username, "report", "read").await;
        let agency = reports::reportable(db, &scope, code).await?;
        let dates = format!("{}_{}_{}", agency.code, from, to);
        if report == "service-index" {
            let index = reports::service_index(db, &scope, &agency, period, now).await?;
            (service_index_table(&agency, period, now, &index), format!("chi-so-phuc-vu_{dates}"))
        } else {
            let report = reports::dossier_report(db, &scope, &agency, period, grouping, now).await?;
            let by = match grouping {
                Grouping::Agency => "theo-don-vi",
                Grouping::Month => "theo-thang",
                Grouping::Procedure => "theo-thu-tuc",
                Grouping::Field => "theo-linh-vuc",
            };
            (dossier_table(&agency, period, grouping, &report), format!("bao-cao-II.06a_{dates}_{by}"))
        }
    };
    let content = match format {
        FileFormat::Csv => to_csv(&table)?,
        FileFormat::Xlsx => {
            tokio::task::spawn_blocking(move || to_xlsx(&table)).await.map_err(ApiError::internal)??
        }
    };
    Ok(File { name, format, content })
}

fn missing(name: &str) -> ApiError {
    ApiError::BadUserInput(format!("the query string needs `{name}`"))
}

fn refuse(value: &Option<String>, name: &str, report: &str) -> Result<(), ApiError> {
    match value {
        Some(_) => Err(ApiError::BadUserInput(format!("`{name}` is not an argument of {report}"))),
        None => Ok(()),
    }
}

fn date(value: Option<&str>, name: &str) -> Result<NaiveDate, ApiError> {
    let value = value.ok_or_else(|| missing(name))?;
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ApiError::BadUserInput(format!("`{name}`: `{value}` is not a day written YYYY-MM-DD")))
}

fn grouping(value: &str) -> Result<Grouping, ApiError> {
    match value.to_ascii_uppercase().as_str() {
        "AGENCY" => Ok(Grouping::Agency),
        "MONTH" => Ok(Grouping::Month),
        "PROCEDURE" => Ok(Grouping::Procedure),
        "FIELD" => Ok(Grouping::Field),
        _ => Err(ApiError::BadUserInput(format!("`groupBy`: `{value}` is not one of AGENCY, MONTH, PROCEDURE, FIELD"))),
    }
}
