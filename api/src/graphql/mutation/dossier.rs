//! The commands of a dossier's life, one mutation each.

use super::inputs::*;
use crate::domain::lifecycle::Command;
use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::enums::DocumentKind;
use crate::graphql::ids::{id_of, NodeType};
use crate::graphql::types::{Dossier, DossierDocument, DossierEvent};
use crate::services::commands::{self, Acted, Application, Attachment, Change, Target};
use async_graphql::{Context, Object, SimpleObject, Upload, ID};
use uuid::Uuid;

/// The dossier commands' mutations.
#[derive(Default)]
pub(super) struct DossierMutation;

/// What a command returns: the dossier as it is now and the slip entry the
/// command wrote.
#[derive(SimpleObject)]
pub(crate) struct DossierPayload {
    /// The dossier after the command.
    pub dossier: Dossier,
    /// The process-control slip entry the command wrote.
    pub event: DossierEvent,
}

impl From<Acted> for DossierPayload {
    fn from(acted: Acted) -> Self {
        Self { dossier: Dossier(acted.dossier), event: DossierEvent(acted.event) }
    }
}

/// What `attachDocument` returns: the dossier, the slip entry and the document.
#[derive(SimpleObject)]
pub(crate) struct AttachDocumentPayload {
    /// The dossier after the command.
    pub dossier: Dossier,
    /// The slip entry (`ATTACH_DOCUMENT`).
    pub event: DossierEvent,
    /// The attached document.
    pub document: DossierDocument,
}

/// A dossier's id; an ID of another type names no dossier.
fn dossier_id(id: &ID) -> Result<Uuid, ApiError> {
    id_of(id, NodeType::Dossier, || ApiError::NotFound("no dossier with this ID".into()))
}

fn user_id(id: &ID, field: &str) -> Result<Uuid, ApiError> {
    id_of(id, NodeType::User, || ApiError::BadUserInput(format!("`{field}` must be a User ID")))
}

fn procedure_id(id: &ID) -> Result<Uuid, ApiError> {
    id_of(id, NodeType::Procedure, || ApiError::BadUserInput("`procedureId` must be a Procedure ID".into()))
}

/// Runs `change` on the dossier `id` names.
async fn act(
    ctx: &Context<'_>,
    id: &ID,
    version: Option<i32>,
    change: Change,
) -> async_graphql::Result<DossierPayload> {
    let viewer = ctx.viewer()?;
    let target = Target { dossier_id: dossier_id(id)?, version };
    Ok(commands::act(ctx.state(), viewer, target, change).await?.into())
}

/// The content and description of an uploaded file.
fn attachment(
    ctx: &Context<'_>,
    file: &Upload,
    kind: DocumentKind,
    name: Option<String>,
    digitized: bool,
) -> Result<Attachment, ApiError> {
    let upload = file.value(ctx).map_err(|error| {
        ApiError::BadUserInput(format!("the uploaded file cannot be read ({error}): send it as a multipart part"))
    })?;
    Ok(Attachment {
        content: upload.content,
        file_name: upload.filename,
        content_type: upload.content_type,
        kind: kind.into(),
        name,
        digitized,
    })
}

/// The application's documents of a new dossier.
fn attachments(ctx: &Context<'_>, documents: Option<Vec<DocumentUpload>>) -> Result<Vec<Attachment>, ApiError> {
    documents
        .unwrap_or_default()
        .iter()
        .map(|d| attachment(ctx, &d.file, DocumentKind::Application, d.name.clone(), d.digitized))
        .collect()
}

#[Object]
impl DossierMutation {
    /// An online portal files a dossier for an applicant: it is SUBMITTED and
    /// gets its code; the agency's desk then receives or refuses it. Needs the
    /// `submit` permission at the agency (the portal's service account).
    async fn submit_dossier(
        &self,
        ctx: &Context<'_>,
        input: SubmitDossierInput,
    ) -> async_graphql::Result<DossierPayload> {
        let viewer = ctx.viewer()?;
        let application = Application {
            procedure_id: procedure_id(&input.procedure_id)?,
            agency_code: Some(input.agency_code),
            channel: entity::Channel::Online,
            applicant: input.applicant.into(),
            idempotency_key: input.idempotency_key,
            note: input.note,
            documents: attachments(ctx, input.documents)?,
        };
        Ok(commands::file(ctx.state(), viewer, Command::Submit, application).await?.into())
    }

