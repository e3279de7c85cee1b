//! The query root: one object per area, joined in the order the schema lists their fields.

mod administration;
mod audit;
mod calendar;
mod catalogue;
mod directory;
mod dossiers;
mod notices;
mod reports;
mod root;
mod tracking;
mod webhooks;

use async_graphql::MergedObject;

// The query root (no description: the schema keeps the one it had).
#[derive(MergedObject, Default)]
pub(crate) struct Query(
    root::RootQuery,
    directory::DirectoryQuery,
    administration::AdministrationQuery,
    catalogue::CatalogueQuery,
    audit::AuditQuery,
    calendar::CalendarQuery,
    tracking::TrackingQuery,
    reports::ReportQuery,
    dossiers::DossierQuery,
    webhooks::WebhookQuery,
    notices::NoticeQuery,
);
