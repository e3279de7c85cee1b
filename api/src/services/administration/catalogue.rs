//! The procedure catalogue as its publishers manage it (`procedure manage`
//! at the publishing agency: a department for its own procedures, the
//! province for every tier). A version is a draft until published with its
//! decision and first day; publishing ends the version before it the day
//! before; revising copies the version in force into a new draft; retiring
//! sets its last day. A dossier is filed under the version in force on the
//! day of its receipt and keeps it.

use super::{required_text, Operation, Prepared};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::announcements::Announcement;
use crate::services::writes::{Unit, Write};
use crate::services::{agencies, tally::vietnam_day};
use crate::state::AppState;
use chrono::{Days, NaiveDate};
use entity::{
    agency, field, procedure, procedure_document, procedure_step, AgencyKind, OnlineMode, ProcedureStatus, Tier,
    TimeUnit,
};
use sea_orm::sea_query::{Expr, InsertStatement, Query, SimpleExpr};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// `createProcedure`.
pub(crate) const CREATE: Operation = Operation { name: "createProcedure", target_type: "Procedure" };
/// `updateProcedureDraft`.
pub(crate) const UPDATE: Operation = Operation { name: "updateProcedureDraft", target_type: "Procedure" };
/// `publishProcedure`.
pub(crate) const PUBLISH: Operation = Operation { name: "publishProcedure", target_type: "Procedure" };
/// `reviseProcedure`.
pub(crate) const REVISE: Operation = Operation { name: "reviseProcedure", target_type: "Procedure" };
/// `retireProcedure`.
pub(crate) const RETIRE: Operation = Operation { name: "retireProcedure", target_type: "Procedure" };

/// A document the applicant hands in.
#[derive(Debug, Clone)]
pub(crate) struct DocumentSpec {
    pub name: String,
    pub originals: i16,
    pub copies: i16,
    pub required: bool,
}

/// A step of the internal process: who handles it, and in how many working hours.
#[derive(Debug, Clone)]
pub(crate) struct StepSpec {
    pub name: String,
    pub role: String,
    pub budget_hours: i32,
}

/// A draft's contents; in an update, `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct DraftSpec {
    pub name: Option<String>,
    pub field_code: Option<String>,
    pub tier: Option<Tier>,
    pub online_mode: Option<OnlineMode>,
    pub resolution_time: Option<i32>,
    pub resolution_unit: Option<TimeUnit>,
    pub fee_amount: Option<i64>,
    pub fee_note: Option<Option<String>>,
    pub legal_basis: Option<Option<String>>,
    pub documents: Option<Vec<DocumentSpec>>,
    pub steps: Option<Vec<StepSpec>>,
}

/// Most documents and steps of one version.
const MOST_DOCUMENTS: usize = 30;
const MOST_STEPS: usize = 20;

/// Where the caller manages the catalogue.
async fn managed(state: &AppState, actor: &Viewer) -> crate::domain::scope::Scope {
    state.authz.scope(&actor.username, "procedure", "manage").await
}

/// The version `id` and its publishing agency, if the caller manages the
/// catalogue there; `NOT_FOUND` in the same words otherwise.
async fn managed_version(state: &AppState, actor: &Viewer, id: Uuid) -> ApiResult<(procedure::Model, agency::Model)> {
    let not_found = || ApiError::NotFound("no procedure with this id".into());
    let version = procedure::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(not_found)?;
    if !managed(state, actor).await.contains(&version.agency_path) {
        return Err(not_found());
    }
    let agency = agency::Entity::find_by_id(version.agency_id).one(&state.db).await?.ok_or_else(not_found)?;
    Ok((version, agency))
}

/// Whether the caller may see the draft `version`: it manages the catalogue there.
pub(crate) async fn may_see(state: &AppState, actor: Option<&Viewer>, version: &procedure::Model) -> bool {
    match (version.status, actor) {
        (ProcedureStatus::Published, _) => true,
        (ProcedureStatus::Draft, Some(actor)) => managed(state, actor).await.contains(&version.agency_path),
        (ProcedureStatus::Draft, None) => false,
    }
}

fn today(state: &AppState) -> NaiveDate {
    vietnam_day(state.clock.now())
}

