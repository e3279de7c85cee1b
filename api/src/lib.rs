//! motcua: the GraphQL API of Vietnam's one-stop administrative-procedure system.
//!
//! [`Application::build`] wires configuration, database, authentication,
//! authorization and the HTTP server; `main` only parses the command line.

//! What other crates use — the command line (`api/cli`), the demo data and
//! the dossier generator (`api/seed`) and the test suite — is public; everything else is `pub(crate)`, so that the
//! `unreachable_pub` lint says when an item is wider than it needs to be.

pub mod app;
pub mod config;
pub mod db;
pub mod domain;
pub mod telemetry;

pub(crate) mod auth;
pub(crate) mod error;
pub(crate) mod export;
pub(crate) mod graphql;
pub(crate) mod http;
pub(crate) mod request_id;
pub(crate) mod services;
pub(crate) mod state;

#[cfg(test)]
mod layers;

pub use app::{Application, Demo};
pub use auth::Authenticator;
pub use graphql::ids::{global_id, NodeType};
pub use graphql::sdl;
pub use services::imports::{dossiers_from_command_line as import_dossiers, from_command_line as import};
pub use services::reorganization::from_command_line as reorganize;
pub use services::{now, tally};
pub use state::AppState;
