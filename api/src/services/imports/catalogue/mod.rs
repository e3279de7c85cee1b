//! `import catalogue`: procedures as the national catalogue lists them, one
//! row a version of a procedure at its publisher — code, version, name,
//! field, tier, online mode, legal time, fee, decision and days in force,
//! the documents asked for and the steps of the internal process. A version
//! with `effectiveFrom` is published (it needs its decision); without, a
//! draft. A published version is what dossiers were filed under: it is never
//! changed, a change is a new version.

mod parts;
mod row;
mod store;

use super::rows::Column;
use super::Report;
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::services::administration::catalogue::{DocumentSpec, StepSpec, MOST_DOCUMENTS, MOST_STEPS};
use crate::services::announcements::Announcement;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{agency, ProcedureStatus};
use row::{Entry, Refusal};
use sea_orm::EntityTrait;
use std::collections::HashMap;
use store::{Stored, Writes};
use uuid::Uuid;

pub(super) use crate::services::administration::catalogue::{check_code, publishes};

/// The columns, with the Vietnamese headings accepted.
pub(crate) const COLUMNS: &[Column] = &[
    Column { name: "code", aliases: &["mã thủ tục", "mã số", "mã"] },
    Column { name: "version", aliases: &["phiên bản"] },
    Column { name: "name", aliases: &["tên thủ tục", "tên"] },
    Column { name: "field", aliases: &["fieldCode", "mã lĩnh vực", "lĩnh vực"] },
    Column { name: "fieldName", aliases: &["tên lĩnh vực"] },
    Column {
        name: "publisher", aliases: &["agency", "mã cơ quan công bố", "cơ quan công bố", "mã đơn vị"]
    },
    Column { name: "tier", aliases: &["cấp thực hiện", "cấp"] },
    Column { name: "onlineMode", aliases: &["mức độ", "dịch vụ công trực tuyến", "trực tuyến"] },
    Column { name: "resolutionTime", aliases: &["thời hạn giải quyết", "thời hạn"] },
    Column { name: "resolutionUnit", aliases: &["đơn vị thời hạn"] },
    Column { name: "fee", aliases: &["feeAmount", "phí, lệ phí", "lệ phí", "phí"] },
    Column { name: "feeNote", aliases: &["ghi chú phí", "ghi chú lệ phí"] },
    Column { name: "legalBasis", aliases: &["căn cứ pháp lý"] },
    Column { name: "decision", aliases: &["decisionNumber", "quyết định công bố", "số quyết định"] },
    Column { name: "effectiveFrom", aliases: &["hiệu lực từ", "ngày hiệu lực", "ngày áp dụng"] },
    Column { name: "effectiveTo", aliases: &["hiệu lực đến", "ngày hết hiệu lực"] },
    Column {
        name: "publishedNational", aliases: &["công khai trên cổng quốc gia", "cổng dịch vụ công quốc gia"]
    },
    Column { name: "documents", aliases: &["requiredDocuments", "thành phần hồ sơ"] },
    Column { name: "steps", aliases: &["quy trình", "quy trình nội bộ"] },
    Column { name: "sample", aliases: &["isSample", "dữ liệu mẫu"] },
];

/// What the import reads once: the fields, the units by code, and every
/// version with its documents and steps.
pub(super) struct Known {
    pub fields: HashMap<String, Uuid>,
    agencies: HashMap<String, Option<agency::Model>>,
    stored: HashMap<(String, Uuid, i32), Stored>,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

impl Known {
    async fn load(state: &AppState) -> ApiResult<Self> {
        let fields = entity::field::Entity::find().all(&state.db).await?;
        Ok(Self {
            fields: fields.into_iter().map(|f| (f.code, f.id)).collect(),
            agencies: HashMap::new(),
            stored: store::load(&state.db).await?,
            today: crate::services::tally::vietnam_day(state.clock.now()),
            now: state.clock.now(),
        })
    }

