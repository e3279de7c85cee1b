//! Reading dossiers, always inside the caller's scope.

use super::cursor::Cursor;
use super::scope::Scope;
use super::{escape_like, Page};
use crate::domain::codes::parse_dossier_code;
use crate::domain::paths::PathPattern;
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use entity::{dossier, dossier_event, procedure, Channel, DossierStatus};
use sea_orm::sea_query::{Expr, Func, LikeExpr, NullOrdering, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

/// Narrows a dossier list.
#[derive(Debug, Default, Clone)]
pub struct DossierFilter {
    /// An agency, with its whole subtree unless `subtree` is false.
    pub agency_code: Option<String>,
    pub subtree: bool,
    pub statuses: Vec<DossierStatus>,
    pub channels: Vec<Channel>,
    pub procedure_code: Option<String>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    /// A dossier code (or its beginning), or part of the applicant's name.
    pub search: Option<String>,
}

/// The orderings of a dossier list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DossierOrder {
    /// Newest first, by when the dossier was filed.
    #[default]
    FiledDesc,
    /// Oldest first.
    FiledAsc,
    /// The soonest due first; dossiers without a due date last.
    DueAsc,
}

impl DossierOrder {
    fn name(self) -> &'static str {
        match self {
            Self::FiledDesc => "RECEIVED_AT_DESC",
            Self::FiledAsc => "RECEIVED_AT_ASC",
            Self::DueAsc => "DUE_AT_ASC",
        }
    }
}

/// The condition that a dossier is visible in `scope`: it is held by an agency
/// in the scope, or was received by one (the receiving agency of an
/// inter-agency dossier keeps sight of it).
pub fn visible_in(scope: &Scope) -> Condition {
    Condition::any()
        .add(scope.condition(dossier::Column::AgencyPath))
        .add(scope.condition(dossier::Column::ReceivingAgencyPath))
}

/// The dossier with this code, if it is visible in `scope`.
pub async fn find_by_code(db: &DatabaseConnection, scope: &Scope, code: &str) -> ApiResult<Option<dossier::Model>> {
    if scope.is_empty() {
        return Ok(None);
    }
    Ok(dossier::Entity::find().filter(dossier::Column::Code.eq(code)).filter(visible_in(scope)).one(db).await?)
}

