//! The dry run: the plan resolved against the directory as it stands —
//! what it is made of (`dry_run.rs`), the units it closes and renames (here),
//! and what follows from them (`effects.rs`): dossiers in flight, grants,
//! officials and procedure versions.

mod dry_run;
mod effects;

pub(crate) use dry_run::*;
pub(crate) use effects::successor_for;
use effects::{flows, grants, officials, procedures};

use super::file::{GrantRule, PlanFile};
use crate::domain::paths::{child_path, PathPattern};
use crate::error::ApiResult;
use chrono::{Days, NaiveDate};
use entity::{agency, official, procedure, AgencyKind, ProcedureStatus, Tier};
use sea_orm::{ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use sea_orm_adapter::entity as casbin_rule;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// Resolves codes: old ones as they were the day before, new ones as they are on the day.
struct Resolver<'a> {
    db: &'a DatabaseConnection,
    effective: NaiveDate,
    units: BTreeMap<String, Unit>,
    problems: Vec<Problem>,
}

impl Resolver<'_> {
    fn problem(&mut self, severity: Severity, code: &str, reason: String) {
        self.problems.push(Problem { severity, code: code.to_owned(), reason });
    }

    fn last_day(&self) -> NaiveDate {
        self.effective - Days::new(1)
    }

    /// The unit `code` names on the effective date: one the plan creates, or one open then.
    async fn new_unit(&mut self, code: &str) -> ApiResult<Option<Unit>> {
        if let Some(unit) = self.units.get(code) {
            return Ok(Some(unit.clone()));
        }
        let found = crate::services::agencies::find_on(self.db, code, self.effective).await?;
        if found.is_none() {
            let reason =
                format!("no unit has the code on {}, and the plan's `agencies` do not create it", self.effective);
            self.problem(Severity::Error, code, reason);
        }
        Ok(found.as_ref().map(Unit::from))
    }

    /// The unit `code` named on the day before the effective date.
    async fn old_unit(&mut self, code: &str) -> ApiResult<Option<agency::Model>> {
        let last = self.last_day();
        let found = crate::services::agencies::find_on(self.db, code, last).await?;
        if found.is_none() {
            self.problem(Severity::Error, code, format!("no unit had the code on {last}"));
        }
        Ok(found)
    }

    /// The units of the plan's `agencies`, under parents that exist or that it creates first.
    async fn create_units(&mut self, plan: &PlanFile) -> ApiResult<Vec<Unit>> {
        let mut created = Vec::new();
        for new in &plan.agencies {
            let Ok(kind) = AgencyKind::try_from_value(&new.kind) else {
                self.problem(Severity::Error, &new.code, format!("`{}` is not a kind of unit", new.kind));
                continue;
            };
            let Some(parent) = self.new_unit(&new.parent).await? else { continue };
            let segment = match kind {
                AgencyKind::Department | AgencyKind::ServiceCenter => {
                    new.code.strip_prefix(&format!("{}.", parent.province_code)).unwrap_or(&new.code).to_owned()
                }
                _ => new.code.clone(),
            };
            if segment.is_empty() || !segment.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                self.problem(Severity::Error, &new.code, "not a valid unit code".into());
                continue;
            }
            let path = child_path(&parent.path, &segment);
            let existing = crate::services::agencies::find_by_path(self.db, &path).await?;
            let same_code = crate::services::agencies::find_on(self.db, &new.code, self.effective).await?;
            // A unit may take up the code of one the plan closes.
            let closes = |code: &str| {
                plan.merged.iter().any(|m| m.from.iter().any(|c| c == code))
                    || plan.divided.iter().any(|d| d.from == code)
                    || plan.closed.iter().any(|c| c.code == code)
            };
            if let Some(other) = same_code.filter(|other| other.path != path && !closes(&other.code)) {
                let reason = format!("the code names {} ({}) on {}", other.name, other.path, self.effective);
                self.problem(Severity::Error, &new.code, reason);
                continue;
            }
            let province_code = match kind {
                AgencyKind::Province => new.code.clone(),
                _ => parent.province_code.clone(),
            };
            let unit = Unit {
                id: existing.as_ref().map(|a| a.id),
                code: new.code.clone(),
                name: new.name.trim().to_owned(),
                kind,
                path,
                province_code,
                parent_path: Some(parent.path.clone()),
            };
            self.units.insert(new.code.clone(), unit.clone());
            created.push(unit);
        }
        Ok(created)
    }
}

