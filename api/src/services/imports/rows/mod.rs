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
fn is_json_lines(file_name: &str, start: &[u8]) -> bool {
    let name = file_name.to_lowercase();
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
        return true;
    }
    if name.ends_with(".csv") {
        return false;
    }
    start.iter().copied().find(|b| !b.is_ascii_whitespace()) == Some(b'{')
}

/// Reads `text` (named `file_name`) into rows of `columns`. A heading or key
/// that names none of them is `BAD_USER_INPUT`, as is a file that is not
/// UTF-8 or not CSV / JSON Lines / XLSX.
pub(crate) fn read(file_name: &str, text: &[u8], columns: &'static [Column]) -> ApiResult<Vec<Row>> {
    if let (Err(e), false) = (std::str::from_utf8(text), xlsx::is_xlsx(file_name, text)) {
        let at = e.valid_up_to();
        return Err(ApiError::BadUserInput(format!("the file is not UTF-8 text (at byte {at})")));
    }
    stream(file_name, text, columns)?.collect()
}

/// The rows of a file as they are read, one at a time, so that a file of
/// any size is read in bounded memory (a workbook, which is a ZIP archive,
/// is read whole, up to [`super::MOST_BYTES`]).
pub(crate) enum Stream<R: std::io::BufRead> {
    Csv { records: csv::StringRecordsIntoIter<R>, named: Vec<&'static str> },
    JsonLines { lines: std::io::Lines<R>, number: usize, columns: &'static [Column] },
    Read(std::vec::IntoIter<Row>),
}

/// The rows of `reader` (named `file_name`) for `columns`, as [`read`] reads them.
pub(crate) fn stream<R: std::io::BufRead>(
    file_name: &str,
    mut reader: R,
    columns: &'static [Column],
) -> ApiResult<Stream<R>> {
    let unreadable = |e: std::io::Error| ApiError::BadUserInput(format!("the file cannot be read: {e}"));
    let start = reader.fill_buf().map_err(unreadable)?.to_vec();
    if xlsx::is_xlsx(file_name, &start) {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(reader, super::MOST_BYTES as u64 + 1), &mut text)
            .map_err(unreadable)?;
        super::check_size(&text)?;
        return Ok(Stream::Read(xlsx::rows(&text, columns)?.into_iter()));
    }
    if is_json_lines(file_name, &start) {
        return Ok(Stream::JsonLines { lines: reader.lines(), number: 0, columns });
    }
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headings =
        csv.headers().map_err(|e| ApiError::BadUserInput(format!("the CSV headings cannot be read: {e}")))?;
    let named = named_headings(headings.iter(), columns)?;
    Ok(Stream::Csv { records: csv.into_records(), named })
}

impl<R: std::io::BufRead> Iterator for Stream<R> {
    type Item = ApiResult<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Read(rows) => rows.next().map(Ok),
            Self::Csv { records, named } => loop {
                let record = match records.next()? {
                    Ok(record) => record,
                    Err(e) => return Some(Err(ApiError::BadUserInput(format!("the CSV cannot be read: {e}")))),
                };
                if let Some(row) = csv_row(&record, named) {
                    return Some(Ok(row));
                }
            },
            Self::JsonLines { lines, number, columns } => loop {
                *number += 1;
                let line = match lines.next()? {
                    Ok(line) => line,
                    Err(e) => return Some(Err(ApiError::BadUserInput(format!("line {number}: {e}")))),
                };
                if let Some(row) = json_row(&line, *number, columns).transpose() {
                    return Some(row);
                }
            },
        }
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

/// A CSV record's row, `None` when it is blank.
fn csv_row(record: &csv::StringRecord, named: &[&'static str]) -> Option<Row> {
    if record.iter().all(|field| field.trim().is_empty()) {
        return None;
    }
    // The line the row begins on: the heading is line 1, blank lines count.
    let number = record.position().map_or(0, |p| p.line() as usize);
    let values =
        named.iter().zip(record.iter()).filter(|(c, _)| !c.is_empty()).map(|(c, v)| (*c, v.to_owned())).collect();
    Some(Row { number, values })
}

/// A JSON line's row, `None` when it is blank.
fn json_row(line: &str, number: usize, columns: &[Column]) -> ApiResult<Option<Row>> {
    let line = line.trim().trim_start_matches('\u{feff}');
    if line.is_empty() {
        return Ok(None);
    }
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
        .map_err(|e| ApiError::BadUserInput(format!("line {number}: not a JSON object ({e})")))?;
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
    Ok(Some(Row { number, values }))
}

/// A day written `YYYY-MM-DD` or `DD/MM/YYYY`.
pub(crate) fn day(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
}

/// A refusal: the column at fault and why.
pub(crate) type Refusal = (&'static str, String);

/// A yes or no: blank is no.
pub(crate) fn flag(text: Option<&str>) -> Option<bool> {
    match text.map(|t| t.trim().to_lowercase()).as_deref() {
        None | Some("false" | "0" | "no" | "không") => Some(false),
        Some("true" | "1" | "x" | "yes" | "có") => Some(true),
        Some(_) => None,
    }
}

/// An amount of đồng, its thousands written with `.`, `,` or spaces; blank is 0.
pub(crate) fn amount(text: Option<&str>) -> Option<i64> {
    let Some(text) = text else { return Some(0) };
    let digits: String = text.chars().filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}')).collect();
    digits.trim_end_matches("đ").trim_end_matches("đồng").trim().parse().ok().filter(|n: &i64| *n >= 0)
}

/// The text of `column`, at most `most` characters; `None` when blank.
pub(crate) fn text(row: &Row, column: &'static str, most: usize) -> Result<Option<String>, Refusal> {
    let checked = |t| crate::services::administration::required_text(column, t, most);
    row.get(column).map(|t| checked(t).map_err(|e| (column, e.client_message("-")))).transpose()
}

/// The text of `column`, which must not be blank.
pub(crate) fn required<'a>(row: &'a Row, column: &'static str) -> Result<&'a str, Refusal> {
    row.get(column).ok_or((column, format!("`{column}` is required")))
}