/// The tiers an agency of `kind` publishes procedures of.
fn publishes(kind: AgencyKind, tier: Tier) -> bool {
    match kind {
        AgencyKind::Province => true,
        AgencyKind::Department | AgencyKind::ServiceCenter => tier == Tier::Province,
        AgencyKind::District | AgencyKind::Commune => false,
    }
}

fn check_code(code: &str) -> ApiResult<()> {
    let valid = (3..=20).contains(&code.len())
        && code.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
    match valid {
        true => Ok(()),
        false => Err(ApiError::BadUserInput(format!("`{code}` is not a national procedure code like 1.001193"))),
    }
}

/// `version` with `spec` applied, checked; the field the spec names.
async fn apply(
    state: &AppState,
    mut version: procedure::Model,
    publisher: &agency::Model,
    spec: &DraftSpec,
) -> ApiResult<procedure::Model> {
    if let Some(name) = &spec.name {
        version.name = required_text("name", name, 500)?;
    }
    if let Some(code) = &spec.field_code {
        let field = field::Entity::find().filter(field::Column::Code.eq(code.as_str())).one(&state.db).await?;
        version.field_id = field.ok_or_else(|| ApiError::BadUserInput(format!("there is no field `{code}`")))?.id;
    }
    version.tier = spec.tier.unwrap_or(version.tier);
    if !publishes(publisher.kind, version.tier) {
        return Err(ApiError::BadUserInput(format!(
            "{} does not publish procedures of the {:?} tier",
            publisher.name, version.tier
        )));
    }
    version.online_mode = spec.online_mode.unwrap_or(version.online_mode);
    version.resolution_time = spec.resolution_time.unwrap_or(version.resolution_time);
    version.resolution_unit = spec.resolution_unit.unwrap_or(version.resolution_unit);
    if !(1..=3650).contains(&version.resolution_time) {
        return Err(ApiError::BadUserInput("`resolutionTime` must be 1 to 3650".into()));
    }
    version.fee_amount = spec.fee_amount.unwrap_or(version.fee_amount);
    if version.fee_amount < 0 {
        return Err(ApiError::BadUserInput("`feeAmount` must not be negative".into()));
    }
    if let Some(note) = &spec.fee_note {
        version.fee_note = note.as_deref().map(|n| required_text("feeNote", n, 1000)).transpose()?;
    }
    if let Some(basis) = &spec.legal_basis {
        version.legal_basis = basis.as_deref().map(|b| required_text("legalBasis", b, 4000)).transpose()?;
    }
    Ok(version)
}

/// The rows of `documents` and `steps` of `version`, checked.
async fn parts(
    state: &AppState,
    version: Uuid,
    documents: &[DocumentSpec],
    steps: &[StepSpec],
) -> ApiResult<Vec<InsertStatement>> {
    if documents.len() > MOST_DOCUMENTS || steps.len() > MOST_STEPS {
        return Err(ApiError::BadUserInput(format!(
            "a procedure has at most {MOST_DOCUMENTS} documents and {MOST_STEPS} steps"
        )));
    }
    let mut rows = Vec::new();
    for (position, document) in documents.iter().enumerate() {
        if document.originals < 0 || document.copies < 0 {
            return Err(ApiError::BadUserInput("a document's `originals` and `copies` must not be negative".into()));
        }
        let row = procedure_document::Model {
            id: Uuid::now_v7(),
            procedure_id: version,
            position: position as i16 + 1,
            name: required_text("requiredDocuments.name", &document.name, 500)?,
            originals: document.originals,
            copies: document.copies,
            required: document.required,
        };
        rows.push(procedure_document::Entity::insert(procedure_document::ActiveModel::from(row)).into_query());
    }
    for (position, step) in steps.iter().enumerate() {
        if !state.authz.is_role(&step.role).await {
            return Err(ApiError::BadUserInput(format!("a step's role `{}` is not a role", step.role)));
        }
        if !(0..=10_000).contains(&step.budget_hours) {
            return Err(ApiError::BadUserInput("a step's `budgetHours` must be 0 to 10000".into()));
        }
        let row = procedure_step::Model {
            id: Uuid::now_v7(),
            procedure_id: version,
            position: position as i16 + 1,
            name: required_text("steps.name", &step.name, 500)?,
            role: step.role.clone(),
            budget_hours: step.budget_hours,
        };
        rows.push(procedure_step::Entity::insert(procedure_step::ActiveModel::from(row)).into_query());
    }
    Ok(rows)
}

