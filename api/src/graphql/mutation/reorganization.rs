//! Reorganisation as a plan: its dry run and its apply.

use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::types::reorganization::{ReorganizationPlan, ReorganizationResult};
use crate::services::reorganization::{self, PlanFile};
use async_graphql::{Context, InputObject, Object, Upload};

/// The reorganisation mutations.
#[derive(Default)]
pub(super) struct ReorganizationMutation;

/// A plan: the changes of one effective date, as a JSON file
/// (`docs/REORGANIZATION.md`), sent as a multipart part.
#[derive(InputObject)]
pub(super) struct ReorganizationInput {
    pub plan: Upload,
}

/// The plan's text and what it says.
fn read(ctx: &Context<'_>, upload: &Upload) -> Result<(Vec<u8>, PlanFile), ApiError> {
    let (_, text) = super::upload_bytes(ctx, upload, reorganization::MOST_BYTES)?;
    let plan = PlanFile::parse(&text)?;
    Ok((text, plan))
}

#[Object]
impl ReorganizationMutation {
    /// The dry run of a reorganisation plan: what applying it now would do —
    /// agencies created and closed, the dossiers in flight that move from each
    /// old agency to each new one, the grants that move or end, the procedures
    /// that change publisher or tier — and what cannot be applied and why.
    /// Writes nothing. Needs `agency manage` over every province it touches.
    async fn plan_reorganization(
        &self,
        ctx: &Context<'_>,
        input: ReorganizationInput,
    ) -> async_graphql::Result<ReorganizationPlan> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let (_, plan) = read(ctx, &input.plan)?;
        let dry = reorganization::plan(&state.db, &plan).await?;
        reorganization::authorize(state, actor, &dry.provinces).await?;
        Ok(ReorganizationPlan(dry))
    }

    /// Carries a plan out, on its effective date or after it: new units,
    /// renames, closures with their successors; grants moved or ended and
    /// officials moved; procedure versions of a new publisher or tier; every
    /// dossier unfinished at a closed unit moved to its successor with a slip
    /// entry `REORGANIZE` (its code and deadlines unchanged). Finished
    /// dossiers stay with the unit that handled them. Resumable and
    /// idempotent: applied again, it finishes what an interruption left and
    /// otherwise changes nothing. `BAD_USER_INPUT` while the dry run has
    /// errors, `INVALID_TRANSITION` before the effective date.
    async fn apply_reorganization(
        &self,
        ctx: &Context<'_>,
        input: ReorganizationInput,
    ) -> async_graphql::Result<ReorganizationResult> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let (text, plan) = read(ctx, &input.plan)?;
        let (applied, after) = reorganization::apply(state, Some(actor), &text, &plan).await?;
        Ok(ReorganizationResult::new(applied, after))
    }
}
