//! An agency (*cơ quan, đơn vị*): a tenant of the system.

use crate::AgencyKind;
use sea_orm::entity::prelude::*;

/// An agency, effective-dated, placed in the tree by its canonical path.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agency")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The GSO code for provinces, districts and communes (`91`, `899`,
    /// `30733`), `{province}.{abbreviation}` for departments and the service
    /// centre (`91.STP`). Unique on any one day: a later unit may take up a
    /// closed one's code (its path differs).
    pub code: String,
    /// Its name now (or on its last day); former names in `agency_name`.
    pub name: String,
    pub kind: AgencyKind,
    pub parent_id: Option<Uuid>,
    /// Canonical path of local codes with a trailing slash: `/91/899/30733/`.
    #[sea_orm(unique)]
    pub path: String,
    pub province_code: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// The agency's telephone, e-mail and street address, as the public sees them.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
