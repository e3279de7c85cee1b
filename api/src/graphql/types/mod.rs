//! GraphQL object types: thin wrappers over entity models.

pub mod agency;
pub mod dossier;
pub mod event;
pub mod procedure;
pub mod user;

pub use agency::Agency;
pub use dossier::Dossier;
pub use event::DossierEvent;
pub use procedure::Procedure;
pub use user::{User, Viewer};
