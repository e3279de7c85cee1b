//! Domain rules as plain functions, with unit tests that need no server.

pub mod calendar;
pub mod codes;
pub(crate) mod lifecycle;
pub mod paths;
pub(crate) mod scope;
pub(crate) mod steps;
