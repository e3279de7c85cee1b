//! An entry of the process-control slip (*phiếu kiểm soát quá trình giải quyết hồ sơ*).

use crate::DossierStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One hand-over or action on a dossier.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dossier_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dossier_id: Uuid,
    /// The path of the agency that held the dossier when the event happened.
    pub agency_path: String,
    pub province_code: String,
    /// What was done, named for the command (`RECEIVE`, `ASSIGN`, `COMPLETE_STEP`, …).
    pub action: String,
    pub status_from: Option<DossierStatus>,
    pub status_to: DossierStatus,
    pub from_agency_id: Option<Uuid>,
    pub from_official_id: Option<Uuid>,
    pub to_agency_id: Option<Uuid>,
    pub to_official_id: Option<Uuid>,
    pub to_role: Option<String>,
    pub step: Option<i16>,
    pub step_due_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    /// Structured details as JSON: the documents a supplement asks for and
    /// the time allowed, an amount to pay, an apology's new appointment.
    pub details: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
