//! The administration of a province: officials and their role grants.

use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::enums::UserKind;
use crate::graphql::ids::{id_of, NodeType};
use crate::graphql::types::{ClientSecret, User};
use crate::services::administration::{self, grants, officials, service_accounts};
use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject, ID};
use uuid::Uuid;

/// The administration's mutations.
#[derive(Default)]
pub(super) struct AdministrationMutation;

/// `createOfficial`: a new login in an agency.
#[derive(InputObject)]
pub(super) struct CreateOfficialInput {
    /// The login, the `sub` of its tokens: 3 to 64 lower-case letters,
    /// digits, `.`, `_` or `-` (e.g. `motcua.30733.lan`). Unique in the system.
    pub username: String,
    /// Full name, e.g. *Nguyễn Thị Lan*.
    pub display_name: String,
    /// The code of the agency the official works in, where the caller manages officials.
    pub agency_code: String,
    /// Work e-mail address.
    pub email: Option<String>,
    /// A person (the default) or a service account.
    #[graphql(default_with = "UserKind::Person")]
    pub kind: UserKind,
}

/// `updateOfficial`: changes an official's name, e-mail or agency; what is
/// left out stays as it is.
#[derive(InputObject)]
pub(super) struct UpdateOfficialInput {
    /// The official's ID.
    pub id: ID,
    /// Full name.
    pub display_name: Option<String>,
    /// Work e-mail address; `null` removes it.
    pub email: MaybeUndefined<String>,
    /// Moves the official to the agency with this code (the caller manages officials in both).
    pub agency_code: Option<String>,
}

/// `deactivateOfficial`: ends an official's access.
#[derive(InputObject)]
pub(super) struct DeactivateOfficialInput {
    /// The official's ID.
    pub id: ID,
}

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

/// A role a new service account holds from the start.
#[derive(InputObject)]
pub(super) struct InitialRoleInput {
    /// The role (`roles` lists them).
    pub role: String,
    /// The agency where it applies.
    pub agency_code: String,
    /// True: over the agency's whole subtree.
    #[graphql(default)]
    pub subtree: bool,
}

/// `createServiceAccount`: a login for a third-party system.
#[derive(InputObject)]
pub(super) struct CreateServiceAccountInput {
    /// The login and OAuth `client_id`, e.g. `cong.thanhtoan` (rules as for an official's username).
    pub username: String,
    /// What system it is, e.g. *Cổng thanh toán tỉnh*.
    pub display_name: String,
    /// The agency it belongs to, where the caller manages officials.
    pub agency_code: String,
    /// Its roles, granted with the same rights as `grantRole`.
    #[graphql(default)]
    pub roles: Vec<InitialRoleInput>,
}

/// `issueClientSecret` and `revokeClientSecret`.
#[derive(InputObject)]
pub(super) struct ServiceAccountInput {
    /// The service account's ID.
    pub service_account: ID,
}

/// `revokeClientSecret`.
#[derive(InputObject)]
pub(super) struct RevokeClientSecretInput {
    /// The secret's ID.
    pub id: ID,
}

/// A client secret just issued: shown this once, never again.
#[derive(SimpleObject)]
pub(super) struct IssuedClientSecret {
    /// The OAuth `client_id`: the service account's username.
    pub client_id: String,
    /// The OAuth `client_secret`. Store it now: only its hash is kept.
    pub client_secret: String,
    /// The secret as listed later (without the secret).
    pub secret: ClientSecret,
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

/// An official's id; an ID of another type names no user.
fn user_id(id: &ID) -> Result<Uuid, ApiError> {
    id_of(id, NodeType::User, || ApiError::NotFound("no user with this id".into()))
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
impl AdministrationMutation {
    /// Creates an official (or a service account) in an agency where the
    /// caller holds `official manage` (an agency's admin, for its agency or
    /// subtree). The new official holds no role until `grantRole` gives one;
    /// its tokens work at once. `CONFLICT` when the username is taken;
    /// `NOT_FOUND` for an agency outside the caller's reach, as for a missing one.
    async fn create_official(&self, ctx: &Context<'_>, input: CreateOfficialInput) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let new = officials::NewOfficial {
            username: input.username,
            display_name: input.display_name,
            kind: input.kind.into(),
            agency_code: input.agency_code,
            email: input.email,
        };
        let prepared = officials::create(state, actor, new).await;
        Ok(User(administration::run(state, actor, officials::CREATE, prepared).await?))
    }

    /// Changes an official's name, e-mail or agency (needs `official manage`
    /// where it works, and where it moves to). Every instance reads the
    /// official again at once.
    async fn update_official(&self, ctx: &Context<'_>, input: UpdateOfficialInput) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id = user_id(&input.id)?;
        let changes = officials::OfficialChanges {
            display_name: input.display_name,
            email: match input.email {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(email) => Some(Some(email)),
            },
            agency_code: input.agency_code,
        };
        let prepared = officials::update(state, actor, id, changes).await;
        Ok(User(administration::run(state, actor, officials::UPDATE, prepared).await?))
    }

    /// Deactivates an official: every token naming it is refused from its
    /// next request on, on every server instance, and its subscriptions are
    /// closed (4403). Its grants stay, unused. An official cannot deactivate itself.
    async fn deactivate_official(
        &self,
        ctx: &Context<'_>,
        input: DeactivateOfficialInput,
    ) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = officials::deactivate(state, actor, user_id(&input.id)?).await;
        Ok(User(administration::run(state, actor, officials::DEACTIVATE, prepared).await?))
    }

