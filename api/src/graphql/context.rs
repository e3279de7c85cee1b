//! What a resolver can reach: the shared state and the request's caller.

use crate::auth::{Identity, Viewer};
use crate::domain::scope::Scope;
use crate::error::ApiError;
use crate::graphql::loaders::{AgencyId, DbLoader, OfficialId, ProcedureId};
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::Context;
use entity::{agency, official, procedure};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use uuid::Uuid;

use crate::state::AppState;

/// The request's caller and its loaders.
pub(crate) struct RequestData {
    pub identity: Identity,
    /// The client's address, for per-client limits.
    pub client: Option<std::net::IpAddr>,
    pub loader: DataLoader<DbLoader, HashMapCache>,
}

impl RequestData {
    /// A request's data: its caller, its address and a fresh loader cache.
    pub(crate) fn new(state: &Arc<AppState>, identity: Identity, client: std::net::IpAddr) -> Self {
        let db = DbLoader { db: state.db.clone(), state: state.clone() };
        let loader = DataLoader::with_cache(db, tokio::spawn, HashMapCache::default());
        Self { identity, client: Some(client), loader }
    }
}

/// Shortcuts for resolvers.
pub(crate) trait ContextExt {
    /// The shared state.
    fn state(&self) -> &AppState;
    /// The database.
    fn db(&self) -> &DatabaseConnection;
    /// The caller.
    fn identity(&self) -> &Identity;
    /// The caller, or `UNAUTHENTICATED` for anonymous callers.
    fn viewer(&self) -> Result<&Viewer, ApiError>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<Arc<AppState>>()
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state().db
    }

    fn identity(&self) -> &Identity {
        &self.data_unchecked::<Arc<RequestData>>().identity
    }

    fn viewer(&self) -> Result<&Viewer, ApiError> {
        self.identity().viewer().ok_or_else(|| {
            ApiError::Unauthenticated("this field needs a token: send `Authorization: Bearer <token>`".into())
        })
    }
}

/// Where the caller may do `action` on `object` (nowhere for anonymous callers).
pub(crate) async fn scope(ctx: &Context<'_>, object: &str, action: &str) -> Scope {
    match ctx.identity().viewer() {
        Some(viewer) => ctx.state().authz.scope(&viewer.username, object, action).await,
        None => Scope::default(),
    }
}

/// The request's loader.
pub(crate) fn loader<'a>(ctx: &'a Context<'_>) -> &'a DataLoader<DbLoader, HashMapCache> {
    &ctx.data_unchecked::<Arc<RequestData>>().loader
}

/// An agency by id: as this instance remembers it (what changes an agency
/// is announced to every instance, `services::announcements`), else read
/// through the request's loader, which remembers it.
pub(crate) async fn agency_by_id(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Arc<agency::Model>>> {
    match ctx.state().agencies.fresh(id) {
        Some(agency) => Ok(Some(agency)),
        None => load(ctx, AgencyId(id)).await,
    }
}

/// A procedure version by id, remembered like [`agency_by_id`].
pub(crate) async fn procedure_by_id(
    ctx: &Context<'_>,
    id: Uuid,
) -> async_graphql::Result<Option<Arc<procedure::Model>>> {
    match ctx.state().procedures.fresh(id) {
        Some(procedure) => Ok(Some(procedure)),
        None => load(ctx, ProcedureId(id)).await,
    }
}

/// An official by id, remembered like [`agency_by_id`].
pub(crate) async fn official_by_id(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Arc<official::Model>>> {
    match ctx.state().officials.fresh(id) {
        Some(official) => Ok(Some(official)),
        None => load(ctx, OfficialId(id)).await,
    }
}

/// A row a foreign key names, which the database guarantees.
pub(crate) fn required<T>(row: Option<T>, what: &str, id: Uuid) -> async_graphql::Result<T> {
    row.ok_or_else(|| ApiError::internal(format!("{what} {id} is missing")).to_graphql())
}

/// Loads one value through the request's DataLoader.
pub(crate) async fn load<K>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<<DbLoader as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Error = Arc<ApiError>>,
{
    ctx.data_unchecked::<Arc<RequestData>>().loader.load_one(key).await.map_err(|error| error.to_graphql())
}

/// Loads a value that must exist (a foreign key the database guarantees).
pub(crate) async fn load_required<K>(ctx: &Context<'_>, key: K) -> async_graphql::Result<<DbLoader as Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    DbLoader: Loader<K, Error = Arc<ApiError>>,
{
    let value = load(ctx, key.clone()).await?;
    value.ok_or_else(|| ApiError::internal(format!("{key:?} is missing")).to_graphql())
}

/// A page's size when `first` is absent.
pub(crate) const DEFAULT_PAGE: u64 = 20;
/// The largest page.
pub(crate) const MAX_PAGE: u64 = 100;

/// Validates a page size: [`DEFAULT_PAGE`] when absent, at most [`MAX_PAGE`].
pub(crate) fn page_size(first: Option<i32>) -> Result<u64, ApiError> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(n) if n < 0 => Err(ApiError::BadUserInput("`first` must not be negative".into())),
        Some(n) if n as u64 > MAX_PAGE => {
            Err(ApiError::limit(format!("`first` is {n}; a page holds at most {MAX_PAGE} items")))
        }
        Some(n) => Ok(n as u64),
    }
}
