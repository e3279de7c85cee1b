//! A file's rows as the importers read them: CSV (UTF-8, a byte-order mark
//! allowed, headings in English or in Vietnamese), JSON Lines (one object
//! a line, its keys the English headings) or an XLSX workbook's first sheet
//! (`xlsx.rs`), each row a map from the kind's canonical column to its text.

mod xlsx;

use crate::error::{ApiError, ApiResult};
use std::collections::BTreeMap;

/// One column of a kind: its canonical (English) heading and the other
/// headings users write for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
}

/// A row: its number in the file (the heading line is row 1 of a CSV; the
/// first line is row 1 of JSON Lines) and its values by canonical column.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub number: usize,
    pub values: BTreeMap<&'static str, String>,
}

impl Row {
    /// The trimmed value of `column`, `None` when absent or blank.
    pub(crate) fn get(&self, column: &str) -> Option<&str> {
        self.values.get(column).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// A heading as compared: lower case, inner spaces collapsed, `_`/`-` as spaces.
fn normalized(heading: &str) -> String {
    let lower = heading.trim().trim_start_matches('\u{feff}').to_lowercase().replace(['_', '-'], " ");
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical column a heading names.
fn column_of(columns: &[Column], heading: &str) -> Option<&'static str> {
    let wanted = normalized(heading);
    columns.iter().find_map(|column| {
        let names = std::iter::once(column.name).chain(column.aliases.iter().copied());
        names
            .map(normalized)
            .any(|name| name == wanted || name.replace(' ', "") == wanted.replace(' ', ""))
            .then_some(column.name)
    })
}

/// Whether the file is JSON Lines: named so, or its first character opens an object.
fn is_json_lines(file_name: &str, text: &[u8]) -> bool {
    let name = file_name.to_lowercase();
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
        return true;
    }
    if name.ends_with(".csv") {
        return false;
    }
    text.iter().copied().find(|b| !b.is_ascii_whitespace()) == Some(b'{')
}

/// Reads `text` (named `file_name`) into rows of `columns`. A heading or key
/// that names none of them is `BAD_USER_INPUT`, as is a file that is not
/// UTF-8 or not CSV / JSON Lines / XLSX.
pub(crate) fn read(file_name: &str, text: &[u8], columns: &[Column]) -> ApiResult<Vec<Row>> {
    if xlsx::is_xlsx(file_name, text) {
        return xlsx::rows(text, columns);
    }
    let text = std::str::from_utf8(text)
        .map_err(|e| ApiError::BadUserInput(format!("the file is not UTF-8 text (at byte {})", e.valid_up_to())))?;
    match is_json_lines(file_name, text.as_bytes()) {
        true => json_lines(text, columns),
        false => csv_rows(text, columns),
    }
}

fn unknown(heading: &str, columns: &[Column]) -> ApiError {
    let known: Vec<&str> = columns.iter().map(|c| c.name).collect();
    ApiError::BadUserInput(format!("`{heading}` is not a column of this import; its columns: {}", known.join(", ")))
}

/// The canonical column of each heading (`""` for a blank one).
fn named_headings<'a>(headings: impl Iterator<Item = &'a str>, columns: &[Column]) -> ApiResult<Vec<&'static str>> {
    let mut named = Vec::new();
    for heading in headings {
        match column_of(columns, heading) {
            Some(column) => named.push(column),
            None if heading.trim().is_empty() => named.push(""),
            None => return Err(unknown(heading, columns)),
        }
    }
    Ok(named)
}

fn csv_rows(text: &str, columns: &[Column]) -> ApiResult<Vec<Row>> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headings =
        reader.headers().map_err(|e| ApiError::BadUserInput(format!("the CSV headings cannot be read: {e}")))?;
    let named = named_headings(headings.iter(), columns)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ApiError::BadUserInput(format!("the CSV cannot be read: {e}")))?;
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        // The line the row begins on: the heading is line 1, blank lines count.
        let number = record.position().map_or(0, |p| p.line() as usize);
        let values =
            named.iter().zip(record.iter()).filter(|(c, _)| !c.is_empty()).map(|(c, v)| (*c, v.to_owned())).collect();
        rows.push(Row { number, values });
    }
    Ok(rows)
}

fn json_lines(text: &str, columns: &[Column]) -> ApiResult<Vec<Row>> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
            .map_err(|e| ApiError::BadUserInput(format!("line {}: not a JSON object ({e})", index + 1)))?;
        let mut values = BTreeMap::new();
        for (key, value) in object {
            let column = column_of(columns, &key).ok_or_else(|| unknown(&key, columns))?;
            let text = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            values.insert(column, text);
        }
        rows.push(Row { number: index + 1, values });
    }
    Ok(rows)
}

/// A day written `YYYY-MM-DD` or `DD/MM/YYYY`.
pub(crate) fn day(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
}
