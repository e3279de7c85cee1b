//! The mutation root: the commands of a dossier's life. Each takes one
//! `input` and returns the dossier with the slip entry the command wrote.

use crate::domain::calendar::OfficeHours;
use crate::domain::lifecycle::Command;
use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::enums::{ApplicantKind, CalendarDayKind, Channel, DocumentKind, PaymentMethod};
use crate::graphql::ids::{parse_global_id, NodeType};
use crate::graphql::types::calendar::WorkingCalendar;
use crate::graphql::types::{Dossier, DossierDocument, DossierEvent};
use crate::services::calendars;
use crate::services::commands::{self, Acted, Application, Attachment, Change, Target};
use async_graphql::{Context, InputObject, Object, SimpleObject, Upload, ID};
use chrono::Datelike;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The mutation root.
pub struct Mutation;

/// What a command returns: the dossier as it is now and the slip entry the
/// command wrote.
#[derive(SimpleObject)]
pub struct DossierPayload {
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
pub struct AttachDocumentPayload {
    /// The dossier after the command.
    pub dossier: Dossier,
    /// The slip entry (`ATTACH_DOCUMENT`).
    pub event: DossierEvent,
    /// The attached document.
    pub document: DossierDocument,
}

/// A document uploaded with a new dossier, as part of the application. The
/// request is a GraphQL multipart request (`multipart/form-data`: the
/// `operations` JSON, the `map` of files to variables, then the files).
#[derive(InputObject)]
pub struct DocumentUpload {
    /// The file.
    pub file: Upload,
    /// What it is, e.g. *Tờ khai đăng ký khai sinh*; the file's name when absent.
    pub name: Option<String>,
    /// Whether it is a digitised copy (*bản số hóa*) with the value of the paper.
    #[graphql(default = false)]
    pub digitized: bool,
}

/// `attachDocument`: attaches a document to a dossier (GraphQL multipart request).
#[derive(InputObject)]
pub struct AttachDocumentInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The file.
    pub file: Upload,
    /// Part of the application, a supplement or the result.
    #[graphql(default_with = "DocumentKind::Application")]
    pub kind: DocumentKind,
    /// What it is, e.g. *Giấy chứng nhận quyền sử dụng đất*; the file's name when absent.
    pub name: Option<String>,
    /// Whether it is a digitised copy (*bản số hóa*) with the value of the paper:
    /// the dossier's `documentsDigitized` (or, for a result, `resultDigitized`) becomes true.
    #[graphql(default = false)]
    pub digitized: bool,
    /// Note on the slip.
    pub note: Option<String>,
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

/// The applicant of a new dossier (*tổ chức, cá nhân*).
#[derive(InputObject)]
pub struct ApplicantInput {
    /// A citizen or an organisation.
    #[graphql(default_with = "ApplicantKind::Citizen")]
    pub kind: ApplicantKind,
    /// Full name, or the organisation's name.
    pub name: String,
    /// Citizen ID number (12 digits), or the organisation's tax code (10 or 13 digits).
    pub id_number: String,
    /// Phone number; with the dossier code it lets the applicant track the dossier.
    pub phone: String,
    /// Email address.
    pub email: Option<String>,
    /// Address.
    pub address: String,
}

impl From<ApplicantInput> for commands::Applicant {
    fn from(input: ApplicantInput) -> Self {
        Self {
            kind: input.kind.into(),
            name: input.name,
            id_number: input.id_number,
            phone: input.phone,
            email: input.email,
            address: input.address,
        }
    }
}

/// `submitDossier`: an online portal files a dossier for an applicant.
#[derive(InputObject)]
pub struct SubmitDossierInput {
    /// The procedure (its current version).
    pub procedure_id: ID,
    /// The agency the dossier is filed with.
    pub agency_code: String,
    /// Who applies.
    pub applicant: ApplicantInput,
    /// Sending the same key again returns the dossier the first request filed, without a second one.
    pub idempotency_key: Option<String>,
    /// Note for the desk.
    pub note: Option<String>,
    /// The application's documents (a multipart request).
    pub documents: Option<Vec<DocumentUpload>>,
}

/// `receiveDossier`: the desk receives a dossier. Either accept a submitted
/// online dossier (`dossierId`), or file a new one brought to the desk or
/// sent by post (`procedureId`, `applicant`, `channel`).
#[derive(InputObject)]
pub struct ReceiveDossierInput {
    /// A submitted online dossier to accept.
    pub dossier_id: Option<ID>,
    /// The version of that dossier you read (`Dossier.version`); `CONFLICT` if it changed since.
    pub version: Option<i32>,
    /// For a new dossier: the procedure (its current version).
    pub procedure_id: Option<ID>,
    /// For a new dossier: the receiving agency; your own agency when absent.
    pub agency_code: Option<String>,
    /// For a new dossier: at the desk or by post.
    #[graphql(default_with = "Channel::Direct")]
    pub channel: Channel,
    /// For a new dossier: who applies.
    pub applicant: Option<ApplicantInput>,
    /// For a new dossier: sending the same key again returns the dossier the first request filed.
    pub idempotency_key: Option<String>,
    /// Note on the slip.
    pub note: Option<String>,
    /// For a new dossier: the application's documents, scanned at the desk (a multipart request).
    pub documents: Option<Vec<DocumentUpload>>,
}

/// `refuseDossier`: the desk refuses a submitted dossier (*từ chối tiếp nhận*).
#[derive(InputObject)]
pub struct RefuseDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Why, as the refusal notice states it.
    pub reason: String,
}

