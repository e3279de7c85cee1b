//! Officials and service accounts.

use crate::error::ApiResult;
use entity::official;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Officials by id.
pub async fn find_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<official::Model>> {
    Ok(official::Entity::find().filter(official::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}
