//! The procedure catalogue as its publishers manage it: drafts, publication
//! with a decision and a first day, revisions, retirement.

use super::change;
use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::enums::{OnlineMode, Tier, TimeUnit};
use crate::graphql::ids::{id_of, NodeType};
use crate::graphql::scalars::Date;
use crate::graphql::types::Procedure;
use crate::services::administration;
use crate::services::administration::catalogue::{self, DocumentSpec, DraftSpec, StepSpec};
use async_graphql::{Context, InputObject, MaybeUndefined, Object, ID};
use uuid::Uuid;

/// The catalogue's mutations.
#[derive(Default)]
pub(super) struct CatalogueMutation;

/// A document the applicant hands in (*thành phần hồ sơ*).
#[derive(InputObject)]
pub(super) struct RequiredDocumentInput {
    /// The document, e.g. *Tờ khai đăng ký khai sinh*.
    pub name: String,
    /// Originals to provide (*bản chính*).
    #[graphql(default = 1)]
    pub originals: i16,
    /// Copies to provide (*bản sao*).
    #[graphql(default)]
    pub copies: i16,
    /// False for a document needed only in some cases.
    #[graphql(default = true)]
    pub required: bool,
}

/// A step of the internal process (*quy trình nội bộ*), in order.
#[derive(InputObject)]
pub(super) struct ProcedureStepInput {
    /// What is done, e.g. *Thẩm định hồ sơ*.
    pub name: String,
    /// The role that handles it (`receiver`, `specialist`, `leader`, …).
    pub role: String,
    /// Its time budget in working hours.
    pub budget_hours: i32,
}

/// `createProcedure`: a new procedure's first version, as a draft.
#[derive(InputObject)]
pub(super) struct CreateProcedureInput {
    /// The publishing agency: a department for its own procedures, the
    /// province for the district and commune tiers (and its own).
    pub agency_code: String,
    /// National code, e.g. `1.001193`.
    pub code: String,
    /// Name, e.g. *Đăng ký khai sinh*.
    pub name: String,
    /// The field's code (`fields` lists them).
    pub field_code: String,
    /// The tier that resolves it.
    pub tier: Tier,
    /// How far it can be done online.
    pub online_mode: OnlineMode,
    /// The legal resolution time…
    pub resolution_time: i32,
    /// …and its unit.
    pub resolution_unit: TimeUnit,
    /// Fee in VND; 0 when free.
    #[graphql(default)]
    pub fee_amount: i64,
    /// What the fee is, when it depends on the case.
    pub fee_note: Option<String>,
    /// The legal documents it rests on.
    pub legal_basis: Option<String>,
    /// What the applicant hands in.
    #[graphql(default)]
    pub required_documents: Vec<RequiredDocumentInput>,
    /// The internal process, in order (at least one step before publishing).
    #[graphql(default)]
    pub steps: Vec<ProcedureStepInput>,
}

/// `updateProcedureDraft`: changes a draft; what is left out stays as it
/// is, and the documents and steps, when given, replace the draft's.
#[derive(InputObject)]
pub(super) struct UpdateProcedureDraftInput {
    /// The draft's ID.
    pub id: ID,
    /// Name.
    pub name: Option<String>,
    /// The field's code.
    pub field_code: Option<String>,
    /// The tier that resolves it.
    pub tier: Option<Tier>,
    /// How far it can be done online.
    pub online_mode: Option<OnlineMode>,
    /// The legal resolution time…
    pub resolution_time: Option<i32>,
    /// …and its unit.
    pub resolution_unit: Option<TimeUnit>,
    /// Fee in VND.
    pub fee_amount: Option<i64>,
    /// What the fee is; `null` removes it.
    pub fee_note: MaybeUndefined<String>,
    /// The legal basis; `null` removes it.
    pub legal_basis: MaybeUndefined<String>,
    /// What the applicant hands in (replaces the list).
    pub required_documents: Option<Vec<RequiredDocumentInput>>,
    /// The internal process (replaces the list).
    pub steps: Option<Vec<ProcedureStepInput>>,
}

/// `publishProcedure`: a draft published by a decision from a day on.
#[derive(InputObject)]
pub(super) struct PublishProcedureInput {
    /// The draft's ID.
    pub id: ID,
    /// Its first day in force (today or later); the version before it ends the day before.
    pub effective_from: Date,
    /// The decision that publishes it (*quyết định công bố*), e.g. `1234/QĐ-UBND`.
    pub decision_number: String,
}

/// `reviseProcedure`: a new draft copied from a published version.
#[derive(InputObject)]
pub(super) struct ReviseProcedureInput {
    /// The published version's ID.
    pub id: ID,
}

/// `retireProcedure`: the last day a procedure takes dossiers.
#[derive(InputObject)]
pub(super) struct RetireProcedureInput {
    /// The ID of a published version of it.
    pub id: ID,
    /// Its last day in force (yesterday at the earliest).
    pub effective_to: Date,
}

