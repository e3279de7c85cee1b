//! Domain rules as plain functions, with unit tests that need no server.

pub(crate) mod calendar;
pub(crate) mod codes;
pub(crate) mod lifecycle;
pub(crate) mod paths;
pub(crate) mod scope;
pub(crate) mod steps;
