//! Roles as data: a province's admin (`official manage` at a province)
//! defines a role made of permissions that exist already (e.g. a fee officer
//! who only requests and confirms payments), or changes one. The built-in
//! roles of `policies/policy.csv` keep every permission the file gives them
//! (what the state machine needs): they may gain permissions, never lose one.

use super::{Operation, Prepared};
use crate::auth::authz::built_in_permissions;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::announcements::Announcement;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use entity::agency;
use sea_orm::sea_query::InsertStatement;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use sea_orm_adapter::entity as casbin_rule;
use serde_json::json;
use std::collections::BTreeSet;

/// `defineRole`.
pub(crate) const DEFINE: Operation = Operation { name: "defineRole", target_type: "Role" };
/// `updateRole`.
pub(crate) const UPDATE: Operation = Operation { name: "updateRole", target_type: "Role" };

/// Most permissions of one role.
const MOST_PERMISSIONS: usize = 60;

fn check_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    let valid = (2..=40).contains(&name.len()) && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    match valid {
        true => Ok(name.to_owned()),
        false => Err(ApiError::BadUserInput("a role's name is 2 to 40 lower-case letters or `_`".into())),
    }
}

/// The permissions asked for, checked: each one some role has already.
async fn permissions(state: &AppState, asked: &[(String, String)]) -> ApiResult<BTreeSet<(String, String)>> {
    if asked.is_empty() || asked.len() > MOST_PERMISSIONS {
        return Err(ApiError::BadUserInput(format!("a role has 1 to {MOST_PERMISSIONS} permissions")));
    }
    let existing: BTreeSet<(String, String)> =
        state.authz.roles().await.into_iter().flat_map(|(_, permissions)| permissions).collect();
    let mut chosen = BTreeSet::new();
    for (object, action) in asked {
        let permission = (object.trim().to_owned(), action.trim().to_owned());
        if !existing.contains(&permission) {
            return Err(ApiError::BadUserInput(format!(
                "`{} {}` is not a permission of any role",
                permission.0, permission.1
            )));
        }
        chosen.insert(permission);
    }
    Ok(chosen)
}

fn rule(role: &str, (object, action): &(String, String)) -> InsertStatement {
    let rule = crate::auth::authz::rule("p", [role, object, action]);
    casbin_rule::Entity::insert(rule).into_query()
}

/// The command that gives `role` exactly `chosen`, after `before`.
fn prepared(
    role: String,
    chosen: &BTreeSet<(String, String)>,
    before: Vec<Write>,
    details: serde_json::Value,
    province: agency::Model,
) -> Prepared<String> {
    let mut inserts = chosen.iter().map(|permission| rule(&role, permission));
    let first = inserts.next().expect("at least one permission, checked");
    Prepared {
        unit: Unit { before, then: inserts.collect(), ..Unit::of(Write::Insert(first)) },
        target_id: role.clone(),
        details,
        announced: Some(Announcement::Grants),
        agency: province,
        value: role,
    }
}

fn listed(chosen: &BTreeSet<(String, String)>) -> Vec<String> {
    chosen.iter().map(|(object, action)| format!("{object} {action}")).collect()
}

/// Checks a new role and prepares its permissions; answers its name.
pub(crate) async fn define(
    state: &AppState,
    actor: &Viewer,
    name: &str,
    asked: &[(String, String)],
) -> ApiResult<Prepared<String>> {
    let province = super::province_where(state, actor, "official", "defining roles").await?;
    let name = check_name(name)?;
    if state.authz.is_role(&name).await {
        return Err(ApiError::Conflict(format!("the role `{name}` exists: update it")));
    }
    let chosen = permissions(state, asked).await?;
    let details = json!({ "after": { "role": name, "permissions": listed(&chosen) } });
    Ok(prepared(name, &chosen, Vec::new(), details, province))
}

/// Checks new permissions for a role and prepares them (they replace its
/// permissions); a built-in role keeps those of the file.
pub(crate) async fn update(
    state: &AppState,
    actor: &Viewer,
    name: &str,
    asked: &[(String, String)],
) -> ApiResult<Prepared<String>> {
    let province = super::province_where(state, actor, "official", "defining roles").await?;
    let name = name.trim().to_owned();
    let roles = state.authz.roles().await;
    let Some((_, current)) = roles.iter().find(|(role, _)| *role == name) else {
        return Err(ApiError::NotFound(format!("there is no role `{name}`")));
    };
    let chosen = permissions(state, asked).await?;
    let kept: Vec<String> = built_in_permissions()
        .into_iter()
        .filter(|(role, object, action)| *role == name && !chosen.contains(&(object.clone(), action.clone())))
        .map(|(_, object, action)| format!("{object} {action}"))
        .collect();
    if !kept.is_empty() {
        return Err(ApiError::BadUserInput(format!(
            "`{name}` is a built-in role: it keeps {} (what the dossier's life needs)",
            kept.join(", ")
        )));
    }
    let delete = casbin_rule::Entity::delete_many()
        .filter(casbin_rule::Column::Ptype.eq("p"))
        .filter(casbin_rule::Column::V0.eq(name.as_str()))
        .into_query();
    let before: BTreeSet<(String, String)> = current.iter().cloned().collect();
    let details = json!({ "before": { "permissions": listed(&before) }, "after": { "permissions": listed(&chosen) } });
    Ok(prepared(name, &chosen, vec![Write::Delete(delete)], details, province))
}

/// Whether `role` is one of `policies/policy.csv`'s.
pub(crate) fn is_built_in(role: &str) -> bool {
    built_in_permissions().iter().any(|(name, _, _)| name == role)
}
