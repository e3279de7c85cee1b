//! `resolveDossier`: the leader signs the result; it goes back to the receiving desk.

use super::context::{required, Context};
use super::plan::Plan;
use crate::domain::steps::{return_step, DESK_ROLE};
use crate::error::ApiResult;
use sea_orm::Set;
use serde_json::json;
use uuid::Uuid;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Resolve {
    pub result_number: String,
    pub signer: Option<Uuid>,
    pub result_digitized: bool,
    pub note: Option<String>,
}

impl Resolve {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { result_number, signer, result_digitized, note } = self;
        let now = context.now;
        let before = context.before;
        let result_number = required("resultNumber", result_number)?;
        let signer = match signer {
            None => context.actor.id,
            Some(id) => context.official_with_permission(id, "resolve", "signerId").await?.id,
        };
        plan.dossier.finished_at = Set(Some(now));
        plan.dossier.outcome = Set(before.due_at.map(|due| crate::domain::calendar::outcome_of(now, due)));
        plan.dossier.result_number = Set(Some(result_number.clone()));
        plan.dossier.result_digitized = Set(result_digitized);
        plan.dossier.signer_id = Set(Some(signer));
        plan.dossier.assignee_id = Set(None);
        // The result goes back to the desk that received the dossier.
        plan.slip.to_agency_id = Some(before.receiving_agency_id);
        match return_step(context.steps) {
            Some(step) => {
                plan.dossier.current_step = Set(Some(step.position));
                plan.slip.step = Some(step.position);
                plan.slip.to_role = Some(step.role.clone());
                plan.slip.step_due_at = Some(context.calendar.add_working_hours(now, step.budget_hours.max(0) as u32));
            }
            None => plan.slip.to_role = Some(DESK_ROLE.into()),
        }
        plan.slip.note = note;
        plan.slip.details = Some(json!({
            "resultNumber": result_number,
            "signerId": signer,
            "resultDigitized": result_digitized,
        }));
        Ok(())
    }
}
