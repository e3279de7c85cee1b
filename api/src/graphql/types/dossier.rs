//! `Dossier`: one application (*hồ sơ*).

use crate::domain::calendar::is_overdue;
use crate::error::ApiError;
use crate::graphql::context::{agency_by_id, load, official_by_id, page_size, procedure_by_id, required, ContextExt};
use crate::graphql::enums::{ApplicantKind, Channel, DossierStatus, Outcome, PaymentMethod};
use crate::graphql::ids::{global_id, NodeType};
use crate::graphql::loaders::{AttachedTo, EventsOf, NoticesOf, SyncOf};
use crate::graphql::types::notice::DossierNotice;
use crate::graphql::types::portal::PortalSync;
use crate::graphql::types::{Agency, DossierDocument, DossierEvent, Procedure, User};
use crate::services::cursor::Cursor;
use crate::services::dossier_columns::Columns;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SelectionField, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::dossier;

/// A dossier (*hồ sơ*): one application by a citizen or an organisation.
pub(crate) struct Dossier(pub dossier::Model);

/// The applicant (*tổ chức, cá nhân*).
#[derive(SimpleObject)]
pub(crate) struct Applicant {
    /// A citizen or an organisation.
    pub kind: ApplicantKind,
    /// Full name, or the organisation's name.
    pub name: String,
    /// Citizen ID number (*số định danh cá nhân*), or the organisation's tax code.
    pub id_number: String,
    /// Phone number, also the second factor of `trackDossier`.
    pub phone: String,
    /// Email address.
    pub email: Option<String>,
    /// Address.
    pub address: String,
}

/// The fee and how it was paid (*phí, lệ phí*).
#[derive(SimpleObject)]
pub(crate) struct Fee {
    /// Amount in VND; 0 when the procedure is free.
    pub amount: i64,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// How it was paid.
    pub method: Option<PaymentMethod>,
}

const EVENTS_ORDER: &str = "SLIP";

impl Dossier {
    /// The columns the fields selected read: a dossier read for them holds
    /// these alone (`services::dossier_columns`). A field not listed here
    /// reads every column, so a new field is right before it is listed.
    pub(crate) fn columns_for<'a>(fields: impl IntoIterator<Item = SelectionField<'a>>) -> Columns {
        use dossier::Column as C;
        let mut columns = Vec::new();
        for field in fields {
            let read: &[C] = match field.name() {
                "id" | "portalSync" | "notices" | "documents" | "events" | "__typename" => &[],
                "code" => &[C::Code],
                "status" | "nationalStatusCode" => &[C::Status],
                "channel" => &[C::Channel],
                "procedure" => &[C::ProcedureId],
                "agency" => &[C::AgencyId],
                "receivingAgency" => &[C::ReceivingAgencyId],
                "competentAgency" => &[C::CompetentAgencyId],
                "applicant" => &[
                    C::ApplicantKind,
                    C::ApplicantName,
                    C::ApplicantIdNumber,
                    C::ApplicantPhone,
                    C::ApplicantEmail,
                    C::ApplicantAddress,
                ],
                "submittedAt" => &[C::SubmittedAt],
                "receivedAt" => &[C::ReceivedAt],
                "dueAt" => &[C::DueAt],
                "appointmentAt" => &[C::AppointmentAt],
                "clockPausedAt" => &[C::PausedAt],
                "version" => &[C::LockVersion],
                "signer" => &[C::SignerId],
                "finishedAt" => &[C::FinishedAt],
                "returnedAt" => &[C::ReturnedAt],
                "outcome" => &[C::Outcome],
                "overdue" => &[C::Status, C::DueAt, C::PausedAt],
                "assignee" => &[C::AssigneeId],
                "currentStep" => &[C::CurrentStep],
                "fee" => &[C::FeeAmount, C::FeePaidAt, C::PaymentMethod],
                "documentsDigitized" => &[C::DocumentsDigitized],
                "resultDigitized" => &[C::ResultDigitized],
                "resultNumber" => &[C::ResultNumber],
                _ => return Columns::all(),
            };
            columns.extend_from_slice(read);
        }
        Columns::with(columns)
    }
}

