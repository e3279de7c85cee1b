//! Officials and service accounts as their agency's admins manage them
//! (`official manage` where the official works): created, changed,
//! deactivated, listed.

use super::{required_text, Operation, Prepared};
use crate::auth::Viewer;
use crate::domain::scope::Scope;
use crate::error::{ApiError, ApiResult};
use crate::services::announcements::Announcement;
use crate::services::cursor::Cursor;
use crate::services::writes::{Unit, Write};
use crate::services::{agencies, escape_like, Page};
use crate::state::AppState;
use entity::{agency, official, OfficialKind};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// A new login.
#[derive(Debug, Clone)]
pub(crate) struct NewOfficial {
    pub username: String,
    pub display_name: String,
    pub kind: OfficialKind,
    pub agency_code: String,
    pub email: Option<String>,
}

/// What `updateOfficial` changes; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct OfficialChanges {
    pub display_name: Option<String>,
    /// `Some(None)` removes the address.
    pub email: Option<Option<String>>,
    /// Moves the official to another agency (the caller manages both).
    pub agency_code: Option<String>,
}

/// Where the caller manages officials.
pub(crate) async fn managed(state: &AppState, actor: &Viewer) -> Scope {
    state.authz.scope(&actor.username, "official", "manage").await
}

/// The official `id` with its agency, if the caller manages officials
/// there; `NOT_FOUND` in the same words whether it does not exist or may not be seen.
pub(crate) async fn require_managed(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
) -> ApiResult<(official::Model, agency::Model)> {
    let not_found = || ApiError::NotFound("no user with this id".into());
    let official = official::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(not_found)?;
    let agency = agency::Entity::find_by_id(official.agency_id).one(&state.db).await?.ok_or_else(not_found)?;
    match managed(state, actor).await.contains(&agency.path) {
        true => Ok((official, agency)),
        false => Err(not_found()),
    }
}

/// The agency with `code` if the caller manages officials there; `NOT_FOUND` otherwise.
async fn managed_agency(state: &AppState, actor: &Viewer, code: &str) -> ApiResult<agency::Model> {
    let scope = managed(state, actor).await;
    agencies::require_by_code(&state.db, code, |agency| scope.contains(&agency.path)).await
}

/// A login: 3 to 64 of lower-case letters, digits, `.`, `_` and `-`,
/// beginning with a letter or digit.
pub(crate) fn check_username(username: &str) -> ApiResult<()> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
    let first_ok = username.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    match (3..=64).contains(&username.len()) && first_ok && username.chars().all(allowed) {
        true => Ok(()),
        false => Err(ApiError::BadUserInput(
            "`username` must be 3 to 64 lower-case letters, digits, `.`, `_` or `-`, beginning with a letter or digit"
                .into(),
        )),
    }
}

pub(crate) fn check_email(email: &str) -> ApiResult<String> {
    let email = email.trim();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace);
    match valid {
        true => Ok(email.to_owned()),
        false => Err(ApiError::BadUserInput(format!("`email` is not an e-mail address: {email}"))),
    }
}

fn summary(official: &official::Model, agency: &agency::Model) -> serde_json::Value {
    json!({
        "username": official.username, "displayName": official.display_name, "agency": agency.code,
        "email": official.email, "active": official.active,
    })
}

/// `createOfficial`.
pub(crate) const CREATE: Operation = Operation { name: "createOfficial", target_type: "User" };
/// `updateOfficial`.
pub(crate) const UPDATE: Operation = Operation { name: "updateOfficial", target_type: "User" };
/// `deactivateOfficial`.
pub(crate) const DEACTIVATE: Operation = Operation { name: "deactivateOfficial", target_type: "User" };

/// Checks a new login and prepares its row.
pub(crate) async fn create(state: &AppState, actor: &Viewer, new: NewOfficial) -> ApiResult<Prepared<official::Model>> {
    let username = new.username.trim().to_owned();
    check_username(&username)?;
    let display_name = required_text("displayName", &new.display_name, 200)?;
    let email = new.email.as_deref().map(check_email).transpose()?;
    let agency = managed_agency(state, actor, &new.agency_code).await?;
    let taken = official::Entity::find().filter(official::Column::Username.eq(&username)).one(&state.db).await?;
    if taken.is_some() {
        return Err(ApiError::Conflict(format!("the username `{username}` is taken")));
    }
    let official = official::Model {
        id: Uuid::now_v7(),
        username,
        display_name,
        kind: new.kind,
        agency_id: agency.id,
        email,
        active: true,
        created_at: state.clock.now(),
        requests_per_minute: None,
        trusted_documents_only: false,
    };
    let row: official::ActiveModel = official.clone().into();
    Ok(Prepared {
        unit: Unit::of(Write::Insert(official::Entity::insert(row).into_query())),
        target_id: official.id.to_string(),
        details: json!({ "after": summary(&official, &agency) }),
        announced: None,
        agency,
        value: official,
    })
}

