//! `stopDossier`: processing stops for good (*dừng xử lý*).

use super::context::Context;
use super::plan::Plan;
use crate::error::ApiResult;
use sea_orm::Set;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Stop {
    pub reason: String,
}

impl Stop {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        // The clock stops with the dossier, if it was running.
        if context.before.paused_at.is_none() {
            plan.dossier.paused_at = Set(Some(context.now));
        }
        plan.finish(self.reason)
    }
}