    /// The unit that bears `code` today (each code read once).
    pub(super) async fn agency(&mut self, state: &AppState, code: &str) -> ApiResult<Option<agency::Model>> {
        if let Some(agency) = self.agencies.get(code) {
            return Ok(agency.clone());
        }
        let agency = crate::services::agencies::find_on(&state.db, code, self.today).await?;
        self.agencies.insert(code.to_owned(), agency.clone());
        Ok(agency)
    }
}

/// Checks `text` and, unless `dry_run`, writes the versions it creates or
/// changes. `actor` (none from the command line) needs `procedure manage`
/// at each version's publisher.
pub(crate) async fn import(
    state: &AppState,
    actor: Option<&Viewer>,
    file_name: &str,
    text: &[u8],
    dry_run: bool,
) -> ApiResult<Report> {
    let (rows, scope, mut report) =
        super::start(state, actor, (file_name, text, dry_run), COLUMNS, "procedure").await?;
    let mut known = Known::load(state).await?;
    let mut writes = Writes::default();
    let mut seen: HashMap<(String, Uuid, i32), usize> = HashMap::new();
    for row in &rows {
        let entry = match row::check(state, row, &mut known).await? {
            Ok(entry) => entry,
            Err((column, reason)) => {
                report.reject(row.number, Some(column), reason);
                continue;
            }
        };
        if let Err((column, reason)) = allowed(state, scope.as_ref(), &entry).await {
            report.reject(row.number, Some(column), reason);
            continue;
        }
        let key = (entry.version.code.clone(), entry.publisher.id, entry.version.version);
        if let Some(first) = seen.insert(key.clone(), row.number) {
            let reason =
                format!("version {} of {} at {} is on line {first} already", key.2, key.0, entry.publisher.name);
            report.reject(row.number, Some("version"), reason);
            continue;
        }
        let entry = writes.field_of(entry, &mut known);
        match known.stored.get(&key) {
            None => {
                writes.create(entry);
                report.created += 1;
            }
            Some(stored) if stored.same(&entry) => report.unchanged += 1,
            Some(stored) if stored.version.status == ProcedureStatus::Published => {
                let reason = format!(
                    "version {} of {} is published with other contents: a change is a new version",
                    key.2, key.0
                );
                report.reject(row.number, None, reason);
            }
            Some(stored) => {
                writes.replace(stored, entry);
                report.updated += 1;
            }
        }
    }
    if !dry_run && !writes.is_empty() {
        let before = writes.into_writes(&known.stored);
        super::write(state, actor, &report, ("importCatalogue", "Procedure"), before, Some(Announcement::Catalogue))
            .await?;
    }
    Ok(report)
}

/// Whether the caller manages the catalogue at the publisher, and the
/// version's documents and steps are ones a version may have.
async fn allowed(state: &AppState, scope: Option<&crate::domain::scope::Scope>, entry: &Entry) -> Result<(), Refusal> {
    if scope.is_some_and(|scope| !scope.contains(&entry.publisher.path)) {
        return Err(("publisher", "you do not manage the catalogue there".into()));
    }
    check_documents(&entry.documents)?;
    check_steps(&entry.steps)?;
    for step in &entry.steps {
        if !state.authz.is_role(&step.role).await {
            return Err(("steps", format!("a step's role `{}` is not a role", step.role)));
        }
    }
    Ok(())
}

fn check_documents(documents: &[DocumentSpec]) -> Result<(), Refusal> {
    if documents.len() > MOST_DOCUMENTS {
        return Err(("documents", format!("a version asks for at most {MOST_DOCUMENTS} documents")));
    }
    match documents.iter().find(|d| d.name.trim().is_empty() || d.name.chars().count() > 500) {
        Some(_) => Err(("documents", "a document's name is 1 to 500 characters".into())),
        None if documents.iter().any(|d| d.originals < 0 || d.copies < 0) => {
            Err(("documents", "a document's originals and copies are not negative".into()))
        }
        None => Ok(()),
    }
}

fn check_steps(steps: &[StepSpec]) -> Result<(), Refusal> {
    if steps.is_empty() || steps.len() > MOST_STEPS {
        return Err(("steps", format!("a version has 1 to {MOST_STEPS} steps")));
    }
    match steps.iter().find(|s| s.name.trim().is_empty() || s.name.chars().count() > 500) {
        Some(_) => Err(("steps", "a step's name is 1 to 500 characters".into())),
        None if steps.iter().any(|s| !(0..=10_000).contains(&s.budget_hours)) => {
            Err(("steps", "a step's hours are 0 to 10000".into()))
        }
        None => Ok(()),
    }
}
