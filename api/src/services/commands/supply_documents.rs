//! `supplyDocuments`: the applicant supplied what was asked; the clock runs again.

use super::context::Context;
use super::plan::Plan;
use crate::error::ApiResult;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct SupplyDocuments {
    pub note: Option<String>,
}

impl SupplyDocuments {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { note } = self;

        context.resume(plan);
        plan.slip.note = note;
        Ok(())
    }
}
