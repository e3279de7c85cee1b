//! The dossiers.

use crate::domain::scope::Scope;
use crate::error::ApiError;
use crate::graphql::context::RequestData;
use crate::graphql::context::{page_size, scope, ContextExt};
use crate::graphql::enums::{Channel, DossierOrder, DossierStatus};
use crate::graphql::loaders::{AgencyId, EventsOf, OfficialId, ProcedureId, SyncOf};
use crate::graphql::types::portal::{SyncStatus, UnsyncedDossiers};
use crate::graphql::types::Dossier;
use crate::services::dossiers;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, InputObject, Object};
use chrono::{DateTime, Utc};

/// Narrows a dossier list (always inside what the caller may see).
#[derive(InputObject)]
pub(crate) struct DossierFilter {
    /// An agency (held or received there), with its whole subtree unless `subtree` is false.
    pub agency_code: Option<String>,
    /// Include the agency's subtree.
    #[graphql(default = true)]
    pub subtree: bool,
    /// Any of these statuses.
    pub status: Option<Vec<DossierStatus>>,
    /// Any of these channels.
    pub channel: Option<Vec<Channel>>,
    /// Received under this procedure (national code).
    pub procedure_code: Option<String>,
    /// Received at or after this time.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before this time.
    pub received_to: Option<DateTime<Utc>>,
    /// Only overdue (true) or only not overdue (false) dossiers.
    pub overdue: Option<bool>,
    /// A dossier code (or its beginning), or part of the applicant's name.
    pub search: Option<String>,
    /// Whose synchronisation with the national portal is any of these
    /// (`FAILED`: those the portal could not take; docs/PORTAL.md).
    pub sync_status: Option<Vec<SyncStatus>>,
}

impl From<DossierFilter> for dossiers::DossierFilter {
    fn from(filter: DossierFilter) -> Self {
        Self {
            agency_code: filter.agency_code,
            subtree: filter.subtree,
            statuses: filter.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            channels: filter.channel.unwrap_or_default().into_iter().map(Into::into).collect(),
            procedure_code: filter.procedure_code,
            received_from: filter.received_from,
            received_to: filter.received_to,
            overdue: filter.overdue,
            search: filter.search,
            sync_statuses: filter.sync_status.unwrap_or_default().into_iter().map(SyncStatus::stored).collect(),
        }
    }
}

/// Extra fields of a dossier list.
pub(crate) struct DossierListInfo {
    scope: Scope,
    filter: dossiers::DossierFilter,
}

#[Object]
impl DossierListInfo {
    /// How many dossiers the filter matches (counted only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(dossiers::count(ctx.db(), &self.scope, &self.filter, ctx.state().clock.now()).await?)
    }
}

/// Loads the relations a dossier page selects, one query per type, before the
/// field resolvers ask for them one by one (they then hit the request's loader
/// cache). DataLoader batching alone depends on timing: a slow executor can
/// split a batch in two, and the statement count must not depend on `first`.
async fn prefetch_dossier_relations(ctx: &Context<'_>, page: &[entity::dossier::Model]) -> async_graphql::Result<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let loader = &ctx.data_unchecked::<std::sync::Arc<RequestData>>().loader;
    let mut agencies: Vec<AgencyId> = Vec::new();
    if node.field("agency").exists() {
        agencies.extend(page.iter().map(|d| AgencyId(d.agency_id)));
    }
    if node.field("receivingAgency").exists() {
        agencies.extend(page.iter().map(|d| AgencyId(d.receiving_agency_id)));
    }
    if node.field("competentAgency").exists() {
        agencies.extend(page.iter().map(|d| AgencyId(d.competent_agency_id)));
    }
    let procedures: Vec<ProcedureId> = if node.field("procedure").exists() {
        page.iter().map(|d| ProcedureId(d.procedure_id)).collect()
    } else {
        Vec::new()
    };
    let assignees: Vec<OfficialId> = if node.field("assignee").exists() {
        page.iter().filter_map(|d| d.assignee_id.map(OfficialId)).collect()
    } else {
        Vec::new()
    };
    let events: Vec<EventsOf> =
        if node.field("events").exists() { page.iter().map(|d| EventsOf(d.id)).collect() } else { Vec::new() };
    let syncs: Vec<SyncOf> =
        if node.field("portalSync").exists() { page.iter().map(|d| SyncOf(d.id)).collect() } else { Vec::new() };
    let to_graphql = |error: std::sync::Arc<ApiError>| error.to_graphql();
    futures_util::try_join!(
        async {
            if agencies.is_empty() {
                Ok(())
            } else {
                loader.load_many(agencies).await.map(drop).map_err(to_graphql)
            }
        },
        async {
            if procedures.is_empty() {
                Ok(())
            } else {
                loader.load_many(procedures).await.map(drop).map_err(to_graphql)
            }
        },
        async {
            if assignees.is_empty() {
                Ok(())
            } else {
                loader.load_many(assignees).await.map(drop).map_err(to_graphql)
            }
        },
        async {
            if events.is_empty() {
                Ok(())
            } else {
                loader.load_many(events).await.map(drop).map_err(to_graphql)
            }
        },
        async {
            if syncs.is_empty() {
                Ok(())
            } else {
                loader.load_many(syncs).await.map(drop).map_err(to_graphql)
            }
        },
    )?;
    Ok(())
}

