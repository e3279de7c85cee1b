//! A reorganisation's dry run and what its apply did.

use crate::graphql::context::page_size;
use crate::graphql::enums::{AgencyKind, Tier};
use crate::services::reorganization::{self as plan, DryRun};
use async_graphql::{Enum, Object, SimpleObject};
use chrono::NaiveDate;

/// How bad a problem of a plan is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum ProblemSeverity {
    /// The plan cannot be applied until it is fixed.
    Error,
    /// Applied as it is; worth a look.
    Warning,
}

/// What becomes of a role held at a closing unit.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum GrantOutcome {
    /// Moved to the unit's default successor.
    Move,
    /// Revoked.
    End,
    /// Kept at the closed unit: its history, nothing new.
    Keep,
}

/// Something in a plan that cannot be applied, or that is applied with a caveat.
#[derive(SimpleObject)]
pub(crate) struct PlanProblem {
    pub severity: ProblemSeverity,
    /// The code it is about.
    pub code: String,
    pub reason: String,
}

/// A unit a plan creates.
#[derive(SimpleObject)]
pub(crate) struct PlannedAgency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub path: String,
    /// Whether it exists already (an earlier apply created it).
    pub exists: bool,
}

/// A unit that goes on under a new name.
#[derive(SimpleObject)]
pub(crate) struct PlannedRename {
    pub code: String,
    pub path: String,
    pub from: String,
    pub to: String,
    /// Whether an earlier apply renamed it.
    pub done: bool,
}

/// One successor of a closing unit.
#[derive(SimpleObject)]
pub(crate) struct PlannedSuccessor {
    pub code: String,
    pub name: String,
    pub path: String,
    /// The one that takes its seat, its dossiers in flight and its history.
    pub default: bool,
}

/// A unit whose last day is the day before the effective date.
#[derive(SimpleObject)]
pub(crate) struct PlannedClosure {
    pub code: String,
    pub name: String,
    pub path: String,
    pub successors: Vec<PlannedSuccessor>,
    /// Whether its dossiers in flight go to the part their applicant's address names.
    pub by_address: bool,
    /// Whether an earlier apply closed it.
    pub done: bool,
}

/// Dossiers in flight that move from one old unit to one new one.
#[derive(SimpleObject)]
pub(crate) struct DossierFlow {
    pub from_code: String,
    pub from_path: String,
    pub to_code: String,
    pub to_path: String,
    pub dossiers: i64,
}

/// A role held at a closing unit, and what becomes of it.
#[derive(SimpleObject)]
pub(crate) struct PlannedGrant {
    pub username: String,
    pub role: String,
    /// Where it is held now (`/91/899/30733/`, `/91/899/*`).
    pub domain: String,
    pub outcome: GrantOutcome,
    /// Where it is held after a move.
    pub to: Option<String>,
}

/// A procedure version in force on the effective date that changes publisher or tier.
#[derive(SimpleObject)]
pub(crate) struct PlannedProcedureChange {
    /// The national code.
    pub code: String,
    pub version: i32,
    pub publisher_path: String,
    /// Its new publisher, when its own closes.
    pub new_publisher_path: Option<String>,
    pub tier: Tier,
    pub new_tier: Option<Tier>,
    /// Whether it just ends (its successor publishes the code already).
    pub retire: bool,
}

/// A reorganisation plan as it would apply now (`planReorganization`).
pub(crate) struct ReorganizationPlan(pub DryRun);

/// A page of a dry run's list: `first` (at most 100, 20 when left out) entries from `offset`.
fn page<T, U>(
    items: &[T],
    (first, offset): (Option<i32>, Option<i32>),
    map: impl Fn(&T) -> U,
) -> async_graphql::Result<Vec<U>> {
    let first = page_size(first)? as usize;
    let offset = usize::try_from(offset.unwrap_or(0))
        .map_err(|_| crate::error::ApiError::BadUserInput("`offset` must not be negative".into()))?;
    Ok(items.iter().skip(offset).take(first).map(map).collect())
}

/// A reorganisation plan as it would apply now: what it creates and closes,
/// the dossiers in flight it moves, the grants and procedures it changes,
/// and what stops it. Each list is read a page at a time (`first` ≤ 100
/// entries from `offset`); the counts give the whole, and `motcua reorganize
/// plan FILE` prints every entry. Applied already, it answers the nothing
/// left to do.
#[Object]
impl ReorganizationPlan {
    /// The first day of the new organisation.
    async fn effective(&self) -> NaiveDate {
        self.0.effective
    }

    /// The decision that orders it.
    async fn decision(&self) -> &str {
        &self.0.decision
    }

    /// Where the plan's lists come from, as it says.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    /// Whether `applyReorganization` would carry it out: no problem of severity `ERROR`.
    async fn applicable(&self) -> bool {
        self.0.applicable()
    }

    /// The GSO codes of the provinces it touches.
    async fn provinces(&self) -> &[String] {
        &self.0.provinces
    }

