//! The commands that run a province: its officials and their grants (and,
//! as they come, its agencies and catalogue). Each one:
//!
//! - checks its permission where it acts (`official manage`, …), and answers
//!   an object outside the caller's reach exactly as a missing one;
//! - writes through `services::writes`, with its audit row (who, where, what,
//!   the before and after in compact JSON) in the same unit;
//! - announces what every instance must read again (`announcements`);
//! - when refused, writes the refusal's audit row all the same.

pub(crate) mod agencies;
pub(crate) mod catalogue;
pub(crate) mod client_limits;
pub(crate) mod fields;
pub(crate) mod grants;
pub(crate) mod notices;
pub(crate) mod officials;
pub(crate) mod roles;
pub(crate) mod service_accounts;
pub(crate) mod webhooks;

use super::announcements::Announcement;
use super::audit::Entry;
use super::writes::{self, Unit};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use sea_orm::{EntityTrait, QueryTrait};

/// A command checked and ready to write.
#[derive(Debug)]
pub(crate) struct Prepared<T> {
    /// The writes; the audit row is added to them.
    pub unit: Unit,
    /// The agency the command acts in.
    pub agency: entity::agency::Model,
    /// What it acts on: an official's id, a grant's `user role domain`.
    pub target_id: String,
    /// The before and after.
    pub details: serde_json::Value,
    /// What every instance must read again once it is written (it becomes
    /// the unit's; a command sets it here, not on `unit`).
    pub announced: Option<Announcement>,
    /// What the command answers once written.
    pub value: T,
}

/// What a command names: the operation (the GraphQL mutation) and the kind
/// of object it acts on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operation {
    pub name: &'static str,
    pub target_type: &'static str,
}

/// Writes `prepared` with its audit row, or audits its refusal.
pub(crate) async fn run<T>(
    state: &AppState,
    actor: &Viewer,
    operation: Operation,
    prepared: ApiResult<Prepared<T>>,
) -> ApiResult<T> {
    let mut entry = Entry::new(actor, operation.name, operation.target_type);
    let result = match prepared {
        Ok(prepared) => {
            entry.agency_path = Some(prepared.agency.path.clone());
            entry.province_code = Some(prepared.agency.province_code.clone());
            entry.target_id = Some(prepared.target_id.clone());
            entry.details = Some(prepared.details.to_string());
            write(state, &entry, prepared).await
        }
        Err(error) => Err(error),
    };
    if let Err(error) = &result {
        if entry.agency_path.is_none() {
            // Refused before it found where it acts: the caller's own agency.
            if let Ok(Some(home)) = state.agencies.by_id(&state.db, actor.agency_id).await {
                entry.agency_path = Some(home.path.clone());
                entry.province_code = Some(home.province_code.clone());
            }
        }
        if let Err(failure) = super::audit::record(state, &entry, Err(error)).await {
            tracing::error!(error = ?failure, operation = operation.name, "cannot write a refusal's audit row");
        }
    }
    result
}

async fn write<T>(state: &AppState, entry: &Entry<'_>, prepared: Prepared<T>) -> ApiResult<T> {
    let audit = entity::audit_log::Entity::insert(entry.row(Ok(()), state.clock.now())).into_query();
    let mut unit = prepared.unit;
    unit.then.push(audit);
    unit.announced = prepared.announced;
    match writes::run(state, unit).await? {
        true => Ok(prepared.value),
        false => Err(ApiError::Conflict(format!(
            "{} changed while the command ran; read it again and retry",
            entry.target_type.unwrap_or("the object")
        ))),
    }
}

/// The province where the caller holds `{object} manage`: what is shared by
/// a whole province (roles, fields) is its admins'. `FORBIDDEN` for anyone
/// else, saying `what` needs it.
pub(crate) async fn province_where(
    state: &AppState,
    actor: &Viewer,
    object: &str,
    what: &str,
) -> ApiResult<entity::agency::Model> {
    use crate::domain::paths::PathPattern;
    use sea_orm::{ColumnTrait, QueryFilter};
    let scope = state.authz.scope(&actor.username, object, "manage").await;
    for pattern in scope.patterns() {
        let (PathPattern::Agency(path) | PathPattern::Subtree(path)) = pattern;
        if path.trim_matches('/').split('/').count() == 1 {
            let province = entity::agency::Entity::find()
                .filter(entity::agency::Column::Path.eq(path.as_str()))
                .one(&state.db)
                .await?;
            if let Some(province) = province.filter(|a| a.kind == entity::AgencyKind::Province) {
                return Ok(province);
            }
        }
    }
    Err(ApiError::Forbidden(format!("{what} needs `{object} manage` at a province")))
}

/// `BAD_USER_INPUT` unless `text`, trimmed, has 1 to `most` characters.
pub(crate) fn required_text(field: &str, text: &str, most: usize) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::BadUserInput(format!("`{field}` must not be empty")));
    }
    if text.chars().count() > most {
        return Err(ApiError::BadUserInput(format!("`{field}` must be at most {most} characters")));
    }
    Ok(text.to_owned())
}
