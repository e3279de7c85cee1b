//! Sending: the deliveries due are taken (leased), posted signed, and each
//! attempt recorded — delivered on a 2xx answer; otherwise retried after a
//! growing wait, until the last attempt makes it a dead letter. A dossier's
//! deliveries to one consumer go one at a time in the slip's order: a
//! delivery is due only when no earlier one of the same dossier is pending.

use super::notices::{self, EMAIL, SMS};
use super::portal::{self, PORTAL};
use super::{describe, payload, signature, ACTIVE, DEAD, DELIVERED, PENDING, WEBHOOK};
use crate::error::ApiResult;
use crate::services::notices::{messages, Channel, Message};
use crate::services::writes::{self, Write};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::{outbox_attempt, outbox_consumer, outbox_delivery};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryTrait, Statement,
};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use uuid::Uuid;

/// Most attempts one instance has in flight.
const IN_FLIGHT: usize = 64;

/// A delivery taken for an attempt.
#[derive(Debug, Clone, FromQueryResult)]
struct Taken {
    id: Uuid,
    consumer_id: Uuid,
    event_id: Uuid,
    dossier_id: Uuid,
    attempts: i32,
    /// The consumer's kind, once known (when the attempt starts).
    #[sea_orm(skip)]
    kind: &'static str,
}

/// A delivery and what its attempt came to.
type Attempted = (Taken, Outcome);

/// What an attempt came to.
#[derive(Debug)]
struct Outcome {
    status_code: Option<u16>,
    error: Option<String>,
    took: Duration,
}

/// On SQLite, where this process is the only one: what a stopped server
/// was sending is due again at once.
pub(super) async fn after_restart(state: &AppState) -> ApiResult<()> {
    if state.sqlite_writer.is_none() {
        return Ok(());
    }
    let released = Query::update()
        .table(outbox_delivery::Entity)
        .value(outbox_delivery::Column::LeasedUntil, Option::<DateTime<Utc>>::None)
        .and_where(Expr::col(outbox_delivery::Column::Status).eq(PENDING))
        .and_where(Expr::col(outbox_delivery::Column::LeasedUntil).is_not_null())
        .to_owned();
    writes::all(state, vec![Write::Update(released)]).await
}

/// Takes and sends deliveries for as long as the server runs: more are
/// taken once half the room in flight is free, and the attempts that ended
/// meanwhile are recorded together.
pub(super) async fn run(weak: Weak<AppState>) {
    let mut flying: JoinSet<Attempted> = JoinSet::new();
    let mut ended: Vec<Attempted> = Vec::new();
    let mut measured = Instant::now() - BACKLOG_EVERY;
    loop {
        let Some(state) = weak.upgrade() else { return };
        if measured.elapsed() >= BACKLOG_EVERY {
            measured = Instant::now();
            if let Err(error) = measure_backlog(&state).await {
                tracing::warn!(?error, "measuring the outbox's backlog");
            }
        }
        while let Some(result) = flying.try_join_next() {
            ended.extend(result.ok());
        }
        if !ended.is_empty() {
            if let Err(error) = record(&state, std::mem::take(&mut ended)).await {
                tracing::warn!(?error, "recording delivery attempts");
            }
        }
        let room = IN_FLIGHT - flying.len();
        let mut took_some = false;
        if room >= IN_FLIGHT / 2 {
            match take(&state, room).await {
                Ok(taken) => {
                    took_some = !taken.is_empty();
                    if let Err(error) = send_all(&state, taken, &mut flying).await {
                        tracing::warn!(?error, "preparing deliveries");
                    }
                }
                Err(error) => tracing::warn!(?error, "taking the deliveries due"),
            }
        }
        let made = state.outbox.made();
        drop(state);
        if took_some && flying.len() <= IN_FLIGHT / 2 {
            continue;
        }
        tokio::select! {
            Some(result) = flying.join_next(), if !flying.is_empty() => ended.extend(result.ok()),
            _ = made.notified() => {}
            _ = tokio::time::sleep(super::POLL) => {}
        }
    }
}

/// How often the backlog's gauges are read.
const BACKLOG_EVERY: Duration = Duration::from_secs(5);

/// One count of a status of one kind of consumer.
#[derive(Debug, FromQueryResult)]
struct Backlog {
    kind: String,
    status: String,
    deliveries: i64,
    oldest: Option<DateTime<Utc>>,
}

