//! `completeStep`: the current step is done; the dossier enters the next step of the procedure.

use super::context::Context;
use super::plan::Plan;
use crate::domain::steps::last_processing_step;
use crate::error::{ApiError, ApiResult};
use sea_orm::Set;
use uuid::Uuid;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct CompleteStep {
    pub to: Option<Uuid>,
    pub note: Option<String>,
}

impl CompleteStep {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { to, note } = self;
        let before = context.before;
        context.check_holds_current_step().await?;
        let current = before.current_step.unwrap_or(0);
        let last = last_processing_step(context.steps).unwrap_or(0);
        if current >= last {
            return Err(ApiError::BadUserInput(format!(
                "step {current} is the last step of processing: the leader resolves the dossier \
                 (`resolveDossier`)"
            )));
        }
        let next = context.steps.iter().find(|s| s.position > current);
        let to = match (to, next) {
            (Some(id), Some(step)) => Some(context.official_who_can_take(id, Some(&step.role), "toUserId").await?),
            _ => None,
        };
        plan.dossier.assignee_id = Set(to.as_ref().map(|o| o.id));
        context.enter_step(plan, next, to.map(|o| o.id), before.due_at);
        plan.slip.note = note;
        Ok(())
    }
}
