//! A procedure (*thủ tục hành chính*): one row per published version, so that a
//! dossier keeps the version it was received under.

use crate::{OnlineMode, ProcedureStatus, Tier, TimeUnit};
use sea_orm::entity::prelude::*;

/// One version of a catalogue entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// National code, e.g. `1.001193`.
    pub code: String,
    pub version: i32,
    pub name: String,
    pub field_id: Uuid,
    /// The publishing agency: a department for its own procedures, the
    /// province for the district and commune tiers it publishes.
    pub agency_id: Uuid,
    pub agency_path: String,
    pub province_code: String,
    pub tier: Tier,
    pub online_mode: OnlineMode,
    pub resolution_time: i32,
    pub resolution_unit: TimeUnit,
    /// Fee in VND; 0 when free.
    pub fee_amount: i64,
    pub fee_note: Option<String>,
    pub legal_basis: Option<String>,
    /// The decision that published this version (*quyết định công bố*).
    pub decision_number: Option<String>,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub published_national: bool,
    /// True for the newest published version of its code (in force, or
    /// taking over on its `effective_from`); older versions stay for their dossiers.
    pub is_current: bool,
    /// True when the attributes are sample data, not the official catalogue.
    pub is_sample: bool,
    pub created_at: DateTimeUtc,
    /// A draft, or published (then in force between its effective days).
    pub status: ProcedureStatus,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::agency::Entity", from = "Column::AgencyId", to = "super::agency::Column::Id")]
    Agency,
    #[sea_orm(belongs_to = "super::field::Entity", from = "Column::FieldId", to = "super::field::Column::Id")]
    Field,
}

impl ActiveModelBehavior for ActiveModel {}
