//! `refuseDossier`: the desk refuses a submitted dossier (*từ chối tiếp nhận*).

use super::context::{required, Context};
use super::plan::Plan;
use crate::error::ApiResult;
use sea_orm::Set;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Refuse {
    pub reason: String,
}

impl Refuse {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { reason } = self;
        let now = context.now;
        plan.dossier.finished_at = Set(Some(now));
        plan.slip.note = Some(required("reason", reason)?);
        Ok(())
    }
}
