//! Role grants: casbin `g` rules (`g, user, role, domain`) given and revoked
//! by admins. An admin grants only where it manages officials, over no more
//! than it manages itself (a commune's admin cannot make anyone a supervisor
//! of its district, nor of the commune's subtree unless it holds that
//! subtree), and only to officials it manages. The rules are read again by
//! every instance at once (`Announcement::Grants`).

use super::officials::{managed, require_managed};
use super::{Operation, Prepared};
use crate::auth::Viewer;
use crate::domain::paths::PathPattern;
use crate::error::{ApiError, ApiResult};
use crate::services::agencies;
use crate::services::announcements::Announcement;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use entity::official;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use sea_orm_adapter::entity as casbin_rule;
use serde_json::json;
use uuid::Uuid;

/// What `grantRole` and `revokeRole` name.
#[derive(Debug, Clone)]
pub(crate) struct GrantRequest {
    pub official: Uuid,
    pub role: String,
    pub agency_code: String,
    /// The agency's whole subtree rather than the agency alone.
    pub subtree: bool,
}

/// `grantRole`.
pub(crate) const GRANT: Operation = Operation { name: "grantRole", target_type: "RoleGrant" };
/// `revokeRole`.
pub(crate) const REVOKE: Operation = Operation { name: "revokeRole", target_type: "RoleGrant" };

/// The official, the agency and the domain a request names, checked.
async fn checked(
    state: &AppState,
    actor: &Viewer,
    request: &GrantRequest,
) -> ApiResult<(official::Model, entity::agency::Model, PathPattern)> {
    let (official, _) = require_managed(state, actor, request.official).await?;
    let (agency, pattern) = domain(state, actor, &request.agency_code, request.subtree).await?;
    Ok((official, agency, pattern))
}

/// The agency and the domain a grant names, if the caller manages officials
/// over all of it: `NOT_FOUND` for an agency out of its reach, `FORBIDDEN`
/// for a subtree wider than what it manages.
pub(crate) async fn domain(
    state: &AppState,
    actor: &Viewer,
    agency_code: &str,
    subtree: bool,
) -> ApiResult<(entity::agency::Model, PathPattern)> {
    let scope = managed(state, actor).await;
    let agency = agencies::require_by_code(&state.db, agency_code, |agency| scope.contains(&agency.path)).await?;
    let pattern = match subtree {
        true => PathPattern::Subtree(agency.path.clone()),
        false => PathPattern::Agency(agency.path.clone()),
    };
    if !scope.covers(&pattern) {
        return Err(ApiError::Forbidden(format!(
            "granting a role over the subtree of {} needs `official manage` over that whole subtree",
            agency.name
        )));
    }
    Ok((agency, pattern))
}

/// `role`, `BAD_USER_INPUT` unless the policy has it.
pub(crate) async fn known_role(state: &AppState, role: &str) -> ApiResult<String> {
    let role = role.trim().to_owned();
    match state.authz.is_role(&role).await {
        true => Ok(role),
        false => Err(ApiError::BadUserInput(format!("there is no role `{role}`; `roles` lists them"))),
    }
}

/// The `g` rule that gives `username` `role` over `pattern`.
pub(crate) fn rule(username: &str, role: &str, pattern: &PathPattern) -> sea_orm::sea_query::InsertStatement {
    let rule = crate::auth::authz::rule("g", [username, role, &pattern.domain()]);
    casbin_rule::Entity::insert(rule).into_query()
}

/// The ids of the rules that give `official` `role` over `pattern`.
async fn rules(state: &AppState, official: &official::Model, role: &str, pattern: &PathPattern) -> ApiResult<Vec<i64>> {
    Ok(casbin_rule::Entity::find()
        .filter(casbin_rule::Column::Ptype.eq("g"))
        .filter(casbin_rule::Column::V0.eq(&official.username))
        .filter(casbin_rule::Column::V1.eq(role))
        .filter(casbin_rule::Column::V2.eq(pattern.domain()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|rule| rule.id)
        .collect())
}

fn target(official: &official::Model, role: &str, pattern: &PathPattern) -> String {
    format!("{} {role} {}", official.username, pattern.domain())
}

/// Checks a grant and prepares its rule; answers the official.
pub(crate) async fn grant(
    state: &AppState,
    actor: &Viewer,
    request: GrantRequest,
) -> ApiResult<Prepared<official::Model>> {
    let role = known_role(state, &request.role).await?;
    let (official, agency, pattern) = checked(state, actor, &request).await?;
    if !rules(state, &official, &role, &pattern).await?.is_empty() {
        return Err(ApiError::Conflict(format!(
            "`{}` already holds `{role}` at {}",
            official.username,
            pattern.domain()
        )));
    }
    Ok(Prepared {
        unit: Unit::of(Write::Insert(rule(&official.username, &role, &pattern))),
        target_id: target(&official, &role, &pattern),
        details: json!({ "after": { "user": official.username, "role": role, "domain": pattern.domain() } }),
        announced: Some(Announcement::Grants),
        agency,
        value: official,
    })
}

/// Checks a revocation and prepares it; answers the official.
pub(crate) async fn revoke(
    state: &AppState,
    actor: &Viewer,
    request: GrantRequest,
) -> ApiResult<Prepared<official::Model>> {
    let role = request.role.trim().to_owned();
    let (official, agency, pattern) = checked(state, actor, &request).await?;
    let ids = rules(state, &official, &role, &pattern).await?;
    let Some((&first, others)) = ids.split_first() else {
        return Err(ApiError::NotFound(format!("`{}` holds no `{role}` at {}", official.username, pattern.domain())));
    };
    let delete = |ids: &[i64]| {
        Write::Delete(
            casbin_rule::Entity::delete_many().filter(casbin_rule::Column::Id.is_in(ids.to_vec())).into_query(),
        )
    };
    // Rules given twice (two grants at once) go together; the first must still be there.
    let before = match others.is_empty() {
        true => Vec::new(),
        false => vec![delete(others)],
    };
    Ok(Prepared {
        unit: Unit { before, ..Unit::of(delete(&[first])) },
        target_id: target(&official, &role, &pattern),
        details: json!({ "before": { "user": official.username, "role": role, "domain": pattern.domain() } }),
        announced: Some(Announcement::Grants),
        agency,
        value: official,
    })
}
