//! Imports: a province's data from the files it has (`docs/IMPORT.md`).
//! Each kind reads its rows (`rows.rs`: CSV or JSON Lines), checks every one
//! — a rejected row is reported with its number, column and reason, and
//! never stops the others —, compares it with what the database holds
//! (created, updated, unchanged: a file imported twice changes nothing the
//! second time), and writes the accepted rows together unless it is a dry
//! run, which reports the same and writes nothing.

pub(crate) mod agencies;
pub(crate) mod catalogue;
pub(crate) mod dossiers;
pub(crate) mod officials;
pub(crate) mod rows;

use crate::auth::Viewer;
use crate::domain::scope::Scope;
use crate::error::{ApiError, ApiResult};
use crate::services::announcements::Announcement;
use crate::services::writes::{self, Unit, Write};
use crate::state::AppState;
use sea_orm::{EntityTrait, QueryTrait};

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
    /// How many rows were refused.
    pub rejected_count: usize,
    /// The first [`MOST_REJECTIONS`] of them.
    pub rejected: Vec<Rejection>,
}

/// The most refused rows a report lists (it counts them all).
pub(crate) const MOST_REJECTIONS: usize = 1_000;

impl Report {
    pub(crate) fn reject(&mut self, row: usize, column: Option<&str>, reason: impl Into<String>) {
        self.rejected_count += 1;
        if self.rejected.len() < MOST_REJECTIONS {
            self.rejected.push(Rejection { row, column: column.map(str::to_owned), reason: reason.into() });
        }
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

/// The rows of a file for `columns`, where `actor` holds `{object} manage`
/// (`None`: the command line, anywhere) and the report to fill.
pub(crate) async fn start(
    state: &AppState,
    actor: Option<&Viewer>,
    (file_name, text, dry_run): (&str, &[u8], bool),
    columns: &'static [rows::Column],
    object: &str,
) -> ApiResult<(Vec<rows::Row>, Option<Scope>, Report)> {
    check_size(text)?;
    let rows = rows::read(file_name, text, columns)?;
    let scope = scope_of(state, actor, (object, "manage")).await;
    let report = Report { dry_run, rows: rows.len(), ..Report::default() };
    Ok((rows, scope, report))
}

/// Where `actor` may do `action` on `object`; `None` (anywhere) from the command line.
pub(crate) async fn scope_of(
    state: &AppState,
    actor: Option<&Viewer>,
    (object, action): (&str, &str),
) -> Option<Scope> {
    match actor {
        Some(actor) => Some(state.authz.scope(&actor.username, object, action).await),
        None => None,
    }
}

/// The accepted rows' writes in one unit, with the import's audit row
/// (`operation`, on objects of `target_type`) and what it announces.
pub(crate) async fn write(
    state: &AppState,
    actor: Option<&Viewer>,
    report: &Report,
    (operation, target_type): (&'static str, &'static str),
    before: Vec<Write>,
    announced: Option<Announcement>,
) -> ApiResult<()> {
    let details = serde_json::json!({ "created": report.created, "updated": report.updated,
        "unchanged": report.unchanged, "rejected": report.rejected_count });
    let entry = crate::services::audit::Entry {
        actor,
        agency_path: None,
        province_code: None,
        operation,
        target_type: Some(target_type),
        target_id: None,
        details: Some(details.to_string()),
    };
    let audit = entity::audit_log::Entity::insert(entry.row(Ok(()), state.clock.now())).into_query();
    let unit = Unit { before, announced, ..Unit::of(Write::Insert(audit)) };
    writes::run(state, unit).await?;
    Ok(())
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
        "catalogue" => catalogue::import(state, None, file_name, text, dry_run).await,
        other => {
            return Err(anyhow::anyhow!("`{other}` is not a kind of import: agencies, officials, catalogue, dossiers"))
        }
    };
    command_line_report(report)
}

/// `motcua import dossiers FILE [--dry-run]`: `reader` (of `size` bytes)
/// streamed, the rows read told to `progress` after each batch; the report
/// as JSON. A file over [`MOST_BYTES`] is loaded in bulk (the big tables'
/// secondary indexes rebuilt after it).
pub async fn dossiers_from_command_line<R: std::io::BufRead + Send>(
    state: &crate::state::AppState,
    (file_name, reader, size): (&str, R, u64),
    dry_run: bool,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> anyhow::Result<serde_json::Value> {
    let bulk = size > MOST_BYTES as u64;
    command_line_report(dossiers::import(state, None, (file_name, reader, dry_run), (bulk, progress)).await)
}

fn command_line_report(report: ApiResult<Report>) -> anyhow::Result<serde_json::Value> {
    match report {
        Ok(report) => Ok(serde_json::to_value(report)?),
        Err(ApiError::Internal(cause)) => Err(cause),
        Err(other) => Err(anyhow::anyhow!("{}: {}", other.code(), other.client_message("-"))),
    }
}
