//! `withdrawDossier`: the applicant withdraws the dossier.

use super::context::{required, Context};
use super::plan::Plan;
use crate::error::ApiResult;
use sea_orm::Set;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Withdraw {
    pub reason: String,
}

impl Withdraw {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { reason } = self;
        let now = context.now;
        plan.dossier.finished_at = Set(Some(now));
        plan.slip.note = Some(required("reason", reason)?);
        Ok(())
    }
}
