//! What follows from the units a plan closes: the dossiers in flight that
//! move, the grants that move or end, the officials who move and the
//! procedure versions that change publisher or tier.

use super::*;

/// How many dossiers in flight would move from each closing unit to each
/// successor; and the closing units with dossiers in flight and no successor.
pub(super) async fn flows(
    db: &DatabaseConnection,
    closing: &[Closing],
) -> ApiResult<(Vec<Flow>, Vec<(agency::Model, i64)>)> {
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
pub(super) async fn grants(
    db: &DatabaseConnection,
    plan: &PlanFile,
    closing: &[Closing],
) -> ApiResult<Vec<GrantChange>> {
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
pub(super) async fn officials(db: &DatabaseConnection, closing: &[Closing]) -> ApiResult<Vec<OfficialMove>> {
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
pub(super) async fn procedures(
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
