//! The agency directory: public information about the tenants and their tree.

use super::cursor::Cursor;
use super::{escape_like, Page};
use crate::error::ApiResult;
use chrono::NaiveDate;
use entity::{agency, agency_name, agency_successor, AgencyKind};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

const ORDER: &str = "PATH";

/// Narrows the agency directory.
#[derive(Debug, Default)]
pub(crate) struct AgencyFilter {
    /// Only the direct children of this agency.
    pub parent_code: Option<String>,
    pub kind: Option<AgencyKind>,
    /// Part of the name, case-insensitive.
    pub search: Option<String>,
    /// Only the agencies that existed on this day.
    pub as_of: Option<chrono::NaiveDate>,
}

/// Whether the database holds no agency yet: a first start.
pub(crate) async fn none_yet(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(agency::Entity::find().one(db).await?.is_none())
}

/// The agency the code names now: the open one, or the one closed last (a
/// closed agency still answers). A code names one agency on any day; a later
/// unit may take up a closed one's code.
pub(crate) async fn find_by_code(db: &DatabaseConnection, code: &str) -> ApiResult<Option<agency::Model>> {
    Ok(agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .order_by_desc(Expr::col(agency::Column::ValidTo).is_null())
        .order_by_desc(agency::Column::ValidTo)
        .order_by_desc(agency::Column::ValidFrom)
        .one(db)
        .await?)
}

/// The agency the code named on `day`, if one did.
pub(crate) async fn find_on(db: &DatabaseConnection, code: &str, day: NaiveDate) -> ApiResult<Option<agency::Model>> {
    Ok(agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .filter(agency::Column::ValidFrom.lte(day))
        .filter(agency::Column::ValidTo.is_null().or(agency::Column::ValidTo.gte(day)))
        .one(db)
        .await?)
}

/// `BAD_USER_INPUT` unless `agency` exists on `day`: a closed unit (or one
/// not yet in being) takes no dossier.
pub(crate) fn require_open(agency: &agency::Model, day: NaiveDate) -> ApiResult<()> {
    if agency.valid_from > day {
        return Err(crate::error::ApiError::BadUserInput(format!(
            "{} comes into being on {}",
            agency.name, agency.valid_from
        )));
    }
    match agency.valid_to {
        Some(last) if last < day => Err(crate::error::ApiError::BadUserInput(format!(
            "{} closed on {last}: its successor takes its dossiers",
            agency.name
        ))),
        _ => Ok(()),
    }
}

/// The agency with `code` if `visible` accepts it; else `NOT_FOUND`, in the
/// same words whether it does not exist or may not be seen.
pub(crate) async fn require_by_code(
    db: &DatabaseConnection,
    code: &str,
    visible: impl FnOnce(&agency::Model) -> bool,
) -> ApiResult<agency::Model> {
    match find_by_code(db, code).await? {
        Some(agency) if visible(&agency) => Ok(agency),
        _ => Err(crate::error::ApiError::NotFound(format!("no agency with code {code}"))),
    }
}

/// The agency with `id` if `visible`; `NOT_FOUND` otherwise, as for an id
/// that names nothing.
pub(crate) async fn require_by_id(
    db: &DatabaseConnection,
    id: Uuid,
    visible: impl FnOnce(&agency::Model) -> bool,
) -> ApiResult<agency::Model> {
    match agency::Entity::find_by_id(id).one(db).await? {
        Some(agency) if visible(&agency) => Ok(agency),
        _ => Err(crate::error::ApiError::NotFound("no agency with this id".into())),
    }
}

