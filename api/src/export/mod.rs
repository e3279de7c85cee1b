//! The reports laid out as files, with the Vietnamese headings of the
//! forms: a [`Table`] model (`table.rs`), the tables of form II.06a
//! (`dossier_report.rs`) and of the service index and the catalogue
//! statistics (`shares.rs`), written as CSV (`csv.rs`: UTF-8 with a
//! byte-order mark, so that Excel reads the diacritics) or XLSX (`xlsx.rs`:
//! the form — title, agency, period, the moment the figures describe, the
//! grouped headings with the column numbers, the rows and the total). Knows
//! nothing of HTTP: `GET /reports/…` is `http::reports`.

mod csv;
mod dossier_report;
mod shares;
mod table;
mod xlsx;

pub(crate) use self::csv::to_csv;
pub(crate) use dossier_report::dossier_table;
pub(crate) use shares::{catalog_table, service_index_table};
pub(crate) use table::Table;
pub(crate) use xlsx::to_xlsx;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// The media type of a file of this format.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file name's extension.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}
