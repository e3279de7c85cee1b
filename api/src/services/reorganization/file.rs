//! The plan's file: JSON, its fields in `docs/REORGANIZATION.md`.

use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A plan as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PlanFile {
    /// The first day of the new organisation: the old units' last day is the day before.
    pub effective: NaiveDate,
    /// The decision that orders it (*nghị quyết, quyết định*), quoted on every moved dossier's slip.
    pub decision: String,
    /// Where the plan's lists come from; not read.
    #[serde(default)]
    pub source: Option<String>,
    /// Units that come into being on the effective date.
    #[serde(default)]
    pub agencies: Vec<NewUnit>,
    /// Units that go on under a new name.
    #[serde(default)]
    pub renamed: Vec<Rename>,
    /// New (or continuing) units made whole from old ones.
    #[serde(default)]
    pub merged: Vec<Merge>,
    /// Old units split among new ones.
    #[serde(default)]
    pub divided: Vec<Division>,
    /// Old units that end, with the unit that carries on their work if any.
    #[serde(default)]
    pub closed: Vec<Closure>,
    /// What becomes of a role held at a closing unit, by role (`*`: any
    /// other role); by default `MOVE`, and `KEEP` for `supervisor`.
    #[serde(default)]
    pub grants: BTreeMap<String, GrantRule>,
    /// Procedures of one tier resolved by another from the effective date
    /// (`{"DISTRICT": "COMMUNE"}`: the districts are gone).
    #[serde(default)]
    pub tiers: BTreeMap<String, String>,
}

/// A new unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewUnit {
    pub code: String,
    pub name: String,
    /// `PROVINCE`, `DEPARTMENT`, `SERVICE_CENTER`, `DISTRICT` or `COMMUNE`.
    pub kind: String,
    /// The code of the unit above it, as it is on the effective date.
    pub parent: String,
}

/// A rename.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Rename {
    pub code: String,
    pub name: String,
}

/// A merge: `from` (old codes) become `into` (a code on the effective date).
/// The 2025 map writes `into` as `commune`, with its `province`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Merge {
    #[serde(alias = "commune")]
    pub into: String,
    /// The new unit's province (the map's; not read: `into` names it).
    #[serde(default)]
    pub province: Option<String>,
    pub from: Vec<String>,
}

/// A division: `from` splits among `into`, one of them the default.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Division {
    pub from: String,
    pub into: Vec<Part>,
    /// Whether a dossier in flight goes to the part its applicant's address
    /// names (else, and when it names none, to the default).
    #[serde(default)]
    pub by_address: bool,
}

/// One part of a division.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Part {
    #[serde(alias = "commune")]
    pub code: String,
    #[serde(default)]
    pub default: bool,
}

/// A closure.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Closure {
    pub code: String,
    /// The unit that takes over its dossiers in flight and its history.
    #[serde(default)]
    pub successor: Option<String>,
}

/// What becomes of a grant at a closing unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum GrantRule {
    /// To the unit's default successor (a subtree grant to its subtree).
    Move,
    /// Revoked.
    End,
    /// Left at the closed unit: its history, and nothing new.
    Keep,
}

/// The biggest plan read: the whole country's map is some 300 KB.
pub(crate) const MOST_BYTES: usize = 4 * 1024 * 1024;

impl PlanFile {
    /// Reads a plan; `BAD_USER_INPUT` with where it went wrong.
    pub(crate) fn parse(text: &[u8]) -> ApiResult<Self> {
        if text.len() > MOST_BYTES {
            return Err(ApiError::BadUserInput(format!("a plan is at most {MOST_BYTES} bytes")));
        }
        let plan: Self = serde_json::from_slice(text)
            .map_err(|error| ApiError::BadUserInput(format!("the plan is not valid: {error}")))?;
        if plan.decision.trim().is_empty() || plan.decision.len() > 500 {
            return Err(ApiError::BadUserInput(
                "the plan's `decision` names the decision (at most 500 characters)".into(),
            ));
        }
        Ok(plan)
    }

    /// What becomes of `role`'s grants at a closing unit.
    pub(crate) fn grant_rule(&self, role: &str) -> GrantRule {
        match self.grants.get(role).or_else(|| self.grants.get("*")) {
            Some(rule) => *rule,
            None if role == "supervisor" => GrantRule::Keep,
            None => GrantRule::Move,
        }
    }
}
