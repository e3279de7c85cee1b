//! Citizens tracking their dossiers.

use crate::graphql::context::RequestData;
use crate::graphql::context::{load, ContextExt};
use crate::graphql::loaders::{AgencyId, ProcedureId};
use crate::graphql::types::TrackedDossier;
use crate::services::tracking;
use async_graphql::{Context, Object};

/// Citizens tracking their dossiers.
#[derive(Default)]
pub(super) struct TrackingQuery;

#[Object]
impl TrackingQuery {
    /// Anonymous tracking (*tra cứu hồ sơ*): the dossier with this code whose
    /// applicant has this phone number — its status, the steps passed, the
    /// due date and what is awaited from the applicant. A wrong phone number
    /// gets the same `null` as a missing code; after 5 unsuccessful lookups in
    /// 15 minutes a client gets `LIMIT_EXCEEDED` until the window passes.
    async fn track_dossier(
        &self,
        ctx: &Context<'_>,
        code: String,
        phone: String,
    ) -> async_graphql::Result<Option<TrackedDossier>> {
        let state = ctx.state();
        let client = ctx.data_unchecked::<std::sync::Arc<RequestData>>().client;
        let Some((dossier, events)) = tracking::track(&state.db, &state.tracking, client, &code, &phone).await? else {
            return Ok(None);
        };
        let procedure = load(ctx, ProcedureId(dossier.procedure_id)).await?.map(|p| p.name.clone()).unwrap_or_default();
        let agency = load(ctx, AgencyId(dossier.agency_id)).await?.map(|a| a.name.clone()).unwrap_or_default();
        Ok(Some(TrackedDossier::new(dossier, events, procedure, agency, state.clock.now())))
    }
}
