//! `Webhook`, its deliveries and their attempts.

use crate::graphql::context::{agency_by_id, official_by_id, required};
use crate::graphql::ids::{global_id, NodeType};
use crate::graphql::types::{Agency, User};
use crate::services::outbox::message_id;
use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::{outbox_attempt, outbox_consumer, outbox_delivery};

/// Whether a webhook hears of the slip.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum WebhookState {
    /// It hears of every new entry of its scope and is sent them.
    Active,
    /// Nothing is sent; its place in the slip waits, and it catches up once resumed.
    Paused,
}

/// Where a delivery stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DeliveryStatus {
    /// Waiting for its next attempt (or being sent).
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed: a dead letter, sent again only by `redeliver`.
    Dead,
}

impl DeliveryStatus {
    /// The stored name.
    pub(crate) fn stored(self) -> &'static str {
        match self {
            Self::Pending => crate::services::outbox::PENDING,
            Self::Delivered => crate::services::outbox::DELIVERED,
            Self::Dead => crate::services::outbox::DEAD,
        }
    }

    fn of(stored: &str) -> Self {
        match stored {
            crate::services::outbox::DELIVERED => Self::Delivered,
            crate::services::outbox::DEAD => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// A URL that hears of the slip's entries of an agency (or its subtree)
/// — those its owner may read — each posted as JSON and signed as the
/// Standard Webhooks specification says (docs/WEBHOOKS.md).
pub(crate) struct Webhook(pub outbox_consumer::Model);

#[Object]
impl Webhook {
    /// Its ID (for `pauseWebhook`, `webhookDeliveries`, …).
    async fn id(&self) -> ID {
        global_id(NodeType::Webhook, self.0.id)
    }

    /// The agency whose dossiers it hears of.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let id = self.0.agency_id;
        Ok(Agency(required(agency_by_id(ctx, id).await?, "agency", id)?))
    }

    /// True: the agency's whole subtree.
    async fn subtree(&self) -> bool {
        self.0.subtree
    }

    /// Where the deliveries are posted.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// The slip actions it hears of (`RECEIVE`, `RESOLVE`, …); empty: all.
    async fn events(&self) -> Vec<String> {
        self.0.events.as_deref().and_then(|events| serde_json::from_str(events).ok()).unwrap_or_default()
    }

    /// What it is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Active or paused.
    async fn state(&self) -> WebhookState {
        match self.0.state.as_str() {
            crate::services::outbox::PAUSED => WebhookState::Paused,
            _ => WebhookState::Active,
        }
    }

    /// The official or service account it hears for: it hears only what
    /// they may read, and nothing once they may not.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(official_by_id(ctx, self.0.owner_id).await?.map(User))
    }

    /// When it was created, and by whom.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The username of who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }

    /// How many deliveries wait to be sent.
    async fn pending_deliveries(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        use crate::graphql::context::ContextExt;
        Ok(crate::services::webhooks::count_in(ctx.db(), self.0.id, crate::services::outbox::PENDING).await?)
    }

    /// How many deliveries are dead letters.
    async fn dead_letters(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        use crate::graphql::context::ContextExt;
        Ok(crate::services::webhooks::count_in(ctx.db(), self.0.id, crate::services::outbox::DEAD).await?)
    }
}

/// A webhook just created, with its signing secret.
#[derive(SimpleObject)]
pub(crate) struct CreatedWebhook {
    pub webhook: Webhook,
    /// The secret the deliveries are signed with (`whsec_…`): give it to
    /// the receiver, which verifies each `webhook-signature` with it.
    /// Shown this once.
    pub secret: String,
}

/// One slip entry due to one webhook.
pub(crate) struct WebhookDelivery {
    pub delivery: outbox_delivery::Model,
    /// Its attempts, newest first, when the query asked for them.
    pub attempts: Vec<outbox_attempt::Model>,
}

#[Object]
impl WebhookDelivery {
    /// Its ID (for `redeliver`).
    async fn id(&self) -> ID {
        global_id(NodeType::WebhookDelivery, self.delivery.id)
    }

    /// The `webhook-id` header of every attempt: the receiver's key for
    /// recognising a delivery it already took.
    async fn message_id(&self) -> String {
        message_id(self.delivery.id)
    }

    /// The slip entry it carries.
    async fn event_id(&self) -> ID {
        global_id(NodeType::DossierEvent, self.delivery.event_id)
    }

    /// Where it stands.
    async fn status(&self) -> DeliveryStatus {
        DeliveryStatus::of(&self.delivery.status)
    }

    /// Attempts made since it was made (or sent again).
    async fn attempt_count(&self) -> i32 {
        self.delivery.attempts
    }

    /// When it is next tried, while pending.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.delivery.status == crate::services::outbox::PENDING).then_some(self.delivery.next_attempt_at)
    }

    /// The HTTP status of the last answer.
    async fn last_status_code(&self) -> Option<i32> {
        self.delivery.last_status_code
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.delivery.last_error.as_deref()
    }

    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.delivery.created_at
    }

    /// When it was delivered or became a dead letter.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.delivery.finished_at
    }

    /// Its attempts, newest first (at most 50).
    async fn attempts(&self) -> Vec<WebhookAttempt> {
        self.attempts.iter().map(WebhookAttempt::from).collect()
    }
}

/// One attempt at a delivery.
#[derive(SimpleObject)]
pub(crate) struct WebhookAttempt {
    /// When it started.
    pub at: DateTime<Utc>,
    /// The HTTP status the receiver answered; null when it did not (timeout, refused connection).
    pub status_code: Option<i32>,
    /// Why it failed.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i32,
}

impl From<&outbox_attempt::Model> for WebhookAttempt {
    fn from(attempt: &outbox_attempt::Model) -> Self {
        Self {
            at: attempt.attempted_at,
            status_code: attempt.status_code,
            error: attempt.error.clone(),
            duration_ms: attempt.duration_ms,
        }
    }
}
