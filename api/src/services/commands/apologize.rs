//! `apologize`: a late dossier gets an apology letter and a new appointment.

use super::context::{required, Context};
use super::plan::Plan;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use sea_orm::Set;
use serde_json::json;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Apologize {
    pub reason: String,
    pub new_appointment: DateTime<Utc>,
}

impl Apologize {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { reason, new_appointment } = self;
        let now = context.now;
        let before = context.before;
        let reason = required("reason", reason)?;
        let Some(due) = before.due_at else {
            return Err(ApiError::BadUserInput("the dossier has no due date to apologise for".into()));
        };
        if new_appointment <= due || new_appointment <= now {
            return Err(ApiError::BadUserInput("`newAppointment` must be later than the due date and than now".into()));
        }
        plan.dossier.appointment_at = Set(Some(new_appointment));
        plan.slip.note = Some(reason);
        plan.slip.details = Some(json!({ "newAppointment": new_appointment, "dueAt": due }));
        Ok(())
    }
}
