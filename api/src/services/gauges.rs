//! The gauges an operator watches that no request moves: the database
//! pool's connections and how far the report's counters lag behind the
//! commands, read every few seconds (`/metrics`; the outbox's own are in
//! `outbox::sending`).

use crate::state::AppState;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::sync::Weak;
use std::time::Duration;

/// How often the gauges are read.
const EVERY: Duration = Duration::from_secs(5);

/// Reads the gauges for as long as the state lives.
pub(crate) fn spawn_sampling(state: Weak<AppState>) {
    tokio::spawn(async move {
        loop {
            let Some(live) = state.upgrade() else { return };
            sample(&live).await;
            drop(live);
            tokio::time::sleep(EVERY).await;
        }
    });
}

async fn sample(state: &AppState) {
    let (size, idle) = match state.db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = state.db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = state.db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    metrics::gauge!("motcua_db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("motcua_db_pool_connections", "state" => "in_use").set(size.saturating_sub(idle as u32) as f64);
    let backend = state.db.get_database_backend();
    let count = Statement::from_string(backend, "SELECT COUNT(*) AS changes FROM dossier_tally_change");
    match state.db.query_one(count).await {
        Ok(Some(row)) => {
            let changes: i64 = row.try_get("", "changes").unwrap_or_default();
            metrics::gauge!("motcua_tally_unfolded_changes").set(changes as f64);
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(?error, "counting the report's unfolded changes"),
    }
    let folded = crate::services::tally::LAST_FOLDED.load(std::sync::atomic::Ordering::Relaxed);
    if folded > 0 {
        let lag = (crate::services::now().timestamp_millis() - folded).max(0) as f64 / 1000.0;
        metrics::gauge!("motcua_tally_fold_lag_seconds").set(lag);
    }
}
