//! The procedure catalogue.

use crate::graphql::context::{load, page_size, ContextExt};
use crate::graphql::enums::{OnlineMode, Tier};
use crate::graphql::ids::{parse_global_id, NodeType};
use crate::graphql::loaders::ProcedureId;
use crate::graphql::types::Procedure;
use crate::services::administration::catalogue::may_see;
use crate::services::procedures;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, InputObject, Object, ID};

/// Narrows the procedure catalogue.
#[derive(InputObject, Default)]
pub(crate) struct ProcedureFilter {
    /// Procedures this agency resolves: those it publishes and those published for its tier above it.
    pub agency_code: Option<String>,
    /// Only this tier.
    pub tier: Option<Tier>,
    /// Only this field (*lĩnh vực*), by code.
    pub field_code: Option<String>,
    /// Only this online mode.
    pub online_mode: Option<OnlineMode>,
    /// Part of the name, or the start of the national code.
    pub search: Option<String>,
}

/// The procedure catalogue.
#[derive(Default)]
pub(super) struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// A procedure version by global ID.
    async fn procedure(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Procedure>> {
        let (node_type, uuid) = parse_global_id(&id)?;
        if node_type != NodeType::Procedure {
            return Ok(None);
        }
        let Some(version) = load(ctx, ProcedureId(uuid)).await? else { return Ok(None) };
        let visible = may_see(ctx.state(), ctx.identity().viewer(), &version).await;
        Ok(visible.then_some(Procedure(version)))
    }

    /// Every field of administration (*lĩnh vực*), by code. Public.
    async fn fields(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<crate::graphql::types::procedure::Field>> {
        Ok(procedures::all_fields(ctx.db()).await?.into_iter().map(Into::into).collect())
    }

    /// The published catalogue (versions in force), by national code. Public.
    async fn procedures(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProcedureFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Procedure>> {
        let first = page_size(first)?;
        let filter = filter.unwrap_or_default();
        let filter = procedures::ProcedureFilter {
            agency_code: filter.agency_code,
            tier: filter.tier.map(Into::into),
            field_code: filter.field_code,
            online_mode: filter.online_mode.map(Into::into),
            search: filter.search,
        };
        let today = crate::services::tally::vietnam_day(ctx.state().clock.now());
        let page = procedures::list(ctx.db(), &filter, today, first, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection
            .edges
            .extend(page.items.into_iter().map(|p| Edge::new(procedures::cursor_of(&p), Procedure(p.into()))));
        Ok(connection)
    }
}
