//! A dossier (*hồ sơ*): one application, from intake to returned result.

use crate::{ApplicantKind, Channel, DossierStatus, Outcome, PaymentMethod};
use sea_orm::entity::prelude::*;

/// A dossier with its applicant, agencies, step, dates and payment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `{agency code}-{yyMMdd}-{4-digit daily sequence}`.
    #[sea_orm(unique)]
    pub code: String,
    pub procedure_id: Uuid,
    pub status: DossierStatus,
    pub channel: Channel,
    pub applicant_kind: ApplicantKind,
    pub applicant_name: String,
    pub applicant_id_number: String,
    pub applicant_phone: String,
    pub applicant_email: Option<String>,
    pub applicant_address: String,
    pub receiving_agency_id: Uuid,
    pub receiving_agency_path: String,
    /// Whether another agency than the receiving one holds the dossier
    /// (*liên thông*): the receiving agency keeps sight of it. Kept as a
    /// column, set by the transfer, so that a partial index finds the few such
    /// dossiers.
    pub transferred: bool,
    /// The moves to a successor agency (`services::reorganization`), as a
    /// JSON list of `{"day", "fromId", "fromPath", "toId", "toPath"}`.
    pub moves: Option<String>,
    pub competent_agency_id: Uuid,
    /// The agency holding the dossier now.
    pub agency_id: Uuid,
    /// The current agency's canonical path: the tenant filter runs on it.
    pub agency_path: String,
    pub province_code: String,
    pub current_step: Option<i16>,
    pub assignee_id: Option<Uuid>,
    /// When the dossier reached the system: the online submission, or the
    /// intake at the desk or by post. Never null, so lists sort on it.
    pub filed_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub received_at: Option<DateTimeUtc>,
    pub due_at: Option<DateTimeUtc>,
    /// When the clock was paused (supplement, payment, stop); null while it runs.
    pub paused_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// The new appointment given with an apology for lateness; `due_at`
    /// stays, so the dossier still counts as late.
    pub appointment_at: Option<DateTimeUtc>,
    pub returned_at: Option<DateTimeUtc>,
    pub outcome: Option<Outcome>,
    pub fee_amount: i64,
    pub fee_paid_at: Option<DateTimeUtc>,
    pub payment_method: Option<PaymentMethod>,
    pub documents_digitized: bool,
    pub result_digitized: bool,
    pub result_number: Option<String>,
    pub signer_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
    /// Optimistic-lock counter: every command bumps it.
    pub lock_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::procedure::Entity",
        from = "Column::ProcedureId",
        to = "super::procedure::Column::Id"
    )]
    Procedure,
    #[sea_orm(belongs_to = "super::agency::Entity", from = "Column::AgencyId", to = "super::agency::Column::Id")]
    Agency,
}

impl ActiveModelBehavior for ActiveModel {}
