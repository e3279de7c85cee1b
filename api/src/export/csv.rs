//! A table as CSV.

use super::table::{Cell, Table};
use crate::error::ApiError;

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
pub(crate) fn to_csv(table: &Table) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(table.columns.iter().map(|c| c.heading)).map_err(ApiError::internal)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(csv_field)).map_err(ApiError::internal)?;
    }
    writer.into_inner().map_err(ApiError::internal)
}
