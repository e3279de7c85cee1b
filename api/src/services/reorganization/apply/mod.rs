//! Applying a plan, in steps that can each run again: the directory (new
//! units, renames, closures with their successors), then the grants,
//! officials and catalogue, then the dossiers in flight, a batch at a time.
//! An interrupted apply is finished by applying the same plan again.

mod dossiers;

use super::file::{GrantRule, PlanFile};
use super::plan::{plan, successor_for, Closing, DryRun, Unit as PlannedUnit};
use crate::error::{ApiError, ApiResult};
use crate::services::announcements::Announcement;
use crate::services::tally::{self, vietnam_day, Move};
use crate::services::writes::{self, Unit, Write};
use crate::state::AppState;
use chrono::Days;
use dossiers::dossiers;
use entity::{agency, agency_name, agency_successor, dossier, dossier_event, official, procedure, reorganization};
use entity::{procedure_document, procedure_step};
use sea_orm::sea_query::{Expr, InsertStatement, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set};
use sea_orm_adapter::entity as casbin_rule;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// How many dossiers one transaction moves.
const BATCH: u64 = 500;

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Applied {
    pub created: usize,
    pub renamed: usize,
    pub closed: usize,
    pub grants_moved: usize,
    pub grants_ended: usize,
    pub officials_moved: usize,
    pub procedures_changed: usize,
    pub dossiers_moved: usize,
}

/// Applies `plan` (read from `text`) as `actor` (`None`: the command line):
/// `BAD_USER_INPUT` while it has errors, `INVALID_TRANSITION` before its
/// effective date. Answers what it did, and the plan as it stands after.
pub(crate) async fn apply(
    state: &AppState,
    actor: Option<&crate::auth::Viewer>,
    text: &[u8],
    plan_file: &PlanFile,
) -> ApiResult<(Applied, DryRun)> {
    let dry = plan(&state.db, plan_file).await?;
    if !dry.applicable() {
        let errors = dry.problems.iter().filter(|p| p.severity == super::Severity::Error).count();
        return Err(ApiError::BadUserInput(format!(
            "the plan has {errors} problems that stop it: planReorganization lists them"
        )));
    }
    if let Some(actor) = actor {
        super::authorize(state, actor, &dry.provinces).await?;
    }
    let today = vietnam_day(state.clock.now());
    if today < dry.effective {
        return Err(ApiError::InvalidTransition {
            message: format!("a reorganisation is applied on its effective date ({}) or after it", dry.effective),
            status: "NOT_IN_FORCE",
            allowed: Vec::new(),
        });
    }
    let id = record(state, actor, text, &dry).await?;
    let mut applied = Applied::default();
    directory(state, id, &dry, &mut applied).await?;
    // The successors now exist: read the plan again for their ids.
    let dry = plan(&state.db, plan_file).await?;
    people_and_catalogue(state, id, &dry, &mut applied).await?;
    applied.dossiers_moved = dossiers(state, id, &dry).await?;
    finish(state, id, actor, &dry, &applied).await?;
    Ok((applied, plan(&state.db, plan_file).await?))
}

/// The plan's row: found by its digest, or written.
async fn record(state: &AppState, actor: Option<&crate::auth::Viewer>, text: &[u8], dry: &DryRun) -> ApiResult<Uuid> {
    let digest = hex(&Sha256::digest(text));
    let found =
        reorganization::Entity::find().filter(reorganization::Column::Digest.eq(&digest)).one(&state.db).await?;
    if let Some(row) = found {
        return Ok(row.id);
    }
    let row = reorganization::Model {
        id: Uuid::now_v7(),
        effective_on: dry.effective,
        decision: dry.decision.clone(),
        digest,
        plan: String::from_utf8_lossy(text).into_owned(),
        state: "APPLYING".into(),
        created_by: actor.map_or_else(|| "motcua".to_owned(), |a| a.username.clone()),
        created_at: state.clock.now(),
        applied_at: None,
        summary: None,
    };
    let insert = reorganization::Entity::insert(reorganization::ActiveModel::from(row.clone()))
        .on_conflict(OnConflict::column(reorganization::Column::Digest).do_nothing().to_owned())
        .into_query();
    writes::run(state, Unit::of(Write::Insert(insert))).await?;
    let row = reorganization::Entity::find()
        .filter(reorganization::Column::Digest.eq(&row.digest))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::internal("the plan's row was not written"))?;
    Ok(row.id)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The one-row write that ends each step's unit: the plan's progress.
