//! `stopDossier`: processing stops for good (*dừng xử lý*).

use super::context::{required, Context};
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
        let Self { reason } = self;
        let now = context.now;
        let before = context.before;
        plan.dossier.finished_at = Set(Some(now));
        if before.paused_at.is_none() {
            plan.dossier.paused_at = Set(Some(now));
        }
        plan.slip.note = Some(required("reason", reason)?);
        Ok(())
    }
}
