//! Dossier numbers on PostgreSQL: each agency's daily sequence
//! (`dossier_code_sequence`), taken in a short transaction of its own that
//! does not wait for the disk — the filing's own commit, later, flushes the
//! log past it, so a number is never given twice — so that concurrent intakes
//! at one desk wait for one another only that long, not for each other's
//! whole filing.
//!
//! Intakes at the same agency that wait at the same time share one trip to
//! the database: while a request for numbers is under way, the next ones
//! queue, and the queue takes as many numbers at once as it holds. Every
//! filing still gets its own number, and numbers are handed out in the order
//! they were asked for; a filing that fails after taking its number leaves
//! it unused, as before.

use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use uuid::Uuid;

type Waiting = Vec<oneshot::Sender<ApiResult<i32>>>;

/// The queues of intakes waiting for a number, by agency and day.
#[derive(Debug, Default)]
pub struct DossierNumbers {
    queues: Arc<Mutex<HashMap<(Uuid, NaiveDate), Queue>>>,
}

#[derive(Debug, Default)]
struct Queue {
    waiting: Waiting,
    /// A request for numbers is under way; whoever arrives now waits for the next.
    taking: bool,
}

impl DossierNumbers {
    /// The next number of the agency's sequence for `day`.
    pub async fn next(&self, db: &DatabaseConnection, agency_id: Uuid, day: NaiveDate) -> ApiResult<i32> {
        let (sender, receiver) = oneshot::channel();
        let start = {
            let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
            let queue = queues.entry((agency_id, day)).or_default();
            queue.waiting.push(sender);
            !std::mem::replace(&mut queue.taking, true)
        };
        if start {
            tokio::spawn(take_while_waiting(self.queues.clone(), db.clone(), agency_id, day));
        }
        receiver.await.map_err(|_| ApiError::internal("the dossier number request was dropped"))?
    }
}

/// Takes numbers for the queue of (agency, day) until nobody waits there.
async fn take_while_waiting(
    queues: Arc<Mutex<HashMap<(Uuid, NaiveDate), Queue>>>,
    db: DatabaseConnection,
    agency_id: Uuid,
    day: NaiveDate,
) {
    // Should this task stop early, the queue goes with it: its waiters are
    // told, and the next intake starts a new one.
    let mut release = Release { queues: queues.clone(), key: (agency_id, day), done: false };
    loop {
        let waiting = {
            let mut queues = queues.lock().unwrap_or_else(|p| p.into_inner());
            let Some(queue) = queues.get_mut(&(agency_id, day)) else { return };
            if queue.waiting.is_empty() {
                queues.remove(&(agency_id, day));
                release.done = true;
                return;
            }
            std::mem::take(&mut queue.waiting)
        };
        let count = waiting.len() as i32;
        match take(&db, agency_id, day, count).await {
            Ok(last) => {
                for (sender, number) in waiting.into_iter().zip(last - count + 1..=last) {
                    let _ = sender.send(Ok(number));
                }
            }
            Err(error) => {
                for sender in waiting {
                    let _ = sender.send(Err(ApiError::internal(format!("taking a dossier number: {error}"))));
                }
            }
        }
    }
}

/// Removes the queue of a task that stopped without emptying it.
struct Release {
    queues: Arc<Mutex<HashMap<(Uuid, NaiveDate), Queue>>>,
    key: (Uuid, NaiveDate),
    done: bool,
}

impl Drop for Release {
    fn drop(&mut self) {
        if !self.done {
            self.queues.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.key);
        }
    }
}

/// Takes `count` numbers at once: the last of them.
async fn take(db: &DatabaseConnection, agency_id: Uuid, day: NaiveDate, count: i32) -> Result<i32, String> {
    use sea_orm::sqlx::Row;
    // One round trip: the simple protocol runs the four statements in order.
    // The values are a UUID, a date and a count formatted here, never client text.
    let sql = format!(
        "BEGIN; SET LOCAL synchronous_commit TO off; \
         INSERT INTO dossier_code_sequence (agency_id, day, last_seq) VALUES ('{agency_id}', '{day}', {count}) \
         ON CONFLICT (agency_id, day) DO UPDATE SET last_seq = dossier_code_sequence.last_seq + {count} \
         RETURNING last_seq; COMMIT;"
    );
    let row = sea_orm::sqlx::raw_sql(&sql)
        .fetch_one(db.get_postgres_connection_pool())
        .await
        .map_err(|error| error.to_string())?;
    row.try_get::<i32, _>("last_seq").map_err(|error| error.to_string())
}
