//! A document a procedure requires (*thành phần hồ sơ*).

use sea_orm::entity::prelude::*;

/// One required (or optional) document of a procedure version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedure_document")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub procedure_id: Uuid,
    pub position: i16,
    pub name: String,
    pub originals: i16,
    pub copies: i16,
    pub required: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
