//! What a dry run finds: the units closing and their successors, the
//! dossiers in flight that would move, the grants, officials and procedure
//! versions that change, and the problems.

use super::*;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Severity {
    /// The plan cannot be applied until it is fixed.
    Error,
    /// Applied as it is; worth a look.
    Warning,
}

/// Something in the plan that cannot be applied, or that is applied with a caveat.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Problem {
    pub severity: Severity,
    /// The code the problem is about.
    pub code: String,
    pub reason: String,
}

/// A unit as it is on the effective date: one that exists, or one the plan creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    /// `None` until created.
    pub id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub path: String,
    pub province_code: String,
    /// The unit above, by path.
    pub parent_path: Option<String>,
}

impl From<&agency::Model> for Unit {
    fn from(agency: &agency::Model) -> Self {
        Self {
            id: Some(agency.id),
            code: agency.code.clone(),
            name: agency.name.clone(),
            kind: agency.kind,
            path: agency.path.clone(),
            province_code: agency.province_code.clone(),
            parent_path: None,
        }
    }
}

/// An old unit that ends the day before the effective date.
#[derive(Debug, Clone)]
pub(crate) struct Closing {
    pub agency: agency::Model,
    /// Its successors by path, the default one marked.
    pub successors: Vec<(Unit, bool)>,
    pub by_address: bool,
    /// Closed by an earlier apply of this plan.
    pub done: bool,
}

impl Closing {
    /// The successor that takes its seat.
    pub(crate) fn default_successor(&self) -> Option<&Unit> {
        self.successors.iter().find(|(_, default)| *default).map(|(unit, _)| unit)
    }
}

/// Dossiers in flight that move from one old unit to one new one.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub from: agency::Model,
    pub to: Unit,
    pub dossiers: i64,
}

/// A grant at a closing unit, and what becomes of it.
#[derive(Debug, Clone)]
pub(crate) struct GrantChange {
    pub rule_id: i64,
    pub username: String,
    pub role: String,
    pub domain: String,
    pub rule: GrantRule,
    /// The domain it moves to.
    pub to: Option<String>,
}

/// A procedure version in force on the effective date whose publisher closes or whose tier changes.
#[derive(Debug, Clone)]
pub(crate) struct ProcedureChange {
    pub version: procedure::Model,
    /// The new publisher, when its own closes.
    pub publisher: Option<Unit>,
    pub tier: Option<Tier>,
    /// Ends the day before: the successor publishes the same code already.
    pub retire: bool,
}

/// An official who works at a closing unit and moves to its successor.
#[derive(Debug, Clone)]
pub(crate) struct OfficialMove {
    pub official: official::Model,
    pub to: Unit,
}

/// What applying the plan would do now.
#[derive(Debug, Clone)]
pub(crate) struct DryRun {
    pub effective: NaiveDate,
    /// Where the plan's lists come from, as it says.
    pub source: Option<String>,
    pub decision: String,
    /// Units the plan creates, in the plan's order; those with an id exist already.
    pub units: Vec<Unit>,
    pub renamed: Vec<(agency::Model, String, bool)>,
    pub closing: Vec<Closing>,
    pub flows: Vec<Flow>,
    pub grants: Vec<GrantChange>,
    pub officials: Vec<OfficialMove>,
    pub procedures: Vec<ProcedureChange>,
    pub problems: Vec<Problem>,
    /// The provinces it touches.
    pub provinces: Vec<String>,
}

impl DryRun {
    /// Whether nothing stops it.
    pub(crate) fn applicable(&self) -> bool {
        !self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}
