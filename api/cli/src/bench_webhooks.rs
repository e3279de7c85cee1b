//! `motcua bench --scenario webhooks`: the outbox's delivery throughput.
//! The demo is served; `--webhooks` webhooks (1,000 by default) hear of the
//! intakes at Phường Rạch Giá's desk and post to a receiver in this process
//! that answers 204; `--requests` dossiers are received and every delivery
//! awaited. It prints the intake's figures while delivering and the
//! deliveries per second from the first intake to the last delivery.

use crate::bench::{data_of, Started};
use api::config::Settings;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs the scenario.
pub(crate) async fn run(
    settings: &Settings,
    concurrency: usize,
    requests: usize,
    webhooks: usize,
) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.outbox.webhook_allowed_hosts.push("127.0.0.1".into());
    let received = Arc::new(AtomicU64::new(0));
    let url = receiver(received.clone()).await?;
    let started = Started::serve(&settings, false).await?;
    subscribe(&started, &url, webhooks).await?;
    // The warm-up's intakes are delivered too.
    let expected = (requests.div_ceil(concurrency) * concurrency + concurrency.min(20)) as u64 * webhooks as u64;
    let began = Instant::now();
    let timing = started.time_lives(concurrency, requests).await?;
    println!(
        "database: {}; receiveDossier at one desk, {webhooks} webhooks hearing of it, {concurrency} clients: {timing}",
        started.backend
    );
    let deadline = Instant::now() + Duration::from_secs(3600);
    let mut last = (0, Instant::now());
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = received.load(Ordering::Relaxed);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(60) {
            anyhow::bail!("no delivery for a minute: {now} of {expected}");
        }
    }
    let took = began.elapsed();
    let delivered = received.load(Ordering::Relaxed);
    println!(
        "delivered {delivered} of {expected} in {:.1} s from the first intake: {:.0} deliveries/s",
        took.as_secs_f64(),
        delivered as f64 / took.as_secs_f64()
    );
    Ok(())
}

/// A receiver on a free local port that counts what it takes; its URL.
async fn receiver(received: Arc<AtomicU64>) -> anyhow::Result<String> {
    let take = move || {
        received.fetch_add(1, Ordering::Relaxed);
        async { axum::http::StatusCode::NO_CONTENT }
    };
    let router = axum::Router::new().route("/hook", axum::routing::post(take));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(url)
}

/// `webhooks` webhooks at Rạch Giá hearing of `RECEIVE`: one created by
/// `tinh.quantri` through the API, the rest copies of it (an agency may
/// have 100; the bench measures the outbox, not that limit).
async fn subscribe(started: &Started, url: &str, webhooks: usize) -> anyhow::Result<()> {
    let create = "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }";
    let input = serde_json::json!({ "i": { "agencyCode": "30742", "url": url, "events": ["RECEIVE"] } });
    data_of(&started.life.caller.call(&started.admin, create, input).await?)?;
    let first = entity::outbox_consumer::Entity::find()
        .one(&started.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the webhook was not created"))?;
    for _ in 1..webhooks {
        let mut copy = first.clone().into_active_model();
        copy.id = Set(uuid::Uuid::now_v7());
        copy.reset_all().insert(&started.db).await?;
    }
    Ok(())
}
