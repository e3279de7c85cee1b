//! A report laid out as a table: what both formats write.

use crate::domain::calendar::vietnam;
use crate::services::reports::Period;
use chrono::{DateTime, NaiveDate, Utc};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Count(i64),
    /// A ratio (0.25), written as a percentage; blank when there is none.
    Percent(Option<f64>),
    Blank,
}

/// A column: its heading in the CSV (whole, unique) and its place under
/// the XLSX's grouped headings (from the top group down to its own).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub heading: &'static str,
    pub groups: &'static [&'static str],
    pub width: f64,
}

pub(super) const fn column(heading: &'static str, groups: &'static [&'static str]) -> Column {
    Column { heading, groups, width: 11.0 }
}

/// A report laid out as a table: what both formats write.
#[derive(Debug, Clone)]
pub(crate) struct Table {
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

pub(super) const NUMBER: Column = Column { heading: "STT", groups: &["STT"], width: 5.0 };
pub(super) const CODE: Column = Column { heading: "Mã", groups: &["Mã"], width: 12.0 };

fn day(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

pub(super) fn header_lines(
    agency: &entity::agency::Model,
    period: Option<Period>,
    as_of: DateTime<Utc>,
) -> Vec<String> {
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
