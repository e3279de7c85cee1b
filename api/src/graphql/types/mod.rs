//! GraphQL object types: thin wrappers over entity models.

pub mod agency;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod document;
pub mod dossier;
pub mod event;
pub mod procedure;
pub mod report;
pub mod service_index;
pub mod tracked;
pub mod user;

pub use agency::Agency;
pub use audit::AuditEntry;
pub use catalog::CatalogStats;
pub use document::DossierDocument;
pub use dossier::Dossier;
pub use event::DossierEvent;
pub use procedure::Procedure;
pub use report::{DossierReport, ReportGrouping};
pub use tracked::TrackedDossier;
pub use user::{User, Viewer};
