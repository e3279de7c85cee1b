//! A reorganisation plan that was applied, or is being applied
//! (`services::reorganization`).

use sea_orm::entity::prelude::*;

/// One plan: the changes of one effective date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reorganization")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub effective_on: Date,
    /// The decision that ordered it, as the slip entries quote it.
    pub decision: String,
    /// SHA-256 of the plan's text: the same plan is one row.
    #[sea_orm(unique)]
    pub digest: String,
    pub plan: String,
    /// `APPLYING` until every step is done, then `APPLIED`.
    pub state: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub applied_at: Option<DateTimeUtc>,
    /// What the apply did, as JSON.
    pub summary: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
