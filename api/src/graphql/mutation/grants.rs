//! Roles and grants: what each role may do, and who holds which where.

use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::user_id;
use crate::graphql::types::User;
use crate::services::administration::{self, grants};
use async_graphql::{Context, InputObject, Object, ID};

/// The mutations of roles and grants.
#[derive(Default)]
pub(super) struct GrantMutation;

/// `grantRole` and `revokeRole`: a role over an agency, or over its whole subtree.
#[derive(InputObject)]
pub(super) struct RoleGrantInput {
    /// The official's ID.
    pub official: ID,
    /// The role (`roles` lists them): `receiver`, `specialist`, `leader`, `admin`, `supervisor`, `portal`, …
    pub role: String,
    /// The agency where the role applies.
    pub agency_code: String,
    /// True: the role applies in the agency and every agency below it, now and later.
    #[graphql(default)]
    pub subtree: bool,
}

/// A permission of a role: an action on a kind of object.
#[derive(InputObject)]
pub(super) struct PermissionInput {
    /// The kind of object, e.g. `dossier`.
    pub object: String,
    /// The action, e.g. `confirm_payment`.
    pub action: String,
}

/// `defineRole` and `updateRole`.
#[derive(InputObject)]
pub(super) struct RoleInput {
    /// The role's name: lower-case letters and `_`, e.g. `fee_officer`.
    pub name: String,
    /// Its permissions, each one some role has already (`roles` lists them).
    pub permissions: Vec<PermissionInput>,
}

fn permission_pairs(input: &RoleInput) -> Vec<(String, String)> {
    input.permissions.iter().map(|p| (p.object.clone(), p.action.clone())).collect()
}

fn grant_request(input: RoleGrantInput) -> Result<grants::GrantRequest, ApiError> {
    Ok(grants::GrantRequest {
        official: user_id(&input.official)?,
        role: input.role,
        agency_code: input.agency_code,
        subtree: input.subtree,
    })
}

#[Object]
impl GrantMutation {
    /// Gives an official a role over an agency or its subtree. The caller
    /// needs `official manage` over all of it (an admin grants only within
    /// what it administers: a commune's admin cannot make anyone a
    /// supervisor of its district) and over the official. The grant is used
    /// from the next request on, on every server instance. Returns the
    /// official, whose `roles` include it.
    async fn grant_role(&self, ctx: &Context<'_>, input: RoleGrantInput) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = grants::grant(state, actor, grant_request(input)?).await;
        Ok(User(administration::run(state, actor, grants::GRANT, prepared).await?.into()))
    }

    /// Takes a role back, with the same rights as `grantRole`; refused from
    /// the next request on, on every instance.
    async fn revoke_role(&self, ctx: &Context<'_>, input: RoleGrantInput) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = grants::revoke(state, actor, grant_request(input)?).await;
        Ok(User(administration::run(state, actor, grants::REVOKE, prepared).await?.into()))
    }

    /// Defines a role made of permissions that exist already (e.g. a fee
    /// officer with `dossier read`, `dossier request_payment` and `dossier
    /// confirm_payment`). Needs `official manage` at a province. Grant it
    /// with `grantRole`; every instance uses it at once. Returns its name.
    async fn define_role(&self, ctx: &Context<'_>, input: RoleInput) -> async_graphql::Result<String> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = administration::roles::define(state, actor, &input.name, &permission_pairs(&input)).await;
        Ok(administration::run(state, actor, administration::roles::DEFINE, prepared).await?)
    }

    /// Replaces a role's permissions. A built-in role (`policies/policy.csv`)
    /// keeps every permission of the file — what the dossier's life needs —
    /// and may gain others. Returns its name.
    async fn update_role(&self, ctx: &Context<'_>, input: RoleInput) -> async_graphql::Result<String> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = administration::roles::update(state, actor, &input.name, &permission_pairs(&input)).await;
        Ok(administration::run(state, actor, administration::roles::UPDATE, prepared).await?)
    }
}
