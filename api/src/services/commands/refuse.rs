//! `refuseDossier`: the desk refuses a submitted dossier (*từ chối tiếp nhận*).

use super::context::Context;
use super::plan::Plan;
use crate::error::ApiResult;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct Refuse {
    pub reason: String,
}

impl Refuse {
    pub(super) async fn apply(self, _: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        plan.finish(self.reason)
    }
}
