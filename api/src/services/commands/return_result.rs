//! `returnResult`: the desk hands the result to the applicant.

use super::context::Context;
use super::plan::Plan;
use crate::error::ApiResult;
use sea_orm::Set;

/// What the command takes.
#[derive(Debug, Clone)]
pub(crate) struct ReturnResult {
    pub note: Option<String>,
}

impl ReturnResult {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { note } = self;
        let now = context.now;
        plan.dossier.returned_at = Set(Some(now));
        plan.slip.to_agency_id = None;
        plan.slip.note = note;
        Ok(())
    }
}
