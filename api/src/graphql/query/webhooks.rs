//! Webhooks and their deliveries, for their owners and their agencies' admins.

use crate::graphql::context::{page_size, ContextExt};
use crate::graphql::ids::{id_of, NodeType};
use crate::graphql::types::webhook::{DeliveryStatus, Webhook, WebhookDelivery};
use crate::services::{agencies, webhooks};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};

/// Webhooks.
#[derive(Default)]
pub(super) struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The webhooks of an agency that the caller owns or may manage there
    /// (`webhook manage`: its admins), oldest first.
    async fn webhooks(&self, ctx: &Context<'_>, agency_code: String) -> async_graphql::Result<Vec<Webhook>> {
        let (state, viewer) = (ctx.state(), ctx.viewer()?);
        let Some(agency) = agencies::find_by_code(ctx.db(), &agency_code).await? else { return Ok(Vec::new()) };
        Ok(webhooks::at_agency(state, viewer, &agency.path).await?.into_iter().map(Webhook).collect())
    }

    /// A webhook the caller owns or manages; null for any other.
    async fn webhook(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Webhook>> {
        let (state, viewer) = (ctx.state(), ctx.viewer()?);
        let Ok(id) = id_of(&id, NodeType::Webhook, || crate::error::ApiError::NotFound(String::new())) else {
            return Ok(None);
        };
        Ok(webhooks::find(state, viewer, id).await.ok().map(Webhook))
    }

    /// A webhook's deliveries, newest first, with each attempt's answer;
    /// `status` narrows them (`DEAD`: the dead letters). Empty for a
    /// webhook the caller neither owns nor manages.
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        webhook: ID,
        status: Option<DeliveryStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, WebhookDelivery>> {
        let (state, viewer) = (ctx.state(), ctx.viewer()?);
        let first = page_size(first)?;
        let id = id_of(&webhook, NodeType::Webhook, || crate::error::ApiError::NotFound(String::new()));
        let webhook = match id {
            Ok(id) => webhooks::find(state, viewer, id).await.ok(),
            Err(_) => None,
        };
        let Some(webhook) = webhook else { return Ok(Connection::new(false, false)) };
        let status = status.map(DeliveryStatus::stored);
        let page = webhooks::deliveries(state, webhook.id, status, first, after.as_deref()).await?;
        let asked = ctx.look_ahead().field("edges").field("node").field("attempts").exists()
            || ctx.look_ahead().field("nodes").field("attempts").exists();
        let ids: Vec<uuid::Uuid> = page.items.iter().map(|delivery| delivery.id).collect();
        let mut attempts = match asked {
            true => webhooks::attempts_of(ctx.db(), &ids).await?,
            false => Vec::new(),
        };
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        for delivery in page.items {
            let (own, rest) = attempts.into_iter().partition(|attempt| attempt.delivery_id == delivery.id);
            attempts = rest;
            connection
                .edges
                .push(Edge::new(webhooks::cursor_of(&delivery), WebhookDelivery { delivery, attempts: own }));
        }
        Ok(connection)
    }
}