/// Works out what applying `plan` would do now.
pub(crate) async fn plan(db: &DatabaseConnection, plan: &PlanFile) -> ApiResult<DryRun> {
    let mut resolver = Resolver { db, effective: plan.effective, units: BTreeMap::new(), problems: Vec::new() };
    let units = resolver.create_units(plan).await?;
    let closing = closings(&mut resolver, plan).await?;
    let renamed = renames(&mut resolver, plan, &closing).await?;
    open_children(&mut resolver, &closing).await?;
    let (flows, stranded) = flows(db, &closing).await?;
    for (agency, dossiers) in stranded {
        let reason = format!("{} holds {dossiers} dossiers in flight and the plan names no successor", agency.name);
        resolver.problem(Severity::Error, &agency.code, reason);
    }
    let grants = grants(db, plan, &closing).await?;
    let officials = officials(db, &closing).await?;
    let provinces: Vec<String> = closing
        .iter()
        .map(|c| c.agency.province_code.clone())
        .chain(units.iter().map(|u| u.province_code.clone()))
        .chain(renamed.iter().map(|(a, ..)| a.province_code.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let procedures = procedures(&mut resolver, plan, &closing, &provinces).await?;
    Ok(DryRun {
        effective: plan.effective,
        source: plan.source.clone(),
        decision: plan.decision.trim().to_owned(),
        units,
        renamed,
        closing,
        flows,
        grants,
        officials,
        procedures,
        problems: resolver.problems,
        provinces,
    })
}

/// An old code the plan names, its successors' codes and whether a dossier goes by address.
type Named = (String, Vec<(String, bool)>, bool);

/// Every old unit the plan ends, with its successors.
async fn closings(resolver: &mut Resolver<'_>, plan: &PlanFile) -> ApiResult<Vec<Closing>> {
    let mut closing: Vec<Closing> = Vec::new();
    // Each old code with its successors' codes (the default marked) and whether by address.
    let mut named: Vec<Named> = Vec::new();
    for merge in &plan.merged {
        let into = resolver.new_unit(&merge.into).await?;
        if let (Some(into), Some(province)) = (into, &merge.province) {
            if &into.province_code != province {
                let reason = format!("the merge says province {province}; the unit belongs to {}", into.province_code);
                resolver.problem(Severity::Error, &merge.into, reason);
            }
        }
        for old in &merge.from {
            named.push((old.clone(), vec![(merge.into.clone(), true)], false));
        }
    }
    for division in &plan.divided {
        let defaults = division.into.iter().filter(|part| part.default).count();
        if defaults != 1 {
            let reason = format!("a division names exactly one default part; this one names {defaults}");
            resolver.problem(Severity::Error, &division.from, reason);
        }
        let parts = division.into.iter().map(|part| (part.code.clone(), part.default)).collect();
        named.push((division.from.clone(), parts, division.by_address));
    }
    for closure in &plan.closed {
        named.push((closure.code.clone(), closure.successor.iter().map(|s| (s.clone(), true)).collect(), false));
    }
    let last = resolver.last_day();
    for (code, parts, by_address) in named {
        let Some(old) = resolver.old_unit(&code).await? else { continue };
        let mut successors = Vec::new();
        for (part, default) in parts {
            if let Some(unit) = resolver.new_unit(&part).await? {
                successors.push((unit, default));
            }
        }
        // A unit that goes on (a province that kept its code) is not closed.
        if successors.iter().any(|(unit, _)| unit.id == Some(old.id)) {
            continue;
        }
        if let Some(earlier) = closing.iter_mut().find(|c| c.agency.id == old.id) {
            let reason = "named twice: a unit split among several new ones is a division".to_owned();
            resolver.problem(Severity::Warning, &code, reason);
            for (unit, _) in successors {
                if !earlier.successors.iter().any(|(known, _)| known.path == unit.path) {
                    earlier.successors.push((unit, false));
                }
            }
            continue;
        }
        let done = old.valid_to == Some(last);
        if old.valid_to.is_some_and(|day| day != last) {
            let reason =
                format!("closes on {last} in the plan, but it closes on {} already", old.valid_to.unwrap_or(last));
            resolver.problem(Severity::Error, &code, reason);
            continue;
        }
        closing.push(Closing { agency: old, successors, by_address, done });
    }
    let closing_ids: BTreeSet<Uuid> = closing.iter().map(|c| c.agency.id).collect();
    for c in &closing {
        for (unit, _) in &c.successors {
            if unit.id.is_some_and(|id| closing_ids.contains(&id)) {
                let reason = format!("its successor {} ({}) closes too", unit.name, unit.code);
                resolver.problems.push(Problem { severity: Severity::Error, code: c.agency.code.clone(), reason });
            }
        }
    }
    Ok(closing)
}

/// The renames, each with whether it was applied already.
async fn renames(
    resolver: &mut Resolver<'_>,
    plan: &PlanFile,
    closing: &[Closing],
) -> ApiResult<Vec<(agency::Model, String, bool)>> {
    let mut renamed = Vec::new();
    for rename in &plan.renamed {
        let Some(unit) = resolver.new_unit(&rename.code).await? else { continue };
        let Some(id) = unit.id.filter(|id| !closing.iter().any(|c| c.agency.id == *id)) else {
            resolver.problem(
                Severity::Error,
                &rename.code,
                "a renamed unit is one that goes on: it exists and does not close".into(),
            );
            continue;
        };
        let Some(agency) = agency::Entity::find_by_id(id).one(resolver.db).await? else { continue };
        let name = rename.name.trim().to_owned();
        let done = entity::agency_name::Entity::find()
            .filter(entity::agency_name::Column::AgencyId.eq(id))
            .filter(entity::agency_name::Column::ValidFrom.eq(resolver.effective))
            .one(resolver.db)
            .await?
            .is_some_and(|row| row.name == name);
        renamed.push((agency, name, done));
    }
    Ok(renamed)
}

/// Units left open under a closing one: they stay as they are.
async fn open_children(resolver: &mut Resolver<'_>, closing: &[Closing]) -> ApiResult<()> {
    let ids: BTreeSet<Uuid> = closing.iter().map(|c| c.agency.id).collect();
    let parents: Vec<Uuid> = ids.iter().copied().collect();
    for chunk in parents.chunks(500) {
        let children = agency::Entity::find()
            .filter(agency::Column::ParentId.is_in(chunk.iter().copied()))
            .filter(agency::Column::ValidTo.is_null().or(agency::Column::ValidTo.gte(resolver.effective)))
            .all(resolver.db)
            .await?;
        for child in children.into_iter().filter(|child| !ids.contains(&child.id)) {
            let reason = format!("{} is not in the plan: it stays open, under a unit that closes", child.name);
            resolver.problem(Severity::Warning, &child.code, reason);
        }
    }
    Ok(())
}