/// Sets the gauges of what waits, per kind of consumer: the deliveries
/// pending and the age of the oldest, the dead letters.
async fn measure_backlog(state: &AppState) -> ApiResult<()> {
    let sql = "SELECT k.kind, d.status, COUNT(*) AS deliveries, MIN(d.created_at) AS oldest \
               FROM outbox_delivery d JOIN outbox_consumer k ON k.id = d.consumer_id \
               WHERE d.status IN ('PENDING', 'DEAD') GROUP BY k.kind, d.status";
    let backend = state.db.get_database_backend();
    let counts = Backlog::find_by_statement(Statement::from_string(backend, sql)).all(&state.db).await?;
    for kind in [WEBHOOK, PORTAL, EMAIL, SMS] {
        let of = |status: &str| counts.iter().find(|count| count.kind == kind && count.status == status);
        let pending = of(PENDING);
        let age = pending.and_then(|p| p.oldest).map(|oldest| (crate::services::now() - oldest).num_milliseconds());
        let consumer = kind.to_ascii_lowercase();
        metrics::gauge!("motcua_outbox_pending", "consumer" => consumer.clone())
            .set(pending.map_or(0, |p| p.deliveries) as f64);
        metrics::gauge!("motcua_outbox_oldest_pending_seconds", "consumer" => consumer.clone())
            .set(age.unwrap_or(0).max(0) as f64 / 1000.0);
        metrics::gauge!("motcua_outbox_dead_letters", "consumer" => consumer)
            .set(of(DEAD).map_or(0, |d| d.deliveries) as f64);
    }
    Ok(())
}

/// Leases at most `room` deliveries due.
async fn take(state: &AppState, room: usize) -> ApiResult<Vec<Taken>> {
    if room == 0 {
        return Ok(Vec::new());
    }
    let now = crate::services::now();
    let until = now + state.outbox.lease();
    let due = format!(
        "c.status = '{PENDING}' AND c.next_attempt_at <= $1 \
         AND (c.leased_until IS NULL OR c.leased_until < $1) \
         AND EXISTS (SELECT 1 FROM outbox_consumer k WHERE k.id = c.consumer_id AND k.state = '{ACTIVE}') \
         AND NOT EXISTS (SELECT 1 FROM outbox_delivery e WHERE e.consumer_id = c.consumer_id \
             AND e.dossier_id = c.dossier_id AND e.status = '{PENDING}' \
             AND (e.position < c.position OR (e.position = c.position AND e.event_id < c.event_id)))"
    );
    match state.db.get_database_backend() {
        DbBackend::Postgres => {
            let sql = format!(
                "UPDATE outbox_delivery AS d SET leased_until = $2, attempts = d.attempts + 1 \
                 WHERE d.id IN (SELECT c.id FROM outbox_delivery c WHERE {due} \
                 ORDER BY c.next_attempt_at LIMIT $3 FOR UPDATE OF c SKIP LOCKED) \
                 RETURNING d.id, d.consumer_id, d.event_id, d.dossier_id, d.attempts"
            );
            let values = [now.into(), until.into(), (room as i64).into()];
            let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
            Ok(Taken::find_by_statement(statement).all(&state.db).await?)
        }
        _ => {
            // One process, one sender: what it reads stays due until it leases it.
            let sql = format!(
                "SELECT c.id, c.consumer_id, c.event_id, c.dossier_id, c.attempts + 1 AS attempts FROM outbox_delivery c \
                 WHERE {} ORDER BY c.next_attempt_at LIMIT ?",
                due.replace("$1", "?1")
            )
            .replace("LIMIT ?", "LIMIT ?2");
            let values = [now.into(), (room as i64).into()];
            let statement = Statement::from_sql_and_values(DbBackend::Sqlite, sql, values);
            let taken = Taken::find_by_statement(statement).all(&state.db).await?;
            if taken.is_empty() {
                return Ok(taken);
            }
            let leased = Query::update()
                .table(outbox_delivery::Entity)
                .value(outbox_delivery::Column::LeasedUntil, until)
                .value(outbox_delivery::Column::Attempts, Expr::col(outbox_delivery::Column::Attempts).add(1))
                .and_where(Expr::col(outbox_delivery::Column::Id).is_in(taken.iter().map(|t| t.id)))
                .to_owned();
            writes::all(state, vec![Write::Update(leased)]).await?;
            Ok(taken)
        }
    }
}