/// The dossier with this id, if it is visible in `scope`.
pub async fn find_by_id(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> ApiResult<Option<dossier::Model>> {
    if scope.is_empty() {
        return Ok(None);
    }
    Ok(dossier::Entity::find_by_id(id).filter(visible_in(scope)).one(db).await?)
}

/// The filter as a SQL condition (without the scope).
async fn filter_condition(
    db: &DatabaseConnection,
    filter: &DossierFilter,
    now: DateTime<Utc>,
) -> ApiResult<Option<Condition>> {
    let mut condition = Condition::all();
    if let Some(code) = &filter.agency_code {
        let Some(agency) = super::agencies::find_by_code(db, code).await? else {
            return Ok(None);
        };
        let pattern = if filter.subtree { PathPattern::Subtree(agency.path) } else { PathPattern::Agency(agency.path) };
        condition = condition.add(visible_in(&Scope::new([pattern])));
    }
    if !filter.statuses.is_empty() {
        condition = condition.add(dossier::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if !filter.channels.is_empty() {
        condition = condition.add(dossier::Column::Channel.is_in(filter.channels.iter().copied()));
    }
    if let Some(code) = &filter.procedure_code {
        condition = condition.add(
            dossier::Column::ProcedureId.in_subquery(
                Query::select()
                    .column(procedure::Column::Id)
                    .from(procedure::Entity)
                    .and_where(procedure::Column::Code.eq(code.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(from) = filter.received_from {
        condition = condition.add(dossier::Column::ReceivedAt.gte(from));
    }
    if let Some(to) = filter.received_to {
        condition = condition.add(dossier::Column::ReceivedAt.lt(to));
    }
    if let Some(overdue) = filter.overdue {
        let running = [DossierStatus::Received, DossierStatus::Processing];
        let paused = [DossierStatus::SupplementRequested, DossierStatus::AwaitingPayment];
        let is_overdue =
            Condition::any().add(dossier::Column::Status.is_in(running).and(dossier::Column::DueAt.lt(now))).add(
                dossier::Column::Status
                    .is_in(paused)
                    .and(Expr::col(dossier::Column::DueAt).lt(Expr::col(dossier::Column::PausedAt))),
            );
        condition = condition.add(if overdue { is_overdue } else { is_overdue.not() });
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if parse_dossier_code(search).is_some() {
            condition = condition.add(dossier::Column::Code.eq(search));
        } else {
            let escaped = escape_like(&search.to_lowercase());
            condition = condition.add(
                Condition::any()
                    .add(
                        Expr::col(dossier::Column::Code)
                            .like(LikeExpr::new(format!("{}%", escape_like(search))).escape('\\')),
                    )
                    .add(
                        Expr::expr(Func::lower(Expr::col(dossier::Column::ApplicantName)))
                            .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
                    ),
            );
        }
    }
    Ok(Some(condition))
}

/// A page of the dossiers visible in `scope` that pass `filter`.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &DossierFilter,
    order: DossierOrder,
    first: u64,
    after: Option<&str>,
) -> ApiResult<Page<dossier::Model>> {
    let cursor = after.map(|text| Cursor::decode(text, order.name())).transpose()?;
    if scope.is_empty() {
        return Ok(Page::empty());
    }
    let Some(condition) = filter_condition(db, filter, super::now()).await? else {
        return Ok(Page::empty());
    };
    let mut query = dossier::Entity::find().filter(visible_in(scope)).filter(condition);
    if let Some(cursor) = cursor {
        query = query.filter(after_cursor(order, &cursor));
    }
    query = match order {
        DossierOrder::FiledDesc => query.order_by_desc(dossier::Column::FiledAt).order_by_desc(dossier::Column::Id),
        DossierOrder::FiledAsc => query.order_by_asc(dossier::Column::FiledAt).order_by_asc(dossier::Column::Id),
        DossierOrder::DueAsc => query
            .order_by_with_nulls(dossier::Column::DueAt, Order::Asc, NullOrdering::Last)
            .order_by_asc(dossier::Column::Id),
    };
    let rows = query.limit(first + 1).all(db).await?;
    Ok(Page::from_rows(rows, first))
}

/// How many dossiers visible in `scope` pass `filter` (asked for only when a
/// client selects `totalCount`).
pub async fn count(db: &DatabaseConnection, scope: &Scope, filter: &DossierFilter) -> ApiResult<u64> {
    if scope.is_empty() {
        return Ok(0);
    }
    let Some(condition) = filter_condition(db, filter, super::now()).await? else {
        return Ok(0);
    };
    Ok(dossier::Entity::find().filter(visible_in(scope)).filter(condition).count(db).await?)
}

/// The rows after `cursor` in `order`.
fn after_cursor(order: DossierOrder, cursor: &Cursor) -> Condition {
    use dossier::Column::{DueAt, FiledAt, Id};
    match (order, cursor.at) {
        (DossierOrder::FiledDesc, Some(at)) => {
            Condition::any().add(FiledAt.lt(at)).add(FiledAt.eq(at).and(Id.lt(cursor.id)))
        }
        (DossierOrder::FiledAsc, Some(at)) => {
            Condition::any().add(FiledAt.gt(at)).add(FiledAt.eq(at).and(Id.gt(cursor.id)))
        }
        (DossierOrder::DueAsc, Some(at)) => {
            Condition::any().add(DueAt.is_null()).add(DueAt.gt(at)).add(DueAt.eq(at).and(Id.gt(cursor.id)))
        }
        (DossierOrder::DueAsc, None) => Condition::all().add(DueAt.is_null()).add(Id.gt(cursor.id)),
        // A filed-order cursor always has a time; a forged one without sorts before every row.
        (DossierOrder::FiledDesc | DossierOrder::FiledAsc, None) => Condition::all().add(Expr::val(1).eq(0)),
    }
}

/// The cursor after `dossier` in `order`.
pub fn cursor_of(dossier: &dossier::Model, order: DossierOrder) -> String {
    let at = match order {
        DossierOrder::FiledDesc | DossierOrder::FiledAsc => Some(dossier.filed_at),
        DossierOrder::DueAsc => dossier.due_at,
    };
    Cursor { order: order.name().into(), at, key: None, id: dossier.id }.encode()
}

/// The slips of these dossiers, oldest first. The dossiers were authorised by
/// the caller already; a dossier's slip holds a few dozen entries at most.
pub async fn events_of(db: &DatabaseConnection, dossier_ids: &[Uuid]) -> ApiResult<Vec<dossier_event::Model>> {
    Ok(dossier_event::Entity::find()
        .filter(dossier_event::Column::DossierId.is_in(dossier_ids.iter().copied()))
        .order_by_asc(dossier_event::Column::CreatedAt)
        .order_by_asc(dossier_event::Column::Id)
        .all(db)
        .await?)
}