/// Agencies by id, in no particular order.
pub(crate) async fn find_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<agency::Model>> {
    Ok(agency::Entity::find().filter(agency::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// The successors of these closed agencies: (closed agency's id, successor, is default).
pub(crate) async fn successors_of(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, agency::Model, bool)>> {
    let links = agency_successor::Entity::find()
        .filter(agency_successor::Column::AgencyId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    linked(db, links, |l| (l.agency_id, l.successor_id)).await
}

/// The predecessors of these agencies: (successor's id, predecessor, whether it is the default successor).
pub(crate) async fn predecessors_of(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, agency::Model, bool)>> {
    let links = agency_successor::Entity::find()
        .filter(agency_successor::Column::SuccessorId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    linked(db, links, |l| (l.successor_id, l.agency_id)).await
}

/// The agencies at the other end of `links`, in path order.
async fn linked(
    db: &DatabaseConnection,
    links: Vec<agency_successor::Model>,
    ends: impl Fn(&agency_successor::Model) -> (Uuid, Uuid),
) -> ApiResult<Vec<(Uuid, agency::Model, bool)>> {
    let others: Vec<Uuid> = links.iter().map(|l| ends(l).1).collect();
    let found = find_by_ids(db, &others).await?;
    let mut rows: Vec<(Uuid, agency::Model, bool)> = links
        .iter()
        .filter_map(|l| {
            let (key, other) = ends(l);
            found.iter().find(|a| a.id == other).map(|a| (key, a.clone(), l.is_default))
        })
        .collect();
    rows.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    Ok(rows)
}

/// The names these agencies bore, oldest first.
pub(crate) async fn names_of(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<agency_name::Model>> {
    Ok(agency_name::Entity::find()
        .filter(agency_name::Column::AgencyId.is_in(ids.iter().copied()))
        .order_by_asc(agency_name::Column::ValidFrom)
        .all(db)
        .await?)
}

/// `agency` as it was on `day`: the name it bore then.
pub(crate) async fn as_of(
    db: &DatabaseConnection,
    mut agency: agency::Model,
    day: NaiveDate,
) -> ApiResult<agency::Model> {
    let name = agency_name::Entity::find()
        .filter(agency_name::Column::AgencyId.eq(agency.id))
        .filter(agency_name::Column::ValidFrom.lte(day))
        .order_by_desc(agency_name::Column::ValidFrom)
        .one(db)
        .await?;
    if let Some(name) = name {
        agency.name = name.name;
    }
    Ok(agency)
}

/// The direct children of these agencies, in path order.
pub(crate) async fn children_of(db: &DatabaseConnection, parent_ids: &[Uuid]) -> ApiResult<Vec<agency::Model>> {
    Ok(agency::Entity::find()
        .filter(agency::Column::ParentId.is_in(parent_ids.iter().copied()))
        .order_by_asc(agency::Column::Path)
        .all(db)
        .await?)
}

/// A page of the directory in path order (a parent before its children).
pub(crate) async fn list(
    db: &DatabaseConnection,
    filter: &AgencyFilter,
    first: u64,
    after: Option<&str>,
) -> ApiResult<Page<agency::Model>> {
    let mut condition = Condition::all();
    if let Some(parent_code) = &filter.parent_code {
        let parent = match filter.as_of {
            Some(day) => find_on(db, parent_code, day).await?,
            None => find_by_code(db, parent_code).await?,
        };
        let Some(parent) = parent else {
            return Ok(Page::empty());
        };
        condition = condition.add(agency::Column::ParentId.eq(parent.id));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(agency::Column::Kind.eq(kind));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        condition = condition.add(
            Expr::expr(Func::lower(Expr::col(agency::Column::Name)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(day) = filter.as_of {
        condition = condition
            .add(agency::Column::ValidFrom.lte(day))
            .add(agency::Column::ValidTo.is_null().or(agency::Column::ValidTo.gte(day)));
    }
    if let Some(after) = after {
        let cursor = Cursor::decode(after, ORDER)?;
        condition = condition.add(agency::Column::Path.gt(cursor.key.unwrap_or_default()));
    }
    let mut rows =
        agency::Entity::find().filter(condition).order_by_asc(agency::Column::Path).limit(first + 1).all(db).await?;
    if let Some(day) = filter.as_of {
        // Each under the name it bore that day.
        let names = names_of(db, &rows.iter().map(|a| a.id).collect::<Vec<_>>()).await?;
        for agency in &mut rows {
            let then = names.iter().rfind(|n| n.agency_id == agency.id && n.valid_from <= day);
            if let Some(then) = then {
                agency.name = then.name.clone();
            }
        }
    }
    Ok(Page::from_rows(rows, first))
}

/// The cursor after `agency` in the directory.
pub(crate) fn cursor_of(agency: &agency::Model) -> String {
    Cursor { order: ORDER.into(), at: None, key: Some(agency.path.clone()), id: agency.id }.encode()
}

/// The agency at this canonical path.
pub(crate) async fn find_by_path(db: &DatabaseConnection, path: &str) -> ApiResult<Option<agency::Model>> {
    Ok(agency::Entity::find().filter(agency::Column::Path.eq(path)).one(db).await?)
}

/// How long a loaded agency is trusted; the directory changes by decision,
/// rarely, and only through migrations and the seed today.
const AGENCY_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Agencies the commands read, by id and by code, kept for a minute.
#[derive(Debug)]
pub struct Directory {
    by_id: super::remembered::Remembered<Uuid, agency::Model>,
    by_code: super::remembered::Remembered<String, agency::Model>,
}

impl Default for Directory {
    fn default() -> Self {
        Self {
            by_id: super::remembered::Remembered::new(AGENCY_FRESH_FOR, 20_000),
            by_code: super::remembered::Remembered::new(AGENCY_FRESH_FOR, 20_000),
        }
    }
}

impl Directory {
    /// The agency with this id.
    pub async fn by_id(&self, db: &DatabaseConnection, id: Uuid) -> ApiResult<Option<std::sync::Arc<agency::Model>>> {
        self.by_id.get(&id, || async move { Ok(agency::Entity::find_by_id(id).one(db).await?) }).await
    }

    /// The agency with this code.
    pub async fn by_code(
        &self,
        db: &DatabaseConnection,
        code: &str,
    ) -> ApiResult<Option<std::sync::Arc<agency::Model>>> {
        self.by_code.get(&code.to_owned(), || find_by_code(db, code)).await
    }

    /// The agency with this id, if remembered and fresh (no database read).
    pub(crate) fn fresh(&self, id: Uuid) -> Option<std::sync::Arc<agency::Model>> {
        self.by_id.fresh(&id)
    }

    /// Reads `ids` (those not remembered) and remembers them.
    pub(crate) async fn read(
        &self,
        db: &DatabaseConnection,
        ids: &[Uuid],
    ) -> ApiResult<Vec<std::sync::Arc<agency::Model>>> {
        self.by_id.read(find_by_ids(db, ids), |row| row.id).await
    }

    /// Forgets every agency read so far (an agency changed).
    pub(crate) async fn forget(&self) {
        self.by_id.forget().await;
        self.by_code.forget().await;
    }
}
