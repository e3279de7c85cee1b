//! DataLoaders: every relation is fetched in one query per type per request
//! level, never one query per row. One [`DbLoader`] per request.

use crate::error::ApiError;
use crate::services::{agencies, documents, dossiers, procedures};
use crate::state::AppState;
use async_graphql::dataloader::Loader;
use entity::{agency, dossier_document, dossier_event, field, official, procedure, procedure_document, procedure_step};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Batches reads by key type.
pub(crate) struct DbLoader {
    pub db: DatabaseConnection,
    /// Where agencies, procedure versions and officials read are remembered.
    pub state: Arc<AppState>,
}

/// An agency by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AgencyId(pub Uuid);
/// The children of an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ChildrenOf(pub Uuid);
/// The successors of a closed agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SuccessorsOf(pub Uuid);
/// The agencies an agency succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PredecessorsOf(pub Uuid);
/// The names an agency bore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct NamesOf(pub Uuid);
/// A procedure version by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ProcedureId(pub Uuid);
/// A field by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FieldId(pub Uuid);
/// The steps of a procedure version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StepsOf(pub Uuid);
/// The required documents of a procedure version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct DocumentsOf(pub Uuid);
/// An official by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OfficialId(pub Uuid);
/// The slip of a dossier (already authorised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct EventsOf(pub Uuid);
/// The national portal's view of a dossier (already authorised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SyncOf(pub Uuid);
/// The notices sent about a dossier (already authorised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct NoticesOf(pub Uuid);
/// The attached documents of a dossier (already authorised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AttachedTo(pub Uuid);
/// An attached document by id (reached through its authorised dossier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct DocumentId(pub Uuid);

/// Every version of a procedure: its code and publishing agency.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct VersionsOf {
    pub code: String,
    pub agency_id: Uuid,
}
/// The client secrets of a service account (already authorised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SecretsOf(pub Uuid);

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<ApiError>>;

fn by_id<K: std::hash::Hash + Eq, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, V> {
    rows.into_iter().map(|row| (key(&row), row)).collect()
}

fn grouped<K: std::hash::Hash + Eq + Copy, V>(keys: &[K], rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    let mut groups: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}

fn ids<K: Copy>(keys: &[K], inner: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|k| inner(*k)).collect()
}

impl Loader<AgencyId> for DbLoader {
    type Value = Arc<agency::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[AgencyId]) -> LoadResult<AgencyId, Self::Value> {
        Ok(by_id(self.state.agencies.read(&self.db, &ids(keys, |k| k.0)).await?, |a| AgencyId(a.id)))
    }
}

impl Loader<ChildrenOf> for DbLoader {
    type Value = Vec<agency::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[ChildrenOf]) -> LoadResult<ChildrenOf, Self::Value> {
        let rows = agencies::children_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |a| ChildrenOf(a.parent_id.unwrap_or_default())))
    }
}

impl Loader<SuccessorsOf> for DbLoader {
    type Value = Vec<(agency::Model, bool)>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[SuccessorsOf]) -> LoadResult<SuccessorsOf, Self::Value> {
        let rows = agencies::successors_of(&self.db, &ids(keys, |k| k.0)).await?;
        let grouped = grouped(keys, rows, |(key, ..)| SuccessorsOf(*key));
        Ok(grouped.into_iter().map(|(k, rows)| (k, rows.into_iter().map(|(_, a, d)| (a, d)).collect())).collect())
    }
}

impl Loader<PredecessorsOf> for DbLoader {
    type Value = Vec<agency::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[PredecessorsOf]) -> LoadResult<PredecessorsOf, Self::Value> {
        let rows = agencies::predecessors_of(&self.db, &ids(keys, |k| k.0)).await?;
        let grouped = grouped(keys, rows, |(key, ..)| PredecessorsOf(*key));
        Ok(grouped.into_iter().map(|(k, rows)| (k, rows.into_iter().map(|(_, a, _)| a).collect())).collect())
    }
}

impl Loader<NamesOf> for DbLoader {
    type Value = Vec<entity::agency_name::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[NamesOf]) -> LoadResult<NamesOf, Self::Value> {
        let rows = agencies::names_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |n| NamesOf(n.agency_id)))
    }
}

