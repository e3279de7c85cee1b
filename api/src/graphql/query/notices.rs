//! The notices to applicants' templates.

use crate::graphql::context::ContextExt;
use crate::graphql::types::notice::{NoticeTemplate, NoticeVariable};
use crate::services::{agencies, notices};
use async_graphql::{Context, Object};

/// The notices' templates.
#[derive(Default)]
pub(super) struct NoticeQuery;

#[Object]
impl NoticeQuery {
    /// Every notice's text in a province, on each channel: its own where
    /// its admins wrote one, else the built-in Vietnamese text.
    /// `NOT_FOUND` for a code that is not a province's.
    async fn notice_templates(
        &self,
        ctx: &Context<'_>,
        province_code: String,
    ) -> async_graphql::Result<Vec<NoticeTemplate>> {
        ctx.viewer()?;
        let province =
            agencies::require_by_code(ctx.db(), &province_code, |agency| agency.code == agency.province_code).await?;
        let all = notices::of_province(ctx.db(), &province.province_code).await?;
        Ok(all.into_iter().map(NoticeTemplate).collect())
    }

    /// The placeholders a notice's text may use.
    async fn notice_variables(&self) -> Vec<NoticeVariable> {
        notices::VARIABLES.iter().map(|(name, description)| NoticeVariable { name, description }).collect()
    }
}