fn summary(version: &procedure::Model) -> serde_json::Value {
    json!({
        "code": version.code, "version": version.version, "name": version.name, "tier": version.tier,
        "onlineMode": version.online_mode, "resolutionTime": version.resolution_time,
        "resolutionUnit": version.resolution_unit, "feeAmount": version.fee_amount, "status": version.status,
        "effectiveFrom": version.effective_from, "effectiveTo": version.effective_to,
        "decisionNumber": version.decision_number,
    })
}

/// Checks a new procedure and prepares its first version, a draft.
pub(crate) async fn create(
    state: &AppState,
    actor: &Viewer,
    agency_code: &str,
    code: &str,
    spec: DraftSpec,
) -> ApiResult<Prepared<procedure::Model>> {
    let scope = managed(state, actor).await;
    let publisher = agencies::require_by_code(&state.db, agency_code, |a| scope.contains(&a.path)).await?;
    let code = code.trim();
    check_code(code)?;
    let exists = procedure::Entity::find()
        .filter(procedure::Column::Code.eq(code))
        .filter(procedure::Column::AgencyId.eq(publisher.id))
        .one(&state.db)
        .await?;
    if exists.is_some() {
        return Err(ApiError::Conflict(format!("{} already publishes {code}: revise it", publisher.name)));
    }
    let missing = |field: &str| ApiError::BadUserInput(format!("`{field}` is required"));
    let blank = procedure::Model {
        id: Uuid::now_v7(),
        code: code.to_owned(),
        version: 1,
        name: String::new(),
        field_id: Uuid::nil(),
        agency_id: publisher.id,
        agency_path: publisher.path.clone(),
        province_code: publisher.province_code.clone(),
        tier: spec.tier.ok_or_else(|| missing("tier"))?,
        online_mode: spec.online_mode.ok_or_else(|| missing("onlineMode"))?,
        resolution_time: spec.resolution_time.ok_or_else(|| missing("resolutionTime"))?,
        resolution_unit: spec.resolution_unit.ok_or_else(|| missing("resolutionUnit"))?,
        fee_amount: 0,
        fee_note: None,
        legal_basis: None,
        decision_number: None,
        effective_from: today(state),
        effective_to: None,
        published_national: false,
        is_current: false,
        is_sample: false,
        created_at: state.clock.now(),
        status: ProcedureStatus::Draft,
    };
    spec.name.as_ref().ok_or_else(|| missing("name"))?;
    spec.field_code.as_ref().ok_or_else(|| missing("fieldCode"))?;
    let version = apply(state, blank, &publisher, &spec).await?;
    let documents = spec.documents.as_deref().unwrap_or_default();
    let then = parts(state, version.id, documents, spec.steps.as_deref().unwrap_or_default()).await?;
    let row = procedure::ActiveModel::from(version.clone());
    Ok(Prepared {
        unit: Unit { then, ..Unit::of(Write::Insert(procedure::Entity::insert(row).into_query())) },
        target_id: version.id.to_string(),
        details: json!({ "after": summary(&version) }),
        announced: None,
        agency: publisher,
        value: version,
    })
}

/// `EXISTS (the version `id` with `status`)`: what the writes before a
/// unit's first one wait for, so that on SQLite (whose unit runs whole)
/// they change nothing once the version moved on.
fn still(id: Uuid, status: ProcedureStatus) -> SimpleExpr {
    let subquery = Query::select()
        .expr(Expr::val(1))
        .from(procedure::Entity)
        .and_where(procedure::Column::Id.eq(id))
        .and_where(procedure::Column::Status.eq(status))
        .to_owned();
    Expr::exists(subquery)
}