fn progress(id: Uuid, step: &str) -> Write {
    Write::Update(
        reorganization::Entity::update_many()
            .col_expr(reorganization::Column::Summary, Expr::value(json!({ "step": step }).to_string()))
            .filter(reorganization::Column::Id.eq(id))
            .into_query(),
    )
}

/// New units, renames and closures with their successors, in one unit.
async fn directory(state: &AppState, id: Uuid, dry: &DryRun, applied: &mut Applied) -> ApiResult<()> {
    let mut before = Vec::new();
    let mut ids: HashMap<String, Uuid> = HashMap::new();
    let now = state.clock.now();
    for unit in &dry.units {
        if let Some(known) = unit.id {
            ids.insert(unit.path.clone(), known);
            continue;
        }
        let parent_path = unit.parent_path.clone().unwrap_or_default();
        let parent_id = match ids.get(&parent_path) {
            Some(parent) => Some(*parent),
            None => crate::services::agencies::find_by_path(&state.db, &parent_path).await?.map(|p| p.id),
        };
        let row = agency::Model {
            id: Uuid::now_v7(),
            code: unit.code.clone(),
            name: unit.name.clone(),
            kind: unit.kind,
            parent_id,
            path: unit.path.clone(),
            province_code: unit.province_code.clone(),
            valid_from: dry.effective,
            valid_to: None,
            phone: None,
            email: None,
            address: None,
            created_at: now,
        };
        ids.insert(unit.path.clone(), row.id);
        before.push(Write::Insert(agency::Entity::insert(agency::ActiveModel::from(row)).into_query()));
        applied.created += 1;
    }
    for (agency, name, done) in &dry.renamed {
        if *done {
            continue;
        }
        before.extend(rename(agency, name, dry.effective));
        applied.renamed += 1;
    }
    for closing in dry.closing.iter().filter(|c| !c.done) {
        before.extend(close(closing, &ids, dry.effective));
        applied.closed += 1;
    }
    if before.is_empty() {
        return Ok(());
    }
    let unit = Unit { before, announced: Some(Announcement::Agencies), ..Unit::of(progress(id, "directory")) };
    writes::run(state, unit).await?;
    Ok(())
}

/// The statements of a rename: the former name kept, the new one from the effective date.
fn rename(agency: &agency::Model, name: &str, effective: chrono::NaiveDate) -> Vec<Write> {
    let keep = |valid_from, name: &str| {
        let row =
            agency_name::ActiveModel { agency_id: Set(agency.id), valid_from: Set(valid_from), name: Set(name.into()) };
        let conflict = OnConflict::columns([agency_name::Column::AgencyId, agency_name::Column::ValidFrom])
            .update_column(agency_name::Column::Name)
            .to_owned();
        Write::Insert(agency_name::Entity::insert(row).on_conflict(conflict).into_query())
    };
    let former = agency_name::ActiveModel {
        agency_id: Set(agency.id),
        valid_from: Set(agency.valid_from),
        name: Set(agency.name.clone()),
    };
    let conflict =
        OnConflict::columns([agency_name::Column::AgencyId, agency_name::Column::ValidFrom]).do_nothing().to_owned();
    vec![
        Write::Insert(agency_name::Entity::insert(former).on_conflict(conflict).into_query()),
        keep(effective, name),
        Write::Update(
            agency::Entity::update_many()
                .col_expr(agency::Column::Name, Expr::value(name.to_owned()))
                .filter(agency::Column::Id.eq(agency.id))
                .into_query(),
        ),
    ]
}

