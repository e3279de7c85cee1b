//! `import dossiers`: the dossiers of the system a province leaves — years of
//! finished ones that its reports must keep counting, and those still in
//! flight, which can be acted on at once. Each keeps its code, channel,
//! procedure version, dates, status, outcome and, when the file gives them,
//! its slip entries; the import adds one entry `IMPORT`. An import never
//! changes a dossier: a code already there is unchanged when it is the same
//! dossier (filed at the same moment by the same applicant), refused when
//! it is another.
//!
//! The file is read as a stream, a batch of [`BATCH`] rows at a time: each
//! batch is checked against the database (one query for its codes) and
//! written in one transaction with its slip entries, its changes to the
//! report's counters and the daily code sequences raised past its codes. So
//! memory stays bounded whatever the file's size, and an import that stops
//! half-way is resumed by importing the file again.

mod batch;
mod known;
mod row;
mod values;

pub(crate) use row::IMPORTED_DETAILS;

use super::rows::{self, Column};
use super::Report;
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use known::Known;
use row::Imported;
use sea_orm::ConnectionTrait;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

/// The columns, with the Vietnamese headings accepted.
pub(crate) const COLUMNS: &[Column] = &[
    Column { name: "code", aliases: &["mã hồ sơ", "số hồ sơ"] },
    Column {
        name: "agency", aliases: &["mã đơn vị", "mã cơ quan", "cơ quan tiếp nhận", "đơn vị tiếp nhận"]
    },
    Column { name: "procedure", aliases: &["procedureCode", "mã thủ tục"] },
    Column { name: "version", aliases: &["phiên bản"] },
    Column { name: "channel", aliases: &["kênh nộp", "hình thức nộp"] },
    Column { name: "status", aliases: &["trạng thái"] },
    Column { name: "applicantKind", aliases: &["loại chủ hồ sơ", "đối tượng"] },
    Column { name: "applicantName", aliases: &["chủ hồ sơ", "tên người nộp", "người nộp"] },
    Column { name: "applicantIdNumber", aliases: &["số giấy tờ", "số định danh", "số cccd"] },
    Column { name: "applicantPhone", aliases: &["số điện thoại", "điện thoại"] },
    Column { name: "applicantEmail", aliases: &["thư điện tử", "email"] },
    Column { name: "applicantAddress", aliases: &["địa chỉ"] },
    Column { name: "filedAt", aliases: &["ngày nộp"] },
    Column { name: "receivedAt", aliases: &["ngày tiếp nhận"] },
    Column { name: "dueAt", aliases: &["ngày hẹn trả", "hạn xử lý"] },
    Column { name: "pausedAt", aliases: &["ngày tạm dừng"] },
    Column { name: "finishedAt", aliases: &["ngày có kết quả", "ngày kết thúc"] },
    Column { name: "returnedAt", aliases: &["ngày trả kết quả"] },
    Column { name: "outcome", aliases: &["kết quả xử lý", "đánh giá"] },
    Column { name: "fee", aliases: &["feeAmount", "phí, lệ phí", "lệ phí", "phí"] },
    Column { name: "feePaidAt", aliases: &["ngày nộp phí"] },
    Column { name: "paymentMethod", aliases: &["hình thức thanh toán"] },
    Column { name: "documentsDigitized", aliases: &["số hóa hồ sơ", "đã số hóa hồ sơ"] },
    Column { name: "resultDigitized", aliases: &["số hóa kết quả", "đã số hóa kết quả"] },
    Column { name: "resultNumber", aliases: &["số kết quả", "số văn bản kết quả"] },
    Column { name: "assignee", aliases: &["cán bộ thụ lý", "người xử lý"] },
    Column { name: "slip", aliases: &["quá trình xử lý", "phiếu kiểm soát"] },
];

/// Rows checked and written together.
pub(crate) const BATCH: usize = 5_000;

/// What an import of dossiers keeps between batches.
struct Run<'a> {
    state: &'a AppState,
    known: Known,
    scope: Option<crate::domain::scope::Scope>,
    file_name: &'a str,
    /// The codes read so far, hashed (8 bytes each, whatever the file's size).
    seen: HashSet<u64>,
    pending: Vec<(usize, Imported)>,
    /// The batches being written, oldest first, at most `bulk::writers` of them.
    writing: VecDeque<tokio::task::JoinHandle<ApiResult<()>>>,
    /// A bulk load: the counters are rebuilt at the end, not changed batch by batch.
    bulk: bool,
    report: Report,
}

