//! A service account's own limits: its requests a minute, its
//! trusted-documents mode, and the documents registered for it — set by
//! those who manage officials where it works.

use super::service_accounts::hash_of as sha256_hex;
use super::{Operation, Prepared};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::announcements::Announcement;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use entity::{official, trusted_document};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// `setClientLimits`.
pub(crate) const SET: Operation = Operation { name: "setClientLimits", target_type: "User" };
/// `registerTrustedDocument`.
pub(crate) const REGISTER: Operation = Operation { name: "registerTrustedDocument", target_type: "TrustedDocument" };
/// `removeTrustedDocument`.
pub(crate) const REMOVE: Operation = Operation { name: "removeTrustedDocument", target_type: "TrustedDocument" };

/// Most documents registered for one service account.
pub(crate) const MOST_DOCUMENTS: u64 = 500;
/// The most requests a minute one may be given.
const MOST_PER_MINUTE: i32 = 1_000_000;

/// Sets a service account's own requests a minute (`None`: the setting for
/// service accounts; 0: no limit) and whether it runs only its registered documents.
pub(crate) async fn set(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    requests_per_minute: Option<i32>,
    trusted_documents_only: bool,
) -> ApiResult<Prepared<official::Model>> {
    let (account, agency) = super::service_accounts::managed_account(state, actor, id).await?;
    if requests_per_minute.is_some_and(|rate| !(0..=MOST_PER_MINUTE).contains(&rate)) {
        return Err(ApiError::BadUserInput(format!("`requestsPerMinute` must be 0 (no limit) to {MOST_PER_MINUTE}")));
    }
    let update = Query::update()
        .table(official::Entity)
        .value(official::Column::RequestsPerMinute, requests_per_minute)
        .value(official::Column::TrustedDocumentsOnly, trusted_documents_only)
        .and_where(Expr::col(official::Column::Id).eq(account.id))
        .to_owned();
    let details = json!({
        "before": { "requestsPerMinute": account.requests_per_minute, "trustedDocumentsOnly": account.trusted_documents_only },
        "after": { "requestsPerMinute": requests_per_minute, "trustedDocumentsOnly": trusted_documents_only },
    });
    Ok(Prepared {
        unit: Unit::of(Write::Update(update)),
        target_id: account.id.to_string(),
        details,
        announced: Some(Announcement::Official { id: account.id, username: account.username.clone() }),
        agency,
        value: official::Model { requests_per_minute, trusted_documents_only, ..account },
    })
}

/// Registers `document` (parsed already by the caller) for a service
/// account; its hash is its SHA-256.
pub(crate) async fn register(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    document: String,
    name: Option<String>,
) -> ApiResult<Prepared<trusted_document::Model>> {
    let (account, agency) = super::service_accounts::managed_account(state, actor, id).await?;
    let name = match name {
        Some(name) => Some(super::required_text("name", &name, 200)?),
        None => None,
    };
    let registered = trusted_document::Entity::find()
        .filter(trusted_document::Column::OfficialId.eq(account.id))
        .count(&state.db)
        .await?;
    if registered >= MOST_DOCUMENTS {
        return Err(ApiError::limit(format!(
            "`{}` has {MOST_DOCUMENTS} documents, the most one may",
            account.username
        )));
    }
    let row = trusted_document::Model {
        official_id: account.id,
        hash: sha256_hex(&document),
        document,
        name,
        created_by: actor.username.clone(),
        created_at: state.clock.now(),
    };
    let mut insert = trusted_document::Entity::insert(trusted_document::ActiveModel::from(row.clone())).into_query();
    insert.on_conflict(
        OnConflict::columns([trusted_document::Column::OfficialId, trusted_document::Column::Hash])
            .update_columns([trusted_document::Column::Name])
            .to_owned(),
    );
    Ok(Prepared {
        unit: Unit::of(Write::Insert(insert)),
        target_id: format!("{}/{}", account.username, row.hash),
        details: json!({ "after": { "account": account.username, "hash": row.hash, "name": row.name } }),
        announced: None,
        agency,
        value: row,
    })
}

/// Removes a registered document.
pub(crate) async fn remove(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    hash: &str,
) -> ApiResult<Prepared<trusted_document::Model>> {
    let (account, agency) = super::service_accounts::managed_account(state, actor, id).await?;
    let hash = hash.trim().to_ascii_lowercase();
    let row = trusted_document::Entity::find_by_id((account.id, hash.clone()))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no document with this hash is registered for it".into()))?;
    let delete = Query::delete()
        .from_table(trusted_document::Entity)
        .and_where(Expr::col(trusted_document::Column::OfficialId).eq(account.id))
        .and_where(Expr::col(trusted_document::Column::Hash).eq(hash.as_str()))
        .to_owned();
    Ok(Prepared {
        unit: Unit::of(Write::Delete(delete)),
        target_id: format!("{}/{hash}", account.username),
        details: json!({ "before": { "account": account.username, "hash": hash, "name": row.name } }),
        announced: None,
        agency,
        value: row,
    })
}

/// The documents registered for a service account, oldest first.
pub(crate) async fn documents_of(
    db: &sea_orm::DatabaseConnection,
    account: Uuid,
) -> ApiResult<Vec<trusted_document::Model>> {
    Ok(trusted_document::Entity::find()
        .filter(trusted_document::Column::OfficialId.eq(account))
        .order_by_asc(trusted_document::Column::CreatedAt)
        .all(db)
        .await?)
}
