//! What administrators read: the officials they manage, and the roles.

use crate::graphql::context::{page_size, ContextExt};
use crate::graphql::types::User;
use crate::services::administration::officials;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, InputObject, Object, SimpleObject};

/// Narrows the officials an admin lists.
#[derive(InputObject, Default)]
pub(crate) struct OfficialFilter {
    /// Only the officials of the agency with this code…
    pub agency_code: Option<String>,
    /// …and, when true, of the agencies below it.
    #[graphql(default)]
    pub subtree: bool,
    /// Part of the username or the full name, case-insensitive.
    pub search: Option<String>,
    /// Only active (true) or only deactivated (false) officials.
    pub active: Option<bool>,
}

/// A role: what its holders may do, as casbin permissions.
#[derive(SimpleObject)]
pub(crate) struct Role {
    /// The role's name, as `grantRole` takes it.
    pub name: String,
    /// What it allows.
    pub permissions: Vec<Permission>,
    /// True for a role of `policies/policy.csv`, which keeps the file's permissions.
    pub built_in: bool,
}

/// An action on a kind of object, e.g. `dossier` `receive`.
#[derive(SimpleObject)]
pub(crate) struct Permission {
    /// The kind of object: `dossier`, `report`, `audit`, `procedure`, `official`, `agency`, `holiday`.
    pub object: String,
    /// The action, e.g. `read`, `receive`, `manage`.
    pub action: String,
}

/// The officials and roles.
#[derive(Default)]
pub(super) struct AdministrationQuery;

#[Object]
impl AdministrationQuery {
    /// The officials and service accounts of the agencies where the caller
    /// manages officials (`official manage`: an agency's admin), by
    /// username. Empty for everyone else.
    async fn officials(
        &self,
        ctx: &Context<'_>,
        filter: Option<OfficialFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, User>> {
        let first = page_size(first)?;
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let filter = filter.unwrap_or_default();
        let filter = officials::OfficialFilter {
            agency_code: filter.agency_code,
            subtree: filter.subtree,
            search: filter.search,
            active: filter.active,
        };
        let page = officials::list(state, actor, &filter, first, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection.edges.extend(page.items.into_iter().map(|o| Edge::new(officials::cursor_of(&o), User(o.into()))));
        Ok(connection)
    }

    /// The roles `grantRole` gives, with their permissions.
    async fn roles(&self, ctx: &Context<'_>) -> Vec<Role> {
        let roles = ctx.state().authz.roles().await;
        roles
            .into_iter()
            .map(|(name, permissions)| Role {
                built_in: crate::services::administration::roles::is_built_in(&name),
                name,
                permissions: permissions.into_iter().map(|(object, action)| Permission { object, action }).collect(),
            })
            .collect()
    }
}