/// Starts an attempt at each of `taken`.
async fn send_all(state: &Arc<AppState>, taken: Vec<Taken>, flying: &mut JoinSet<Attempted>) -> ApiResult<()> {
    if taken.is_empty() {
        return Ok(());
    }
    let mut consumers: Vec<Uuid> = taken.iter().map(|t| t.consumer_id).collect();
    consumers.sort_unstable();
    consumers.dedup();
    let consumers: HashMap<Uuid, Arc<outbox_consumer::Model>> = outbox_consumer::Entity::find()
        .filter(outbox_consumer::Column::Id.is_in(consumers))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|consumer| (consumer.id, Arc::new(consumer)))
        .collect();
    let of_kind = |kind: &str| -> Vec<Uuid> {
        taken
            .iter()
            .filter(|t| consumers.get(&t.consumer_id).is_some_and(|c| c.kind == kind))
            .map(|t| t.event_id)
            .collect()
    };
    let (to_webhooks, to_portal, by_email, by_sms) = (of_kind(WEBHOOK), of_kind(PORTAL), of_kind(EMAIL), of_kind(SMS));
    let db = &state.db;
    let bodies = Arc::new(Bodies {
        webhook: if to_webhooks.is_empty() { HashMap::new() } else { payload::bodies(db, &to_webhooks).await? },
        portal: if to_portal.is_empty() { HashMap::new() } else { portal::bodies(db, &to_portal).await? },
        email: if by_email.is_empty() { HashMap::new() } else { messages(db, &by_email, Channel::Email).await? },
        sms: if by_sms.is_empty() { HashMap::new() } else { messages(db, &by_sms, Channel::Sms).await? },
    });
    for mut delivery in taken {
        let consumer = consumers.get(&delivery.consumer_id).cloned();
        delivery.kind = match consumer.as_deref().map(|c| c.kind.as_str()) {
            Some(PORTAL) => PORTAL,
            Some(EMAIL) => EMAIL,
            Some(SMS) => SMS,
            _ => WEBHOOK,
        };
        let (state, bodies) = (state.clone(), bodies.clone());
        flying.spawn(async move {
            let gone = || Outcome {
                status_code: None,
                error: Some("the consumer or the slip entry is gone".into()),
                took: Duration::ZERO,
            };
            let outcome = match (consumer, delivery.kind) {
                (Some(_), EMAIL | SMS) => match bodies.notice(delivery.kind, &delivery.event_id) {
                    Some(message) => notify(&state, delivery.kind, message, &delivery).await,
                    None => gone(),
                },
                (Some(consumer), kind) => match bodies.bytes(kind, &delivery.event_id) {
                    Some(body) => attempt(&state, &consumer, &delivery, body).await,
                    None => gone(),
                },
                (None, _) => gone(),
            };
            (delivery, outcome)
        });
    }
    Ok(())
}

/// The bodies of the entries being sent, by entry: as webhooks and the
/// portal read them, and the notices to send by e-mail and SMS.
struct Bodies {
    webhook: HashMap<Uuid, Vec<u8>>,
    portal: HashMap<Uuid, Vec<u8>>,
    email: HashMap<Uuid, Message>,
    sms: HashMap<Uuid, Message>,
}

impl Bodies {
    fn bytes(&self, kind: &str, event: &Uuid) -> Option<&[u8]> {
        match kind {
            PORTAL => self.portal.get(event),
            _ => self.webhook.get(event),
        }
        .map(Vec::as_slice)
    }

    fn notice(&self, kind: &str, event: &Uuid) -> Option<&Message> {
        match kind {
            EMAIL => self.email.get(event),
            _ => self.sms.get(event),
        }
    }
}

/// One attempt at a notice: by e-mail or SMS.
async fn notify(state: &AppState, kind: &str, message: &Message, delivery: &Taken) -> Outcome {
    let started = Instant::now();
    let (status_code, error) = match kind {
        EMAIL => notices::send_email(&state.outbox, message).await,
        _ => notices::send_sms(&state.outbox, message, &message_id(delivery.id)).await,
    };
    Outcome { status_code, error, took: started.elapsed() }
}

