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

pub(crate) use apply::{apply, Applied};
pub(crate) use file::{GrantRule, PlanFile, MOST_BYTES};
pub(crate) use plan::{plan, DryRun, Severity};

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The permission a reorganisation needs, at the province it touches.
pub(crate) const PERMISSION: (&str, &str) = ("agency", "manage");

/// Whether the caller may reorganise every province the plan touches (the
/// provinces of the agencies it closes, creates under or renames);
/// `FORBIDDEN` otherwise, naming none it may not see.
pub(crate) async fn authorize(state: &AppState, actor: &Viewer, provinces: &[String]) -> ApiResult<()> {
    let scope = state.authz.scope(&actor.username, PERMISSION.0, PERMISSION.1).await;
    let all = provinces.iter().all(|code| scope.covers(&crate::domain::paths::PathPattern::Subtree(format!("/{code}/"))));
    match all && !provinces.is_empty() {
        true => Ok(()),
        false => Err(ApiError::Forbidden(
            "a reorganisation needs `agency manage` over the whole of every province it touches".into(),
        )),
    }
}
