//! The subscription root: slip events as they happen, over
//! graphql-transport-ws on `/graphql/ws` (the token goes in the
//! `connection_init` payload).

use crate::domain::paths::PathPattern;
use crate::error::ApiError;
use crate::graphql::context::{scope, ContextExt};
use crate::graphql::types::DossierEvent;
use crate::services::agencies;
use async_graphql::{Context, Subscription};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

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

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
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
            let seen =
                visible.contains(&published.event.agency_path) || visible.contains(&published.receiving_agency_path);
            futures_util::future::ready(seen.then(|| DossierEvent(published.event.clone())))
        }))
    }
}
