//! The reports and the catalogue's statistics.

use crate::graphql::context::{scope, ContextExt};
use crate::graphql::scalars::Date;
use crate::graphql::types::{CatalogStats, DossierReport, ReportGrouping};
use crate::services::{agencies, procedures, reports};
use async_graphql::{Context, Object};

/// The reports and the catalogue's statistics.
#[derive(Default)]
pub(super) struct ReportQuery;

#[Object]
impl ReportQuery {
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
        let (subject, index) = reports::service_index_of(
            ctx.db(),
            (&ctx.state().authz.lineage(), &scope),
            &agency_code,
            (from.0, to.0),
            now,
        )
        .await?;
        Ok(ServiceIndex { agency: subject.agency, from: from.0, to: to.0, as_of: now, index })
    }

    /// Catalogue statistics of an agency's subtree: the procedures in force
    /// that apply there per tier, online mode and field, and the share of
    /// those offered online that are published on the national portal.
    /// Public, like the catalogue; `NOT_FOUND` for an unknown agency. As a
    /// file: `GET /reports/catalog-stats.xlsx?agencyCode=…` (or `.csv`).
    async fn catalog_stats(&self, ctx: &Context<'_>, agency_code: String) -> async_graphql::Result<CatalogStats> {
        let agency = agencies::require_by_code(ctx.db(), &agency_code, |_| true).await?;
        let today = crate::services::tally::vietnam_day(ctx.state().clock.now());
        let counts = procedures::catalog_counts(ctx.db(), &agency, today).await?;
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
        let (subject, report) = reports::dossier_report_of(
            ctx.db(),
            (&ctx.state().authz.lineage(), &scope),
            &agency_code,
            (from.0, to.0),
            grouping.into(),
            now,
        )
        .await?;
        Ok(DossierReport { agency: subject.agency, from: from.0, to: to.0, grouping, report })
    }
}
