//! Notices to applicants: a province's templates, and what was sent about a dossier.

use crate::services::notices::{self, Effective};
use crate::services::outbox::{DEAD, DELIVERED};
use async_graphql::{Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// A notice, named for what happened to the dossier (docs/NOTICES.md).
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "notices::Notice")]
pub(crate) enum NoticeKind {
    /// Received, with the appointment (`RECEIVE`).
    Receipt,
    /// A supplement asked for: what is missing, by when (`REQUEST_SUPPLEMENT`).
    Supplement,
    /// A fee or tax to pay (`REQUEST_PAYMENT`).
    Payment,
    /// The result is ready to collect (`RESOLVE`).
    ResultReady,
    /// Late: an apology and a new appointment (`APOLOGIZE`).
    Apology,
    /// Refused at intake, with the reason (`REFUSE`).
    Refusal,
}

/// How a notice reaches the applicant.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "notices::Channel")]
pub(crate) enum NoticeChannel {
    /// By e-mail, to the applicant's address (when given).
    Email,
    /// By SMS, to the applicant's phone.
    Sms,
}

/// A notice's text in a province: its own, or the built-in Vietnamese one.
pub(crate) struct NoticeTemplate(pub Effective);

#[Object]
impl NoticeTemplate {
    /// Which notice.
    async fn notice(&self) -> NoticeKind {
        self.0.notice.into()
    }

    /// Which channel.
    async fn channel(&self) -> NoticeChannel {
        self.0.channel.into()
    }

    /// The e-mail's subject (none for an SMS), with `{{placeholders}}` (`noticeVariables`).
    async fn subject(&self) -> Option<&str> {
        self.0.template.subject.as_deref()
    }

    /// The text, with `{{placeholders}}`.
    async fn body(&self) -> &str {
        &self.0.template.body
    }

    /// Whether the province wrote it (false: the built-in text).
    async fn custom(&self) -> bool {
        self.0.custom.is_some()
    }

    /// Who last wrote the province's own text.
    async fn updated_by(&self) -> Option<&str> {
        self.0.custom.as_ref().map(|custom| custom.updated_by.as_str())
    }

    /// When.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.custom.as_ref().map(|custom| custom.updated_at)
    }
}

/// A placeholder a notice's text may use.
#[derive(SimpleObject)]
pub(crate) struct NoticeVariable {
    /// Written `{{name}}` in a template.
    pub name: &'static str,
    /// What it stands for.
    pub description: &'static str,
}

/// Where a notice to the applicant stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum NoticeStatus {
    /// Not sent yet, or being retried (`lastError` says why the last attempt failed).
    Pending,
    /// The mail server or the SMS gateway took it.
    Sent,
    /// Every attempt failed.
    Failed,
}

/// A notice sent (or being sent) to the applicant about a dossier.
pub(crate) struct DossierNotice(pub notices::Sent);

#[Object]
impl DossierNotice {
    /// Which notice.
    async fn notice(&self) -> Option<NoticeKind> {
        notices::Notice::of_action(&self.0.action).map(Into::into)
    }

    /// Which channel.
    async fn channel(&self) -> Option<NoticeChannel> {
        notices::Channel::of_name(&self.0.kind).map(Into::into)
    }

    /// Sent, pending or failed.
    async fn status(&self) -> NoticeStatus {
        match self.0.status.as_str() {
            DELIVERED => NoticeStatus::Sent,
            DEAD => NoticeStatus::Failed,
            _ => NoticeStatus::Pending,
        }
    }

    /// Attempts made.
    async fn attempt_count(&self) -> i32 {
        self.0.attempts
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was sent (or failed for the last time).
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
}
