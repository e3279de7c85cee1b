//! Form II.06a: the report on dossier handling, a row per agency, month,
//! procedure or field, and the total.

use super::table::{column, header_lines, Cell, Column, Table, CODE, NUMBER};
use crate::graphql::types::report::report_cell;
use crate::services::reports::{Figures, Grouping, Period, Report, RowKey};

const RECEIVED: &str = "Số hồ sơ nhận giải quyết";
const NEW: &str = "Mới tiếp nhận trong kỳ";
const RESOLVED: &str = "Số hồ sơ đã giải quyết";
const PENDING: &str = "Số hồ sơ đang giải quyết";
const OTHER: &str = "Số hồ sơ kết thúc khác";
/// Dossiers in flight a reorganisation moved (*sắp xếp đơn vị hành chính*).
const MOVED: &str = "Sắp xếp đơn vị hành chính";

/// The columns of form II.06a, in its order, with the figure each holds.
#[allow(clippy::type_complexity)]
const FORM: [(Column, fn(&Figures) -> i64); 18] = [
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
    (column("Tiếp nhận từ đơn vị được sắp xếp", &[MOVED, "Chuyển đến"]), |f| f.moved_in),
    (column("Chuyển đơn vị kế thừa", &[MOVED, "Chuyển đi"]), |f| f.moved_out),
];

/// The last column: how to list a row's dossiers — `dossiers(filter: {
/// reportCell })` with this and a `column` (docs/REPORTS.md, "Drill-down").
const DOSSIERS: Column = column("Bộ lọc danh sách hồ sơ (reportCell)", &["Bộ lọc danh sách hồ sơ (reportCell)"]);

/// Form II.06a: the report on dossier handling.
pub(crate) fn dossier_table(
    agency: &entity::agency::Model,
    period: Period,
    grouping: Grouping,
    report: &Report,
) -> Table {
    let (groups, by): (&'static [&'static str], _) = match grouping {
        Grouping::Agency => (&["Đơn vị"], "đơn vị trực thuộc"),
        Grouping::Month => (&["Tháng"], "tháng"),
        Grouping::Procedure => (&["Thủ tục hành chính"], "thủ tục hành chính"),
        Grouping::Field => (&["Lĩnh vực"], "lĩnh vực"),
    };
    let label = Column { heading: groups[0], groups, width: 42.0 };
    let mut columns = vec![NUMBER, label, CODE];
    columns.extend(FORM.iter().map(|(column, _)| *column));
    columns.push(DOSSIERS);
    let cell = |key: Option<&RowKey>| Cell::Text(report_cell(agency, (period.from, period.to), key).to_json());
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
            row.push(cell(Some(key)));
            row
        })
        .collect();
    let mut total = vec![Cell::Blank, Cell::Text("Tổng cộng".into()), Cell::Blank];
    total.extend(figures(&report.total));
    total.push(cell(None));
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
