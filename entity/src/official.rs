//! A login: an official (*cán bộ, công chức*) or a service account.
//! Roles are not here: they are casbin grouping rules in `casbin_rule`.

use crate::OfficialKind;
use sea_orm::entity::prelude::*;

/// A user known to the system, named by the token's `sub`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "official")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub kind: OfficialKind,
    pub agency_id: Uuid,
    pub email: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// Its own requests a minute (a service account's), instead of the setting for its kind.
    pub requests_per_minute: Option<i32>,
    /// It may run only the documents registered for it (`trusted_document`).
    pub trusted_documents_only: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::agency::Entity", from = "Column::AgencyId", to = "super::agency::Column::Id")]
    Agency,
}

impl ActiveModelBehavior for ActiveModel {}