/// One attempt: the body posted to the consumer — a webhook's URL, signed;
/// the portal's address, with its token.
async fn attempt(state: &AppState, consumer: &outbox_consumer::Model, delivery: &Taken, body: &[u8]) -> Outcome {
    let started = Instant::now();
    let failed = |error: String| Outcome { status_code: None, error: Some(error), took: started.elapsed() };
    let id = message_id(delivery.id);
    let request = match consumer.kind.as_str() {
        WEBHOOK => {
            let url = match state.outbox.destinations.check(consumer.url.as_deref().unwrap_or_default()) {
                Ok(url) => url,
                Err(_) => return failed("the URL points where webhooks may not go".into()),
            };
            let timestamp = crate::services::now().timestamp();
            let signature = signature::sign(consumer.secret.as_deref().unwrap_or_default(), &id, timestamp, body);
            state
                .outbox
                .client()
                .post(url)
                .header("webhook-id", &id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
        }
        PORTAL => {
            let Some(url) = state.outbox.settings.portal_url.as_deref() else {
                return failed("no portal address is configured".into());
            };
            let request = state.outbox.client().post(url).header("idempotency-key", &id);
            match state.outbox.settings.portal_token.as_deref() {
                Some(token) => request.bearer_auth(token),
                None => request,
            }
        }
        kind => return failed(format!("no sender for consumers of kind {kind}")),
    };
    let sent = request.header("content-type", "application/json").body(body.to_vec()).send().await;
    let no_answer =
        || format!("no answer within {}", humantime::format_duration(state.outbox.settings.webhook_timeout));
    match sent {
        Ok(response) if response.status().is_success() => {
            let status_code = Some(response.status().as_u16());
            if consumer.kind != PORTAL {
                return Outcome { status_code, error: None, took: started.elapsed() };
            }
            // The portal may answer 200 and still refuse the change.
            let error = match response.bytes().await {
                Ok(answer) => portal::refusal(&answer),
                Err(error) if error.is_timeout() => Some(no_answer()),
                Err(error) => Some(describe(&error)),
            };
            Outcome { status_code, error, took: started.elapsed() }
        }
        Ok(response) => {
            let status = response.status();
            Outcome {
                status_code: Some(status.as_u16()),
                error: Some(format!("the receiver answered {status}")),
                took: started.elapsed(),
            }
        }
        Err(error) if error.is_timeout() => failed(no_answer()),
        Err(error) => failed(describe(&error)),
    }
}

/// The `webhook-id` of a delivery: the same for every attempt.
pub(crate) fn message_id(delivery: Uuid) -> String {
    format!("msg_{}", delivery.simple())
}

/// Records each attempt that ended, and its delivery delivered, due
/// again later, or dead after its last attempt — in one transaction.
async fn record(state: &AppState, ended: Vec<Attempted>) -> ApiResult<()> {
    let now = crate::services::now();
    let mut writes = Vec::with_capacity(2 * ended.len());
    let mut attempts = Vec::with_capacity(ended.len());
    let mut portal_writes = Vec::new();
    for (delivery, outcome) in ended {
        let delivered = outcome.status_code.is_some_and(|code| (200..300).contains(&code)) && outcome.error.is_none();
        // The portal must get every change: its deliveries are never dead
        // letters, retried at most every `--delivery-retry-cap` until taken.
        let last = delivery.kind != PORTAL && delivery.attempts >= state.outbox.settings.delivery_attempts as i32;
        let (status, result) = match (delivered, last) {
            (true, _) => (DELIVERED, "delivered"),
            (false, true) => (DEAD, "dead"),
            (false, false) => (PENDING, "retry"),
        };
        let consumer = delivery.kind.to_ascii_lowercase();
        metrics::counter!("motcua_outbox_deliveries_total", "consumer" => consumer.clone(), "result" => result)
            .increment(1);
        metrics::histogram!("motcua_outbox_attempt_seconds", "consumer" => consumer).record(outcome.took.as_secs_f64());
        if delivery.kind == PORTAL {
            let error = if delivered { None } else { outcome.error.as_deref().or(Some("the portal did not take it")) };
            portal_writes.push(portal::attempted(delivery.dossier_id, error, now));
        }
        let mut update = Query::update();
        update
            .table(outbox_delivery::Entity)
            .value(outbox_delivery::Column::Status, status)
            .value(outbox_delivery::Column::LeasedUntil, Option::<DateTime<Utc>>::None)
            .value(outbox_delivery::Column::LastStatusCode, outcome.status_code.map(i32::from))
            .value(outbox_delivery::Column::LastError, outcome.error.clone())
            .and_where(Expr::col(outbox_delivery::Column::Id).eq(delivery.id))
            .and_where(Expr::col(outbox_delivery::Column::Status).eq(PENDING));
        match status {
            PENDING => {
                update.value(outbox_delivery::Column::NextAttemptAt, now + state.outbox.backoff(delivery.attempts))
            }
            _ => update.value(outbox_delivery::Column::FinishedAt, now),
        };
        writes.push(Write::Update(update.to_owned()));
        attempts.push(outbox_attempt::ActiveModel {
            id: sea_orm::Set(Uuid::now_v7()),
            delivery_id: sea_orm::Set(delivery.id),
            attempted_at: sea_orm::Set(now - outcome.took),
            status_code: sea_orm::Set(outcome.status_code.map(i32::from)),
            error: sea_orm::Set(outcome.error),
            duration_ms: sea_orm::Set(outcome.took.as_millis().min(i32::MAX as u128) as i32),
        });
    }
    writes.push(Write::Insert(outbox_attempt::Entity::insert_many(attempts).into_query()));
    // After the deliveries' own: a dossier is synced when none of its changes waits.
    writes.extend(portal_writes);
    writes::all(state, writes).await
}
