//! A province's office hours and afternoon cut-off, which the working-day
//! calendar counts in. A province without a row keeps the defaults.

use sea_orm::entity::prelude::*;

/// Office hours of one province, as `HH:MM` local times.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "office_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub province_code: String,
    pub morning_start: String,
    pub morning_end: String,
    pub afternoon_start: String,
    pub afternoon_end: String,
    /// After this time a receipt counts from the next working day.
    pub cutoff: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
