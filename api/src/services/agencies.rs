//! The agency directory: public information about the tenants and their tree.

use super::cursor::Cursor;
use super::{escape_like, Page};
use crate::error::ApiResult;
use entity::{agency, AgencyKind};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use chrono::NaiveDate;
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

/// Agencies by id, in no particular order.
pub(crate) async fn find_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<agency::Model>> {
    Ok(agency::Entity::find().filter(agency::Column::Id.is_in(ids.iter().copied())).all(db).await?)
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
        let Some(parent) = find_by_code(db, parent_code).await? else {
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
    let rows =
        agency::Entity::find().filter(condition).order_by_asc(agency::Column::Path).limit(first + 1).all(db).await?;
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

    /// Forgets every agency read so far (an agency changed).
    pub(crate) async fn forget(&self) {
        self.by_id.forget().await;
        self.by_code.forget().await;
    }
}
