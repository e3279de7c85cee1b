//! What a field costs beyond its object, and how long a whole list can be.

use crate::services::list_bounds::{self, ListBounds};

/// What `dossiers(filter: { reportCell })` costs beyond its page: a report's.
pub(super) const REPORT_CELL_WEIGHT: u64 = 50;

/// The cost of a field beyond the 1 of an object, for fields that run a
/// statement of their own over many rows.
pub(super) fn weight(parent: &str, field: &str) -> Option<u64> {
    match (parent, field) {
        ("Query", "dossierReport" | "serviceIndex") => Some(50),
        ("Query", "catalogStats" | "unsyncedDossiers") => Some(10),
        ("DossierConnection", "totalCount") => Some(10),
        ("Webhook", "pendingDeliveries" | "deadLetters") => Some(5),
        _ => None,
    }
}

/// How many items a list field that is not paged can hold. Every list field
/// of the schema is named here (a unit test checks it); a list nobody named
/// counts as [`UNNAMED_LIST`].
pub(crate) fn list_bound(bounds: &ListBounds, parent: &str, field: &str) -> Option<u64> {
    Some(match (parent, field) {
        // A page's items are counted by the connection's `first`.
        (connection, "edges" | "nodes") if connection.ends_with("Connection") => 1,
        ("Agency", "children") => bounds.children(),
        ("Agency", "successors") => bounds.successors(),
        ("Agency", "predecessors") => bounds.predecessors(),
        ("Agency", "names") => bounds.names(),
        ("PlannedClosure", "successors") => bounds.successors().max(20),
        ("ReorganizationPlan", "provinces") => 63,
        ("DossierReport", "rows") => (bounds.children() + 1)
            .max(list_bounds::REPORT_MONTHS)
            .max(bounds.procedure_versions())
            .max(bounds.fields()),
        ("CatalogStats", "byTier" | "byOnlineMode") => 3,
        ("CatalogStats", "byField") | ("Query", "fields") => bounds.fields(),
        ("Procedure", "steps") => bounds.steps(),
        ("User", "clientSecrets") => list_bounds::CLIENT_SECRETS,
        ("User", "trustedDocuments") => crate::services::administration::client_limits::MOST_DOCUMENTS,
        ("Procedure", "versions") => bounds.versions_per_procedure(),
        ("Procedure", "requiredDocuments") => bounds.required_documents(),
        ("Awaiting", "documents") | ("DossierEvent", "missingDocuments") => bounds.required_documents(),
        ("Dossier", "documents") => list_bounds::DOCUMENTS_PER_DOSSIER,
        ("TrackedDossier", "steps") => list_bounds::TRACKED_STEPS,
        ("Viewer" | "User", "roles") => bounds.roles(),
        ("Query", "roles") => bounds.defined_roles(),
        ("Role", "permissions") => bounds.permissions(),
        ("WorkingCalendar", "days") => 366,
        ("Query", "unsyncedDossiers") => (0..=list_bounds::TREE_LEVELS).map(|level| bounds.descendants(level)).sum(),
        ("Query", "noticeTemplates") => 12,
        ("Query", "noticeVariables") => crate::services::notices::VARIABLES.len() as u64,
        ("Dossier", "notices") => list_bounds::NOTICES_PER_DOSSIER,
        ("Query", "webhooks") => crate::services::administration::webhooks::MOST_PER_AGENCY,
        ("Webhook", "events") => crate::domain::lifecycle::COMMANDS.len() as u64 + 1,
        ("WebhookDelivery", "attempts") => crate::services::webhooks::ATTEMPTS_LISTED,
        _ => return None,
    })
}

/// The bound of a list field [`list_bound`] does not name.
pub(crate) const UNNAMED_LIST: u64 = 100;
