//! A table as an XLSX workbook.

use super::table::{Cell, Table};
use crate::error::ApiError;
use rust_xlsxwriter::{Format as Style, FormatAlign, FormatBorder, Workbook, XlsxError};

/// The table as an XLSX workbook of one sheet laid out like the form.
pub(crate) fn to_xlsx(table: &Table) -> Result<Vec<u8>, ApiError> {
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
