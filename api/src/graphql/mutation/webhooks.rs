//! Webhooks: created, paused, resumed, deleted, and a delivery sent again.

use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{id_of, NodeType};
use crate::graphql::types::webhook::{CreatedWebhook, Webhook, WebhookDelivery};
use crate::services::administration::{self, webhooks};
use crate::services::outbox::{ACTIVE, PAUSED};
use async_graphql::{Context, InputObject, Object, ID};

/// The webhooks' mutations.
#[derive(Default)]
pub(super) struct WebhookMutation;

/// `createWebhook`.
#[derive(InputObject)]
pub(super) struct CreateWebhookInput {
    /// The agency whose dossiers it hears of.
    pub agency_code: String,
    /// True: the agency's whole subtree.
    #[graphql(default)]
    pub subtree: bool,
    /// Where to post: `http` or `https`; not this machine, a link-local or a
    /// metadata address (unless the operator allows the host).
    pub url: String,
    /// The slip actions to hear of (`RECEIVE`, `REQUEST_SUPPLEMENT`,
    /// `RESOLVE`, `RETURN_RESULT`, …); none: all.
    #[graphql(default)]
    pub events: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
}

/// A webhook to act on.
#[derive(InputObject)]
pub(super) struct WebhookInput {
    /// The webhook's ID.
    pub webhook: ID,
}

/// `redeliver`.
#[derive(InputObject)]
pub(super) struct RedeliverInput {
    /// The delivery's ID (`webhookDeliveries`).
    pub delivery: ID,
}

fn webhook_id(id: &ID) -> Result<uuid::Uuid, ApiError> {
    id_of(id, NodeType::Webhook, || ApiError::NotFound("no webhook with this id".into()))
}

#[Object]
impl WebhookMutation {
    /// Creates a webhook for the dossiers of an agency (or its subtree):
    /// each slip entry written from now on that the caller may read is
    /// posted to `url`, signed with the secret in this answer. Needs
    /// `webhook manage` at the agency (its admins), or a service account
    /// that may read its dossiers.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> async_graphql::Result<CreatedWebhook> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let new = webhooks::NewWebhook {
            agency_code: input.agency_code,
            subtree: input.subtree,
            url: input.url,
            events: input.events,
            description: input.description,
        };
        let prepared = webhooks::create(state, actor, new).await;
        let webhook = administration::run(state, actor, webhooks::CREATE, prepared).await?;
        let secret = webhook.secret.clone().unwrap_or_default();
        Ok(CreatedWebhook { webhook: Webhook(webhook), secret })
    }

    /// Pauses a webhook: nothing is sent until it is resumed; what happens
    /// meanwhile is sent then.
    async fn pause_webhook(&self, ctx: &Context<'_>, input: WebhookInput) -> async_graphql::Result<Webhook> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = webhooks::set_state(state, actor, webhook_id(&input.webhook)?, PAUSED).await;
        Ok(Webhook(administration::run(state, actor, webhooks::PAUSE, prepared).await?))
    }

    /// Resumes a paused webhook: it catches up with what it missed.
    async fn resume_webhook(&self, ctx: &Context<'_>, input: WebhookInput) -> async_graphql::Result<Webhook> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = webhooks::set_state(state, actor, webhook_id(&input.webhook)?, ACTIVE).await;
        Ok(Webhook(administration::run(state, actor, webhooks::RESUME, prepared).await?))
    }

    /// Deletes a webhook with its deliveries; answers it as it was.
    async fn delete_webhook(&self, ctx: &Context<'_>, input: WebhookInput) -> async_graphql::Result<Webhook> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = webhooks::delete(state, actor, webhook_id(&input.webhook)?).await;
        Ok(Webhook(administration::run(state, actor, webhooks::DELETE, prepared).await?))
    }

    /// Sends a delivery again — a dead letter, or one already delivered —
    /// with the same `webhook-id` and a full set of attempts.
    async fn redeliver(&self, ctx: &Context<'_>, input: RedeliverInput) -> async_graphql::Result<WebhookDelivery> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id = id_of(&input.delivery, NodeType::WebhookDelivery, || {
            ApiError::NotFound("no delivery with this id".into())
        })?;
        let prepared = webhooks::redeliver(state, actor, id).await;
        let delivery = administration::run(state, actor, webhooks::REDELIVER, prepared).await?;
        Ok(WebhookDelivery { delivery, attempts: Vec::new() })
    }
}
