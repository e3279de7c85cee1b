//! Imports from files (`docs/IMPORT.md`), as multipart mutations.

use crate::error::ApiError;
use crate::graphql::context::{page_size, ContextExt};
use crate::services::imports::{self, Report};
use async_graphql::{Context, InputObject, Object, SimpleObject, Upload};

/// The import mutations.
#[derive(Default)]
pub(super) struct ImportMutation;

/// A file to import: CSV (UTF-8, English or Vietnamese headings) or JSON
/// Lines, sent as a multipart part.
#[derive(InputObject)]
pub(super) struct ImportInput {
    pub file: Upload,
    /// Check everything and report, writing nothing.
    #[graphql(default)]
    pub dry_run: bool,
}

/// A row an import refused.
#[derive(SimpleObject)]
pub(crate) struct ImportRejection {
    /// Its number in the file (a CSV's heading is row 1, a JSON Lines file's first line is row 1).
    pub row: i32,
    /// The column at fault, when one is.
    pub column: Option<String>,
    pub reason: String,
}

/// What an import did — or, a dry run, would do.
pub(crate) struct ImportReport(Report);

#[Object]
impl ImportReport {
    /// Whether nothing was written.
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }
    /// Rows read (blank ones left out).
    async fn rows(&self) -> usize {
        self.0.rows
    }
    /// Rows that created something.
    async fn created(&self) -> usize {
        self.0.created
    }
    /// Rows that changed what was there.
    async fn updated(&self) -> usize {
        self.0.updated
    }
    /// Rows that said what was there already.
    async fn unchanged(&self) -> usize {
        self.0.unchanged
    }
    /// How many rows were refused.
    async fn rejected_count(&self) -> usize {
        self.0.rejected_count
    }
    /// The refused rows, a page at a time (`first` ≤ 100 from `offset`), each
    /// with its reason: the first 1,000 of them (`rejectedCount` counts all).
    async fn rejected(&self, first: Option<i32>, offset: Option<i32>) -> async_graphql::Result<Vec<ImportRejection>> {
        let first = page_size(first)? as usize;
        let offset = usize::try_from(offset.unwrap_or(0))
            .map_err(|_| ApiError::BadUserInput("`offset` must not be negative".into()))?;
        Ok(self
            .0
            .rejected
            .iter()
            .skip(offset)
            .take(first)
            .map(|r| ImportRejection { row: r.row as i32, column: r.column.clone(), reason: r.reason.clone() })
            .collect())
    }
}

#[Object]
impl ImportMutation {
    /// Imports agencies (`docs/IMPORT.md`: code, name, kind, parent, validFrom,
    /// validTo, phone, email, address): each row creates a unit, changes one,
    /// or says what is there already; a refused row is reported with its
    /// number, column and reason and does not stop the others. A file
    /// imported twice changes nothing the second time. Needs `agency manage`
    /// at each new unit's parent (or at the unit it changes).
    async fn import_agencies(&self, ctx: &Context<'_>, input: ImportInput) -> async_graphql::Result<ImportReport> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let (name, text) = super::upload_bytes(ctx, &input.file, imports::MOST_BYTES)?;
        let report = imports::agencies::import(state, Some(actor), &name, &text, input.dry_run).await?;
        Ok(ImportReport(report))
    }

    /// Imports officials (`docs/IMPORT.md`: username, displayName, agency,
    /// kind, email, roles): each row creates an official, changes one, or says
    /// what is there already, and grants the roles it names that the official
    /// lacks (an import never revokes one). Needs `official manage` where each
    /// works (over the whole subtree of a `role*`).
    async fn import_officials(&self, ctx: &Context<'_>, input: ImportInput) -> async_graphql::Result<ImportReport> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let (name, text) = super::upload_bytes(ctx, &input.file, imports::MOST_BYTES)?;
        let report = imports::officials::import(state, Some(actor), &name, &text, input.dry_run).await?;
        Ok(ImportReport(report))
    }

    /// Imports the procedure catalogue (`docs/IMPORT.md`: one row a version —
    /// code, version, name, field, publisher, tier, onlineMode,
    /// resolutionTime, fee, decision, effectiveFrom, documents, steps…): CSV,
    /// JSON Lines or an XLSX workbook. A version with `effectiveFrom` is
    /// published; a published version is never changed (a change is a new
    /// version). Needs `procedure manage` at each publisher.
    async fn import_catalogue(&self, ctx: &Context<'_>, input: ImportInput) -> async_graphql::Result<ImportReport> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let (name, text) = super::upload_bytes(ctx, &input.file, imports::MOST_BYTES)?;
        let report = imports::catalogue::import(state, Some(actor), &name, &text, input.dry_run).await?;
        Ok(ImportReport(report))
    }

    /// Imports historical and in-flight dossiers (`docs/IMPORT.md`: code,
    /// agency, procedure, version, channel, status, applicant…, filedAt,
    /// receivedAt, dueAt, finishedAt, returnedAt, outcome, slip…) from CSV or
    /// JSON Lines. Each keeps its own code, dates, status and outcome, and
    /// counts in the reports; one in flight can be acted on at once. A code
    /// already there is the same dossier (unchanged) or another (refused): an
    /// import never changes a dossier. Larger files than an upload allows go
    /// through `motcua import dossiers FILE`. Needs `dossier import` at each
    /// dossier's unit.
    async fn import_dossiers(&self, ctx: &Context<'_>, input: ImportInput) -> async_graphql::Result<ImportReport> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let (name, text) = super::upload_bytes(ctx, &input.file, imports::MOST_BYTES)?;
        let file = (name.as_str(), text.as_slice(), input.dry_run);
        let report = imports::dossiers::import(state, Some(actor), file, (false, &|_| ())).await?;
        Ok(ImportReport(report))
    }
}
