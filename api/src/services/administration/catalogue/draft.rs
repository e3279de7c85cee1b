//! A draft's contents checked: its attributes, its documents and steps.

use super::{DocumentSpec, DraftSpec, StepSpec, MOST_DOCUMENTS, MOST_STEPS};
use crate::error::{ApiError, ApiResult};
use crate::services::administration::required_text;
use crate::state::AppState;
use entity::{agency, field, procedure, procedure_document, procedure_step, AgencyKind, Tier};
use sea_orm::sea_query::InsertStatement;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use uuid::Uuid;

/// The tiers an agency of `kind` publishes procedures of.
pub(crate) fn publishes(kind: AgencyKind, tier: Tier) -> bool {
    match kind {
        AgencyKind::Province => true,
        AgencyKind::Department | AgencyKind::ServiceCenter => tier == Tier::Province,
        AgencyKind::District | AgencyKind::Commune => false,
    }
}

pub(crate) fn check_code(code: &str) -> ApiResult<()> {
    let valid = (3..=20).contains(&code.len())
        && code.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
    match valid {
        true => Ok(()),
        false => Err(ApiError::BadUserInput(format!("`{code}` is not a national procedure code like 1.001193"))),
    }
}

/// `version` with `spec` applied, checked; the field the spec names.
pub(super) async fn apply(
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
pub(super) async fn parts(
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
