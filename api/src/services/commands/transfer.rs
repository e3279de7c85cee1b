//! `transferDossier`: the dossier goes to another agency of the province (*liên thông*).

use super::context::Context;
use super::plan::Plan;
use crate::domain::steps::step_after_receipt;
use crate::error::{ApiError, ApiResult};
use sea_orm::Set;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Transfer {
    pub to_agency_code: String,
    pub note: Option<String>,
}

impl Transfer {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { to_agency_code, note } = self;
        let before = context.before;
        let to = context
            .state
            .agencies
            .by_code(&context.state.db, &to_agency_code)
            .await?
            .ok_or_else(|| ApiError::BadUserInput(format!("no agency has the code `{to_agency_code}`")))?;
        crate::services::agencies::require_open(&to, crate::services::tally::vietnam_day(context.state.clock.now()))?;
        if to.id == before.agency_id {
            return Err(ApiError::BadUserInput("the dossier is already at that agency".into()));
        }
        if to.province_code != before.province_code {
            return Err(ApiError::BadUserInput("a dossier is transferred within its province".into()));
        }
        plan.dossier.agency_id = Set(to.id);
        plan.dossier.agency_path = Set(to.path.clone());
        plan.dossier.competent_agency_id = Set(to.id);
        plan.dossier.transferred = Set(to.id != before.receiving_agency_id);
        plan.dossier.assignee_id = Set(None);
        plan.slip.to_agency_id = Some(to.id);
        context.enter_step(plan, step_after_receipt(context.steps), None, before.due_at);
        plan.slip.note = note;
        Ok(())
    }
}
