//! Reorganisation as a plan: the changes of one effective date (new units,
//! merges, divisions, renames, closures), read from a file whose format
//! `docs/REORGANIZATION.md` documents — the 2025 map of communes, in the
//! shape `shared/data/vn-admin-reorganisation-2025.json` gives it, is one
//! such plan's `merged` and `divided`.
//!
//! [`plan`] works out what it would do (a dry run: agencies created and
//! closed, the dossiers in flight that move from each old agency to each
//! new one, the grants that move or end, the procedures that change
//! publisher or tier, and what cannot be applied and why); [`apply`] does
//! it, on the effective date or after it, in steps each of which can run
//! again: applied twice, a plan changes nothing the second time.

mod apply;
mod file;
mod plan;
mod summary;

pub(crate) use apply::{apply, Applied};
pub(crate) use file::{GrantRule, PlanFile, MOST_BYTES};
pub(crate) use plan::{plan, DryRun, Severity};
pub(crate) use summary::to_json;

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The permission a reorganisation needs, at the province it touches.
pub(crate) const PERMISSION: (&str, &str) = ("agency", "manage");

/// Whether the caller may reorganise every province the plan touches: it
/// holds `agency manage` at each one's People's Committee (the province's
/// own agency), the admin who opens and closes its units. `FORBIDDEN`
/// otherwise.
pub(crate) async fn authorize(state: &AppState, actor: &Viewer, provinces: &[String]) -> ApiResult<()> {
    let scope = state.authz.scope(&actor.username, PERMISSION.0, PERMISSION.1).await;
    let all = provinces.iter().all(|code| scope.contains(&format!("/{code}/")));
    match all && !provinces.is_empty() {
        true => Ok(()),
        false => Err(ApiError::Forbidden(
            "a reorganisation needs `agency manage` at the People's Committee of every province it touches".into(),
        )),
    }
}

/// `motcua reorganize plan|apply FILE`: the dry run, or the apply and what
/// is left after it, as JSON.
pub async fn from_command_line(state: &AppState, text: &[u8], apply: bool) -> anyhow::Result<serde_json::Value> {
    let plan_file = PlanFile::parse(text).map_err(for_the_command_line)?;
    let run = async {
        match apply {
            false => Ok(serde_json::json!({ "plan": to_json(&plan(&state.db, &plan_file).await?) })),
            true => {
                let (applied, after) = self::apply(state, None, text, &plan_file).await?;
                Ok(serde_json::json!({ "applied": applied, "after": to_json(&after) }))
            }
        }
    };
    run.await.map_err(for_the_command_line)
}

fn for_the_command_line(error: ApiError) -> anyhow::Error {
    match error {
        ApiError::Internal(cause) => cause,
        other => anyhow::anyhow!("{}: {}", other.code(), other.client_message("-")),
    }
}
