//! Webhooks: an agency's admin (`webhook manage`) or a service account
//! creates one for the dossiers of an agency (or its subtree) that it may
//! read; it hears of them for as long as its owner may read them. Its
//! owner or an admin of its agency pauses, resumes or deletes it, and sends
//! a delivery again.

use super::{Operation, Prepared};
use crate::auth::Viewer;
use crate::domain::lifecycle::COMMANDS;
use crate::domain::paths::PathPattern;
use crate::error::{ApiError, ApiResult};
use crate::services::outbox::{signature, ACTIVE, DEAD, DELIVERED, PENDING, WEBHOOK};
use crate::services::writes::{Unit, Write};
use crate::services::{agencies, webhooks};
use crate::state::AppState;
use entity::{outbox_attempt, outbox_consumer, outbox_delivery, OfficialKind};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// `createWebhook`.
pub(crate) const CREATE: Operation = Operation { name: "createWebhook", target_type: "Webhook" };
/// `pauseWebhook`.
pub(crate) const PAUSE: Operation = Operation { name: "pauseWebhook", target_type: "Webhook" };
/// `resumeWebhook`.
pub(crate) const RESUME: Operation = Operation { name: "resumeWebhook", target_type: "Webhook" };
/// `deleteWebhook`.
pub(crate) const DELETE: Operation = Operation { name: "deleteWebhook", target_type: "Webhook" };
/// `redeliver`.
pub(crate) const REDELIVER: Operation = Operation { name: "redeliver", target_type: "WebhookDelivery" };

/// Most webhooks at one agency.
pub(crate) const MOST_PER_AGENCY: u64 = 100;
/// The slip's actions besides the commands': a dossier moved by a reorganisation.
const OTHER_ACTIONS: [&str; 1] = ["REORGANIZE"];

/// What `createWebhook` is given.
#[derive(Debug)]
pub(crate) struct NewWebhook {
    pub agency_code: String,
    pub subtree: bool,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
}

/// Every action a webhook may ask to hear of.
pub(crate) fn actions() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|facts| facts.event).chain(OTHER_ACTIONS)
}

/// Checks a new webhook and prepares it, its secret included.
pub(crate) async fn create(
    state: &AppState,
    actor: &Viewer,
    new: NewWebhook,
) -> ApiResult<Prepared<outbox_consumer::Model>> {
    let agency = agencies::require_by_code(&state.db, &new.agency_code, |_| true).await?;
    let pattern = match new.subtree {
        true => PathPattern::Subtree(agency.path.clone()),
        false => PathPattern::Agency(agency.path.clone()),
    };
    if state.authz.scope(&actor.username, "dossier", "read").await.intersect(&pattern).is_empty() {
        return Err(ApiError::Forbidden(format!("you may not read the dossiers of {}", agency.name)));
    }
    let is_service = state.officials.by_id(&state.db, actor.id).await?.is_some_and(|o| o.kind == OfficialKind::Service);
    if !is_service && !state.authz.allows(&actor.username, &agency.path, "webhook", "manage").await {
        return Err(ApiError::Forbidden(format!("a webhook of {} needs `webhook manage` there", agency.name)));
    }
    let url = state.outbox.destinations.check(&new.url)?.to_string();
    let events = checked_events(new.events)?;
    let description = match new.description {
        Some(text) => Some(super::required_text("description", &text, 500)?),
        None => None,
    };
    let existing = outbox_consumer::Entity::find()
        .filter(Expr::col(outbox_consumer::Column::AgencyPath).eq(agency.path.as_str()))
        .count(&state.db)
        .await?;
    if existing >= MOST_PER_AGENCY {
        return Err(ApiError::limit(format!("{} has {existing} webhooks, the most one agency may have", agency.name)));
    }
    let (cursor_position, cursor_event) = crate::services::outbox::head(state).await?;
    let now = crate::services::now();
    let webhook = outbox_consumer::Model {
        id: Uuid::now_v7(),
        kind: WEBHOOK.into(),
        agency_id: agency.id,
        agency_path: agency.path.clone(),
        subtree: new.subtree,
        owner_id: actor.id,
        url: Some(url),
        secret: Some(signature::new_secret()),
        events: events.as_ref().map(|events| json!(events).to_string()),
        description,
        state: ACTIVE.into(),
        cursor_position,
        cursor_event,
        created_by: actor.username.clone(),
        created_at: now,
        updated_at: now,
    };
    let insert = outbox_consumer::Entity::insert(outbox_consumer::ActiveModel::from(webhook.clone())).into_query();
    Ok(Prepared {
        unit: Unit::of(Write::Insert(insert)),
        agency,
        target_id: webhook.id.to_string(),
        details: json!({ "after": { "url": webhook.url, "subtree": webhook.subtree, "events": events } }),
        announced: None,
        value: webhook,
    })
}

