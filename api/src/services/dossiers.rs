//! Reading dossiers, always inside the caller's scope.

use super::cursor::Cursor;
use super::dossier_columns::Columns;
use super::{escape_like, Page};
use crate::domain::codes::parse_dossier_code;
use crate::domain::paths::PathPattern;
use crate::domain::scope::Scope;
use crate::error::ApiResult;
use crate::services::scope::ScopeCondition;
use chrono::{DateTime, Utc};
use entity::{dossier, dossier_event, portal_sync, procedure, Channel, DossierStatus};
use sea_orm::sea_query::{Alias, Expr, Func, LikeExpr, NullOrdering, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QueryTrait,
};
use uuid::Uuid;

/// Narrows a dossier list.
#[derive(Debug, Default, Clone)]
pub(crate) struct DossierFilter {
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
    /// Any of these states of synchronisation with the national portal.
    pub sync_statuses: Vec<&'static str>,
    /// Exactly the dossiers one figure of a report counts.
    pub report_cell: Option<super::reports::Cell>,
}

/// The orderings of a dossier list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DossierOrder {
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
/// inter-agency dossier keeps sight of it). The same set a list pages through.
pub(crate) fn visible_in(scope: &Scope) -> Condition {
    Where { scope, agency: None }.condition()
}

/// Whether `dossier` is visible in `scope`: the rule of [`visible_in`], for a
/// row already read (a single object, checked where it is).
pub(crate) fn is_visible_in(dossier: &dossier::Model, scope: &Scope) -> bool {
    scope.contains(&dossier.agency_path) || (dossier.transferred && scope.contains(&dossier.receiving_agency_path))
}

/// The dossier with this code, if it is visible in `scope`, with `columns`.
pub(crate) async fn find_by_code(
    db: &DatabaseConnection,
    scope: &Scope,
    code: &str,
    columns: &Columns,
) -> ApiResult<Option<dossier::Model>> {
    if scope.is_empty() {
        return Ok(None);
    }
    let query = dossier::Entity::find().filter(dossier::Column::Code.eq(code)).filter(visible_in(scope));
    Ok(read(db, columns, query).await?.pop())
}

/// The rows of `query` with `columns`, decoded by position.
async fn read(
    db: &DatabaseConnection,
    columns: &Columns,
    query: sea_orm::Select<dossier::Entity>,
) -> Result<Vec<dossier::Model>, sea_orm::DbErr> {
    let statement = columns.select(query).build(db.get_database_backend());
    db.query_all(statement).await?.iter().map(|row| columns.decode(row)).collect()
}

/// The dossier with this id, if it is visible in `scope`.
pub(crate) async fn find_by_id(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> ApiResult<Option<dossier::Model>> {
    if scope.is_empty() {
        return Ok(None);
    }
    Ok(dossier::Entity::find_by_id(id).filter(visible_in(scope)).one(db).await?)
}

/// Where a list may find its rows: the caller's scope, and the agency the
/// filter names (`None` when that agency does not exist).
struct Where<'a> {
    scope: &'a Scope,
    agency: Option<PathPattern>,
}

impl<'a> Where<'a> {
    async fn of(db: &DatabaseConnection, scope: &'a Scope, filter: &DossierFilter) -> ApiResult<Option<Self>> {
        let agency = match &filter.agency_code {
            None => None,
            Some(code) => match super::agencies::find_by_code(db, code).await? {
                None => return Ok(None),
                Some(agency) if filter.subtree => Some(PathPattern::Subtree(agency.path)),
                Some(agency) => Some(PathPattern::Agency(agency.path)),
            },
        };
        Ok(Some(Self { scope, agency }))
    }

