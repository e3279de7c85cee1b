//! The subscription root: slip events as they happen, over
//! graphql-transport-ws on `/graphql/ws` (the token goes in the
//! `connection_init` payload).

use crate::domain::paths::PathPattern;
use crate::error::ApiError;
use crate::graphql::context::{scope, ContextExt};
use crate::graphql::types::DossierEvent;
use crate::services::agencies;
use crate::services::events::Published;
use crate::services::reports::Subject;
use async_graphql::{Context, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

/// The subscription root.
pub(crate) struct SubscriptionRoot;

/// One subscription open, counted by `motcua_subscriptions_open` while it lives.
struct Open;

impl Open {
    fn new() -> Self {
        metrics::gauge!("motcua_subscriptions_open").increment(1.0);
        Self
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        metrics::gauge!("motcua_subscriptions_open").decrement(1.0);
    }
}

/// How long `reportChanged` gathers changes into one message.
const REPORT_CHANGES_GATHERED: Duration = Duration::from_millis(500);

/// The figures of an agency's reports may have changed.
#[derive(SimpleObject, Clone)]
pub(crate) struct ReportChange {
    /// The agency subscribed to.
    pub agency_code: String,
    /// How many slip entries were written in what its reports count since
    /// the last message (at least 1).
    pub changes: i32,
    /// When the last of them was seen.
    pub at: DateTime<Utc>,
}

/// The next event the receiver gets, waiting for it; `Err` with how many it
/// missed when it lagged, `None` once the bus closed.
async fn next_event(receiver: &mut Receiver<Arc<Published>>) -> Option<Result<Arc<Published>, u64>> {
    match receiver.recv().await {
        Ok(published) => Some(Ok(published)),
        Err(RecvError::Lagged(missed)) => Some(Err(missed)),
        Err(RecvError::Closed) => None,
    }
}

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// A message whenever the figures of `dossierReport(agencyCode)` and
    /// `serviceIndex(agencyCode)` may have changed — a dossier in what they
    /// count was received, acted on, moved or finished — so that a dashboard
    /// asks for them again instead of polling. The changes of half a second
    /// come as one message; a command's change arrives within a second. The
    /// rights are the report's (`report, read` on the agency; `NOT_FOUND` as
    /// for a code that does not exist), and only changes in what the caller's
    /// reports count are told. Needs a token in the `connection_init` payload.
    async fn report_changed(
        &self,
        ctx: &Context<'_>,
        agency_code: String,
    ) -> async_graphql::Result<impl Stream<Item = ReportChange>> {
        ctx.viewer()?;
        let scope = scope(ctx, "report", "read").await;
        let lineage = ctx.state().authz.lineage();
        let today = ctx.state().clock.now().date_naive();
        let within = Subject::checked(ctx.db(), &lineage, &scope, &agency_code, (today, today)).await?.within;
        let counts = move |published: &Published| published.is_in(&within);
        let state = (ctx.state().events.subscribe(), Open::new());
        Ok(futures_util::stream::unfold(state, move |(mut receiver, open)| {
            let (counts, agency_code) = (counts.clone(), agency_code.clone());
            async move {
                // The first change in what the reports count (a lagging
                // subscriber missed some: they may have been).
                let mut changes = loop {
                    match next_event(&mut receiver).await? {
                        Ok(published) if counts(&published) => break 1,
                        Ok(_) => continue,
                        Err(missed) => break missed.max(1),
                    }
                };
                let until = tokio::time::Instant::now() + REPORT_CHANGES_GATHERED;
                while let Ok(next) = tokio::time::timeout_at(until, next_event(&mut receiver)).await {
                    match next {
                        Some(Ok(published)) if counts(&published) => changes += 1,
                        Some(Ok(_)) => {}
                        Some(Err(missed)) => changes += missed,
                        None => break,
                    }
                }
                let change = ReportChange { agency_code, changes: changes.min(i32::MAX as u64) as i32, at: Utc::now() };
                Some((change, (receiver, open)))
            }
        }))
    }

    /// Every slip entry written from now on for dossiers held or received by
    /// the agency (with its subtree) that the caller may read: a commune's
    /// desk sees its commune's events, a supervisor its subtree's. Needs a
    /// token in the `connection_init` payload (`{"Authorization": "Bearer …"}`).
    async fn dossier_events(
        &self,
        ctx: &Context<'_>,
        agency_code: String,
    ) -> async_graphql::Result<impl Stream<Item = DossierEvent>> {
        ctx.viewer()?;
        let agency = agencies::find_by_code(ctx.db(), &agency_code)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no agency has the code `{agency_code}`")))?;
        let visible = scope(ctx, "dossier", "read").await.intersect(&PathPattern::Subtree(agency.path.clone()));
        if visible.is_empty() {
            return Err(ApiError::Forbidden(format!("you may not read the dossiers of {}", agency.name)).into());
        }
        let receiver = (ctx.state().events.subscribe(), Open::new());
        let events = futures_util::stream::unfold(receiver, |(mut receiver, open)| async move {
            loop {
                match receiver.recv().await {
                    Ok(published) => return Some((published, (receiver, open))),
                    Err(RecvError::Lagged(missed)) => tracing::warn!(missed, "a slow subscriber missed dossier events"),
                    Err(RecvError::Closed) => return None,
                }
            }
        });
        Ok(events.filter_map(move |published| {
            futures_util::future::ready(published.is_in(&visible).then(|| DossierEvent(published.event.clone())))
        }))
    }
}
