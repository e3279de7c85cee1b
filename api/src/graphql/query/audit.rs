//! The audit log.

use crate::graphql::context::{page_size, scope, ContextExt};
use crate::graphql::types::AuditEntry;
use crate::services::{agencies, audit};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object};

/// The audit log.
#[derive(Default)]
pub(super) struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log of the agencies where the caller may read it (an
    /// agency's admins and leaders: that agency; a supervisor: the subtree),
    /// newest first; `agencyCode` narrows it to an agency and its subtree.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        agency_code: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry>> {
        ctx.viewer()?;
        let first = page_size(first)?;
        let scope = scope(ctx, "audit", "read").await;
        let agency = match agency_code {
            None => None,
            Some(code) => match agencies::find_by_code(ctx.db(), &code).await? {
                Some(agency) => Some(crate::domain::paths::PathPattern::Subtree(agency.path)),
                None => return Ok(Connection::new(false, false)),
            },
        };
        let page = audit::list(ctx.db(), &scope, agency.as_ref(), first, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection
            .edges
            .extend(page.items.into_iter().map(|row| Edge::new(audit::cursor_of(&row), AuditEntry::from(row))));
        Ok(connection)
    }
}