    /// The dossiers visible in the scope (and, with an agency, held or
    /// received by it) as branches whose union is that set, each driven by
    /// one path column so that an index can deliver its rows in order: a
    /// dossier is visible where it is held (`agency_path`) or where it was
    /// received before a transfer (`receiving_agency_path` of a transferred
    /// dossier). With an agency `F` in scope `S`, held-or-received in `S`
    /// and held-or-received by `F` expand to four terms.
    fn branches(&self) -> Vec<Condition> {
        use dossier::Column::{AgencyPath, ReceivingAgencyPath};
        let transferred = || Expr::cust(migration::TRANSFERRED);
        let held_in = |scope: &Scope| Condition::all().add(scope.condition(AgencyPath));
        let received_in = |scope: &Scope| Condition::all().add(scope.condition(ReceivingAgencyPath)).add(transferred());
        let mut branches = Vec::new();
        let both = match &self.agency {
            None => self.scope.clone(),
            Some(agency) => self.scope.intersect(agency),
        };
        for pattern in both.patterns() {
            let one = Scope::new([pattern.clone()]);
            branches.push(held_in(&one));
            branches.push(received_in(&one));
        }
        if let Some(agency) = &self.agency {
            let agency = Scope::new([agency.clone()]);
            // Received by the agency, held in the scope; held by the agency, received in the scope.
            branches.push(received_in(&agency).add(held_in(self.scope)));
            branches.push(held_in(&agency).add(received_in(self.scope)));
        }
        branches
    }

    /// The same set as one condition (for counting).
    fn condition(&self) -> Condition {
        self.branches().into_iter().fold(Condition::any(), Condition::add)
    }
}

/// The filter's other conditions.
fn filter_condition(filter: &DossierFilter, backend: sea_orm::DbBackend, now: DateTime<Utc>) -> Condition {
    let mut condition = Condition::all();
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
    if let Some(cell) = &filter.report_cell {
        condition = condition.add(cell.condition(backend, now));
    }
    if !filter.sync_statuses.is_empty() {
        let synced = Query::select()
            .column(portal_sync::Column::DossierId)
            .from(portal_sync::Entity)
            .and_where(portal_sync::Column::Status.is_in(filter.sync_statuses.iter().copied()))
            .to_owned();
        condition = condition.add(dossier::Column::Id.in_subquery(synced));
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
    condition
}

/// Which page of a list, and what of its rows.
pub(crate) struct Paging<'a> {
    pub order: DossierOrder,
    pub first: u64,
    /// The cursor of the row before the page.
    pub after: Option<&'a str>,
    pub columns: &'a Columns,
}

