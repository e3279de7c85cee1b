//! Service accounts of third-party systems: an `official` of kind `SERVICE`,
//! scoped by grants exactly like an official, with client secrets for the
//! OAuth 2.0 client-credentials grant (`POST /oauth/token`, `services::oauth`).
//! A secret is shown once, when issued; only its SHA-256 is kept.

use super::officials::{self, require_managed, NewOfficial};
use super::{grants, Operation, Prepared};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use base64::Engine;
use entity::{client_secret, official, OfficialKind};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// `createServiceAccount`.
pub(crate) const CREATE: Operation = Operation { name: "createServiceAccount", target_type: "User" };
/// `issueClientSecret`.
pub(crate) const ISSUE: Operation = Operation { name: "issueClientSecret", target_type: "ClientSecret" };
/// `revokeClientSecret`.
pub(crate) const REVOKE: Operation = Operation { name: "revokeClientSecret", target_type: "ClientSecret" };

/// Most roles a service account is created with.
const MOST_ROLES: usize = 20;
/// Most secrets of one account that work at once (rotation needs two).
const MOST_LIVE_SECRETS: usize = 5;

/// A role a new service account holds from the start.
#[derive(Debug, Clone)]
pub(crate) struct InitialRole {
    pub role: String,
    pub agency_code: String,
    pub subtree: bool,
}

/// Checks a new service account with its roles and prepares it.
pub(crate) async fn create(
    state: &AppState,
    actor: &Viewer,
    account: NewOfficial,
    roles: Vec<InitialRole>,
) -> ApiResult<Prepared<official::Model>> {
    if roles.len() > MOST_ROLES {
        return Err(ApiError::BadUserInput(format!("at most {MOST_ROLES} roles at once")));
    }
    let mut prepared = officials::create(state, actor, NewOfficial { kind: OfficialKind::Service, ..account }).await?;
    let mut given = Vec::new();
    for initial in roles {
        let role = grants::known_role(state, &initial.role).await?;
        let (_, pattern) = grants::domain(state, actor, &initial.agency_code, initial.subtree).await?;
        prepared.unit.then.push(grants::rule(&prepared.value.username, &role, &pattern));
        given.push(json!({ "role": role, "domain": pattern.domain() }));
    }
    if !given.is_empty() {
        prepared.announced = Some(crate::services::announcements::Announcement::Grants);
    }
    prepared.details["after"]["roles"] = json!(given);
    Ok(prepared)
}

/// A secret just issued: the row, and the secret itself (shown this once).
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub row: client_secret::Model,
    pub secret: String,
}

/// The SHA-256 of a secret, in hex.
pub(crate) fn hash_of(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A service account the caller manages; `NOT_FOUND` for anything else,
/// a person's login included.
pub(super) async fn managed_account(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
) -> ApiResult<(official::Model, entity::agency::Model)> {
    let (account, agency) = require_managed(state, actor, id).await?;
    match account.kind {
        OfficialKind::Service => Ok((account, agency)),
        OfficialKind::Person => Err(ApiError::NotFound("no service account with this id".into())),
    }
}

/// Prepares a new secret for the service account `id`.
pub(crate) async fn issue(state: &AppState, actor: &Viewer, id: Uuid) -> ApiResult<Prepared<Issued>> {
    let (account, agency) = managed_account(state, actor, id).await?;
    if !account.active {
        return Err(ApiError::BadUserInput(format!("`{}` is deactivated", account.username)));
    }
    let secrets = secrets_of(&state.db, &[account.id]).await?.remove(&account.id).unwrap_or_default();
    let live = secrets.iter().filter(|s| s.revoked_at.is_none()).count();
    if live >= MOST_LIVE_SECRETS {
        return Err(ApiError::BadUserInput(format!(
            "`{}` has {MOST_LIVE_SECRETS} working secrets: revoke one first",
            account.username
        )));
    }
    let mut random = [0u8; 32];
    rand::rng().fill_bytes(&mut random);
    let secret = format!("mcs_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random));
    let row = client_secret::Model {
        id: Uuid::now_v7(),
        official_id: account.id,
        prefix: secret.chars().take(12).collect(),
        hash: hash_of(&secret),
        created_at: state.clock.now(),
        created_by: actor.username.clone(),
        last_used_at: None,
        revoked_at: None,
    };
    let insert = client_secret::Entity::insert(client_secret::ActiveModel::from(row.clone())).into_query();
    Ok(Prepared {
        unit: Unit::of(Write::Insert(insert)),
        target_id: row.id.to_string(),
        details: json!({ "after": { "account": account.username, "prefix": row.prefix } }),
        announced: None,
        agency,
        value: Issued { row, secret },
    })
}

/// Prepares the revocation of the secret `id`: refused from the next token request on.
pub(crate) async fn revoke(state: &AppState, actor: &Viewer, id: Uuid) -> ApiResult<Prepared<client_secret::Model>> {
    let not_found = || ApiError::NotFound("no client secret with this id".into());
    let secret = client_secret::Entity::find_by_id(id).one(&state.db).await?.ok_or_else(not_found)?;
    let (account, agency) = managed_account(state, actor, secret.official_id).await.map_err(|_| not_found())?;
    if secret.revoked_at.is_some() {
        return Err(ApiError::Conflict("the secret is revoked already".into()));
    }
    let now = state.clock.now();
    let statement = client_secret::Entity::update_many()
        .col_expr(client_secret::Column::RevokedAt, Expr::value(now))
        .filter(client_secret::Column::Id.eq(id))
        .filter(client_secret::Column::RevokedAt.is_null())
        .into_query();
    Ok(Prepared {
        unit: Unit::of(Write::Update(statement)),
        target_id: id.to_string(),
        details: json!({ "before": { "account": account.username, "prefix": secret.prefix, "revoked": false },
            "after": { "revoked": true } }),
        announced: None,
        agency,
        value: client_secret::Model { revoked_at: Some(now), ..secret },
    })
}

/// The secrets of each service account, in one query: per account the
/// working ones, then the last revoked ones, newest first,
/// [`crate::services::list_bounds::CLIENT_SECRETS`] at most.
pub(crate) async fn secrets_of(
    db: &sea_orm::DatabaseConnection,
    accounts: &[Uuid],
) -> ApiResult<std::collections::HashMap<Uuid, Vec<client_secret::Model>>> {
    let rows = client_secret::Entity::find()
        .filter(client_secret::Column::OfficialId.is_in(accounts.iter().copied()))
        .order_by_desc(Expr::col(client_secret::Column::RevokedAt).is_null())
        .order_by_desc(client_secret::Column::Id)
        .all(db)
        .await?;
    let mut by_account: std::collections::HashMap<Uuid, Vec<client_secret::Model>> =
        accounts.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        let secrets = by_account.entry(row.official_id).or_default();
        if secrets.len() < crate::services::list_bounds::CLIENT_SECRETS as usize {
            secrets.push(row);
        }
    }
    Ok(by_account)
}