    /// Gives an official a role over an agency or its subtree. The caller
    /// needs `official manage` over all of it (an admin grants only within
    /// what it administers: a commune's admin cannot make anyone a
    /// supervisor of its district) and over the official. The grant is used
    /// from the next request on, on every server instance. Returns the
    /// official, whose `roles` include it.
    async fn grant_role(&self, ctx: &Context<'_>, input: RoleGrantInput) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = grants::grant(state, actor, grant_request(input)?).await;
        Ok(User(administration::run(state, actor, grants::GRANT, prepared).await?))
    }

    /// Creates a service account for a third-party system in an agency
    /// where the caller manages officials, with its roles (each granted as
    /// `grantRole` would). It gets tokens with `issueClientSecret` and the
    /// OAuth 2.0 client-credentials grant at `POST /oauth/token`.
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceAccountInput,
    ) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let account = officials::NewOfficial {
            username: input.username,
            display_name: input.display_name,
            kind: entity::OfficialKind::Service,
            agency_code: input.agency_code,
            email: None,
        };
        let roles = input
            .roles
            .into_iter()
            .map(|r| service_accounts::InitialRole { role: r.role, agency_code: r.agency_code, subtree: r.subtree })
            .collect();
        let prepared = service_accounts::create(state, actor, account, roles).await;
        Ok(User(administration::run(state, actor, service_accounts::CREATE, prepared).await?))
    }

    /// Issues a client secret to a service account the caller manages. The
    /// secret is in this answer only; the server keeps its SHA-256. Trade it
    /// at `POST /oauth/token` (`grant_type=client_credentials`, HTTP Basic
    /// `clientId:clientSecret`) for a token valid for an hour.
    async fn issue_client_secret(
        &self,
        ctx: &Context<'_>,
        input: ServiceAccountInput,
    ) -> async_graphql::Result<IssuedClientSecret> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = service_accounts::issue(state, actor, user_id(&input.service_account)?).await;
        let issued = administration::run(state, actor, service_accounts::ISSUE, prepared).await?;
        let client_id = match crate::services::officials::find_by_ids(&state.db, &[issued.row.official_id]).await?.pop()
        {
            Some(account) => account.username,
            None => return Err(ApiError::internal("a secret of no account").into()),
        };
        Ok(IssuedClientSecret { client_id, client_secret: issued.secret, secret: ClientSecret(issued.row) })
    }

    /// Revokes a client secret: the token endpoint refuses it from the next
    /// request on (tokens already issued run out within the hour).
    async fn revoke_client_secret(
        &self,
        ctx: &Context<'_>,
        input: RevokeClientSecretInput,
    ) -> async_graphql::Result<ClientSecret> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id =
            id_of(&input.id, NodeType::ClientSecret, || ApiError::NotFound("no client secret with this id".into()))?;
        let prepared = service_accounts::revoke(state, actor, id).await;
        Ok(ClientSecret(administration::run(state, actor, service_accounts::REVOKE, prepared).await?))
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

    /// Takes a role back, with the same rights as `grantRole`; refused from
    /// the next request on, on every instance.
    async fn revoke_role(&self, ctx: &Context<'_>, input: RoleGrantInput) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = grants::revoke(state, actor, grant_request(input)?).await;
        Ok(User(administration::run(state, actor, grants::REVOKE, prepared).await?))
    }
}
