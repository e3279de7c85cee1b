//! The procedure catalogue as its publishers manage it (`procedure manage`
//! at the publishing agency: a department for its own procedures, the
//! province for every tier). A version is a draft until published with its
//! decision and first day; publishing ends the version before it the day
//! before; revising copies the version in force into a new draft; retiring
//! sets its last day. A dossier is filed under the version in force on the
//! day of its receipt and keeps it.

mod create;
mod draft;
mod publish;
mod retire;
mod revise;
mod update;

pub(crate) use create::create;
pub(crate) use draft::{check_code, publishes};
pub(crate) use publish::publish;
pub(crate) use retire::retire;
pub(crate) use revise::revise;
pub(crate) use update::update;

use super::Operation;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::tally::vietnam_day;
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{agency, procedure, OnlineMode, ProcedureStatus, Tier, TimeUnit};
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait};
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocumentSpec {
    pub name: String,
    pub originals: i16,
    pub copies: i16,
    pub required: bool,
}

/// A step of the internal process: who handles it, and in how many working hours.
#[derive(Debug, Clone, PartialEq, Eq)]
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
pub(crate) const MOST_DOCUMENTS: usize = 30;
pub(crate) const MOST_STEPS: usize = 20;

/// Where the caller manages the catalogue.
pub(super) async fn managed(state: &AppState, actor: &Viewer) -> crate::domain::scope::Scope {
    state.authz.scope(&actor.username, "procedure", "manage").await
}

/// The version `id` and its publishing agency, if the caller manages the
/// catalogue there; `NOT_FOUND` in the same words otherwise.
pub(super) async fn managed_version(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
) -> ApiResult<(procedure::Model, agency::Model)> {
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

pub(super) fn today(state: &AppState) -> NaiveDate {
    vietnam_day(state.clock.now())
}

pub(super) fn summary(version: &procedure::Model) -> serde_json::Value {
    json!({
        "code": version.code, "version": version.version, "name": version.name, "tier": version.tier,
        "onlineMode": version.online_mode, "resolutionTime": version.resolution_time,
        "resolutionUnit": version.resolution_unit, "feeAmount": version.fee_amount, "status": version.status,
        "effectiveFrom": version.effective_from, "effectiveTo": version.effective_to,
        "decisionNumber": version.decision_number,
    })
}

/// `EXISTS (the version `id` with `status`)`: what the writes before a
/// unit's first one wait for, so that on SQLite (whose unit runs whole)
/// they change nothing once the version moved on.
pub(super) fn still(id: Uuid, status: ProcedureStatus) -> SimpleExpr {
    let subquery = Query::select()
        .expr(Expr::val(1))
        .from(procedure::Entity)
        .and_where(procedure::Column::Id.eq(id))
        .and_where(procedure::Column::Status.eq(status))
        .to_owned();
    Expr::exists(subquery)
}
