//! `requestPayment`: the applicant must pay a fee or a financial obligation first; the clock pauses.

use super::context::Context;
use super::plan::Plan;
use crate::error::{ApiError, ApiResult};
use sea_orm::Set;
use serde_json::json;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct RequestPayment {
    pub amount: i64,
    pub note: Option<String>,
}

impl RequestPayment {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { amount, note } = self;
        let now = context.now;
        if amount <= 0 {
            return Err(ApiError::BadUserInput("`amount` must be a positive number of VND".into()));
        }
        plan.dossier.fee_amount = Set(amount);
        plan.dossier.paused_at = Set(Some(now));
        plan.slip.note = note;
        plan.slip.details = Some(json!({ "amount": amount }));
        Ok(())
    }
}
