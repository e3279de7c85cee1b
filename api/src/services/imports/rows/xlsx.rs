//! A workbook's first sheet (XLSX, read with calamine): its first non-blank
//! row the headings, each row after it a row of the file. Numbers are
//! written as their plain value (`15`, not `15.0`), dates as `YYYY-MM-DD`.

use super::{named_headings, Column, Row};
use crate::error::{ApiError, ApiResult};
use calamine::{Data, Reader, Xlsx};

/// Whether `text` is a ZIP archive, as every XLSX file is.
pub(super) fn is_xlsx(file_name: &str, text: &[u8]) -> bool {
    file_name.to_lowercase().ends_with(".xlsx") || text.starts_with(b"PK\x03\x04")
}

pub(super) fn rows(text: &[u8], columns: &[Column]) -> ApiResult<Vec<Row>> {
    let unreadable = |e: calamine::XlsxError| ApiError::BadUserInput(format!("the workbook cannot be read: {e}"));
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(text)).map_err(unreadable)?;
    let sheet = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| ApiError::BadUserInput("the workbook has no sheet".into()))?
        .map_err(unreadable)?;
    // Row numbers as the spreadsheet shows them: the range may start below row 1.
    let first = sheet.start().map_or(0, |(row, _)| row as usize);
    let mut lines = sheet.rows().enumerate().map(|(index, cells)| (first + index + 1, cells));
    let Some((_, headings)) = lines.by_ref().find(|(_, cells)| cells.iter().any(|c| !text_of(c).is_empty())) else {
        return Ok(Vec::new());
    };
    let headings: Vec<String> = headings.iter().map(text_of).collect();
    let named = named_headings(headings.iter().map(String::as_str), columns)?;
    let mut rows = Vec::new();
    for (number, cells) in lines {
        let texts: Vec<String> = cells.iter().map(text_of).collect();
        if texts.iter().all(|t| t.trim().is_empty()) {
            continue;
        }
        let values = named.iter().zip(texts).filter(|(c, _)| !c.is_empty()).map(|(c, v)| (*c, v)).collect();
        rows.push(Row { number, values });
    }
    Ok(rows)
}

/// A cell as the importers read it.
fn text_of(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Data::Float(n) => n.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(serial) => day_of(serial.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A spreadsheet's day number (days since 1899-12-30) as `YYYY-MM-DD`.
fn day_of(serial: f64) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    let day = epoch.checked_add_signed(chrono::Duration::days(serial.floor() as i64)).unwrap_or(epoch);
    day.format("%Y-%m-%d").to_string()
}
