//! The integration suite, one binary; modules mirror the areas of the API.

mod administration;
mod attacks;
mod bulk;
mod catalogue;
mod commands;
mod documents;
mod dossier_imports;
mod errors;
mod exports;
mod fuzz;
mod http;
mod identity;
mod imports;
mod lifecycle;
mod limits;
mod pagination;
mod playground;
mod province;
mod remembered;
mod reorganization;
mod reports;
mod schema;
mod subscriptions;
mod tenancy;
mod tracking;
mod webhooks;
