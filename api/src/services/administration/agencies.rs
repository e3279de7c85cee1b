//! Agencies as the admins above them manage them (`agency manage`): a new
//! unit under a parent, its name and contact details, its closing with a
//! successor. Their codes and paths never change: grants, dossiers and
//! reports name them.

use super::{required_text, Operation, Prepared};
use crate::auth::Viewer;
use crate::domain::paths::child_path;
use crate::error::{ApiError, ApiResult};
use crate::services::agencies;
use crate::services::announcements::Announcement;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{agency, agency_successor, AgencyKind};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// `createAgency`.
pub(crate) const CREATE: Operation = Operation { name: "createAgency", target_type: "Agency" };
/// `updateAgency`.
pub(crate) const UPDATE: Operation = Operation { name: "updateAgency", target_type: "Agency" };
/// `closeAgency`.
pub(crate) const CLOSE: Operation = Operation { name: "closeAgency", target_type: "Agency" };

/// A new agency.
#[derive(Debug, Clone)]
pub(crate) struct NewAgency {
    pub parent_code: String,
    /// The GSO code of a district or commune (`30733`), or
    /// `{province}.{abbreviation}` of a department (`91.SCT`).
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub valid_from: NaiveDate,
}

/// What `updateAgency` changes; `None` leaves a value as it is, `Some(None)` removes it.
#[derive(Debug, Clone, Default)]
pub(crate) struct AgencyChanges {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub address: Option<Option<String>>,
}

/// Where the caller manages agencies.
async fn managed(state: &AppState, actor: &Viewer) -> crate::domain::scope::Scope {
    state.authz.scope(&actor.username, "agency", "manage").await
}

/// The agency with `code` if the caller manages agencies there; `NOT_FOUND` otherwise.
async fn managed_agency(state: &AppState, actor: &Viewer, code: &str) -> ApiResult<agency::Model> {
    let scope = managed(state, actor).await;
    agencies::require_by_code(&state.db, code, |agency| scope.contains(&agency.path)).await
}

/// The agency with `code` and its parent, if the caller manages agencies in
/// it or in its parent (who opened a unit may change and close it);
/// `NOT_FOUND` otherwise.
async fn with_parent(
    state: &AppState,
    actor: &Viewer,
    code: &str,
) -> ApiResult<(agency::Model, Option<agency::Model>, crate::domain::scope::Scope)> {
    let scope = managed(state, actor).await;
    let not_found = || ApiError::NotFound(format!("no agency with code {code}"));
    let agency = agencies::find_by_code(&state.db, code).await?.ok_or_else(not_found)?;
    let parent = match agency.parent_id {
        Some(id) => agency::Entity::find_by_id(id).one(&state.db).await?,
        None => None,
    };
    let reachable = scope.contains(&agency.path) || parent.as_ref().is_some_and(|p| scope.contains(&p.path));
    match reachable {
        true => Ok((agency, parent, scope)),
        false => Err(not_found()),
    }
}

/// The kinds of unit an agency of `parent` kind may hold.
pub(crate) fn allowed_children(parent: AgencyKind) -> &'static [AgencyKind] {
    match parent {
        // Two tiers since 2025-07-01: communes directly under the province.
        AgencyKind::Province => {
            &[AgencyKind::Department, AgencyKind::ServiceCenter, AgencyKind::District, AgencyKind::Commune]
        }
        AgencyKind::District => &[AgencyKind::Commune],
        AgencyKind::Department | AgencyKind::ServiceCenter | AgencyKind::Commune => &[],
    }
}

/// The segment of the path a code gives: the GSO code itself, or a
/// department's abbreviation after its province's code (`91.SCT` → `SCT`).
pub(crate) fn segment_of(code: &str, kind: AgencyKind, province: &str) -> ApiResult<String> {
    let segment = match kind {
        AgencyKind::Department | AgencyKind::ServiceCenter => {
            code.strip_prefix(&format!("{province}.")).ok_or_else(|| {
                ApiError::BadUserInput(format!(
                    "a department's code is `{province}.` and its abbreviation, e.g. `{province}.SCT`"
                ))
            })?
        }
        _ if code.chars().all(|c| c.is_ascii_digit()) => code,
        _ => return Err(ApiError::BadUserInput(format!("`{code}` is not a GSO code: digits only"))),
    };
    let valid =
        !segment.is_empty() && segment.len() <= 16 && segment.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    match valid {
        true => Ok(segment.to_owned()),
        false => Err(ApiError::BadUserInput(format!("`{code}` is not a valid agency code"))),
    }
}

