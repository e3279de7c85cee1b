//! `receiveDossier` on a submitted dossier: the desk accepts it; the clock starts.

use super::context::Context;
use super::plan::Plan;
use crate::domain::steps::step_after_receipt;
use crate::error::ApiResult;
use sea_orm::Set;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Receive {
    pub note: Option<String>,
}

impl Receive {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { note } = self;
        let now = context.now;
        let procedure = context.procedure;
        let due = context.calendar.due_at(now, procedure.resolution_time.max(0) as u32, procedure.resolution_unit);
        plan.dossier.received_at = Set(Some(now));
        plan.dossier.due_at = Set(Some(due));
        context.enter_step(plan, step_after_receipt(context.steps), None, Some(due));
        plan.slip.note = note;
        Ok(())
    }
}
