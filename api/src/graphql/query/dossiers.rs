//! The dossiers.

use crate::domain::scope::Scope;
use crate::graphql::context::{loader, page_size, scope, ContextExt};
use crate::graphql::enums::{Channel, DossierOrder, DossierStatus};
use crate::graphql::loaders::{EventsOf, SyncOf};
use crate::graphql::types::portal::{SyncStatus, UnsyncedDossiers};
use crate::graphql::types::report::ReportCellInput;
use crate::graphql::types::Dossier;
use crate::services::dossiers;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::dataloader::Loader;
use async_graphql::{Context, InputObject, Object};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Narrows a dossier list (always inside what the caller may see).
#[derive(InputObject)]
pub(crate) struct DossierFilter {
    /// An agency (held or received there), with its whole subtree unless `subtree` is false.
    pub agency_code: Option<String>,
    /// Include the agency's subtree.
    #[graphql(default = true)]
    pub subtree: bool,
    /// Any of these statuses (as they are now; a report's figures: `reportCell`).
    pub status: Option<Vec<DossierStatus>>,
    /// Any of these channels.
    pub channel: Option<Vec<Channel>>,
    /// Received under this procedure (national code).
    pub procedure_code: Option<String>,
    /// Received at or after this time. Not a report's "received in the
    /// period", which counts dossiers taken in (a submission refused at
    /// intake too) where they were then: use `reportCell` for that.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before this time (see `receivedFrom`).
    pub received_to: Option<DateTime<Utc>>,
    /// Only overdue (true) or only not overdue (false) dossiers, now (a
    /// report's `pendingOverdue` at a period's end: `reportCell`).
    pub overdue: Option<bool>,
    /// A dossier code (or its beginning), or part of the applicant's name.
    pub search: Option<String>,
    /// Whose synchronisation with the national portal is any of these
    /// (`FAILED`: those the portal could not take; docs/PORTAL.md).
    pub sync_status: Option<Vec<SyncStatus>>,
    /// Exactly the dossiers one figure of a report counts (`totalCount` is
    /// the figure). The report counts dossiers by when they were taken in
    /// and ended and where they were then; `receivedFrom`/`receivedTo`,
    /// `status` and `overdue` describe a dossier as it is now, and a list
    /// filtered on them does not add up to a report's figures.
    pub report_cell: Option<ReportCellInput>,
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
            report_cell: None,
        }
    }
}

/// The filter a list was given, its report cell checked like the report
/// (`NOT_FOUND` for an agency the caller may not report on).
async fn filter_of(ctx: &Context<'_>, filter: Option<DossierFilter>) -> async_graphql::Result<dossiers::DossierFilter> {
    let Some(mut filter) = filter else {
        return Ok(dossiers::DossierFilter { subtree: true, ..Default::default() });
    };
    let cell = filter.report_cell.take();
    let mut filter: dossiers::DossierFilter = filter.into();
    if let Some(cell) = cell {
        filter.report_cell = Some(cell.checked(ctx).await?);
    }
    Ok(filter)
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

/// Reads the relations a dossier page selects before the field resolvers
/// ask for them one by one: agencies, procedure versions and officials this
/// instance does not remember yet (then remembered; usually none), the slips
/// and portal states into the request's loader cache — one statement per
/// type at most, whatever `first`, and no loader's batching delay.
async fn prefetch_dossier_relations(ctx: &Context<'_>, page: &[entity::dossier::Model]) -> async_graphql::Result<()> {
    let (edges, nodes) = (ctx.look_ahead().field("edges").field("node"), ctx.look_ahead().field("nodes"));
    let (state, db, loader) = (ctx.state(), ctx.db(), loader(ctx));
    let selected = |field: &str| edges.field(field).exists() || nodes.field(field).exists();
    let mut agencies: Vec<Uuid> = Vec::new();
    if selected("agency") {
        agencies.extend(page.iter().map(|d| d.agency_id));
    }
    if selected("receivingAgency") {
        agencies.extend(page.iter().map(|d| d.receiving_agency_id));
    }
    if selected("competentAgency") {
        agencies.extend(page.iter().map(|d| d.competent_agency_id));
    }
    let agencies = unremembered(agencies, |id| state.agencies.fresh(id).is_some());
    let procedures = match selected("procedure") {
        true => unremembered(page.iter().map(|d| d.procedure_id), |id| state.procedures.fresh(id).is_some()),
        false => Vec::new(),
    };
    let officials = match selected("assignee") {
        true => unremembered(page.iter().filter_map(|d| d.assignee_id), |id| state.officials.fresh(id).is_some()),
        false => Vec::new(),
    };
    let dossiers = |field: &str| match selected(field) {
        true => page.iter().map(|d| d.id).collect(),
        false => Vec::new(),
    };
    let (events, syncs): (Vec<Uuid>, Vec<Uuid>) = (dossiers("events"), dossiers("portalSync"));
    futures_util::try_join!(
        async {
            if !agencies.is_empty() {
                state.agencies.read(db, &agencies).await?;
            }
            Ok::<_, async_graphql::Error>(())
        },
        async {
            if !procedures.is_empty() {
                state.procedures.read(db, &procedures).await?;
            }
            Ok(())
        },
        async {
            if !officials.is_empty() {
                state.officials.read(db, &officials).await?;
            }
            Ok(())
        },
        async {
            if !events.is_empty() {
                let keys: Vec<EventsOf> = events.into_iter().map(EventsOf).collect();
                loader.feed_many(loader.loader().load(&keys).await.map_err(|e| e.to_graphql())?).await;
            }
            Ok(())
        },
        async {
            if !syncs.is_empty() {
                let keys: Vec<SyncOf> = syncs.into_iter().map(SyncOf).collect();
                loader.feed_many(loader.loader().load(&keys).await.map_err(|e| e.to_graphql())?).await;
            }
            Ok(())
        },
    )?;
    Ok(())
}

/// The distinct ids not `remembered`.
fn unremembered(ids: impl IntoIterator<Item = Uuid>, remembered: impl Fn(Uuid) -> bool) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.into_iter().filter(|id| !remembered(*id)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
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
        let columns = Dossier::columns_for(ctx.field().selection_set());
        if !ctx.look_ahead().field("events").exists() {
            return Ok(dossiers::find_by_code(ctx.db(), &scope, &code, &columns).await?.map(Dossier));
        }
        // Its slip read at the same time, not one round trip after the other.
        let (dossier, events) = futures_util::try_join!(
            dossiers::find_by_code(ctx.db(), &scope, &code, &columns),
            dossiers::events_by_code(ctx.db(), &scope, &code)
        )?;
        let Some(dossier) = dossier else { return Ok(None) };
        // The code is unique: the slip read is this dossier's.
        loader(ctx).feed_one(EventsOf(dossier.id), events).await;
        Ok(Some(Dossier(dossier)))
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
        let filter = filter_of(ctx, filter).await?;
        let scope = scope(ctx, "dossier", "read").await;
        // A page's dossiers are selected as `edges { node }` or as `nodes`.
        let (edges, nodes) = (ctx.look_ahead().field("edges").field("node"), ctx.look_ahead().field("nodes"));
        let selected = [edges.selection_fields(), nodes.selection_fields()].concat();
        let columns = Dossier::columns_for(selected.iter().flat_map(|node| node.selection_set()));
        let now = ctx.state().clock.now();
        let paging = dossiers::Paging { order, first, after: after.as_deref(), columns: &columns };
        let page = dossiers::list(ctx.db(), &scope, &filter, paging, now).await?;
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
