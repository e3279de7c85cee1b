//! The dry run: the plan resolved against the directory as it stands.

use super::file::{GrantRule, PlanFile};
use crate::domain::paths::{child_path, PathPattern};
use crate::error::ApiResult;
use chrono::{Days, NaiveDate};
use entity::{agency, official, procedure, AgencyKind, ProcedureStatus, Tier};
use sea_orm::{ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use sea_orm_adapter::entity as casbin_rule;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

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

/// How many dossiers in flight would move from each closing unit to each
/// successor; and the closing units with dossiers in flight and no successor.
async fn flows(db: &DatabaseConnection, closing: &[Closing]) -> ApiResult<(Vec<Flow>, Vec<(agency::Model, i64)>)> {
    let (mut flows, mut stranded) = (Vec::new(), Vec::new());
    for chunk in closing.chunks(500) {
        // By path: the index every agency's list reads.
        let paths: Vec<String> = chunk.iter().map(|c| c.agency.path.clone()).collect();
        let in_flight: Vec<(Uuid, Option<String>)> = entity::dossier::Entity::find()
            .select_only()
            .column(entity::dossier::Column::AgencyId)
            .column(entity::dossier::Column::ApplicantAddress)
            .filter(entity::dossier::Column::AgencyPath.is_in(paths))
            .filter(entity::dossier::Column::FinishedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        let mut counts: HashMap<(Uuid, String), i64> = HashMap::new();
        for (agency_id, address) in &in_flight {
            let Some(closing) = chunk.iter().find(|c| c.agency.id == *agency_id) else { continue };
            let target = successor_for(closing, address.as_deref()).map_or_else(String::new, |unit| unit.path.clone());
            *counts.entry((*agency_id, target)).or_default() += 1;
        }
        for closing in chunk {
            for (unit, _) in &closing.successors {
                if let Some(dossiers) = counts.remove(&(closing.agency.id, unit.path.clone())) {
                    flows.push(Flow { from: closing.agency.clone(), to: unit.clone(), dossiers });
                }
            }
            if let Some(dossiers) = counts.remove(&(closing.agency.id, String::new())) {
                stranded.push((closing.agency.clone(), dossiers));
            }
        }
    }
    Ok((flows, stranded))
}

/// Where a dossier in flight at `closing` goes: the part its applicant's
/// address names, when the plan says so, else the default successor.
pub(crate) fn successor_for<'a>(closing: &'a Closing, address: Option<&str>) -> Option<&'a Unit> {
    if closing.by_address {
        if let Some(address) = address.map(str::to_lowercase) {
            let named = closing.successors.iter().map(|(unit, _)| unit).find(|unit| names(&unit.name, &address));
            if named.is_some() {
                return named;
            }
        }
    }
    closing.default_successor()
}

/// Whether `address` (lower case) names the unit called `name`: its whole
/// name, or its name without the kind of unit (*Phường*, *Xã*, …).
fn names(name: &str, address: &str) -> bool {
    let name = name.to_lowercase();
    let bare = ["phường ", "xã ", "thị trấn ", "đặc khu "]
        .iter()
        .find_map(|kind| name.strip_prefix(kind))
        .unwrap_or(&name)
        .trim();
    !bare.is_empty() && (address.contains(&name) || address.contains(bare))
}

/// The grants held at closing units, and what the plan makes of them.
async fn grants(db: &DatabaseConnection, plan: &PlanFile, closing: &[Closing]) -> ApiResult<Vec<GrantChange>> {
    let by_path: HashMap<&str, &Closing> = closing.iter().map(|c| (c.agency.path.as_str(), c)).collect();
    let rules = casbin_rule::Entity::find().filter(casbin_rule::Column::Ptype.eq("g")).all(db).await?;
    let mut changes = Vec::new();
    for rule in rules {
        let Some(pattern) = PathPattern::parse(&rule.v2) else { continue };
        let (path, subtree) = match &pattern {
            PathPattern::Agency(path) => (path.as_str(), false),
            PathPattern::Subtree(path) => (path.as_str(), true),
        };
        let Some(closing) = by_path.get(path) else { continue };
        let rule_kind = plan.grant_rule(&rule.v1);
        let to = match rule_kind {
            GrantRule::Move => closing.default_successor().map(|unit| match subtree {
                true => format!("{}*", unit.path),
                false => unit.path.clone(),
            }),
            _ => None,
        };
        let rule_kind = match (rule_kind, &to) {
            (GrantRule::Move, None) => GrantRule::End,
            (kind, _) => kind,
        };
        changes.push(GrantChange {
            rule_id: rule.id,
            username: rule.v0,
            role: rule.v1,
            domain: rule.v2,
            rule: rule_kind,
            to,
        });
    }
    Ok(changes)
}

/// The officials who work at a closing unit with a successor.
async fn officials(db: &DatabaseConnection, closing: &[Closing]) -> ApiResult<Vec<OfficialMove>> {
    let mut moves = Vec::new();
    for chunk in closing.chunks(500) {
        let ids: Vec<Uuid> = chunk.iter().map(|c| c.agency.id).collect();
        let officials = official::Entity::find().filter(official::Column::AgencyId.is_in(ids)).all(db).await?;
        for official in officials {
            let successor =
                chunk.iter().find(|c| c.agency.id == official.agency_id).and_then(Closing::default_successor);
            if let Some(to) = successor {
                moves.push(OfficialMove { to: to.clone(), official });
            }
        }
    }
    Ok(moves)
}

/// The versions in force on the effective date that change publisher or tier.
async fn procedures(
    resolver: &mut Resolver<'_>,
    plan: &PlanFile,
    closing: &[Closing],
    provinces: &[String],
) -> ApiResult<Vec<ProcedureChange>> {
    let mut tiers: HashMap<Tier, Tier> = HashMap::new();
    for (from, to) in &plan.tiers {
        match (Tier::try_from_value(from), Tier::try_from_value(to)) {
            (Ok(from), Ok(to)) => {
                tiers.insert(from, to);
            }
            _ => resolver.problem(
                Severity::Error,
                from,
                format!("`{from}` → `{to}`: tiers are PROVINCE, DISTRICT, COMMUNE"),
            ),
        }
    }
    let by_id: HashMap<Uuid, &Closing> = closing.iter().map(|c| (c.agency.id, c)).collect();
    let effective = resolver.effective;
    let versions = procedure::Entity::find()
        .filter(procedure::Column::ProvinceCode.is_in(provinces.iter().cloned()))
        .filter(procedure::Column::Status.eq(ProcedureStatus::Published))
        .filter(procedure::Column::IsCurrent.eq(true))
        .filter(procedure::Column::EffectiveTo.is_null().or(procedure::Column::EffectiveTo.gte(effective)))
        .all(resolver.db)
        .await?;
    let published: BTreeSet<(String, String)> =
        versions.iter().map(|v| (v.agency_path.clone(), v.code.clone())).collect();
    let mut changes = Vec::new();
    for version in versions {
        let publisher = by_id.get(&version.agency_id).and_then(|c| c.default_successor()).cloned();
        let tier = tiers.get(&version.tier).copied().filter(|tier| *tier != version.tier);
        if publisher.is_none() && tier.is_none() {
            continue;
        }
        let retire =
            publisher.as_ref().is_some_and(|unit| published.contains(&(unit.path.clone(), version.code.clone())));
        changes.push(ProcedureChange { version, publisher, tier, retire });
    }
    Ok(changes)
}
