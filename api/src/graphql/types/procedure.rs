//! `Procedure`: one version of a catalogue entry (*thủ tục hành chính*).

use crate::graphql::context::{agency_by_id, load, load_required, required, ContextExt};
use crate::graphql::enums::{OnlineMode, ProcedureStatus, Tier, TimeUnit};
use crate::graphql::ids::{global_id, NodeType};
use crate::graphql::loaders::{DocumentsOf, FieldId, StepsOf, VersionsOf};
use crate::graphql::types::Agency;
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::NaiveDate;
use entity::{procedure, procedure_document, procedure_step};

/// A procedure of the catalogue, in one version (*thủ tục hành chính*). A
/// dossier keeps the version it was received under; lists show the version in force.
pub(crate) struct Procedure(pub std::sync::Arc<procedure::Model>);

/// A field of administration (*lĩnh vực*).
#[derive(SimpleObject)]
pub(crate) struct Field {
    /// Field code.
    pub code: String,
    /// Field name, e.g. *Hộ tịch* (civil status).
    pub name: String,
}

impl From<entity::field::Model> for Field {
    fn from(field: entity::field::Model) -> Self {
        Self { code: field.code, name: field.name }
    }
}

/// The legal resolution time (*thời hạn giải quyết*).
#[derive(SimpleObject)]
pub(crate) struct ResolutionTime {
    /// How many units.
    pub amount: i32,
    /// Working days, calendar days or working hours.
    pub unit: TimeUnit,
}

/// A step of the internal process (*quy trình nội bộ*).
#[derive(SimpleObject)]
pub(crate) struct ProcedureStep {
    /// Order of the step, from 1.
    pub position: i32,
    /// What is done, e.g. *Thẩm định hồ sơ*.
    pub name: String,
    /// The role responsible: `receiver`, `specialist` or `leader`.
    pub role: String,
    /// The step's time budget in working hours.
    pub budget_hours: i32,
}

/// A document the applicant provides (*thành phần hồ sơ*).
#[derive(SimpleObject)]
pub(crate) struct RequiredDocument {
    /// Order in the list, from 1.
    pub position: i32,
    /// The document, e.g. *Tờ khai đăng ký khai sinh*.
    pub name: String,
    /// Originals to provide (*bản chính*).
    pub originals: i32,
    /// Copies to provide (*bản sao*).
    pub copies: i32,
    /// False for documents provided only in some cases.
    pub required: bool,
}

impl From<procedure_step::Model> for ProcedureStep {
    fn from(step: procedure_step::Model) -> Self {
        Self { position: step.position.into(), name: step.name, role: step.role, budget_hours: step.budget_hours }
    }
}

impl From<procedure_document::Model> for RequiredDocument {
    fn from(document: procedure_document::Model) -> Self {
        Self {
            position: document.position.into(),
            name: document.name,
            originals: document.originals.into(),
            copies: document.copies.into(),
            required: document.required,
        }
    }
}

#[Object]
impl Procedure {
    /// Global ID (Relay `Node`) of this version.
    pub async fn id(&self) -> ID {
        global_id(NodeType::Procedure, self.0.id)
    }

    /// National code, e.g. `1.001193`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Version number, from 1; a new decision publishes a new version.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Name, e.g. *Đăng ký khai sinh*.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Field of administration (*lĩnh vực*).
    async fn field(&self, ctx: &Context<'_>) -> async_graphql::Result<Field> {
        let field = load_required(ctx, FieldId(self.0.field_id)).await?;
        Ok(field.into())
    }

    /// The publishing agency: a department for its own procedures; the
    /// province for the district and commune tiers.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let id = self.0.agency_id;
        Ok(Agency(required(agency_by_id(ctx, id).await?, "agency", id)?))
    }

    /// The tier that resolves it (*cấp thực hiện*).
    async fn tier(&self) -> Tier {
        self.0.tier.into()
    }

    /// Online service mode.
    async fn online_mode(&self) -> OnlineMode {
        self.0.online_mode.into()
    }

    /// Legal resolution time.
    async fn resolution_time(&self) -> ResolutionTime {
        ResolutionTime { amount: self.0.resolution_time, unit: self.0.resolution_unit.into() }
    }

    /// Fee in VND (*phí, lệ phí*); 0 when free.
    async fn fee(&self) -> i64 {
        self.0.fee_amount
    }

    /// What the fee depends on, when it is not a flat amount.
    async fn fee_note(&self) -> Option<&str> {
        self.0.fee_note.as_deref()
    }

    /// Legal basis (*căn cứ pháp lý*).
    async fn legal_basis(&self) -> Option<&str> {
        self.0.legal_basis.as_deref()
    }

    /// The decision that published this version (*quyết định công bố*).
    async fn decision_number(&self) -> Option<&str> {
        self.0.decision_number.as_deref()
    }

    /// First day this version applies.
    async fn effective_from(&self) -> NaiveDate {
        self.0.effective_from
    }

    /// Last day this version applied, once replaced.
    async fn effective_to(&self) -> Option<NaiveDate> {
        self.0.effective_to
    }

    /// Published on the National Public Service Portal (*Cổng Dịch vụ công quốc gia*).
    async fn published_national(&self) -> bool {
        self.0.published_national
    }

    /// True while this version is in force today (published, from its
    /// `effectiveFrom` to its `effectiveTo`): the one new dossiers are filed under.
    async fn is_current(&self, ctx: &Context<'_>) -> bool {
        let today = crate::services::tally::vietnam_day(ctx.state().clock.now());
        crate::services::procedures::in_force(&self.0, today)
    }

    /// A draft or published.
    async fn status(&self) -> ProcedureStatus {
        self.0.status.into()
    }

    /// Every version of this procedure from its publisher, the first first
    /// (drafts only for those who manage the catalogue there).
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Procedure>> {
        let key = VersionsOf { code: self.0.code.clone(), agency_id: self.0.agency_id };
        let all = load(ctx, key).await?.unwrap_or_default();
        let viewer = ctx.identity().viewer();
        let mut visible = Vec::with_capacity(all.len());
        for version in all {
            if crate::services::administration::catalogue::may_see(ctx.state(), viewer, &version).await {
                visible.push(Procedure(version.into()));
            }
        }
        Ok(visible)
    }

    /// True when the attributes (code, times, fees, steps) are sample data
    /// rather than the official catalogue; the demo catalogue is.
    async fn is_sample(&self) -> bool {
        self.0.is_sample
    }

    /// The internal process, in order.
    async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProcedureStep>> {
        Ok(load(ctx, StepsOf(self.0.id)).await?.unwrap_or_default().into_iter().map(ProcedureStep::from).collect())
    }

    /// The documents the applicant provides, in order.
    async fn required_documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RequiredDocument>> {
        Ok(load(ctx, DocumentsOf(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(RequiredDocument::from)
            .collect())
    }
}