fn summary(agency: &agency::Model) -> serde_json::Value {
    json!({
        "code": agency.code, "name": agency.name, "kind": agency.kind, "path": agency.path,
        "validFrom": agency.valid_from, "validTo": agency.valid_to,
        "phone": agency.phone, "email": agency.email, "address": agency.address,
    })
}

/// Checks a new agency and prepares its row: under a parent where the caller manages agencies.
pub(crate) async fn create(state: &AppState, actor: &Viewer, new: NewAgency) -> ApiResult<Prepared<agency::Model>> {
    let parent = managed_agency(state, actor, &new.parent_code).await?;
    if !allowed_children(parent.kind).contains(&new.kind) {
        return Err(ApiError::BadUserInput(format!("{} cannot hold a unit of kind {:?}", parent.name, new.kind)));
    }
    if parent.valid_to.is_some_and(|last| last < new.valid_from) {
        return Err(ApiError::BadUserInput(format!("{} closed before {}", parent.name, new.valid_from)));
    }
    let code = new.code.trim().to_owned();
    let path = child_path(&parent.path, &segment_of(&code, new.kind, &parent.province_code)?);
    let name = required_text("name", &new.name, 200)?;
    let taken = agency::Entity::find()
        .filter(agency::Column::Code.eq(&code).or(agency::Column::Path.eq(&path)))
        .count(&state.db)
        .await?;
    if taken > 0 {
        return Err(ApiError::Conflict(format!("an agency with the code `{code}` exists")));
    }
    let agency = agency::Model {
        id: Uuid::now_v7(),
        code,
        name,
        kind: new.kind,
        parent_id: Some(parent.id),
        path,
        province_code: parent.province_code.clone(),
        valid_from: new.valid_from,
        valid_to: None,
        phone: None,
        email: None,
        address: None,
        created_at: state.clock.now(),
    };
    let row: agency::ActiveModel = agency.clone().into();
    Ok(Prepared {
        unit: Unit::of(Write::Insert(agency::Entity::insert(row).into_query())),
        target_id: agency.id.to_string(),
        details: json!({ "after": summary(&agency) }),
        announced: Some(Announcement::Agencies),
        // Where the command was allowed, so that its admins read the row.
        agency: parent,
        value: agency,
    })
}

fn optional_text(field: &str, text: Option<String>, most: usize) -> ApiResult<Option<String>> {
    text.map(|text| required_text(field, &text, most)).transpose()
}

/// Checks the changes to an agency (where the caller manages agencies, or
/// in the agency above it) and prepares them.
pub(crate) async fn update(
    state: &AppState,
    actor: &Viewer,
    code: &str,
    changes: AgencyChanges,
) -> ApiResult<Prepared<agency::Model>> {
    let (before, _, _) = with_parent(state, actor, code).await?;
    let mut after = before.clone();
    if let Some(name) = &changes.name {
        after.name = required_text("name", name, 200)?;
    }
    if let Some(phone) = changes.phone {
        after.phone = optional_text("phone", phone, 50)?;
    }
    if let Some(email) = changes.email {
        after.email = optional_text("email", email, 254)?;
    }
    if let Some(address) = changes.address {
        after.address = optional_text("address", address, 500)?;
    }
    // A new name is dated: the former one is kept with its days.
    let mut renamed = Vec::new();
    if after.name != before.name {
        let today = crate::services::tally::vietnam_day(state.clock.now());
        let name = |valid_from, name: &str| entity::agency_name::ActiveModel {
            agency_id: sea_orm::Set(before.id),
            valid_from: sea_orm::Set(valid_from),
            name: sea_orm::Set(name.to_owned()),
        };
        let key = [entity::agency_name::Column::AgencyId, entity::agency_name::Column::ValidFrom];
        let keep = OnConflict::columns(key).do_nothing().to_owned();
        let replace = OnConflict::columns(key).update_column(entity::agency_name::Column::Name).to_owned();
        let former = entity::agency_name::Entity::insert(name(before.valid_from.min(today), &before.name));
        let new = entity::agency_name::Entity::insert(name(today, &after.name));
        renamed.push(Write::Insert(former.on_conflict(keep).into_query()));
        renamed.push(Write::Insert(new.on_conflict(replace).into_query()));
    }
    let statement = agency::Entity::update_many()
        .col_expr(agency::Column::Name, Expr::value(after.name.clone()))
        .col_expr(agency::Column::Phone, Expr::value(after.phone.clone()))
        .col_expr(agency::Column::Email, Expr::value(after.email.clone()))
        .col_expr(agency::Column::Address, Expr::value(after.address.clone()))
        .filter(agency::Column::Id.eq(before.id))
        .into_query();
    Ok(Prepared {
        unit: Unit { before: renamed, ..Unit::of(Write::Update(statement)) },
        target_id: before.id.to_string(),
        details: json!({ "before": summary(&before), "after": summary(&after) }),
        announced: Some(Announcement::Agencies),
        agency: after.clone(),
        value: after,
    })
}

