//! The OAuth 2.0 client-credentials grant (RFC 6749 §4.4): a service account
//! trades its username (`client_id`) and a client secret for a short-lived
//! token. A wrong secret, a revoked one, an unknown or deactivated account
//! get the same answer, so that the answer tells nothing of the account.

use super::administration::service_accounts::hash_of;
use super::writes::{self, Unit, Write};
use crate::error::ApiResult;
use crate::state::AppState;
use entity::{client_secret, official, OfficialKind};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use std::time::Duration;

/// Refused token requests an address may make in [`FAILURES_WINDOW`] before
/// it waits: a secret is 256 random bits, so this only keeps a flood of
/// wrong ones (each an indexed read) from costing the database.
pub(crate) const MAX_FAILURES: u32 = 20;
/// The window over which refused token requests count.
pub(crate) const FAILURES_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The limiter of refused token requests.
pub(crate) fn failures_limiter() -> super::tracking::Limiter {
    super::tracking::Limiter::new(MAX_FAILURES, FAILURES_WINDOW, "token requests")
}

/// How long a token from the client-credentials grant is valid.
pub(crate) const TOKEN_TTL: Duration = Duration::from_secs(3600);

/// The service account `client_id` names, if `client_secret` is one of its
/// secrets and neither is revoked or deactivated; marks the secret used.
pub(crate) async fn client(state: &AppState, client_id: &str, client_secret: &str) -> ApiResult<Option<String>> {
    if client_id.contains('\0') || client_secret.contains('\0') || client_secret.len() > 200 {
        return Ok(None);
    }
    // Secrets are 256 random bits: looked up by their hash, which says nothing without them.
    let hash = hash_of(client_secret);
    let Some(secret) = client_secret::Entity::find()
        .filter(client_secret::Column::Hash.eq(hash))
        .filter(client_secret::Column::RevokedAt.is_null())
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let account = official::Entity::find_by_id(secret.official_id).one(&state.db).await?;
    let Some(account) = account.filter(|a| a.active && a.kind == OfficialKind::Service && a.username == client_id)
    else {
        return Ok(None);
    };
    let used = client_secret::Entity::update_many()
        .col_expr(client_secret::Column::LastUsedAt, Expr::value(state.clock.now()))
        .filter(client_secret::Column::Id.eq(secret.id))
        .into_query();
    writes::run(state, Unit::of(Write::Update(used))).await?;
    Ok(Some(account.username))
}
