//! Domain rules as plain functions, with unit tests that need no server.

pub mod calendar;
pub mod codes;
pub mod lifecycle;
pub mod paths;
pub mod scope;
pub mod steps;