/// Checks the changes to a draft and prepares them (its documents and
/// steps are replaced when given).
pub(crate) async fn update(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    spec: DraftSpec,
) -> ApiResult<Prepared<procedure::Model>> {
    let (before, publisher) = managed_version(state, actor, id).await?;
    if before.status != ProcedureStatus::Draft {
        return Err(ApiError::InvalidTransition {
            message: format!("version {} of {} is published: revise it into a new draft", before.version, before.code),
            status: "PUBLISHED",
            allowed: vec!["reviseProcedure", "retireProcedure"],
        });
    }
    let after = apply(state, before.clone(), &publisher, &spec).await?;
    let mut deletes = Vec::new();
    let mut then = Vec::new();
    if let Some(documents) = &spec.documents {
        let delete = procedure_document::Entity::delete_many()
            .filter(procedure_document::Column::ProcedureId.eq(id))
            .filter(still(id, ProcedureStatus::Draft));
        deletes.push(Write::Delete(delete.into_query()));
        then.extend(parts(state, id, documents, &[]).await?);
    }
    if let Some(steps) = &spec.steps {
        let delete = procedure_step::Entity::delete_many()
            .filter(procedure_step::Column::ProcedureId.eq(id))
            .filter(still(id, ProcedureStatus::Draft));
        deletes.push(Write::Delete(delete.into_query()));
        then.extend(parts(state, id, &[], steps).await?);
    }
    // Every column written (a model converts to unchanged values, which `set` skips).
    let row = procedure::ActiveModel::from(after.clone()).reset_all();
    let mut statement = procedure::Entity::update_many().set(row);
    statement =
        statement.filter(procedure::Column::Id.eq(id)).filter(procedure::Column::Status.eq(ProcedureStatus::Draft));
    Ok(Prepared {
        unit: Unit { before: deletes, then, ..Unit::of(Write::Update(statement.into_query())) },
        target_id: id.to_string(),
        details: json!({ "before": summary(&before), "after": summary(&after) }),
        announced: None,
        agency: publisher,
        value: after,
    })
}

/// Checks that a draft may be published from `effective_from` under
/// `decision_number`, and prepares it: the version before it ends the day
/// before; every instance files under it from that day on.
pub(crate) async fn publish(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    effective_from: NaiveDate,
    decision_number: &str,
) -> ApiResult<Prepared<procedure::Model>> {
    let (before, publisher) = managed_version(state, actor, id).await?;
    if before.status != ProcedureStatus::Draft {
        return Err(ApiError::Conflict(format!("version {} of {} is already published", before.version, before.code)));
    }
    if effective_from < today(state) {
        return Err(ApiError::BadUserInput(format!("`effectiveFrom` must be today or later, not {effective_from}")));
    }
    let steps =
        procedure_step::Entity::find().filter(procedure_step::Column::ProcedureId.eq(id)).all(&state.db).await?;
    if steps.is_empty() {
        return Err(ApiError::BadUserInput("a procedure needs at least one step of its internal process".into()));
    }
    let decision = required_text("decisionNumber", decision_number, 200)?;
    let day_before = effective_from.checked_sub_days(Days::new(1)).unwrap_or(effective_from);
    let others = || {
        procedure::Entity::update_many()
            .filter(procedure::Column::Code.eq(before.code.as_str()))
            .filter(procedure::Column::AgencyId.eq(before.agency_id))
            .filter(procedure::Column::Id.ne(id))
            .filter(still(id, ProcedureStatus::Draft))
    };
    let end_earlier = others()
        .col_expr(procedure::Column::EffectiveTo, Expr::value(day_before))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Published))
        .filter(procedure::Column::EffectiveTo.is_null().or(procedure::Column::EffectiveTo.gte(effective_from)));
    let not_newest = others().col_expr(procedure::Column::IsCurrent, Expr::value(false));
    let after = procedure::Model {
        status: ProcedureStatus::Published,
        effective_from,
        decision_number: Some(decision),
        is_current: true,
        ..before.clone()
    };
    let statement = procedure::Entity::update_many()
        .col_expr(procedure::Column::Status, Expr::value(ProcedureStatus::Published))
        .col_expr(procedure::Column::EffectiveFrom, Expr::value(effective_from))
        .col_expr(procedure::Column::DecisionNumber, Expr::value(after.decision_number.clone()))
        .col_expr(procedure::Column::IsCurrent, Expr::value(true))
        .filter(procedure::Column::Id.eq(id))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Draft));
    let before_writes = vec![Write::Update(end_earlier.into_query()), Write::Update(not_newest.into_query())];
    Ok(Prepared {
        unit: Unit { before: before_writes, ..Unit::of(Write::Update(statement.into_query())) },
        target_id: id.to_string(),
        details: json!({ "before": summary(&before), "after": summary(&after) }),
        announced: Some(Announcement::Catalogue),
        agency: publisher,
        value: after,
    })
}