    /// What cannot be applied, and why; what is applied with a caveat.
    async fn problems(&self, first: Option<i32>, offset: Option<i32>) -> async_graphql::Result<Vec<PlanProblem>> {
        page(&self.0.problems, (first, offset), |p| PlanProblem {
            severity: match p.severity {
                plan::Severity::Error => ProblemSeverity::Error,
                plan::Severity::Warning => ProblemSeverity::Warning,
            },
            code: p.code.clone(),
            reason: p.reason.clone(),
        })
    }

    /// How many problems there are.
    async fn problem_count(&self) -> usize {
        self.0.problems.len()
    }

    /// The units it creates (those that exist already say so).
    async fn created(&self, first: Option<i32>, offset: Option<i32>) -> async_graphql::Result<Vec<PlannedAgency>> {
        page(&self.0.units, (first, offset), |u| PlannedAgency {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.into(),
            path: u.path.clone(),
            exists: u.id.is_some(),
        })
    }

    /// How many units it creates that do not exist yet.
    async fn created_count(&self) -> usize {
        self.0.units.iter().filter(|u| u.id.is_none()).count()
    }

    /// The units that go on under a new name.
    async fn renamed(&self, first: Option<i32>, offset: Option<i32>) -> async_graphql::Result<Vec<PlannedRename>> {
        page(&self.0.renamed, (first, offset), |(agency, name, done)| PlannedRename {
            code: agency.code.clone(),
            path: agency.path.clone(),
            from: agency.name.clone(),
            to: name.clone(),
            done: *done,
        })
    }

    /// The units it closes, with their successors.
    async fn closed(&self, first: Option<i32>, offset: Option<i32>) -> async_graphql::Result<Vec<PlannedClosure>> {
        page(&self.0.closing, (first, offset), |c| PlannedClosure {
            code: c.agency.code.clone(),
            name: c.agency.name.clone(),
            path: c.agency.path.clone(),
            successors: c
                .successors
                .iter()
                .map(|(unit, default)| PlannedSuccessor {
                    code: unit.code.clone(),
                    name: unit.name.clone(),
                    path: unit.path.clone(),
                    default: *default,
                })
                .collect(),
            by_address: c.by_address,
            done: c.done,
        })
    }

    /// How many units it closes that are open still.
    async fn closed_count(&self) -> usize {
        self.0.closing.iter().filter(|c| !c.done).count()
    }

    /// The dossiers in flight that move, from each old unit to each new one.
    async fn moves(&self, first: Option<i32>, offset: Option<i32>) -> async_graphql::Result<Vec<DossierFlow>> {
        page(&self.0.flows, (first, offset), |f| DossierFlow {
            from_code: f.from.code.clone(),
            from_path: f.from.path.clone(),
            to_code: f.to.code.clone(),
            to_path: f.to.path.clone(),
            dossiers: f.dossiers,
        })
    }

    /// How many dossiers in flight move in all.
    async fn moved_dossiers(&self) -> i64 {
        self.0.flows.iter().map(|f| f.dossiers).sum()
    }

    /// The roles held at closing units, and what becomes of each.
    async fn grants(&self, first: Option<i32>, offset: Option<i32>) -> async_graphql::Result<Vec<PlannedGrant>> {
        page(&self.0.grants, (first, offset), |g| PlannedGrant {
            username: g.username.clone(),
            role: g.role.clone(),
            domain: g.domain.clone(),
            outcome: match g.rule {
                plan::GrantRule::Move => GrantOutcome::Move,
                plan::GrantRule::End => GrantOutcome::End,
                plan::GrantRule::Keep => GrantOutcome::Keep,
            },
            to: g.to.clone(),
        })
    }

    /// How many officials work at a closing unit and move to its successor.
    async fn officials_moved(&self) -> usize {
        self.0.officials.len()
    }

    /// The procedure versions that change publisher or tier from the effective date.
    async fn procedures(
        &self,
        first: Option<i32>,
        offset: Option<i32>,
    ) -> async_graphql::Result<Vec<PlannedProcedureChange>> {
        page(&self.0.procedures, (first, offset), |p| PlannedProcedureChange {
            code: p.version.code.clone(),
            version: p.version.version,
            publisher_path: p.version.agency_path.clone(),
            new_publisher_path: p.publisher.as_ref().map(|u| u.path.clone()),
            tier: p.version.tier.into(),
            new_tier: p.tier.map(Into::into),
            retire: p.retire,
        })
    }
}

/// What `applyReorganization` did this time (nothing, for a plan applied before).
#[derive(SimpleObject)]
pub(crate) struct ReorganizationResult {
    pub created: usize,
    pub renamed: usize,
    pub closed: usize,
    pub grants_moved: usize,
    pub grants_ended: usize,
    pub officials_moved: usize,
    pub procedures_changed: usize,
    pub dossiers_moved: usize,
    /// The plan as it stands after the apply: nothing left to do.
    pub plan: ReorganizationPlan,
}

impl ReorganizationResult {
    pub(crate) fn new(applied: plan::Applied, after: DryRun) -> Self {
        Self {
            created: applied.created,
            renamed: applied.renamed,
            closed: applied.closed,
            grants_moved: applied.grants_moved,
            grants_ended: applied.grants_ended,
            officials_moved: applied.officials_moved,
            procedures_changed: applied.procedures_changed,
            dossiers_moved: applied.dossiers_moved,
            plan: ReorganizationPlan(after),
        }
    }
}
