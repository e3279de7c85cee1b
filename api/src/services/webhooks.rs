//! Reading webhooks and their deliveries. A webhook is in the caller's
//! reach when the caller owns it or may `webhook manage` at its agency;
//! any other answers exactly as a missing one.

use super::cursor::Cursor;
use super::outbox::WEBHOOK;
use super::scope::ScopeCondition;
use super::Page;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use entity::{outbox_attempt, outbox_consumer, outbox_delivery};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Most attempts of one delivery listed, newest.
pub(crate) const ATTEMPTS_LISTED: u64 = 50;

/// The webhooks in `viewer`'s reach, as a condition.
async fn in_reach(state: &AppState, viewer: &Viewer) -> Condition {
    let managed = state.authz.scope(&viewer.username, "webhook", "manage").await;
    Condition::all().add(outbox_consumer::Column::Kind.eq(WEBHOOK)).add(
        Condition::any()
            .add(outbox_consumer::Column::OwnerId.eq(viewer.id))
            .add(managed.condition(outbox_consumer::Column::AgencyPath)),
    )
}

/// The webhooks at the agency of `path` in `viewer`'s reach, oldest first.
pub(crate) async fn at_agency(state: &AppState, viewer: &Viewer, path: &str) -> ApiResult<Vec<outbox_consumer::Model>> {
    Ok(outbox_consumer::Entity::find()
        .filter(in_reach(state, viewer).await)
        .filter(outbox_consumer::Column::AgencyPath.eq(path))
        .order_by_asc(outbox_consumer::Column::Id)
        .all(&state.db)
        .await?)
}

/// The webhook `id`, if in `viewer`'s reach; `NOT_FOUND` otherwise.
pub(crate) async fn find(state: &AppState, viewer: &Viewer, id: Uuid) -> ApiResult<outbox_consumer::Model> {
    outbox_consumer::Entity::find_by_id(id)
        .filter(in_reach(state, viewer).await)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no webhook with this id".into()))
}

/// The delivery `id` and its webhook, if the webhook is in `viewer`'s reach.
pub(crate) async fn find_delivery(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<(outbox_delivery::Model, outbox_consumer::Model)> {
    let missing = || ApiError::NotFound("no delivery with this id".into());
    let delivery = outbox_delivery::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(missing)?;
    let webhook = find(state, viewer, delivery.consumer_id).await.map_err(|_| missing())?;
    Ok((delivery, webhook))
}

const DELIVERY_ORDER: &str = "DELIVERY";

/// A page of `webhook`'s deliveries, newest first, of `status` when given.
pub(crate) async fn deliveries(
    state: &AppState,
    webhook: Uuid,
    status: Option<&str>,
    first: u64,
    after: Option<&str>,
) -> ApiResult<Page<outbox_delivery::Model>> {
    let cursor = after.map(|text| Cursor::decode(text, DELIVERY_ORDER)).transpose()?;
    let mut query = outbox_delivery::Entity::find().filter(outbox_delivery::Column::ConsumerId.eq(webhook));
    if let Some(status) = status {
        query = query.filter(outbox_delivery::Column::Status.eq(status));
    }
    if let Some(cursor) = cursor {
        query = query.filter(outbox_delivery::Column::Id.lt(cursor.id));
    }
    let rows = query.order_by_desc(outbox_delivery::Column::Id).limit(first + 1).all(&state.db).await?;
    Ok(Page::from_rows(rows, first))
}

/// The cursor after `delivery`.
pub(crate) fn cursor_of(delivery: &outbox_delivery::Model) -> String {
    Cursor { order: DELIVERY_ORDER.into(), at: None, key: None, id: delivery.id }.encode()
}

/// The attempts at each of `deliveries`, newest first, at most [`ATTEMPTS_LISTED`] each.
pub(crate) async fn attempts_of(
    db: &sea_orm::DatabaseConnection,
    deliveries: &[Uuid],
) -> ApiResult<Vec<outbox_attempt::Model>> {
    let mut attempts = outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::DeliveryId.is_in(deliveries.iter().copied()))
        .order_by_desc(outbox_attempt::Column::Id)
        .all(db)
        .await?;
    let mut counted = std::collections::HashMap::<Uuid, u64>::new();
    attempts.retain(|attempt| {
        let seen = counted.entry(attempt.delivery_id).or_default();
        *seen += 1;
        *seen <= ATTEMPTS_LISTED
    });
    Ok(attempts)
}

/// How many of `webhook`'s deliveries are in `status`.
pub(crate) async fn count_in(db: &sea_orm::DatabaseConnection, webhook: Uuid, status: &str) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(outbox_delivery::Entity::find()
        .filter(outbox_delivery::Column::ConsumerId.eq(webhook))
        .filter(outbox_delivery::Column::Status.eq(status))
        .count(db)
        .await?)
}