/// Prepares a new draft copied from the published version `id` (its
/// attributes, documents and steps), numbered after the newest version.
pub(crate) async fn revise(state: &AppState, actor: &Viewer, id: Uuid) -> ApiResult<Prepared<procedure::Model>> {
    let (source, publisher) = managed_version(state, actor, id).await?;
    if source.status != ProcedureStatus::Published {
        return Err(ApiError::BadUserInput(format!(
            "version {} of {} is a draft: change it",
            source.version, source.code
        )));
    }
    let versions = procedure::Entity::find()
        .filter(procedure::Column::Code.eq(source.code.as_str()))
        .filter(procedure::Column::AgencyId.eq(source.agency_id))
        .order_by_desc(procedure::Column::Version)
        .all(&state.db)
        .await?;
    if let Some(draft) = versions.iter().find(|v| v.status == ProcedureStatus::Draft) {
        return Err(ApiError::Conflict(format!("{} has a draft already: version {}", source.code, draft.version)));
    }
    let draft = procedure::Model {
        id: Uuid::now_v7(),
        version: versions.first().map_or(1, |newest| newest.version + 1),
        decision_number: None,
        effective_from: today(state),
        effective_to: None,
        is_current: false,
        is_sample: false,
        created_at: state.clock.now(),
        status: ProcedureStatus::Draft,
        ..source.clone()
    };
    let documents = crate::services::procedures::documents_of(&state.db, &[id]).await?;
    let steps = crate::services::procedures::steps_of(&state.db, &[id]).await?;
    let documents: Vec<DocumentSpec> = documents
        .into_iter()
        .map(|d| DocumentSpec { name: d.name, originals: d.originals, copies: d.copies, required: d.required })
        .collect();
    let steps: Vec<StepSpec> =
        steps.into_iter().map(|s| StepSpec { name: s.name, role: s.role, budget_hours: s.budget_hours }).collect();
    let then = parts(state, draft.id, &documents, &steps).await?;
    let row = procedure::ActiveModel::from(draft.clone());
    Ok(Prepared {
        unit: Unit { then, ..Unit::of(Write::Insert(procedure::Entity::insert(row).into_query())) },
        target_id: draft.id.to_string(),
        details: json!({ "from": summary(&source), "after": summary(&draft) }),
        announced: None,
        agency: publisher,
        value: draft,
    })
}

/// Checks that the procedure of version `id` may be retired with
/// `effective_to` as its last day (yesterday at the earliest), and prepares
/// it: no version of it takes dossiers after that day.
pub(crate) async fn retire(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    effective_to: NaiveDate,
) -> ApiResult<Prepared<procedure::Model>> {
    let (before, publisher) = managed_version(state, actor, id).await?;
    if before.status != ProcedureStatus::Published {
        return Err(ApiError::BadUserInput("a draft is not in force: there is nothing to retire".into()));
    }
    let yesterday = today(state).checked_sub_days(Days::new(1)).unwrap_or(effective_to);
    if effective_to < yesterday {
        return Err(ApiError::BadUserInput(format!("`effectiveTo` must be {yesterday} or later")));
    }
    if before.effective_to.is_some_and(|last| last <= effective_to) {
        return Err(ApiError::Conflict(format!("{} is retired already", before.code)));
    }
    let later = procedure::Entity::update_many()
        .col_expr(procedure::Column::EffectiveTo, Expr::value(effective_to))
        .filter(procedure::Column::Code.eq(before.code.as_str()))
        .filter(procedure::Column::AgencyId.eq(before.agency_id))
        .filter(procedure::Column::Id.ne(id))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Published))
        .filter(procedure::Column::EffectiveTo.is_null().or(procedure::Column::EffectiveTo.gt(effective_to)))
        .filter(still(id, ProcedureStatus::Published));
    let statement = procedure::Entity::update_many()
        .col_expr(procedure::Column::EffectiveTo, Expr::value(effective_to))
        .filter(procedure::Column::Id.eq(id))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Published));
    let after = procedure::Model { effective_to: Some(effective_to), ..before.clone() };
    Ok(Prepared {
        unit: Unit {
            before: vec![Write::Update(later.into_query())],
            ..Unit::of(Write::Update(statement.into_query()))
        },
        target_id: id.to_string(),
        details: json!({ "before": summary(&before), "after": summary(&after) }),
        announced: Some(Announcement::Catalogue),
        agency: publisher,
        value: after,
    })
}