/// The statements that close one unit the day before `effective`, with its successors.
fn close(closing: &Closing, ids: &HashMap<String, Uuid>, effective: chrono::NaiveDate) -> Vec<Write> {
    let mut writes = vec![Write::Update(
        agency::Entity::update_many()
            .col_expr(agency::Column::ValidTo, Expr::value(effective - Days::new(1)))
            .filter(agency::Column::Id.eq(closing.agency.id))
            .filter(agency::Column::ValidTo.is_null())
            .into_query(),
    )];
    for (unit, is_default) in &closing.successors {
        let Some(successor_id) = unit.id.or_else(|| ids.get(&unit.path).copied()) else { continue };
        let row = agency_successor::ActiveModel {
            agency_id: Set(closing.agency.id),
            successor_id: Set(successor_id),
            is_default: Set(*is_default),
        };
        let conflict = OnConflict::columns([agency_successor::Column::AgencyId, agency_successor::Column::SuccessorId])
            .do_nothing()
            .to_owned();
        writes.push(Write::Insert(agency_successor::Entity::insert(row).on_conflict(conflict).into_query()));
    }
    writes
}

/// Grants moved or ended, officials moved to their unit's successor,
/// procedure versions of a new publisher or tier from the effective date.
async fn people_and_catalogue(state: &AppState, id: Uuid, dry: &DryRun, applied: &mut Applied) -> ApiResult<()> {
    let mut before = Vec::new();
    // The grants as they are: a move onto one the official holds already is its end.
    let rules = casbin_rule::Entity::find().filter(casbin_rule::Column::Ptype.eq("g")).all(&state.db).await?;
    let mut held: std::collections::HashSet<(String, String, String)> =
        rules.into_iter().map(|r| (r.v0, r.v1, r.v2)).collect();
    for grant in &dry.grants {
        let delete = || {
            Write::Delete(
                casbin_rule::Entity::delete_many().filter(casbin_rule::Column::Id.eq(grant.rule_id)).into_query(),
            )
        };
        match (grant.rule, &grant.to) {
            (GrantRule::Move, Some(to)) if !held.insert((grant.username.clone(), grant.role.clone(), to.clone())) => {
                before.push(delete());
                applied.grants_moved += 1;
            }
            (GrantRule::Move, Some(to)) => {
                before.push(Write::Update(
                    casbin_rule::Entity::update_many()
                        .col_expr(casbin_rule::Column::V2, Expr::value(to.clone()))
                        .filter(casbin_rule::Column::Id.eq(grant.rule_id))
                        .into_query(),
                ));
                applied.grants_moved += 1;
            }
            (GrantRule::End, _) | (GrantRule::Move, None) => {
                before.push(delete());
                applied.grants_ended += 1;
            }
            (GrantRule::Keep, _) => {}
        }
    }
    for moved in &dry.officials {
        let Some(to) = moved.to.id else { continue };
        before.push(Write::Update(
            official::Entity::update_many()
                .col_expr(official::Column::AgencyId, Expr::value(to))
                .filter(official::Column::Id.eq(moved.official.id))
                .into_query(),
        ));
        applied.officials_moved += 1;
    }
    for change in &dry.procedures {
        before.extend(revise(state, change, dry).await?);
        applied.procedures_changed += 1;
    }
    if before.is_empty() {
        return Ok(());
    }
    let unit = Unit { before, announced: Some(Announcement::Everything), ..Unit::of(progress(id, "grants")) };
    writes::run(state, unit).await?;
    Ok(())
}

