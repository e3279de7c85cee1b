//! Officials and service accounts.

use crate::error::ApiResult;
use entity::official;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Officials by id.
pub(crate) async fn find_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<official::Model>> {
    Ok(official::Entity::find().filter(official::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// How long an official read for a command (an assignee, a signer) is
/// trusted: as long as the official a token names (`auth::authn`), so a
/// deactivated official stops being assignable within the same time.
const OFFICIAL_FRESH_FOR: std::time::Duration = crate::auth::authn::OFFICIAL_FRESH_FOR;

/// Officials the commands name, by id, kept for [`OFFICIAL_FRESH_FOR`].
#[derive(Debug)]
pub struct Officials(super::remembered::Remembered<Uuid, official::Model>);

impl Default for Officials {
    fn default() -> Self {
        Self(super::remembered::Remembered::new(OFFICIAL_FRESH_FOR, 20_000))
    }
}

impl Officials {
    /// The official with this id.
    pub async fn by_id(&self, db: &DatabaseConnection, id: Uuid) -> ApiResult<Option<std::sync::Arc<official::Model>>> {
        self.0.get(&id, || async move { Ok(official::Entity::find_by_id(id).one(db).await?) }).await
    }
}