/// The actions asked for, each known; `None` (all) for none.
fn checked_events(events: Vec<String>) -> ApiResult<Option<Vec<String>>> {
    let mut checked = Vec::with_capacity(events.len());
    for event in events {
        let action = event.trim().to_ascii_uppercase();
        if !actions().any(|known| known == action) {
            let known: Vec<&str> = actions().collect();
            return Err(ApiError::BadUserInput(format!(
                "`{event}` is not an action of the slip; one of {}",
                known.join(", ")
            )));
        }
        if !checked.contains(&action) {
            checked.push(action);
        }
    }
    Ok(Some(checked).filter(|checked| !checked.is_empty()))
}

/// Pauses (`PAUSED`) or resumes (`ACTIVE`) the webhook `id`: while paused,
/// nothing is sent and its cursor waits; resumed, it catches up.
pub(crate) async fn set_state(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    to: &'static str,
) -> ApiResult<Prepared<outbox_consumer::Model>> {
    let webhook = webhooks::find(state, actor, id).await?;
    let agency = agency_of(state, &webhook).await?;
    let now = crate::services::now();
    let update = Query::update()
        .table(outbox_consumer::Entity)
        .value(outbox_consumer::Column::State, to)
        .value(outbox_consumer::Column::UpdatedAt, now)
        .and_where(Expr::col(outbox_consumer::Column::Id).eq(id))
        .to_owned();
    let details = json!({ "before": { "state": webhook.state }, "after": { "state": to } });
    Ok(Prepared {
        unit: Unit::of(Write::Update(update)),
        agency,
        target_id: id.to_string(),
        details,
        announced: None,
        value: outbox_consumer::Model { state: to.into(), updated_at: now, ..webhook },
    })
}

async fn agency_of(state: &AppState, webhook: &outbox_consumer::Model) -> ApiResult<entity::agency::Model> {
    agencies::find_by_ids(&state.db, &[webhook.agency_id])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("a webhook of no agency"))
}

/// Deletes the webhook `id` with its deliveries and their attempts.
pub(crate) async fn delete(state: &AppState, actor: &Viewer, id: Uuid) -> ApiResult<Prepared<outbox_consumer::Model>> {
    let webhook = webhooks::find(state, actor, id).await?;
    let agency = agency_of(state, &webhook).await?;
    let deliveries = Query::select()
        .column(outbox_delivery::Column::Id)
        .from(outbox_delivery::Entity)
        .and_where(Expr::col(outbox_delivery::Column::ConsumerId).eq(id))
        .to_owned();
    let attempts = outbox_attempt::Entity::delete_many()
        .filter(Expr::col(outbox_attempt::Column::DeliveryId).in_subquery(deliveries))
        .into_query();
    let deliveries = outbox_delivery::Entity::delete_many()
        .filter(Expr::col(outbox_delivery::Column::ConsumerId).eq(id))
        .into_query();
    let webhook_row = outbox_consumer::Entity::delete_by_id(id).into_query();
    let mut unit = Unit::of(Write::Delete(webhook_row));
    unit.before = vec![Write::Delete(attempts), Write::Delete(deliveries)];
    Ok(Prepared {
        unit,
        agency,
        target_id: id.to_string(),
        details: json!({ "before": { "url": webhook.url, "state": webhook.state } }),
        announced: None,
        value: webhook,
    })
}

/// Sends the delivery `id` again (a dead letter, or one delivered): due
/// now, with a full set of attempts; its `webhook-id` stays the same.
pub(crate) async fn redeliver(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
) -> ApiResult<Prepared<outbox_delivery::Model>> {
    let (delivery, webhook) = webhooks::find_delivery(state, actor, id).await?;
    if delivery.status == PENDING {
        return Err(ApiError::BadUserInput("this delivery is still pending: it will be sent".into()));
    }
    let agency = agency_of(state, &webhook).await?;
    let now = crate::services::now();
    let update = Query::update()
        .table(outbox_delivery::Entity)
        .value(outbox_delivery::Column::Status, PENDING)
        .value(outbox_delivery::Column::Attempts, 0)
        .value(outbox_delivery::Column::NextAttemptAt, now)
        .value(outbox_delivery::Column::LeasedUntil, Option::<chrono::DateTime<chrono::Utc>>::None)
        .value(outbox_delivery::Column::FinishedAt, Option::<chrono::DateTime<chrono::Utc>>::None)
        .and_where(Expr::col(outbox_delivery::Column::Id).eq(id))
        .and_where(Expr::col(outbox_delivery::Column::Status).is_in([DEAD, DELIVERED]))
        .to_owned();
    let details = json!({ "before": { "status": delivery.status }, "after": { "status": PENDING } });
    Ok(Prepared {
        unit: Unit::of(Write::Update(update)),
        agency,
        target_id: id.to_string(),
        details,
        announced: None,
        value: outbox_delivery::Model {
            status: PENDING.into(),
            attempts: 0,
            next_attempt_at: now,
            leased_until: None,
            finished_at: None,
            ..delivery
        },
    })
}
