//! The query root.

use crate::domain::scope::Scope;
use crate::error::ApiError;
use crate::graphql::context::RequestData;
use crate::graphql::context::{load, page_size, scope, ContextExt};
use crate::graphql::enums::{AgencyKind, Channel, DossierOrder, DossierStatus, OnlineMode, Tier};
use crate::graphql::ids::{parse_global_id, NodeType};
use crate::graphql::loaders::{AgencyId, EventsOf, OfficialId, ProcedureId};
use crate::graphql::scalars::Date;
use crate::graphql::types::{
    Agency, AuditEntry, CatalogStats, Dossier, DossierDocument, DossierEvent, DossierReport, Procedure, ReportGrouping,
    TrackedDossier, User, Viewer,
};
use crate::services::{agencies, audit, documents, dossiers, procedures, reports, tracking};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, InputObject, Interface, Object, ID};
use chrono::{DateTime, Utc};
use entity::dossier_event;
use sea_orm::EntityTrait;

/// An object with a global ID (Relay).
// The variants are the object types themselves, as async-graphql requires.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global ID."))]
pub enum Node {
    Agency(Agency),
    Procedure(Procedure),
    Dossier(Dossier),
    DossierEvent(DossierEvent),
    DossierDocument(DossierDocument),
    User(User),
}

/// Narrows the agency directory.
#[derive(InputObject, Default)]
pub struct AgencyFilter {
    /// Only the direct children of the agency with this code.
    pub parent_code: Option<String>,
    /// Only agencies of this kind.
    pub kind: Option<AgencyKind>,
    /// Part of the name, case-insensitive.
    pub search: Option<String>,
}

/// Narrows the procedure catalogue.
#[derive(InputObject, Default)]
pub struct ProcedureFilter {
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

/// Narrows a dossier list (always inside what the caller may see).
#[derive(InputObject)]
pub struct DossierFilter {
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
        }
    }
}

/// Extra fields of a dossier list.
pub struct DossierListInfo {
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
    )?;
    Ok(())
}

/// The read API.
#[derive(Default)]
pub struct Query;

