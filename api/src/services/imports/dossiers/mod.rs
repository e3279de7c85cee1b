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

use super::rows::{self, Column};
use super::Report;
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use known::Known;
use row::Imported;
use std::collections::HashSet;
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
    report: Report,
}

/// Reads `reader` (named `file_name`) and, unless `dry_run`, writes the
/// dossiers it gives; `progress` is told the rows read after each batch.
/// `actor` (none from the command line) needs `dossier import` at each
/// dossier's unit.
pub(crate) async fn import<R: std::io::BufRead + Send>(
    state: &AppState,
    actor: Option<&Viewer>,
    (file_name, reader, dry_run): (&str, R, bool),
    progress: &(dyn Fn(usize) + Send + Sync),
) -> ApiResult<Report> {
    let scope = match actor {
        Some(actor) => Some(state.authz.scope(&actor.username, "dossier", "import").await),
        None => None,
    };
    let known = Known::load(state).await?;
    let report = Report { dry_run, ..Report::default() };
    let mut run = Run { state, known, scope, file_name, seen: HashSet::new(), pending: Vec::new(), report };
    for row in rows::stream(file_name, reader, COLUMNS)? {
        let row = row?;
        run.report.rows += 1;
        run.take(&row);
        if run.pending.len() >= BATCH {
            run.flush().await?;
            progress(run.report.rows);
        }
    }
    run.flush().await?;
    progress(run.report.rows);
    let Run { report, .. } = run;
    if !dry_run && report.created > 0 {
        crate::services::tally::fold(state).await?;
        let operation = ("importDossiers", "Dossier");
        super::write(state, actor, &report, operation, Vec::new(), None).await?;
    }
    Ok(report)
}

impl Run<'_> {
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
        if !self.report.dry_run && !new.is_empty() {
            batch::write(&self.state.db, new, &self.known).await?;
        }
        Ok(())
    }
}
