//! Reading the dossiers' synchronisation with the national portal, inside
//! the caller's scope (the connector that keeps it: `outbox::portal`).

use crate::domain::paths::PathPattern;
use crate::domain::scope::Scope;
use crate::error::ApiResult;
use crate::services::outbox::portal::{FAILED, SYNCED};
use crate::services::outbox::PENDING;
use entity::{dossier, portal_sync};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, StatementBuilder,
};
use uuid::Uuid;

/// The synchronisation states of these dossiers (already authorised).
pub(crate) async fn of_dossiers(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<portal_sync::Model>> {
    Ok(portal_sync::Entity::find().filter(portal_sync::Column::DossierId.is_in(ids.iter().copied())).all(db).await?)
}

/// How many dossiers of one agency wait for the portal or failed to reach it.
#[derive(Debug, FromQueryResult)]
pub(crate) struct Unsynced {
    pub agency_id: Uuid,
    pub pending: i64,
    pub failed: i64,
}

/// Per agency holding them in `agency`'s subtree (or `agency` alone), the
/// dossiers visible in `scope` that the portal does not have the latest
/// status of: the agencies with any, the most failures first.
pub(crate) async fn unsynced(db: &DatabaseConnection, scope: &Scope, agency: &PathPattern) -> ApiResult<Vec<Unsynced>> {
    let within = scope.intersect(agency);
    if within.is_empty() {
        return Ok(Vec::new());
    }
    let status = || Expr::col((portal_sync::Entity, portal_sync::Column::Status));
    let count = |of: &str| Expr::cust(format!("SUM(CASE WHEN portal_sync.status = '{of}' THEN 1 ELSE 0 END)"));
    let query = Query::select()
        .column((dossier::Entity, dossier::Column::AgencyId))
        .expr_as(count(PENDING), Alias::new("pending"))
        .expr_as(count(FAILED), Alias::new("failed"))
        .from(portal_sync::Entity)
        .inner_join(
            dossier::Entity,
            Expr::col((dossier::Entity, dossier::Column::Id))
                .equals((portal_sync::Entity, portal_sync::Column::DossierId)),
        )
        .and_where(status().ne(SYNCED))
        .cond_where(crate::services::dossiers::visible_in(&within))
        .group_by_col((dossier::Entity, dossier::Column::AgencyId))
        .to_owned();
    let statement = StatementBuilder::build(&query, &db.get_database_backend());
    let mut rows = Unsynced::find_by_statement(statement).all(db).await?;
    rows.sort_by(|a, b| b.failed.cmp(&a.failed).then(b.pending.cmp(&a.pending)));
    Ok(rows)
}
