//! The inputs of the dossier's commands.

use crate::graphql::enums::{ApplicantKind, Channel, DocumentKind, PaymentMethod};
use crate::services::commands;
use async_graphql::{InputObject, Upload, ID};
use chrono::{DateTime, Utc};

/// A document uploaded with a new dossier, as part of the application. The
/// request is a GraphQL multipart request (`multipart/form-data`: the
/// `operations` JSON, the `map` of files to variables, then the files).
#[derive(InputObject)]
pub(crate) struct DocumentUpload {
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
pub(crate) struct AttachDocumentInput {
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

/// The applicant of a new dossier (*tổ chức, cá nhân*).
#[derive(InputObject)]
pub(crate) struct ApplicantInput {
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
pub(crate) struct SubmitDossierInput {
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
pub(crate) struct ReceiveDossierInput {
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
pub(crate) struct RefuseDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Why, as the refusal notice states it.
    pub reason: String,
}

/// `assignDossier`: a leader assigns the current step to an official (*phân công*).
#[derive(InputObject)]
pub(crate) struct AssignDossierInput {
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
pub(crate) struct CompleteStepInput {
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
pub(crate) struct RequestSupplementInput {
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
pub(crate) struct SupplyDocumentsInput {
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
pub(crate) struct RequestPaymentInput {
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
pub(crate) struct ConfirmPaymentInput {
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
pub(crate) struct StopDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// Why, as the stop notice states it.
    pub reason: String,
}

/// `withdrawDossier`: the applicant withdraws the dossier.
#[derive(InputObject)]
pub(crate) struct WithdrawDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The applicant's reason.
    pub reason: String,
}

/// `resolveDossier`: the leader signs the result.
#[derive(InputObject)]
pub(crate) struct ResolveDossierInput {
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
pub(crate) struct ReturnResultInput {
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
pub(crate) struct ApologizeInput {
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
pub(crate) struct TransferDossierInput {
    /// The dossier (`Dossier.id`).
    pub dossier_id: ID,
    /// The version you read; `CONFLICT` if the dossier changed since.
    pub version: Option<i32>,
    /// The agency that takes the dossier over.
    pub to_agency_code: String,
    /// Note on the slip.
    pub note: Option<String>,
}