#[Object]
impl Dossier {
    /// Global ID (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeType::Dossier, self.0.id)
    }

    /// The dossier code (*mã hồ sơ*): `{agency code}-{yyMMdd}-{4-digit daily sequence}`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Status.
    async fn status(&self) -> DossierStatus {
        self.0.status.into()
    }

    /// The national status code, 1–10.
    async fn national_status_code(&self) -> i32 {
        self.0.status.national_code().into()
    }

    /// Whether the national portal has its latest status (docs/PORTAL.md);
    /// null until the connector first sends one of its changes.
    async fn portal_sync(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PortalSync>> {
        Ok(load(ctx, SyncOf(self.0.id)).await?.flatten().map(PortalSync))
    }

    /// The notices sent (or being sent) to the applicant about it, by
    /// e-mail and SMS, in the slip's order (docs/NOTICES.md).
    async fn notices(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DossierNotice>> {
        let sent = load(ctx, NoticesOf(self.0.id)).await?.unwrap_or_default();
        Ok(sent.into_iter().map(DossierNotice).collect())
    }

    /// How it reached the agency.
    async fn channel(&self) -> Channel {
        self.0.channel.into()
    }

    /// The procedure, in the version the dossier was received under.
    async fn procedure(&self, ctx: &Context<'_>) -> async_graphql::Result<Procedure> {
        let id = self.0.procedure_id;
        Ok(Procedure(required(procedure_by_id(ctx, id).await?, "procedure version", id)?))
    }

    /// The agency handling it now.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let id = self.0.agency_id;
        Ok(Agency(required(agency_by_id(ctx, id).await?, "agency", id)?))
    }

    /// The agency that received it (keeps sight of it after a transfer).
    async fn receiving_agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let id = self.0.receiving_agency_id;
        Ok(Agency(required(agency_by_id(ctx, id).await?, "agency", id)?))
    }

    /// The agency competent to resolve it.
    async fn competent_agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let id = self.0.competent_agency_id;
        Ok(Agency(required(agency_by_id(ctx, id).await?, "agency", id)?))
    }

    /// Who applied.
    async fn applicant(&self) -> Applicant {
        let d = &self.0;
        Applicant {
            kind: d.applicant_kind.into(),
            name: d.applicant_name.clone(),
            id_number: d.applicant_id_number.clone(),
            phone: d.applicant_phone.clone(),
            email: d.applicant_email.clone(),
            address: d.applicant_address.clone(),
        }
    }

    /// When it was submitted online.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }

    /// When the agency received it (*ngày tiếp nhận*).
    async fn received_at(&self) -> Option<DateTime<Utc>> {
        self.0.received_at
    }

    /// When the result is due (*ngày hẹn trả*).
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }

    /// The new appointment given with an apology for lateness (*hẹn lại*);
    /// `dueAt` stays, so the dossier still counts as late.
    async fn appointment_at(&self) -> Option<DateTime<Utc>> {
        self.0.appointment_at
    }

    /// Since when the clock stands still (supplement requested, awaiting
    /// payment, stopped); null while it runs.
    async fn clock_paused_at(&self) -> Option<DateTime<Utc>> {
        self.0.paused_at
    }

    /// The dossier's version: every command raises it. Send the version you
    /// read with a command to get `CONFLICT` instead of acting on a dossier
    /// that changed meanwhile.
    async fn version(&self) -> i32 {
        self.0.lock_version
    }

    /// The leader who signed the result.
    async fn signer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.signer_id {
            Some(id) => Ok(official_by_id(ctx, id).await?.map(User)),
            None => Ok(None),
        }
    }

    /// When it was resolved, refused, withdrawn or stopped.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }

    /// When the result was handed to the applicant.
    async fn returned_at(&self) -> Option<DateTime<Utc>> {
        self.0.returned_at
    }

    /// Early, on time or late, once resolved.
    async fn outcome(&self) -> Option<Outcome> {
        self.0.outcome.map(Into::into)
    }

    /// True for a pending dossier past its due time.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        is_overdue(self.0.status, self.0.due_at, self.0.paused_at, ctx.state().clock.now())
    }

    /// The official handling it now.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.assignee_id {
            Some(id) => Ok(official_by_id(ctx, id).await?.map(User)),
            None => Ok(None),
        }
    }

    /// The internal-process step it is at (from 1).
    async fn current_step(&self) -> Option<i32> {
        self.0.current_step.map(Into::into)
    }

    /// The fee.
    async fn fee(&self) -> Fee {
        Fee { amount: self.0.fee_amount, paid_at: self.0.fee_paid_at, method: self.0.payment_method.map(Into::into) }
    }

    /// Whether its documents were digitised (*số hóa hồ sơ*).
    async fn documents_digitized(&self) -> bool {
        self.0.documents_digitized
    }

    /// Whether its result was digitised (*số hóa kết quả*).
    async fn result_digitized(&self) -> bool {
        self.0.result_digitized
    }

    /// Number of the result document (e.g. the certificate), once resolved.
    async fn result_number(&self) -> Option<&str> {
        self.0.result_number.as_deref()
    }

    /// The attached documents, oldest first: the application's, the
    /// supplements', the result.
    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DossierDocument>> {
        let documents = load(ctx, AttachedTo(self.0.id)).await?.unwrap_or_default();
        Ok(documents.into_iter().map(DossierDocument).collect())
    }

    /// The process-control slip, oldest entry first.
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, DossierEvent>> {
        let first = page_size(first)? as usize;
        let events = load(ctx, EventsOf(self.0.id)).await?.unwrap_or_default();
        let start = match after {
            Some(after) => {
                let cursor = Cursor::decode(&after, EVENTS_ORDER)?;
                let position = events
                    .iter()
                    .position(|e| e.id == cursor.id)
                    .ok_or_else(|| ApiError::BadUserInput("`after` is not a cursor of this list".into()))?;
                position + 1
            }
            None => 0,
        };
        let has_next = events.len() > start + first;
        let mut connection = Connection::new(start > 0, has_next);
        connection.edges.extend(events.into_iter().skip(start).take(first).map(|event| {
            let cursor = Cursor { order: EVENTS_ORDER.into(), at: None, key: None, id: event.id }.encode();
            Edge::new(cursor, DossierEvent(event))
        }));
        Ok(connection)
    }
}