/// `assignDossier`: a leader assigns the current step to an official (*phân công*).
#[derive(InputObject)]
pub struct AssignDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The official who takes the step: they must hold the step's role at the dossier's agency.
    pub assignee_id: ID,
    /// Note on the slip.
    pub note: Option<String>,
}

/// `completeStep`: the current step is done; the dossier moves to the next
/// step of the procedure's internal process.
#[derive(InputObject)]
pub struct CompleteStepInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The official who takes the next step; when absent, anyone with the step's role there.
    pub to_user_id: Option<ID>,
    /// Note on the slip.
    pub note: Option<String>,
}

/// `requestSupplement`: the applicant must supply missing documents; the clock pauses.
#[derive(InputObject)]
pub struct RequestSupplementInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Why, as the supplement request states it.
    pub reason: String,
    /// The documents to supply.
    pub missing_documents: Vec<String>,
    /// Working days the applicant has to supply them (1–60).
    pub days_allowed: i32,
}

/// `supplyDocuments`: the applicant supplied what was asked; the clock runs again.
#[derive(InputObject)]
pub struct SupplyDocumentsInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Note on the slip.
    pub note: Option<String>,
}

/// `requestPayment`: the applicant must pay a fee or meet a financial
/// obligation first (*nghĩa vụ tài chính*); the clock pauses.
#[derive(InputObject)]
pub struct RequestPaymentInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The amount in VND.
    pub amount: i64,
    /// Note on the slip.
    pub note: Option<String>,
}

/// `confirmPayment`: the payment arrived; the clock runs again.
#[derive(InputObject)]
pub struct ConfirmPaymentInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Online or at the desk.
    pub method: PaymentMethod,
    /// Note on the slip.
    pub note: Option<String>,
}

/// `stopDossier`: processing stops for good (*dừng xử lý*).
#[derive(InputObject)]
pub struct StopDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Why, as the stop notice states it.
    pub reason: String,
}

/// `withdrawDossier`: the applicant withdraws the dossier.
#[derive(InputObject)]
pub struct WithdrawDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The applicant's reason.
    pub reason: String,
}

/// `resolveDossier`: the leader signs the result.
#[derive(InputObject)]
pub struct ResolveDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The number of the result document (certificate, licence, decision).
    pub result_number: String,
    /// Who signed; you when absent. They must be allowed to resolve dossiers there.
    pub signer_id: Option<ID>,
    /// Whether the result was digitised (*số hóa kết quả*).
    #[graphql(default = false)]
    pub result_digitized: bool,
    /// Note on the slip.
    pub note: Option<String>,
}

/// `returnResult`: the desk hands the result to the applicant.
#[derive(InputObject)]
pub struct ReturnResultInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Note on the slip.
    pub note: Option<String>,
}

/// `apologize`: a late dossier gets an apology letter and a new appointment
/// (*văn bản xin lỗi và hẹn lại ngày trả kết quả*); it still counts as late.
#[derive(InputObject)]
pub struct ApologizeInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Why it is late, as the letter states it.
    pub reason: String,
    /// The new appointment: after the due date.
    pub new_appointment: DateTime<Utc>,
}

/// `transferDossier`: the dossier goes to another agency (*liên thông*); the
/// receiving agency keeps sight of it.
#[derive(InputObject)]
pub struct TransferDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The agency that takes the dossier over.
    pub to_agency_code: String,
    /// Note on the slip.
    pub note: Option<String>,
}

