//! A step of a procedure's internal process (*quy trình nội bộ*).

use sea_orm::entity::prelude::*;

/// One ordered step with its responsible role and time budget.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedure_step")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub procedure_id: Uuid,
    pub position: i16,
    pub name: String,
    /// The casbin role responsible for the step (`receiver`, `specialist`, `leader`).
    pub role: String,
    /// The step's time budget in working hours.
    pub budget_hours: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
