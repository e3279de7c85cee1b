//! The agency directory: public.

use crate::graphql::context::{page_size, ContextExt};
use crate::graphql::enums::AgencyKind;
use crate::graphql::types::Agency;
use crate::services::agencies;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, InputObject, Object};

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
    /// An agency by code (`91`, `899`, `30733`, `91.STP`): the unit the code
    /// names today — or, once closed, the last to bear it, with `validTo`
    /// and `successors`. With `asOf`, the unit the code named on that day,
    /// under the name it bore then (null if none did).
    async fn agency(
        &self,
        ctx: &Context<'_>,
        code: String,
        as_of: Option<crate::graphql::scalars::Date>,
    ) -> async_graphql::Result<Option<Agency>> {
        let db = ctx.db();
        let Some(day) = as_of.map(|day| day.0) else {
            return Ok(agencies::find_by_code(db, &code).await?.map(|a| Agency(a.into())));
        };
        match agencies::find_on(db, &code, day).await? {
            Some(agency) => Ok(Some(Agency(agencies::as_of(db, agency, day).await?.into()))),
            None => Ok(None),
        }
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
        connection.edges.extend(page.items.into_iter().map(|a| Edge::new(agencies::cursor_of(&a), Agency(a.into()))));
        Ok(connection)
    }
}
