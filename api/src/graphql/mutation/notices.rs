//! A province's own notices to applicants: written, or given back the built-in text.

use crate::graphql::context::ContextExt;
use crate::graphql::types::notice::{NoticeChannel, NoticeKind, NoticeTemplate};
use crate::services::administration::{self, notices};
use async_graphql::{Context, InputObject, Object};

/// The notices' mutations.
#[derive(Default)]
pub(super) struct NoticeMutation;

/// `setNoticeTemplate`.
#[derive(InputObject)]
pub(super) struct SetNoticeTemplateInput {
    /// The province (its code, e.g. `91`).
    pub province_code: String,
    pub notice: NoticeKind,
    pub channel: NoticeChannel,
    /// The e-mail's subject (required for an e-mail; none for an SMS).
    pub subject: Option<String>,
    /// The text, with `{{placeholders}}` (`noticeVariables`).
    pub body: String,
}

/// `resetNoticeTemplate`.
#[derive(InputObject)]
pub(super) struct ResetNoticeTemplateInput {
    /// The province (its code).
    pub province_code: String,
    pub notice: NoticeKind,
    pub channel: NoticeChannel,
}

#[Object]
impl NoticeMutation {
    /// Writes a province's own text of a notice on a channel, used for
    /// every notice sent from now on. Needs `notice manage` at the
    /// province's agency (its admins); an unknown `{{placeholder}}` is
    /// `BAD_USER_INPUT`.
    async fn set_notice_template(
        &self,
        ctx: &Context<'_>,
        input: SetNoticeTemplateInput,
    ) -> async_graphql::Result<NoticeTemplate> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let which = (input.notice.into(), input.channel.into());
        let prepared = notices::set(state, actor, &input.province_code, which, input.subject, input.body).await;
        Ok(NoticeTemplate(administration::run(state, actor, notices::SET, prepared).await?))
    }

    /// Gives a notice on a channel back the built-in Vietnamese text.
    async fn reset_notice_template(
        &self,
        ctx: &Context<'_>,
        input: ResetNoticeTemplateInput,
    ) -> async_graphql::Result<NoticeTemplate> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let which = (input.notice.into(), input.channel.into());
        let prepared = notices::reset(state, actor, &input.province_code, which).await;
        Ok(NoticeTemplate(administration::run(state, actor, notices::RESET, prepared).await?))
    }
}