/// A version in force ended the day before the effective date, and — unless
/// its successor publishes the code already — the next version from that
/// date with its new publisher or tier, its documents and steps copied.
async fn revise(state: &AppState, change: &super::plan::ProcedureChange, dry: &DryRun) -> ApiResult<Vec<Write>> {
    let old = &change.version;
    let last = dry.effective - Days::new(1);
    let mut writes = Vec::new();
    let ends = procedure::Entity::update_many()
        .col_expr(procedure::Column::EffectiveTo, Expr::value(last))
        .filter(procedure::Column::Id.eq(old.id));
    if change.retire {
        writes.push(Write::Update(ends.into_query()));
        return Ok(writes);
    }
    let publisher: Option<&PlannedUnit> = change.publisher.as_ref();
    let newest = procedure::Entity::find()
        .filter(procedure::Column::Code.eq(old.code.as_str()))
        .filter(procedure::Column::AgencyId.eq(old.agency_id))
        .order_by_desc(procedure::Column::Version)
        .one(&state.db)
        .await?;
    let mut next = procedure::Model {
        id: Uuid::now_v7(),
        version: newest.map_or(old.version, |v| v.version) + 1,
        tier: change.tier.unwrap_or(old.tier),
        decision_number: Some(dry.decision.clone()),
        effective_from: dry.effective.max(old.effective_from),
        is_current: true,
        created_at: state.clock.now(),
        ..old.clone()
    };
    if let Some(unit) = publisher {
        let Some(agency_id) = unit.id else { return Ok(writes) };
        next.agency_id = agency_id;
        next.agency_path = unit.path.clone();
        next.province_code = unit.province_code.clone();
        next.version = 1 + procedure::Entity::find()
            .filter(procedure::Column::Code.eq(old.code.as_str()))
            .filter(procedure::Column::AgencyId.eq(agency_id))
            .order_by_desc(procedure::Column::Version)
            .one(&state.db)
            .await?
            .map_or(0, |v| v.version);
    }
    writes.push(Write::Update(ends.col_expr(procedure::Column::IsCurrent, Expr::value(false)).into_query()));
    writes.push(Write::Insert(procedure::Entity::insert(procedure::ActiveModel::from(next.clone())).into_query()));
    for document in crate::services::procedures::documents_of(&state.db, &[old.id]).await? {
        let row = procedure_document::Model { id: Uuid::now_v7(), procedure_id: next.id, ..document };
        writes.push(Write::Insert(
            procedure_document::Entity::insert(procedure_document::ActiveModel::from(row)).into_query(),
        ));
    }
    for step in crate::services::procedures::steps_of(&state.db, &[old.id]).await? {
        let row = procedure_step::Model { id: Uuid::now_v7(), procedure_id: next.id, ..step };
        writes.push(Write::Insert(procedure_step::Entity::insert(procedure_step::ActiveModel::from(row)).into_query()));
    }
    Ok(writes)
}

/// The plan marked applied, with what it did, and its audit row.
async fn finish(
    state: &AppState,
    id: Uuid,
    actor: Option<&crate::auth::Viewer>,
    dry: &DryRun,
    applied: &Applied,
) -> ApiResult<()> {
    let summary = serde_json::to_string(applied).unwrap_or_default();
    let mark = reorganization::Entity::update_many()
        .col_expr(reorganization::Column::State, Expr::value("APPLIED"))
        .col_expr(reorganization::Column::AppliedAt, Expr::value(state.clock.now()))
        .col_expr(reorganization::Column::Summary, Expr::value(summary.clone()))
        .filter(reorganization::Column::Id.eq(id))
        .into_query();
    let entry = crate::services::audit::Entry {
        actor,
        agency_path: dry.provinces.first().map(|code| format!("/{code}/")),
        province_code: dry.provinces.first().cloned(),
        operation: "applyReorganization",
        target_type: Some("Reorganization"),
        target_id: Some(id.to_string()),
        details: Some(json!({ "effective": dry.effective, "decision": dry.decision, "applied": applied }).to_string()),
    };
    let audit: InsertStatement = entity::audit_log::Entity::insert(entry.row(Ok(()), state.clock.now())).into_query();
    writes::run(state, Unit { then: vec![audit], ..Unit::of(Write::Update(mark)) }).await?;
    Ok(())
}
