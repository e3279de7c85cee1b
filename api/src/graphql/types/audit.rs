//! `AuditEntry`: one row of the audit log.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use entity::audit_log;

/// One mutation as the audit log recorded it: who, where, what, on which
/// object, and how it ended.
#[derive(SimpleObject)]
pub(crate) struct AuditEntry {
    /// The caller's username.
    pub actor: Option<String>,
    /// The agency the operation touched (for a refused operation on an
    /// object the caller could not see: the caller's own agency).
    pub agency_path: Option<String>,
    /// The mutation, e.g. `receiveDossier`.
    pub operation: String,
    /// The type of the object acted on, e.g. `Dossier`.
    pub target_type: Option<String>,
    /// The database id of the object acted on.
    pub target_id: Option<String>,
    /// `OK`, or the error code the caller got (`NOT_FOUND`, `CONFLICT`, …).
    pub outcome: String,
    /// The request id (also in the server's logs and the `x-request-id` header).
    pub request_id: String,
    /// For an administrative command that ran: what it changed, as compact
    /// JSON with `before` and `after` (e.g. `{"before":{"active":true},"after":{"active":false}}`).
    pub details: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(row: audit_log::Model) -> Self {
        Self {
            actor: row.actor,
            agency_path: row.agency_path,
            operation: row.operation,
            target_type: row.target_type,
            target_id: row.target_id,
            outcome: row.outcome,
            request_id: row.request_id,
            details: row.details,
            at: row.created_at,
        }
    }
}
