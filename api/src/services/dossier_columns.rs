//! Reading only the columns of `dossier` that a query shows: a page that
//! shows eight of the ~40 columns reads (and decodes) about a dozen. Rows are
//! decoded by position, not by name.
//!
//! A column left out holds a blank value in the model read (an empty text,
//! a nil id, the epoch, `None`); only what asked for that set of columns may
//! read the model. A caller that cannot tell what will be read asks for
//! [`Columns::all`].

use entity::dossier::{self, Column, Model};
use entity::{ApplicantKind, Channel, DossierStatus};
use sea_orm::{DbErr, IdenStatic, Iterable, QueryResult, QuerySelect, Select};
use uuid::Uuid;

/// The columns every partial read holds: the key, what orders and pages a
/// list (`filed_at`, `due_at`), and what decides visibility.
const ALWAYS: [Column; 6] =
    [Column::Id, Column::FiledAt, Column::DueAt, Column::AgencyPath, Column::ReceivingAgencyPath, Column::Transferred];

/// Which columns a read selects, in the order it selects them.
#[derive(Debug, Clone)]
pub(crate) struct Columns(Vec<Column>);

impl Columns {
    /// Every column.
    pub(crate) fn all() -> Self {
        Self(Column::iter().collect())
    }

    /// [`ALWAYS`] and `more`, each once, in the table's order.
    pub(crate) fn with(more: impl IntoIterator<Item = Column>) -> Self {
        let wanted: Vec<Column> = ALWAYS.into_iter().chain(more).collect();
        Self(Column::iter().filter(|c| wanted.iter().any(|w| w.as_str() == c.as_str())).collect())
    }

    /// `select` reading these columns alone, in this order.
    pub(crate) fn select(&self, select: Select<dossier::Entity>) -> Select<dossier::Entity> {
        self.0.iter().fold(select.select_only(), |select, column| select.column(*column))
    }

    /// A row read by [`Columns::select`], decoded by position.
    pub(crate) fn decode(&self, row: &QueryResult) -> Result<Model, DbErr> {
        let mut model = blank();
        for (index, column) in self.0.iter().enumerate() {
            set(&mut model, *column, row, index)?;
        }
        Ok(model)
    }
}

/// A dossier with every column blank.
fn blank() -> Model {
    let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    Model {
        id: Uuid::nil(),
        code: String::new(),
        procedure_id: Uuid::nil(),
        status: DossierStatus::Received,
        channel: Channel::Direct,
        applicant_kind: ApplicantKind::Citizen,
        applicant_name: String::new(),
        applicant_id_number: String::new(),
        applicant_phone: String::new(),
        applicant_email: None,
        applicant_address: String::new(),
        receiving_agency_id: Uuid::nil(),
        receiving_agency_path: String::new(),
        transferred: false,
        moves: None,
        competent_agency_id: Uuid::nil(),
        agency_id: Uuid::nil(),
        agency_path: String::new(),
        province_code: String::new(),
        current_step: None,
        assignee_id: None,
        filed_at: epoch,
        submitted_at: None,
        received_at: None,
        due_at: None,
        paused_at: None,
        finished_at: None,
        appointment_at: None,
        returned_at: None,
        outcome: None,
        fee_amount: 0,
        fee_paid_at: None,
        payment_method: None,
        documents_digitized: false,
        result_digitized: false,
        result_number: None,
        signer_id: None,
        idempotency_key: None,
        lock_version: 0,
        created_at: epoch,
        updated_at: epoch,
    }
}

/// Sets `column` of `model` from the row's value at `index`.
fn set(model: &mut Model, column: Column, row: &QueryResult, index: usize) -> Result<(), DbErr> {
    match column {
        Column::Id => model.id = row.try_get_by_index(index)?,
        Column::Code => model.code = row.try_get_by_index(index)?,
        Column::ProcedureId => model.procedure_id = row.try_get_by_index(index)?,
        Column::Status => model.status = row.try_get_by_index(index)?,
        Column::Channel => model.channel = row.try_get_by_index(index)?,
        Column::ApplicantKind => model.applicant_kind = row.try_get_by_index(index)?,
        Column::ApplicantName => model.applicant_name = row.try_get_by_index(index)?,
        Column::ApplicantIdNumber => model.applicant_id_number = row.try_get_by_index(index)?,
        Column::ApplicantPhone => model.applicant_phone = row.try_get_by_index(index)?,
        Column::ApplicantEmail => model.applicant_email = row.try_get_by_index(index)?,
        Column::ApplicantAddress => model.applicant_address = row.try_get_by_index(index)?,
        Column::ReceivingAgencyId => model.receiving_agency_id = row.try_get_by_index(index)?,
        Column::ReceivingAgencyPath => model.receiving_agency_path = row.try_get_by_index(index)?,
        Column::Transferred => model.transferred = row.try_get_by_index(index)?,
        Column::Moves => model.moves = row.try_get_by_index(index)?,
        Column::CompetentAgencyId => model.competent_agency_id = row.try_get_by_index(index)?,
        Column::AgencyId => model.agency_id = row.try_get_by_index(index)?,
        Column::AgencyPath => model.agency_path = row.try_get_by_index(index)?,
        Column::ProvinceCode => model.province_code = row.try_get_by_index(index)?,
        Column::CurrentStep => model.current_step = row.try_get_by_index(index)?,
        Column::AssigneeId => model.assignee_id = row.try_get_by_index(index)?,
        Column::FiledAt => model.filed_at = row.try_get_by_index(index)?,
        Column::SubmittedAt => model.submitted_at = row.try_get_by_index(index)?,
        Column::ReceivedAt => model.received_at = row.try_get_by_index(index)?,
        Column::DueAt => model.due_at = row.try_get_by_index(index)?,
        Column::PausedAt => model.paused_at = row.try_get_by_index(index)?,
        Column::FinishedAt => model.finished_at = row.try_get_by_index(index)?,
        Column::AppointmentAt => model.appointment_at = row.try_get_by_index(index)?,
        Column::ReturnedAt => model.returned_at = row.try_get_by_index(index)?,
        Column::Outcome => model.outcome = row.try_get_by_index(index)?,
        Column::FeeAmount => model.fee_amount = row.try_get_by_index(index)?,
        Column::FeePaidAt => model.fee_paid_at = row.try_get_by_index(index)?,
        Column::PaymentMethod => model.payment_method = row.try_get_by_index(index)?,
        Column::DocumentsDigitized => model.documents_digitized = row.try_get_by_index(index)?,
        Column::ResultDigitized => model.result_digitized = row.try_get_by_index(index)?,
        Column::ResultNumber => model.result_number = row.try_get_by_index(index)?,
        Column::SignerId => model.signer_id = row.try_get_by_index(index)?,
        Column::IdempotencyKey => model.idempotency_key = row.try_get_by_index(index)?,
        Column::LockVersion => model.lock_version = row.try_get_by_index(index)?,
        Column::CreatedAt => model.created_at = row.try_get_by_index(index)?,
        Column::UpdatedAt => model.updated_at = row.try_get_by_index(index)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_read_holds_what_lists_need_in_the_tables_order() {
        let columns = Columns::with([Column::Code, Column::Id, Column::Status]);
        let names: Vec<&str> = columns.0.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            ["id", "code", "status", "receiving_agency_path", "transferred", "agency_path", "filed_at", "due_at"]
        );
        assert_eq!(Columns::all().0.len(), Column::iter().count());
    }
}
