//! Imports: a province's data from the files it has (`docs/IMPORT.md`).
//! Each kind reads its rows (`rows.rs`: CSV or JSON Lines), checks every one
//! — a rejected row is reported with its number, column and reason, and
//! never stops the others —, compares it with what the database holds
//! (created, updated, unchanged: a file imported twice changes nothing the
//! second time), and writes the accepted rows together unless it is a dry
//! run, which reports the same and writes nothing.

pub(crate) mod agencies;
pub(crate) mod officials;
pub(crate) mod rows;

use crate::error::ApiError;

/// A row the import refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Rejection {
    /// Its number in the file (a CSV's heading is row 1).
    pub row: usize,
    /// The column at fault, when one is.
    pub column: Option<String>,
    pub reason: String,
}

/// What an import did, or — a dry run — would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    pub dry_run: bool,
    /// Rows read (blank ones left out).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: Vec<Rejection>,
}

impl Report {
    pub(crate) fn reject(&mut self, row: usize, column: Option<&str>, reason: impl Into<String>) {
        self.rejected.push(Rejection { row, column: column.map(str::to_owned), reason: reason.into() });
    }
}

/// The most bytes an import of agencies or officials reads.
pub(crate) const MOST_BYTES: usize = 20 * 1024 * 1024;

/// `BAD_USER_INPUT` for a file over [`MOST_BYTES`].
pub(crate) fn check_size(text: &[u8]) -> Result<(), ApiError> {
    match text.len() > MOST_BYTES {
        true => Err(ApiError::BadUserInput(format!("an import file is at most {MOST_BYTES} bytes"))),
        false => Ok(()),
    }
}

/// `motcua import KIND FILE [--dry-run]`: the report as JSON.
pub async fn from_command_line(
    state: &crate::state::AppState,
    kind: &str,
    file_name: &str,
    text: &[u8],
    dry_run: bool,
) -> anyhow::Result<serde_json::Value> {
    let report = match kind {
        "agencies" => agencies::import(state, None, file_name, text, dry_run).await,
        "officials" => officials::import(state, None, file_name, text, dry_run).await,
        other => return Err(anyhow::anyhow!("`{other}` cannot be imported yet: agencies and officials can")),
    };
    match report {
        Ok(report) => Ok(serde_json::to_value(report)?),
        Err(ApiError::Internal(cause)) => Err(cause),
        Err(other) => Err(anyhow::anyhow!("{}: {}", other.code(), other.client_message("-"))),
    }
}
