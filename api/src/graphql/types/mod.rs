//! GraphQL object types: thin wrappers over entity models.

pub(crate) mod agency;
pub(crate) mod audit;
pub(crate) mod calendar;
pub(crate) mod catalog;
pub(crate) mod document;
pub(crate) mod dossier;
pub(crate) mod event;
pub(crate) mod notice;
pub(crate) mod portal;
pub(crate) mod procedure;
pub(crate) mod reorganization;
pub(crate) mod report;
pub(crate) mod service_index;
pub(crate) mod tracked;
pub(crate) mod user;
pub(crate) mod webhook;

pub(crate) use agency::Agency;
pub(crate) use audit::AuditEntry;
pub(crate) use catalog::CatalogStats;
pub(crate) use document::DossierDocument;
pub(crate) use dossier::Dossier;
pub(crate) use event::DossierEvent;
pub(crate) use procedure::Procedure;
pub(crate) use report::{DossierReport, ReportGrouping};
pub(crate) use tracked::TrackedDossier;
pub(crate) use user::{ClientSecret, User, Viewer};