/// The dossiers.
#[derive(Default)]
pub(super) struct DossierQuery;

#[Object]
impl DossierQuery {
    /// A dossier by code; null when it does not exist or the caller may not see it.
    async fn dossier(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Option<Dossier>> {
        ctx.viewer()?;
        let scope = scope(ctx, "dossier", "read").await;
        Ok(dossiers::find_by_code(ctx.db(), &scope, &code).await?.map(Dossier))
    }

    /// The dossiers the caller may see: those held or received by agencies where
    /// it has a role that reads dossiers (a supervisor: the whole subtree).
    async fn dossiers(
        &self,
        ctx: &Context<'_>,
        filter: Option<DossierFilter>,
        #[graphql(name = "orderBy")] order_by: Option<DossierOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Dossier, DossierListInfo, EmptyFields>> {
        ctx.viewer()?;
        let first = page_size(first)?;
        let order = order_by.unwrap_or_default().into();
        let filter: dossiers::DossierFilter = match filter {
            Some(filter) => filter.into(),
            None => dossiers::DossierFilter { subtree: true, ..Default::default() },
        };
        let scope = scope(ctx, "dossier", "read").await;
        let page =
            dossiers::list(ctx.db(), &scope, &filter, order, first, after.as_deref(), ctx.state().clock.now()).await?;
        prefetch_dossier_relations(ctx, &page.items).await?;
        let mut connection =
            Connection::with_additional_fields(after.is_some(), page.has_next_page, DossierListInfo { scope, filter });
        connection.edges.extend(page.items.into_iter().map(|d| Edge::new(dossiers::cursor_of(&d, order), Dossier(d))));
        Ok(connection)
    }

    /// The dossiers of an agency (with its subtree unless `subtree` is
    /// false) that the national portal does not have the latest status of,
    /// counted per agency holding them — those with any, the most failures
    /// first; `dossiers(filter: {syncStatus: [FAILED]})` lists them.
    /// `NOT_FOUND` for an agency the caller may not read the dossiers of.
    async fn unsynced_dossiers(
        &self,
        ctx: &Context<'_>,
        agency_code: String,
        #[graphql(default = true)] subtree: bool,
    ) -> async_graphql::Result<Vec<UnsyncedDossiers>> {
        ctx.viewer()?;
        let scope = scope(ctx, "dossier", "read").await;
        let agency =
            crate::services::agencies::require_by_code(ctx.db(), &agency_code, |agency| scope.contains(&agency.path))
                .await?;
        let pattern = match subtree {
            true => crate::domain::paths::PathPattern::Subtree(agency.path),
            false => crate::domain::paths::PathPattern::Agency(agency.path),
        };
        let rows = crate::services::portal_sync::unsynced(ctx.db(), &scope, &pattern).await?;
        Ok(rows.into_iter().map(UnsyncedDossiers).collect())
    }
}