    /// The desk receives a dossier (*tiếp nhận*): it is RECEIVED, its due date
    /// (*ngày hẹn trả*) is set from the procedure's resolution time on the
    /// working-day calendar, and it goes to the first step of processing.
    /// Either accept a submitted online dossier (`dossierId`), or file a new
    /// one at the desk or by post (`procedureId`, `applicant`).
    async fn receive_dossier(
        &self,
        ctx: &Context<'_>,
        input: ReceiveDossierInput,
    ) -> async_graphql::Result<DossierPayload> {
        let viewer = ctx.viewer()?;
        match (input.dossier_id, input.procedure_id, input.applicant) {
            (Some(_), None, None) if input.documents.is_some() => Err(ApiError::BadUserInput(
                "a submitted dossier came with its documents; attach more with `attachDocument`".into(),
            )
            .into()),
            (Some(id), None, None) => {
                act(ctx, &id, input.version, Change::Receive(commands::Receive { note: input.note })).await
            }
            (None, Some(procedure), Some(applicant)) => {
                let application = Application {
                    procedure_id: procedure_id(&procedure)?,
                    agency_code: input.agency_code,
                    channel: input.channel.into(),
                    applicant: applicant.into(),
                    idempotency_key: input.idempotency_key,
                    note: input.note,
                    documents: attachments(ctx, input.documents)?,
                };
                Ok(commands::file(ctx.state(), viewer, Command::Receive, application).await?.into())
            }
            _ => Err(ApiError::BadUserInput(
                "give either `dossierId` (a submitted dossier) or `procedureId` and `applicant` (a new one)".into(),
            )
            .into()),
        }
    }

    /// The desk refuses a submitted dossier (REFUSED), with the reason.
    async fn refuse_dossier(
        &self,
        ctx: &Context<'_>,
        input: RefuseDossierInput,
    ) -> async_graphql::Result<DossierPayload> {
        act(ctx, &input.dossier_id, input.version, Change::Refuse(commands::Refuse { reason: input.reason })).await
    }

    /// A leader assigns the current step to an official (PROCESSING).
    async fn assign_dossier(
        &self,
        ctx: &Context<'_>,
        input: AssignDossierInput,
    ) -> async_graphql::Result<DossierPayload> {
        let assignee = user_id(&input.assignee_id, "assigneeId")?;
        act(ctx, &input.dossier_id, input.version, Change::Assign(commands::Assign { assignee, note: input.note }))
            .await
    }

    /// The current step is done: the dossier goes to the next step of the
    /// procedure version's internal process, to the official named or to the
    /// step's role. Run by the step's assignee, or by anyone holding the
    /// step's role when nobody is assigned.
    async fn complete_step(
        &self,
        ctx: &Context<'_>,
        input: CompleteStepInput,
    ) -> async_graphql::Result<DossierPayload> {
        let to = input.to_user_id.as_ref().map(|id| user_id(id, "toUserId")).transpose()?;
        act(
            ctx,
            &input.dossier_id,
            input.version,
            Change::CompleteStep(commands::CompleteStep { to, note: input.note }),
        )
        .await
    }

    /// Asks the applicant for missing documents (SUPPLEMENT_REQUESTED): the
    /// clock pauses until `supplyDocuments`.
    async fn request_supplement(
        &self,
        ctx: &Context<'_>,
        input: RequestSupplementInput,
    ) -> async_graphql::Result<DossierPayload> {
        let change = Change::RequestSupplement(commands::RequestSupplement {
            reason: input.reason,
            documents: input.missing_documents,
            days_allowed: input.days_allowed.max(0) as u32,
        });
        act(ctx, &input.dossier_id, input.version, change).await
    }

    /// The applicant supplied the documents (PROCESSING): the due date moves
    /// by the working time the clock stood still.
    async fn supply_documents(
        &self,
        ctx: &Context<'_>,
        input: SupplyDocumentsInput,
    ) -> async_graphql::Result<DossierPayload> {
        act(
            ctx,
            &input.dossier_id,
            input.version,
            Change::SupplyDocuments(commands::SupplyDocuments { note: input.note }),
        )
        .await
    }

    /// The applicant must pay first (AWAITING_PAYMENT): the clock pauses
    /// until `confirmPayment`.
    async fn request_payment(
        &self,
        ctx: &Context<'_>,
        input: RequestPaymentInput,
    ) -> async_graphql::Result<DossierPayload> {
        act(
            ctx,
            &input.dossier_id,
            input.version,
            Change::RequestPayment(commands::RequestPayment { amount: input.amount, note: input.note }),
        )
        .await
    }

