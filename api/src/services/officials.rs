//! Officials and service accounts.

use crate::error::ApiResult;
use entity::official;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Officials by id.
pub(crate) async fn find_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<official::Model>> {
    Ok(official::Entity::find().filter(official::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// Each of `logins` (a login and its role) with the name of the official's
/// agency, when every one of them is an active official; none otherwise.
pub(crate) async fn all_present<'a>(
    db: &DatabaseConnection,
    logins: &[(&'a str, &'a str)],
) -> ApiResult<Vec<((&'a str, &'a str), String)>> {
    let found = official::Entity::find()
        .filter(official::Column::Username.is_in(logins.iter().map(|(login, _)| *login)))
        .filter(official::Column::Active.eq(true))
        .all(db)
        .await?;
    if found.len() != logins.len() {
        return Ok(Vec::new());
    }
    let agencies: Vec<Uuid> = found.iter().map(|o| o.agency_id).collect();
    let names: std::collections::HashMap<Uuid, String> =
        super::agencies::find_by_ids(db, &agencies).await?.into_iter().map(|a| (a.id, a.name)).collect();
    Ok(logins
        .iter()
        .filter_map(|&login| {
            let official = found.iter().find(|o| o.username == login.0)?;
            Some((login, names.get(&official.agency_id).cloned().unwrap_or_default()))
        })
        .collect())
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

    /// The official with this id, if remembered and fresh.
    pub(crate) fn fresh(&self, id: Uuid) -> Option<std::sync::Arc<official::Model>> {
        self.0.fresh(&id)
    }

    /// Reads the officials `ids` and remembers them.
    pub(crate) async fn read(
        &self,
        db: &DatabaseConnection,
        ids: &[Uuid],
    ) -> ApiResult<Vec<std::sync::Arc<official::Model>>> {
        self.0.read(find_by_ids(db, ids), |row| row.id).await
    }

    /// Forgets every official read so far (one changed).
    pub(crate) async fn forget(&self) {
        self.0.forget().await;
    }
}