/// Checks the changes to an official and prepares them.
pub(crate) async fn update(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    changes: OfficialChanges,
) -> ApiResult<Prepared<official::Model>> {
    let (before, home) = require_managed(state, actor, id).await?;
    let mut after = before.clone();
    if let Some(name) = &changes.display_name {
        after.display_name = required_text("displayName", name, 200)?;
    }
    if let Some(email) = &changes.email {
        after.email = email.as_deref().map(check_email).transpose()?;
    }
    let agency = match &changes.agency_code {
        Some(code) => managed_agency(state, actor, code).await?,
        None => home.clone(),
    };
    after.agency_id = agency.id;
    let statement = official::Entity::update_many()
        .col_expr(official::Column::DisplayName, Expr::value(after.display_name.clone()))
        .col_expr(official::Column::Email, Expr::value(after.email.clone()))
        .col_expr(official::Column::AgencyId, Expr::value(after.agency_id))
        .filter(official::Column::Id.eq(id))
        .into_query();
    Ok(Prepared {
        unit: Unit::of(Write::Update(statement)),
        target_id: id.to_string(),
        details: json!({ "before": summary(&before, &home), "after": summary(&after, &agency) }),
        announced: Some(Announcement::Official { id, username: after.username.clone() }),
        agency,
        value: after,
    })
}

/// Checks that the official may be deactivated and prepares it: every token
/// naming it stops working on its next request, its subscriptions end.
pub(crate) async fn deactivate(state: &AppState, actor: &Viewer, id: Uuid) -> ApiResult<Prepared<official::Model>> {
    let (before, agency) = require_managed(state, actor, id).await?;
    if before.id == actor.id {
        return Err(ApiError::BadUserInput("an official cannot deactivate itself".into()));
    }
    if !before.active {
        return Err(ApiError::Conflict(format!("`{}` is already deactivated", before.username)));
    }
    let statement = official::Entity::update_many()
        .col_expr(official::Column::Active, Expr::value(false))
        .filter(official::Column::Id.eq(id))
        .filter(official::Column::Active.eq(true))
        .into_query();
    let after = official::Model { active: false, ..before.clone() };
    Ok(Prepared {
        unit: Unit::of(Write::Update(statement)),
        target_id: id.to_string(),
        details: json!({ "before": { "active": true }, "after": { "active": false } }),
        announced: Some(Announcement::Official { id, username: before.username.clone() }),
        agency,
        value: after,
    })
}

/// Narrows the officials an admin lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct OfficialFilter {
    /// The agency with this code (and, with `subtree`, the agencies below it).
    pub agency_code: Option<String>,
    pub subtree: bool,
    /// Part of the username or the name, case-insensitive.
    pub search: Option<String>,
    /// Only active (or only deactivated) logins.
    pub active: Option<bool>,
}

/// A page of the officials of the agencies where the caller manages
/// officials, by username.
pub(crate) async fn list(
    state: &AppState,
    actor: &Viewer,
    filter: &OfficialFilter,
    first: u64,
    after: Option<&str>,
) -> ApiResult<Page<official::Model>> {
    let mut scope = managed(state, actor).await;
    if let Some(code) = &filter.agency_code {
        let agency = managed_agency(state, actor, code).await?;
        let pattern = match filter.subtree {
            true => crate::domain::paths::PathPattern::Subtree(agency.path),
            false => crate::domain::paths::PathPattern::Agency(agency.path),
        };
        scope = scope.intersect(&pattern);
    }
    if scope.is_empty() {
        return Ok(Page::empty());
    }
    let agencies = agency::Entity::find()
        .select_only()
        .column(agency::Column::Id)
        .filter(crate::services::scope::ScopeCondition::condition(&scope, agency::Column::Path))
        .into_query();
    let mut query = official::Entity::find().filter(official::Column::AgencyId.in_subquery(agencies));
    if let Some(active) = filter.active {
        query = query.filter(official::Column::Active.eq(active));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        let like = |column: official::Column| {
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(column)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
        };
        query = query
            .filter(Condition::any().add(like(official::Column::Username)).add(like(official::Column::DisplayName)));
    }
    if let Some(after) = after {
        let cursor = Cursor::decode(after, ORDER)?;
        query = query.filter(official::Column::Username.gt(cursor.key.unwrap_or_default()));
    }
    let rows = query.order_by_asc(official::Column::Username).limit(first + 1).all(&state.db).await?;
    Ok(Page::from_rows(rows, first))
}

const ORDER: &str = "USERNAME";

/// The cursor after `official`: its username, which orders the list.
pub(crate) fn cursor_of(official: &official::Model) -> String {
    Cursor { order: ORDER.into(), at: None, key: Some(official.username.clone()), id: official.id }.encode()
}