impl Loader<ProcedureId> for DbLoader {
    type Value = Arc<procedure::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[ProcedureId]) -> LoadResult<ProcedureId, Self::Value> {
        Ok(by_id(self.state.procedures.read(&self.db, &ids(keys, |k| k.0)).await?, |p| ProcedureId(p.id)))
    }
}

impl Loader<FieldId> for DbLoader {
    type Value = field::Model;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[FieldId]) -> LoadResult<FieldId, Self::Value> {
        Ok(by_id(procedures::fields_by_ids(&self.db, &ids(keys, |k| k.0)).await?, |f| FieldId(f.id)))
    }
}

impl Loader<StepsOf> for DbLoader {
    type Value = Vec<procedure_step::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[StepsOf]) -> LoadResult<StepsOf, Self::Value> {
        let rows = procedures::steps_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |s| StepsOf(s.procedure_id)))
    }
}

impl Loader<DocumentsOf> for DbLoader {
    type Value = Vec<procedure_document::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[DocumentsOf]) -> LoadResult<DocumentsOf, Self::Value> {
        let rows = procedures::documents_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |d| DocumentsOf(d.procedure_id)))
    }
}

impl Loader<VersionsOf> for DbLoader {
    type Value = Vec<procedure::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[VersionsOf]) -> LoadResult<VersionsOf, Self::Value> {
        let pairs: Vec<(String, Uuid)> = keys.iter().map(|k| (k.code.clone(), k.agency_id)).collect();
        let mut groups: HashMap<VersionsOf, Vec<procedure::Model>> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for version in procedures::versions_of(&self.db, &pairs).await? {
            let key = VersionsOf { code: version.code.clone(), agency_id: version.agency_id };
            groups.entry(key).or_default().push(version);
        }
        Ok(groups)
    }
}

impl Loader<SecretsOf> for DbLoader {
    type Value = Vec<entity::client_secret::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[SecretsOf]) -> LoadResult<SecretsOf, Self::Value> {
        let secrets =
            crate::services::administration::service_accounts::secrets_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(secrets.into_iter().map(|(id, secrets)| (SecretsOf(id), secrets)).collect())
    }
}

impl Loader<OfficialId> for DbLoader {
    type Value = Arc<official::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[OfficialId]) -> LoadResult<OfficialId, Self::Value> {
        Ok(by_id(self.state.officials.read(&self.db, &ids(keys, |k| k.0)).await?, |o| OfficialId(o.id)))
    }
}

impl Loader<EventsOf> for DbLoader {
    type Value = Vec<dossier_event::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[EventsOf]) -> LoadResult<EventsOf, Self::Value> {
        let rows = dossiers::events_of(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |e| EventsOf(e.dossier_id)))
    }
}

impl Loader<AttachedTo> for DbLoader {
    type Value = Vec<dossier_document::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[AttachedTo]) -> LoadResult<AttachedTo, Self::Value> {
        let rows = documents::of_dossiers(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |d| AttachedTo(d.dossier_id)))
    }
}

impl Loader<SyncOf> for DbLoader {
    /// `None` for a dossier the portal has not heard of yet: known, so not
    /// read again within the request.
    type Value = Option<entity::portal_sync::Model>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[SyncOf]) -> LoadResult<SyncOf, Self::Value> {
        let rows = crate::services::portal_sync::of_dossiers(&self.db, &ids(keys, |k| k.0)).await?;
        let mut found: HashMap<SyncOf, Self::Value> = keys.iter().map(|k| (*k, None)).collect();
        found.extend(rows.into_iter().map(|s| (SyncOf(s.dossier_id), Some(s))));
        Ok(found)
    }
}

impl Loader<NoticesOf> for DbLoader {
    type Value = Vec<crate::services::notices::Sent>;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[NoticesOf]) -> LoadResult<NoticesOf, Self::Value> {
        let rows = crate::services::notices::of_dossiers(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |n| NoticesOf(n.dossier_id)))
    }
}

impl Loader<DocumentId> for DbLoader {
    type Value = dossier_document::Model;
    type Error = Arc<ApiError>;
    async fn load(&self, keys: &[DocumentId]) -> LoadResult<DocumentId, Self::Value> {
        Ok(by_id(documents::find_by_ids(&self.db, &ids(keys, |k| k.0)).await?, |d| DocumentId(d.id)))
    }
}
