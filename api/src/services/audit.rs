//! The audit log: one row per mutation, successful or not, with who did it,
//! where, to what, and how it ended.

use super::cursor::Cursor;
use super::Page;
use crate::auth::Viewer;
use crate::domain::paths::PathPattern;
use crate::domain::scope::Scope;
use crate::error::{ApiError, ApiResult};
use crate::services::scope::ScopeCondition;
use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

/// What an audit row says.
#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    pub actor: Option<&'a Viewer>,
    /// The agency the operation touched (or, for a refused one, the caller's own).
    pub agency_path: Option<String>,
    pub province_code: Option<String>,
    /// The GraphQL mutation.
    pub operation: &'static str,
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
    /// An administrative command's before and after, in compact JSON.
    pub details: Option<String>,
}

impl<'a> Entry<'a> {
    /// An entry of `actor`'s `operation` on an object of `target_type`; the
    /// agency and the target's id are filled in as the operation learns them.
    pub(crate) fn new(actor: &'a Viewer, operation: &'static str, target_type: &'static str) -> Self {
        Self {
            actor: Some(actor),
            agency_path: None,
            province_code: None,
            operation,
            target_type: Some(target_type),
            target_id: None,
            details: None,
        }
    }

    /// The row with `outcome`, to insert.
    pub(crate) fn row(&self, outcome: Result<(), &ApiError>, at: DateTime<Utc>) -> audit_log::ActiveModel {
        audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            actor_id: Set(self.actor.map(|a| a.id)),
            actor: Set(self.actor.map(|a| a.username.clone())),
            agency_path: Set(self.agency_path.clone()),
            province_code: Set(self.province_code.clone()),
            operation: Set(self.operation.into()),
            target_type: Set(self.target_type.map(Into::into)),
            target_id: Set(self.target_id.clone()),
            outcome: Set(match outcome {
                Ok(()) => "OK".into(),
                Err(error) => error.code().into(),
            }),
            request_id: Set(crate::request_id::current()),
            details: Set(self.details.clone()),
            created_at: Set(at),
        }
    }
}

/// A page of the audit rows of agencies in `scope` (narrowed to `agency`
/// when given), newest first.
pub(crate) async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    agency: Option<&PathPattern>,
    first: u64,
    after: Option<&str>,
) -> ApiResult<Page<audit_log::Model>> {
    let cursor = after.map(|text| Cursor::decode(text, AUDIT_ORDER)).transpose()?;
    let scope = match agency {
        Some(pattern) => scope.intersect(pattern),
        None => scope.clone(),
    };
    if scope.is_empty() {
        return Ok(Page::empty());
    }
    let mut query = audit_log::Entity::find().filter(scope.condition(audit_log::Column::AgencyPath));
    if let Some(cursor) = cursor {
        query = query.filter(audit_log::Column::Id.lt(cursor.id));
    }
    let rows = query.order_by_desc(audit_log::Column::Id).limit(first + 1).all(db).await?;
    Ok(Page::from_rows(rows, first))
}

const AUDIT_ORDER: &str = "AUDIT";

/// The cursor after `row`.
pub(crate) fn cursor_of(row: &audit_log::Model) -> String {
    Cursor { order: AUDIT_ORDER.into(), at: None, key: None, id: row.id }.encode()
}

/// Writes `entry`'s row with `outcome` (through `services::writes`, on either database).
pub(crate) async fn record(
    state: &crate::state::AppState,
    entry: &Entry<'_>,
    outcome: Result<(), &ApiError>,
) -> ApiResult<()> {
    use sea_orm::QueryTrait;
    let row = audit_log::Entity::insert(entry.row(outcome, state.clock.now())).into_query();
    let unit = super::writes::Unit::of(super::writes::Write::Insert(row));
    super::writes::run(state, unit).await.map(drop)
}