#[Object]
impl Query {
    /// Any object by its global ID; null when it does not exist or the caller may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let (node_type, uuid) = parse_global_id(&id)?;
        Ok(match node_type {
            NodeType::Agency => load(ctx, AgencyId(uuid)).await?.map(|a| Node::Agency(Agency(a))),
            NodeType::Procedure => load(ctx, ProcedureId(uuid)).await?.map(|p| Node::Procedure(Procedure(p))),
            NodeType::Dossier => {
                let scope = scope(ctx, "dossier", "read").await;
                dossiers::find_by_id(ctx.db(), &scope, uuid).await?.map(|d| Node::Dossier(Dossier(d)))
            }
            NodeType::DossierEvent => {
                let Some(event) =
                    dossier_event::Entity::find_by_id(uuid).one(ctx.db()).await.map_err(ApiError::from)?
                else {
                    return Ok(None);
                };
                let scope = scope(ctx, "dossier", "read").await;
                dossiers::find_by_id(ctx.db(), &scope, event.dossier_id)
                    .await?
                    .map(|_| Node::DossierEvent(DossierEvent(event)))
            }
            NodeType::DossierDocument => {
                let scope = scope(ctx, "dossier", "read").await;
                documents::find_visible(ctx.db(), &scope, uuid)
                    .await?
                    .map(|d| Node::DossierDocument(DossierDocument(d)))
            }
            NodeType::User => {
                let Some(viewer) = ctx.identity().viewer() else { return Ok(None) };
                let Some(user) = load(ctx, OfficialId(uuid)).await? else { return Ok(None) };
                let visible = if user.id == viewer.id {
                    true
                } else {
                    let agency = load(ctx, AgencyId(user.agency_id)).await?;
                    let scope = scope(ctx, "dossier", "read").await;
                    agency.is_some_and(|a| scope.contains(&a.path))
                };
                visible.then_some(Node::User(User(user)))
            }
        })
    }

    /// The caller: user, agency and roles; null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> Option<Viewer> {
        ctx.identity().viewer().cloned().map(Viewer)
    }

    /// An agency by code (`91`, `899`, `30733`, `91.STP`).
    async fn agency(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Option<Agency>> {
        Ok(agencies::find_by_code(ctx.db(), &code).await?.map(Agency))
    }

    /// The agency directory, parents before children.
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        filter: Option<AgencyFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Agency>> {
        let first = page_size(first)?;
        let filter = filter.unwrap_or_default();
        let filter = agencies::AgencyFilter {
            parent_code: filter.parent_code,
            kind: filter.kind.map(Into::into),
            search: filter.search,
        };
        let page = agencies::list(ctx.db(), &filter, first, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection.edges.extend(page.items.into_iter().map(|a| Edge::new(agencies::cursor_of(&a), Agency(a))));
        Ok(connection)
    }

    /// A procedure version by global ID.
    async fn procedure(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Procedure>> {
        let (node_type, uuid) = parse_global_id(&id)?;
        if node_type != NodeType::Procedure {
            return Ok(None);
        }
        Ok(load(ctx, ProcedureId(uuid)).await?.map(Procedure))
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
        let page = procedures::list(ctx.db(), &filter, first, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection.edges.extend(page.items.into_iter().map(|p| Edge::new(procedures::cursor_of(&p), Procedure(p))));
        Ok(connection)
    }

    /// The audit log of the agencies where the caller may read it (an
    /// agency's admins and leaders: that agency; a supervisor: the subtree),
    /// newest first; `agencyCode` narrows it to an agency and its subtree.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        agency_code: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry>> {
        ctx.viewer()?;
        let first = page_size(first)?;
        let scope = scope(ctx, "audit", "read").await;
        let agency = match agency_code {
            None => None,
            Some(code) => match agencies::find_by_code(ctx.db(), &code).await? {
                Some(agency) => Some(crate::domain::paths::PathPattern::Subtree(agency.path)),
                None => return Ok(Connection::new(false, false)),
            },
        };
        let page = audit::list(ctx.db(), &scope, agency.as_ref(), first, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection
            .edges
            .extend(page.items.into_iter().map(|row| Edge::new(audit::cursor_of(&row), AuditEntry::from(row))));
        Ok(connection)
    }

    /// A province's working-day calendar for a year: its office hours and
    /// the holidays and compensatory working days deadlines are counted with.
    async fn calendar(
        &self,
        ctx: &Context<'_>,
        province_code: String,
        year: i32,
    ) -> async_graphql::Result<crate::graphql::types::calendar::WorkingCalendar> {
        if !(2000..=2100).contains(&year) {
            return Err(ApiError::BadUserInput("`year` must be between 2000 and 2100".into()).into());
        }
        Ok(crate::graphql::types::calendar::WorkingCalendar::load(ctx.db(), province_code, year).await?)
    }

    /// Anonymous tracking (*tra cứu hồ sơ*): the dossier with this code whose
    /// applicant has this phone number — its status, the steps passed, the
    /// due date and what is awaited from the applicant. A wrong phone number
    /// gets the same `null` as a missing code; after 5 unsuccessful lookups in
    /// 15 minutes a client gets `LIMIT_EXCEEDED` until the window passes.
    async fn track_dossier(
        &self,
        ctx: &Context<'_>,
        code: String,
        phone: String,
    ) -> async_graphql::Result<Option<TrackedDossier>> {
        let state = ctx.state();
        let client = ctx.data_unchecked::<std::sync::Arc<RequestData>>().client;
        let Some((dossier, events)) = tracking::track(&state.db, &state.tracking, client, &code, &phone).await? else {
            return Ok(None);
        };
        let procedure = load(ctx, ProcedureId(dossier.procedure_id)).await?.map(|p| p.name).unwrap_or_default();
        let agency = load(ctx, AgencyId(dossier.agency_id)).await?.map(|a| a.name).unwrap_or_default();
        Ok(Some(TrackedDossier::new(dossier, events, procedure, agency, state.clock.now())))
    }

    /// The service-index indicators (Decision 766/QĐ-TTg) of an agency and
    /// its subtree over the days `from` to `to`: each a count, a base and a
    /// ratio. The same rights and scope as `dossierReport`. As a file:
    /// `GET /reports/service-index.xlsx?agencyCode=…&from=…&to=…` (or `.csv`).
    async fn service_index(
        &self,
        ctx: &Context<'_>,
        agency_code: String,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<crate::graphql::types::service_index::ServiceIndex> {
        use crate::graphql::types::service_index::ServiceIndex;
        ctx.viewer()?;
        let scope = scope(ctx, "report", "read").await;
        let now = ctx.state().clock.now();
        let (subject, index) = reports::service_index_of(ctx.db(), &scope, &agency_code, (from.0, to.0), now).await?;
        Ok(ServiceIndex { agency: subject.agency, from: from.0, to: to.0, as_of: now, index })
    }

    /// Catalogue statistics of an agency's subtree: the procedures in force
    /// that apply there per tier, online mode and field, and the share of
    /// those offered online that are published on the national portal.
    /// Public, like the catalogue; `NOT_FOUND` for an unknown agency. As a
    /// file: `GET /reports/catalog-stats.xlsx?agencyCode=…` (or `.csv`).
    async fn catalog_stats(&self, ctx: &Context<'_>, agency_code: String) -> async_graphql::Result<CatalogStats> {
        let agency = agencies::require_by_code(ctx.db(), &agency_code, |_| true).await?;
        let counts = procedures::catalog_counts(ctx.db(), &agency).await?;
        Ok(CatalogStats { agency, counts })
    }

    /// The periodic report on dossier handling (form II.06a) of an agency
    /// and its subtree, over the days `from` to `to` (both included, Vietnam
    /// time). Needs a reporting right on the agency (its leader, or a
    /// supervisor of a subtree holding it); counts only the agencies the
    /// caller may report on. An agency the caller may not report on gets
    /// `NOT_FOUND`, as a missing one does. The same report as a file, with
    /// the form's Vietnamese headings: `GET
    /// /reports/dossier-report.xlsx?agencyCode=…&from=…&to=…&groupBy=…` (or
    /// `.csv`) with the same token.
    async fn dossier_report(
        &self,
        ctx: &Context<'_>,
        agency_code: String,
        from: Date,
        to: Date,
        group_by: Option<ReportGrouping>,
    ) -> async_graphql::Result<DossierReport> {
        ctx.viewer()?;
        let scope = scope(ctx, "report", "read").await;
        let grouping = group_by.unwrap_or_default();
        let now = ctx.state().clock.now();
        let (subject, report) =
            reports::dossier_report_of(ctx.db(), &scope, &agency_code, (from.0, to.0), grouping.into(), now).await?;
        Ok(DossierReport { agency: subject.agency, from: from.0, to: to.0, grouping, report })
    }

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
}
