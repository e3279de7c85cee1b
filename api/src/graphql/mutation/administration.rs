//! The administration of officials: their logins and their deactivation.

use crate::graphql::context::ContextExt;
use crate::graphql::enums::UserKind;
use crate::graphql::ids::user_id;
use crate::graphql::types::User;
use crate::services::administration::{self, officials};
use async_graphql::{Context, InputObject, MaybeUndefined, Object, ID};

/// The officials' mutations.
#[derive(Default)]
pub(super) struct OfficialMutation;

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

#[Object]
impl OfficialMutation {
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
        Ok(User(administration::run(state, actor, officials::CREATE, prepared).await?.into()))
    }

    /// Changes an official's name, e-mail or agency (needs `official manage`
    /// where it works, and where it moves to). Every instance reads the
    /// official again at once.
    async fn update_official(&self, ctx: &Context<'_>, input: UpdateOfficialInput) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id = user_id(&input.id)?;
        let changes = officials::OfficialChanges {
            display_name: input.display_name,
            email: super::change(input.email),
            agency_code: input.agency_code,
        };
        let prepared = officials::update(state, actor, id, changes).await;
        Ok(User(administration::run(state, actor, officials::UPDATE, prepared).await?.into()))
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
        Ok(User(administration::run(state, actor, officials::DEACTIVATE, prepared).await?.into()))
    }
}
