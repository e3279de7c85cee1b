//! A client secret of a service account (OAuth 2.0 client credentials): only
//! its SHA-256 is kept; the secret itself is shown once, when issued.

use sea_orm::entity::prelude::*;

/// One secret, usable until revoked.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_secret")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The service account (an `official` of kind `SERVICE`).
    pub official_id: Uuid,
    /// The secret's first characters, to tell secrets apart.
    pub prefix: String,
    /// Hex SHA-256 of the secret.
    #[sea_orm(unique)]
    pub hash: String,
    pub created_at: DateTimeUtc,
    /// The admin who issued it.
    pub created_by: String,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