/// A version's id; an ID of another type names no procedure.
fn procedure_id(id: &ID) -> Result<Uuid, ApiError> {
    id_of(id, NodeType::Procedure, || ApiError::NotFound("no procedure with this id".into()))
}

fn documents(list: Vec<RequiredDocumentInput>) -> Vec<DocumentSpec> {
    list.into_iter()
        .map(|d| DocumentSpec { name: d.name, originals: d.originals, copies: d.copies, required: d.required })
        .collect()
}

fn steps(list: Vec<ProcedureStepInput>) -> Vec<StepSpec> {
    list.into_iter().map(|s| StepSpec { name: s.name, role: s.role, budget_hours: s.budget_hours }).collect()
}

#[Object]
impl CatalogueMutation {
    /// Creates a procedure's first version as a draft, at a publishing agency
    /// where the caller holds `procedure manage` (a department's admin for
    /// its own procedures, the province's admin for the district and commune
    /// tiers). A draft takes no dossier and is seen only by those who manage
    /// the catalogue there. `CONFLICT` when the agency publishes the code already.
    async fn create_procedure(
        &self,
        ctx: &Context<'_>,
        input: CreateProcedureInput,
    ) -> async_graphql::Result<Procedure> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let spec = DraftSpec {
            name: Some(input.name),
            field_code: Some(input.field_code),
            tier: Some(input.tier.into()),
            online_mode: Some(input.online_mode.into()),
            resolution_time: Some(input.resolution_time),
            resolution_unit: Some(input.resolution_unit.into()),
            fee_amount: Some(input.fee_amount),
            fee_note: Some(input.fee_note),
            legal_basis: Some(input.legal_basis),
            documents: Some(documents(input.required_documents)),
            steps: Some(steps(input.steps)),
        };
        let prepared = catalogue::create(state, actor, &input.agency_code, &input.code, spec).await;
        Ok(Procedure(administration::run(state, actor, catalogue::CREATE, prepared).await?.into()))
    }

    /// Changes a draft (`INVALID_TRANSITION` for a published version: revise it instead).
    async fn update_procedure_draft(
        &self,
        ctx: &Context<'_>,
        input: UpdateProcedureDraftInput,
    ) -> async_graphql::Result<Procedure> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let spec = DraftSpec {
            name: input.name,
            field_code: input.field_code,
            tier: input.tier.map(Into::into),
            online_mode: input.online_mode.map(Into::into),
            resolution_time: input.resolution_time,
            resolution_unit: input.resolution_unit.map(Into::into),
            fee_amount: input.fee_amount,
            fee_note: change(input.fee_note),
            legal_basis: change(input.legal_basis),
            documents: input.required_documents.map(documents),
            steps: input.steps.map(steps),
        };
        let prepared = catalogue::update(state, actor, procedure_id(&input.id)?, spec).await;
        Ok(Procedure(administration::run(state, actor, catalogue::UPDATE, prepared).await?.into()))
    }

    /// Publishes a draft from `effectiveFrom` on under its decision. The
    /// version before it stays in force until the day before, so a version
    /// published for tomorrow takes over tomorrow; every server instance
    /// files under it from then on. Dossiers keep the version they were received under.
    async fn publish_procedure(
        &self,
        ctx: &Context<'_>,
        input: PublishProcedureInput,
    ) -> async_graphql::Result<Procedure> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id = procedure_id(&input.id)?;
        let prepared = catalogue::publish(state, actor, id, input.effective_from.0, &input.decision_number).await;
        Ok(Procedure(administration::run(state, actor, catalogue::PUBLISH, prepared).await?.into()))
    }

    /// Copies a published version (attributes, documents, steps) into a new
    /// draft numbered after the newest version; `CONFLICT` when a draft exists.
    async fn revise_procedure(
        &self,
        ctx: &Context<'_>,
        input: ReviseProcedureInput,
    ) -> async_graphql::Result<Procedure> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = catalogue::revise(state, actor, procedure_id(&input.id)?).await;
        Ok(Procedure(administration::run(state, actor, catalogue::REVISE, prepared).await?.into()))
    }

    /// Retires a procedure: after `effectiveTo` no version of it takes a
    /// dossier (filing one is `INVALID_TRANSITION` with `status` `RETIRED`);
    /// dossiers received before keep it.
    async fn retire_procedure(
        &self,
        ctx: &Context<'_>,
        input: RetireProcedureInput,
    ) -> async_graphql::Result<Procedure> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = catalogue::retire(state, actor, procedure_id(&input.id)?, input.effective_to.0).await;
        Ok(Procedure(administration::run(state, actor, catalogue::RETIRE, prepared).await?.into()))
    }
}
