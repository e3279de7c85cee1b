//! `motcua bench`: runs the real server against the configured database and
//! measures the dossier list: SQL statements per request (for several page
//! sizes, to show the count is constant), and p50/p99 latency and requests/s
//! under concurrent clients. Figures go to docs/PERFORMANCE.md.

use crate::config::Settings;
use crate::Application;
use anyhow::Context;
use sea_orm::ConnectionTrait;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The measured request: a page of dossiers with procedure, agency and assignee.
pub fn dossier_page_query(first: usize) -> String {
    format!(
        "{{ dossiers(first: {first}) {{ edges {{ node {{ code status receivedAt dueAt overdue \
         procedure {{ code name }} agency {{ code name }} assignee {{ username displayName }} }} }} \
         pageInfo {{ hasNextPage endCursor }} }} }}"
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Runs the benchmark and prints the figures.
pub async fn run(
    settings: &Settings,
    concurrency: usize,
    requests: usize,
    first: usize,
    user: &str,
) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let application = Application::build(&settings).await?;
    let address = application.address();
    let token = application.mint_token(user, Duration::from_secs(3600))?;
    let statements = application.statements();
    let dossier_count: u64 = {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::dossier::Entity::find().count(application.db()).await?
    };
    let backend = format!("{:?}", application.db().get_database_backend());
    tokio::spawn(application.run_until(std::future::pending()));

    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let url = format!("http://{address}/graphql");
    // The raw body, checked for errors without being parsed: the clients share
    // the machine's two cores with the server, and parsing is their main cost.
    let send = move |query: String| {
        let client = client.clone();
        let url = url.clone();
        let token = token.clone();
        async move {
            let response =
                client.post(&url).bearer_auth(&token).json(&serde_json::json!({ "query": query })).send().await?;
            anyhow::ensure!(response.status().is_success(), "the request failed: {}", response.status());
            let body = response.bytes().await?;
            anyhow::ensure!(
                !body.windows(9).any(|w| w == b"\"errors\":"),
                "the request failed: {}",
                String::from_utf8_lossy(&body)
            );
            Ok::<_, anyhow::Error>(body)
        }
    };

    println!("database: {backend}, {dossier_count} dossiers; user {user}");
    println!("SQL statements per request (sent one at a time):");
    for page in [1, 20, first] {
        let query = dossier_page_query(page);
        send(query.clone()).await?;
        let before = statements.get();
        let body: serde_json::Value = serde_json::from_slice(&send(query).await?)?;
        let rows = body["data"]["dossiers"]["edges"].as_array().map_or(0, Vec::len);
        println!(
            "  dossiers(first: {page:>3}) with procedure, agency, assignee: {} statements ({rows} rows)",
            statements.get() - before
        );
    }

    let query = Arc::new(dossier_page_query(first));
    for _ in 0..concurrency.max(50) {
        send(query.to_string()).await.context("warming up")?;
    }
    let started = Instant::now();
    let per_client = requests.div_ceil(concurrency);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let query = query.clone();
        let send = send.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let began = Instant::now();
                send(query.to_string()).await?;
                latencies.push(began.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "dossiers(first: {first}) at {concurrency} concurrent clients: {} requests in {:.2} s — {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 50.0).as_secs_f64() * 1000.0,
        percentile(&latencies, 99.0).as_secs_f64() * 1000.0,
    );
    Ok(())
}
