//! The integration suite, one binary; modules mirror the areas of the API.

mod bulk;
mod catalogue;
mod http;
mod identity;
mod limits;
mod pagination;
mod schema;
mod tenancy;
