//! `withdrawDossier`: the applicant withdraws the dossier.

use super::context::Context;
use super::plan::Plan;
use crate::error::ApiResult;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Withdraw {
    pub reason: String,
}

impl Withdraw {
    pub(super) async fn apply(self, _: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        plan.finish(self.reason)
    }
}