/// Reads `reader` (named `file_name`) and, unless `dry_run`, writes the
/// dossiers it gives; `progress` is told the rows read after each batch.
/// `actor` (none from the command line) needs `dossier import` at each
/// dossier's unit. `bulk` (a file of many dossiers, from the command line):
/// the secondary indexes and foreign keys of the dossiers and their slips
/// are dropped for the load and rebuilt after it (`db::prepare_bulk_load`).
pub(crate) async fn import<R: std::io::BufRead + Send>(
    state: &AppState,
    actor: Option<&Viewer>,
    (file_name, reader, dry_run): (&str, R, bool),
    (bulk, progress): (bool, &(dyn Fn(usize) + Send + Sync)),
) -> ApiResult<Report> {
    let scope = super::scope_of(state, actor, ("dossier", "import")).await;
    let known = Known::load(state).await?;
    let rows = rows::stream(file_name, reader, COLUMNS)?;
    let bulk = bulk && !dry_run;
    if bulk {
        crate::db::prepare_bulk_load(&state.db).await?;
    }
    let report = Report { dry_run, ..Report::default() };
    let mut run = Run {
        state,
        known,
        scope,
        file_name,
        seen: HashSet::new(),
        pending: Vec::new(),
        writing: VecDeque::new(),
        bulk,
        report,
    };
    let started = std::time::Instant::now();
    let loaded = run.all(rows, progress).await;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), rows = run.report.rows, "dossiers read and written");
    if bulk {
        // Rebuilt even after a failure (every start rebuilds them too); on
        // PostgreSQL the counters while the indexes are built (SQLite has one
        // writer: one after the other, so that neither waits out its timeout).
        let indexes = async {
            crate::db::finish_bulk_load(&state.db).await?;
            tracing::info!(seconds = started.elapsed().as_secs_f64(), "indexes and foreign keys rebuilt");
            crate::db::bulk::analyze(&state.db).await
        };
        let counters = async {
            crate::services::tally::rebuild(&state.db).await?;
            tracing::info!(seconds = started.elapsed().as_secs_f64(), "the report's counters rebuilt");
            anyhow::Ok(())
        };
        match state.sqlite_writer {
            Some(_) => indexes.await.and(counters.await)?,
            None => tokio::try_join!(indexes, counters).map(drop)?,
        }
    }
    loaded?;
    let Run { report, .. } = run;
    if !dry_run && report.created > 0 {
        crate::services::tally::fold(state).await?;
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "the report's counters folded");
        let operation = ("importDossiers", "Dossier");
        super::write(state, actor, &report, operation, Vec::new(), None).await?;
    }
    Ok(report)
}

impl Run<'_> {
    /// Every row of `rows`, batch by batch, until every batch is written.
    async fn all<R: std::io::BufRead>(
        &mut self,
        rows: rows::Stream<R>,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> ApiResult<()> {
        let read = self.read(rows, progress).await;
        // The batches already handed to the writers are written (or fail)
        // before the import answers, whatever stopped the reading.
        let mut written = Ok(());
        while let Some(writing) = self.writing.pop_front() {
            let done = writing.await.map_err(crate::error::ApiError::internal).and_then(|done| done);
            written = written.and(done);
        }
        progress(self.report.rows);
        read.and(written)
    }

    /// Reads and checks every row, handing each full batch to the writers.
    async fn read<R: std::io::BufRead>(
        &mut self,
        rows: rows::Stream<R>,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> ApiResult<()> {
        for row in rows {
            let row = row?;
            self.report.rows += 1;
            self.take(&row);
            if self.pending.len() >= BATCH {
                self.flush().await?;
                progress(self.report.rows);
            }
        }
        self.flush().await
    }

    /// Checks `row`; the dossier it gives waits for its batch.
    fn take(&mut self, row: &rows::Row) {
        let imported = match row::check(row, &self.known, self.file_name) {
            Ok(imported) => imported,
            Err((column, reason)) => return self.report.reject(row.number, Some(column), reason),
        };
        if self.scope.as_ref().is_some_and(|scope| !scope.contains(&imported.dossier.agency_path)) {
            return self.report.reject(row.number, Some("agency"), "you do not import dossiers there");
        }
        let mut hasher = std::hash::DefaultHasher::new();
        imported.dossier.code.hash(&mut hasher);
        if !self.seen.insert(hasher.finish()) {
            return self.report.reject(row.number, Some("code"), "the code is on an earlier row of the file");
        }
        self.pending.push((row.number, imported));
    }

    /// The waiting dossiers: those already there set apart, the others
    /// written (unless a dry run).
    async fn flush(&mut self) -> ApiResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let codes = pending.iter().map(|(_, i)| i.dossier.code.clone()).collect();
        let existing = batch::existing(&self.state.db, codes).await?;
        let mut new = Vec::with_capacity(pending.len());
        for (number, imported) in pending {
            let dossier = &imported.dossier;
            match existing.get(&dossier.code) {
                None => new.push(imported),
                Some((filed, id_number)) if *filed == dossier.filed_at && *id_number == dossier.applicant_id_number => {
                    self.report.unchanged += 1
                }
                Some((filed, _)) => {
                    let reason = format!("the code is another dossier's, filed {}", filed.to_rfc3339());
                    self.report.reject(number, Some("code"), reason);
                }
            }
        }
        self.report.created += new.len();
        if self.report.dry_run || new.is_empty() {
            return Ok(());
        }
        // PostgreSQL takes two `COPY`s at once while the next batch is read.
        if self.writing.len() >= crate::db::bulk::writers(&self.state.db) {
            let oldest = self.writing.pop_front().expect("a batch being written");
            oldest.await.map_err(crate::error::ApiError::internal)??;
        }
        let load = batch::load(new, &self.known, (self.state.db.get_database_backend(), !self.bulk));
        let db = self.state.db.clone();
        self.writing.push_back(tokio::spawn(async move { batch::write(&db, load).await }));
        Ok(())
    }
}
