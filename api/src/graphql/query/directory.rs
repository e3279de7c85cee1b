//! The agency directory, the officials an admin manages, and the roles.

use crate::graphql::context::{page_size, ContextExt};
use crate::graphql::enums::AgencyKind;
use crate::graphql::types::{Agency, User};
use crate::services::administration::officials;
use crate::services::agencies;
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

/// Narrows the agency directory.
#[derive(InputObject, Default)]
pub(crate) struct AgencyFilter {
    /// Only the direct children of the agency with this code.
    pub parent_code: Option<String>,
    /// Only agencies of this kind.
    pub kind: Option<AgencyKind>,
    /// Part of the name, case-insensitive.
    pub search: Option<String>,
}

/// The agency directory.
#[derive(Default)]
pub(super) struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// An agency by code (`91`, `899`, `30733`, `91.STP`).
    async fn agency(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Option<Agency>> {
        Ok(agencies::find_by_code(ctx.db(), &code).await?.map(Agency))
    }

    /// The agency directory, parents before children. With `asOf`, only the
    /// agencies that existed on that day (`validFrom` ≤ it ≤ `validTo`): the
    /// tree as it stood then.
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        filter: Option<AgencyFilter>,
        as_of: Option<crate::graphql::scalars::Date>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Agency>> {
        let first = page_size(first)?;
        let filter = filter.unwrap_or_default();
        let filter = agencies::AgencyFilter {
            parent_code: filter.parent_code,
            kind: filter.kind.map(Into::into),
            search: filter.search,
            as_of: as_of.map(|day| day.0),
        };
        let page = agencies::list(ctx.db(), &filter, first, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection.edges.extend(page.items.into_iter().map(|a| Edge::new(agencies::cursor_of(&a), Agency(a))));
        Ok(connection)
    }

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
        connection.edges.extend(page.items.into_iter().map(|o| Edge::new(officials::cursor_of(&o), User(o))));
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