    /// The payment arrived (PROCESSING): the due date moves by the working
    /// time the clock stood still.
    async fn confirm_payment(
        &self,
        ctx: &Context<'_>,
        input: ConfirmPaymentInput,
    ) -> async_graphql::Result<DossierPayload> {
        let change = Change::ConfirmPayment(commands::ConfirmPayment { method: input.method.into(), note: input.note });
        act(ctx, &input.dossier_id, input.version, change).await
    }

    /// Processing stops for good (STOPPED), with the reason.
    async fn stop_dossier(&self, ctx: &Context<'_>, input: StopDossierInput) -> async_graphql::Result<DossierPayload> {
        act(ctx, &input.dossier_id, input.version, Change::Stop(commands::Stop { reason: input.reason })).await
    }

    /// The applicant withdraws the dossier (WITHDRAWN).
    async fn withdraw_dossier(
        &self,
        ctx: &Context<'_>,
        input: WithdrawDossierInput,
    ) -> async_graphql::Result<DossierPayload> {
        act(ctx, &input.dossier_id, input.version, Change::Withdraw(commands::Withdraw { reason: input.reason })).await
    }

    /// The leader signs the result (RESOLVED): the outcome (EARLY, ON_TIME,
    /// LATE) is set against the due date, and the result goes to the desk
    /// that received the dossier.
    async fn resolve_dossier(
        &self,
        ctx: &Context<'_>,
        input: ResolveDossierInput,
    ) -> async_graphql::Result<DossierPayload> {
        let signer = input.signer_id.as_ref().map(|id| user_id(id, "signerId")).transpose()?;
        let change = Change::Resolve(commands::Resolve {
            result_number: input.result_number,
            signer,
            result_digitized: input.result_digitized,
            note: input.note,
        });
        act(ctx, &input.dossier_id, input.version, change).await
    }

    /// The desk hands the result to the applicant (RETURNED). For a
    /// transferred dossier, the desk of the receiving agency may do it.
    async fn return_result(
        &self,
        ctx: &Context<'_>,
        input: ReturnResultInput,
    ) -> async_graphql::Result<DossierPayload> {
        act(ctx, &input.dossier_id, input.version, Change::ReturnResult(commands::ReturnResult { note: input.note }))
            .await
    }

    /// A late dossier: an apology letter with a new appointment. The status
    /// does not change and the dossier still counts as late.
    async fn apologize(&self, ctx: &Context<'_>, input: ApologizeInput) -> async_graphql::Result<DossierPayload> {
        let change =
            Change::Apologize(commands::Apologize { reason: input.reason, new_appointment: input.new_appointment });
        act(ctx, &input.dossier_id, input.version, change).await
    }

    /// The dossier goes to another agency (*liên thông*), RECEIVED there and
    /// waiting to be assigned; the receiving agency keeps sight of it.
    async fn transfer_dossier(
        &self,
        ctx: &Context<'_>,
        input: TransferDossierInput,
    ) -> async_graphql::Result<DossierPayload> {
        let change = Change::Transfer(commands::Transfer { to_agency_code: input.to_agency_code, note: input.note });
        act(ctx, &input.dossier_id, input.version, change).await
    }

    /// Attaches a document to a dossier: part of the application, a supplement
    /// or the result (a GraphQL multipart request; the size limit is
    /// `--max-document-bytes`, 20 MiB by default). The content is stored by its
    /// SHA-256; a digitised document marks the dossier's documents (or its
    /// result) as digitised. Needs `attach_document` where the dossier is (the
    /// desk, the specialist), or at the desk that received a transferred one.
    async fn attach_document(
        &self,
        ctx: &Context<'_>,
        input: AttachDocumentInput,
    ) -> async_graphql::Result<AttachDocumentPayload> {
        let viewer = ctx.viewer()?;
        let target = Target { dossier_id: dossier_id(&input.dossier_id)?, version: input.version };
        let attachment = attachment(ctx, &input.file, input.kind, input.name, input.digitized)?;
        let change = Change::AttachDocument(commands::AttachDocument { attachment, note: input.note });
        let acted = commands::act(ctx.state(), viewer, target, change).await?;
        let document = acted.documents.into_iter().next().ok_or_else(|| ApiError::internal("no document attached"))?;
        Ok(AttachDocumentPayload {
            dossier: Dossier(acted.dossier),
            event: DossierEvent(acted.event),
            document: DossierDocument(document),
        })
    }
}