/// A page of the dossiers visible in `scope` that pass `filter`: one
/// statement, the union of each branch's first rows in `order` (see
/// [`Where::branches`]), of which the first `first + 1` are fetched.
pub(crate) async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &DossierFilter,
    paging: Paging<'_>,
    now: DateTime<Utc>,
) -> ApiResult<Page<dossier::Model>> {
    use dossier::Column::{DueAt, FiledAt, Id};
    let Paging { order, first, after, columns } = paging;
    let cursor = after.map(|text| Cursor::decode(text, order.name())).transpose()?;
    if scope.is_empty() {
        return Ok(Page::empty());
    }
    let Some(place) = Where::of(db, scope, filter).await? else {
        return Ok(Page::empty());
    };
    let mut condition = filter_condition(filter, db.get_database_backend(), now);
    if let Some(cursor) = &cursor {
        condition = condition.add(after_cursor(order, cursor));
    }
    let key = match order {
        DossierOrder::FiledDesc | DossierOrder::FiledAsc => FiledAt,
        DossierOrder::DueAsc => DueAt,
    };
    let ordered = |query: &mut SelectStatement, table: Option<&str>| {
        let column = |column: dossier::Column| match table {
            Some(table) => Expr::col((Alias::new(table), column)),
            None => Expr::col(column),
        };
        match order {
            DossierOrder::FiledDesc => query.order_by_expr(column(FiledAt).into(), Order::Desc),
            DossierOrder::FiledAsc => query.order_by_expr(column(FiledAt).into(), Order::Asc),
            DossierOrder::DueAsc => {
                query.order_by_expr_with_nulls(column(DueAt).into(), Order::Asc, NullOrdering::Last)
            }
        };
        let id_order = if order == DossierOrder::FiledDesc { Order::Desc } else { Order::Asc };
        query.order_by_expr(column(Id).into(), id_order);
    };
    let limit = first + 1;
    let mut union: Option<SelectStatement> = None;
    for (index, branch) in place.branches().into_iter().enumerate() {
        let mut rows = Query::select();
        rows.columns([Id, key])
            .from(dossier::Entity)
            .cond_where(Condition::all().add(branch).add(condition.clone()))
            .limit(limit);
        ordered(&mut rows, None);
        let mut wrapped = Query::select();
        wrapped.columns([Id, key]).from_subquery(rows, Alias::new(format!("b{index}")));
        match &mut union {
            None => union = Some(wrapped),
            Some(union) => {
                union.union(UnionType::Distinct, wrapped);
            }
        }
    }
    let Some(union) = union else { return Ok(Page::empty()) };
    let mut firsts = Query::select();
    firsts.column(Id).from_subquery(union, Alias::new("u")).limit(limit);
    ordered(&mut firsts, Some("u"));
    let mut query = dossier::Entity::find().filter(Id.in_subquery(firsts));
    QueryTrait::query(&mut query).clear_order_by();
    ordered(QueryTrait::query(&mut query), Some("dossier"));
    let rows = read(db, columns, query).await?;
    Ok(Page::from_rows(rows, first))
}

/// How many dossiers visible in `scope` pass `filter` (asked for only when a
/// client selects `totalCount`).
pub(crate) async fn count(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &DossierFilter,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    if scope.is_empty() {
        return Ok(0);
    }
    let Some(place) = Where::of(db, scope, filter).await? else {
        return Ok(0);
    };
    let condition =
        Condition::all().add(place.condition()).add(filter_condition(filter, db.get_database_backend(), now));
    Ok(dossier::Entity::find().filter(condition).count(db).await?)
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
pub(crate) fn cursor_of(dossier: &dossier::Model, order: DossierOrder) -> String {
    let at = match order {
        DossierOrder::FiledDesc | DossierOrder::FiledAsc => Some(dossier.filed_at),
        DossierOrder::DueAsc => dossier.due_at,
    };
    Cursor { order: order.name().into(), at, key: None, id: dossier.id }.encode()
}

/// The slip of the dossier with this code, oldest first, if it is visible in
/// `scope` (read at the same time as the dossier: [`find_by_code`]).
pub(crate) async fn events_by_code(
    db: &DatabaseConnection,
    scope: &Scope,
    code: &str,
) -> ApiResult<Vec<dossier_event::Model>> {
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let visible = Query::select()
        .column(dossier::Column::Id)
        .from(dossier::Entity)
        .and_where(dossier::Column::Code.eq(code))
        .cond_where(visible_in(scope))
        .to_owned();
    Ok(dossier_event::Entity::find()
        .filter(dossier_event::Column::DossierId.in_subquery(visible))
        .order_by_asc(dossier_event::Column::CreatedAt)
        .order_by_asc(dossier_event::Column::Id)
        .all(db)
        .await?)
}

/// The slips of these dossiers, oldest first. The dossiers were authorised by
/// the caller already; a dossier's slip holds a few dozen entries at most.
pub(crate) async fn events_of(db: &DatabaseConnection, dossier_ids: &[Uuid]) -> ApiResult<Vec<dossier_event::Model>> {
    Ok(dossier_event::Entity::find()
        .filter(dossier_event::Column::DossierId.is_in(dossier_ids.iter().copied()))
        .order_by_asc(dossier_event::Column::CreatedAt)
        .order_by_asc(dossier_event::Column::Id)
        .all(db)
        .await?)
}
