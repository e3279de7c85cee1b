//! `requestSupplement`: the applicant must supply missing documents; the clock pauses.

use super::context::{required, Context};
use super::plan::Plan;
use crate::domain::calendar::vietnam;
use crate::error::{ApiError, ApiResult};
use sea_orm::Set;
use serde_json::json;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct RequestSupplement {
    pub reason: String,
    pub documents: Vec<String>,
    pub days_allowed: u32,
}

impl RequestSupplement {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { reason, documents, days_allowed } = self;
        let now = context.now;
        let reason = required("reason", reason)?;
        let documents: Vec<String> =
            documents.into_iter().map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect();
        if documents.is_empty() {
            return Err(ApiError::BadUserInput("`missingDocuments` must name at least one document".into()));
        }
        if !(1..=60).contains(&days_allowed) {
            return Err(ApiError::BadUserInput("`daysAllowed` must be 1 to 60 working days".into()));
        }
        let local_day = now.with_timezone(&vietnam()).date_naive();
        let until = context.calendar.add_working_days(local_day, days_allowed);
        plan.dossier.paused_at = Set(Some(now));
        plan.slip.note = Some(reason.clone());
        plan.slip.details = Some(json!({
            "reason": reason,
            "missingDocuments": documents,
            "daysAllowed": days_allowed,
            "supplyBy": until.to_string(),
        }));
        Ok(())
    }
}
