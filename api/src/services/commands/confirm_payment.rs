//! `confirmPayment`: the payment arrived; the clock runs again.

use super::context::Context;
use super::plan::Plan;
use crate::error::ApiResult;
use entity::PaymentMethod;
use sea_orm::Set;
use serde_json::json;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct ConfirmPayment {
    pub method: PaymentMethod,
    pub note: Option<String>,
}

impl ConfirmPayment {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { method, note } = self;
        let now = context.now;
        let before = context.before;
        context.resume(plan);
        plan.dossier.fee_paid_at = Set(Some(now));
        plan.dossier.payment_method = Set(Some(method));
        plan.slip.note = note;
        plan.slip.details = Some(json!({ "amount": before.fee_amount, "method": method }));
        Ok(())
    }
}
