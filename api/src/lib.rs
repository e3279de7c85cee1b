//! motcua: the GraphQL API of Vietnam's one-stop administrative-procedure system.
//!
//! [`Application::build`] wires configuration, database, authentication,
//! authorization and the HTTP server; `main` only parses the command line.

pub mod app;
pub mod auth;
pub mod bench;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod graphql;
pub mod http;
pub mod request_id;
pub mod seed;
pub mod services;
pub mod state;

#[cfg(test)]
mod layers;

pub use app::Application;