/// `setCalendarDay`: a province's own entry for a day, replacing the nationwide one.
#[derive(InputObject)]
pub struct SetCalendarDayInput {
    /// The province's code, e.g. `91`.
    pub province_code: String,
    /// The day.
    pub date: chrono::NaiveDate,
    /// Off (a holiday on a weekday) or worked (a compensatory Saturday, or a weekday kept working).
    pub kind: CalendarDayKind,
    /// What it is, e.g. *Nghỉ Tết Nguyên đán theo Quyết định …*.
    pub name: String,
}

/// `clearCalendarDay`: removes a province's own entry for a day.
#[derive(InputObject)]
pub struct ClearCalendarDayInput {
    /// The province's code.
    pub province_code: String,
    /// The day.
    pub date: chrono::NaiveDate,
}

/// `setOfficeHours`: a province's office hours and afternoon cut-off (`HH:MM`).
#[derive(InputObject)]
pub struct SetOfficeHoursInput {
    /// The province's code.
    pub province_code: String,
    /// Morning session start, e.g. `07:00`.
    pub morning_start: String,
    /// Morning session end, e.g. `11:30`.
    pub morning_end: String,
    /// Afternoon session start, e.g. `13:30`.
    pub afternoon_start: String,
    /// Afternoon session end, e.g. `17:00`: a dossier due on a day is due at this time.
    pub afternoon_end: String,
    /// After this time a receipt counts from the next working day, e.g. `15:00`.
    pub cutoff: String,
}

/// The database id inside a global ID of `expected` type, or `wrong_type`
/// for an ID of another type.
fn id_of(id: &ID, expected: NodeType, wrong_type: impl FnOnce() -> ApiError) -> Result<Uuid, ApiError> {
    match parse_global_id(id)? {
        (node_type, uuid) if node_type == expected => Ok(uuid),
        _ => Err(wrong_type()),
    }
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

async fn edit_calendar(
    ctx: &Context<'_>,
    province: String,
    edit: calendars::Edit,
    year: i32,
) -> async_graphql::Result<WorkingCalendar> {
    let viewer = ctx.viewer()?;
    calendars::edit(ctx.state(), viewer, &province, edit).await?;
    Ok(WorkingCalendar::load(ctx.db(), province, year).await?)
}

fn time_of(field: &str, text: &str) -> Result<chrono::NaiveTime, ApiError> {
    calendars::parse_time(text).ok_or_else(|| ApiError::BadUserInput(format!("`{field}` must be a time `HH:MM`")))
}

#[Object]
impl Mutation {
    /// Sets a province's own calendar entry for a day (a holiday decided for
    /// the year, a compensatory working Saturday); it replaces a nationwide
    /// entry on that day. Deadlines counted from then on use it. Needs the
    /// `holiday manage` permission at the province. Returns the year's calendar.
    async fn set_calendar_day(
        &self,
        ctx: &Context<'_>,
        input: SetCalendarDayInput,
    ) -> async_graphql::Result<WorkingCalendar> {
        let edit = calendars::Edit::SetDay { date: input.date, kind: input.kind.into(), name: input.name };
        edit_calendar(ctx, input.province_code, edit, input.date.year()).await
    }

    /// Removes a province's own entry for a day; a nationwide entry on that
    /// day applies again. Returns the year's calendar.
    async fn clear_calendar_day(
        &self,
        ctx: &Context<'_>,
        input: ClearCalendarDayInput,
    ) -> async_graphql::Result<WorkingCalendar> {
        edit_calendar(ctx, input.province_code, calendars::Edit::ClearDay { date: input.date }, input.date.year()).await
    }

    /// Sets a province's office hours and afternoon cut-off. Returns this year's calendar.
    async fn set_office_hours(
        &self,
        ctx: &Context<'_>,
        input: SetOfficeHoursInput,
    ) -> async_graphql::Result<WorkingCalendar> {
        let hours = OfficeHours {
            morning_start: time_of("morningStart", &input.morning_start)?,
            morning_end: time_of("morningEnd", &input.morning_end)?,
            afternoon_start: time_of("afternoonStart", &input.afternoon_start)?,
            afternoon_end: time_of("afternoonEnd", &input.afternoon_end)?,
            cutoff: time_of("cutoff", &input.cutoff)?,
        };
        let year = ctx.state().clock.now().with_timezone(&crate::domain::calendar::vietnam()).year();
        edit_calendar(ctx, input.province_code, calendars::Edit::SetOfficeHours(hours), year).await
    }

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
