//! The data model of motcua: sea-orm entities and the enums of the domain.
//!
//! This crate knows nothing of GraphQL or HTTP. Every tenant table carries the
//! agency it belongs to (its canonical path) and the province code, so that the
//! authorization filter is plain SQL and the data can be sharded by province.

pub mod agency;
pub mod agency_name;
pub mod agency_successor;
pub mod audit_log;
pub mod client_secret;
pub mod dossier;
pub mod dossier_code_sequence;
pub mod dossier_document;
pub mod dossier_event;
pub mod dossier_move;
pub mod enums;
pub mod field;
pub mod holiday;
pub mod notice_template;
pub mod office_hours;
pub mod official;
pub mod outbox_attempt;
pub mod outbox_consumer;
pub mod outbox_delivery;
pub mod portal_sync;
pub mod procedure;
pub mod procedure_document;
pub mod procedure_step;
pub mod reorganization;
pub mod trusted_document;

pub use enums::*;
