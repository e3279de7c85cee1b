//! `assignDossier`: a leader assigns the current step to an official (*phân công*).

use super::context::Context;
use super::plan::Plan;
use crate::domain::steps::step_deadline;
use crate::error::ApiResult;
use sea_orm::Set;
use uuid::Uuid;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Assign {
    pub assignee: Uuid,
    pub note: Option<String>,
}

impl Assign {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { assignee, note } = self;
        let now = context.now;
        let before = context.before;
        let step = context.current_step();
        let role = step.map(|s| s.role.as_str());
        let official = context.official_who_can_take(assignee, role, "assigneeId").await?;
        plan.dossier.assignee_id = Set(Some(official.id));
        plan.slip.to_official_id = Some(official.id);
        plan.slip.to_role = role.map(Into::into);
        plan.slip.step_due_at = step.map(|s| step_deadline(context.calendar, now, s, before.due_at));
        plan.slip.note = note;
        Ok(())
    }
}
