//! The working-day calendar: holidays and compensatory working days, as data.

use crate::HolidayKind;
use sea_orm::entity::prelude::*;

/// A day that is off although a weekday, or worked although a weekend.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holiday")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Null for a nationwide entry; a province code for a local one.
    pub province_code: Option<String>,
    pub date: Date,
    pub kind: HolidayKind,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