/// Checks that an agency may close on `valid_to` (its last day; needs
/// `agency manage` at its parent) and prepares it, with the successor that
/// takes over its seat when one is named.
pub(crate) async fn close(
    state: &AppState,
    actor: &Viewer,
    code: &str,
    valid_to: NaiveDate,
    successor: Option<&str>,
) -> ApiResult<Prepared<agency::Model>> {
    let (before, parent, scope) = with_parent(state, actor, code).await?;
    if !parent.as_ref().is_some_and(|parent| scope.contains(&parent.path)) {
        return Err(ApiError::Forbidden(format!(
            "closing {} needs `agency manage` at the agency above it",
            before.name
        )));
    }
    if before.valid_to.is_some() {
        return Err(ApiError::Conflict(format!("{} is already closed", before.name)));
    }
    if valid_to < before.valid_from {
        return Err(ApiError::BadUserInput(format!("{} came into being on {}", before.name, before.valid_from)));
    }
    let open_children = agency::Entity::find()
        .filter(agency::Column::ParentId.eq(before.id))
        .filter(agency::Column::ValidTo.is_null().or(agency::Column::ValidTo.gt(valid_to)))
        .count(&state.db)
        .await?;
    if open_children > 0 {
        return Err(ApiError::BadUserInput(format!(
            "{} still holds {open_children} units open after {valid_to}: close them first",
            before.name
        )));
    }
    let in_flight = entity::dossier::Entity::find()
        .filter(entity::dossier::Column::AgencyId.eq(before.id))
        .filter(entity::dossier::Column::FinishedAt.is_null())
        .count(&state.db)
        .await?;
    if in_flight > 0 {
        return Err(ApiError::BadUserInput(format!(
            "{} holds {in_flight} dossiers in flight: a reorganisation plan moves them to its successor \
             (planReorganization, applyReorganization)",
            before.name
        )));
    }
    let mut then = Vec::new();
    let successor = match successor {
        Some(code) => {
            let successor = managed_agency(state, actor, code).await?;
            if successor.id == before.id || successor.valid_to.is_some_and(|last| last <= valid_to) {
                return Err(ApiError::BadUserInput(format!("{} is not open after {valid_to}", successor.name)));
            }
            let row = agency_successor::ActiveModel {
                agency_id: sea_orm::Set(before.id),
                successor_id: sea_orm::Set(successor.id),
                is_default: sea_orm::Set(true),
            };
            then.push(agency_successor::Entity::insert(row).into_query());
            Some(successor.code)
        }
        None => None,
    };
    let statement = agency::Entity::update_many()
        .col_expr(agency::Column::ValidTo, Expr::value(valid_to))
        .filter(agency::Column::Id.eq(before.id))
        .filter(agency::Column::ValidTo.is_null())
        .into_query();
    let after = agency::Model { valid_to: Some(valid_to), ..before.clone() };
    Ok(Prepared {
        unit: Unit { then, ..Unit::of(Write::Update(statement)) },
        target_id: before.id.to_string(),
        details: json!({ "before": { "validTo": null }, "after": { "validTo": valid_to, "successor": successor } }),
        announced: Some(Announcement::Agencies),
        agency: parent.expect("checked above"),
        value: after,
    })
}
