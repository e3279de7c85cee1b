//! Which agency carries on a closed one: its **heir**, reached by following
//! default successors (`agency_successor.is_default`) to an agency that has
//! none. The archive comes with a merge: whoever may act in the heir may act
//! on what its predecessors left (their finished dossiers, their reports),
//! while a grant at a closed agency keeps its history and reaches nothing
//! new. Loaded whole (a province has a few hundred closed units, the country
//! some eleven thousand) and again whenever an agency changes.

use crate::domain::paths::PathPattern;
use crate::domain::scope::Scope;
use entity::{agency, agency_successor};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A closed agency and where its counting goes on.
#[derive(Debug, Clone)]
struct Closed {
    path: String,
    /// Every heir of it and of the closed agencies below it.
    heirs: Vec<String>,
    /// Whether it has agencies below and every one is closed too (its
    /// subtree can be handed on as one pattern).
    all_closed_below: bool,
}

/// The heirs of the closed agencies, by path.
#[derive(Debug, Clone, Default)]
pub struct Lineage {
    /// Closed agencies with an heir, in path order.
    closed: BTreeMap<String, Closed>,
    /// The heir's path of each closed agency that has one.
    heir_of: HashMap<String, String>,
}

impl Lineage {
    /// Reads the directory and its successors.
    pub async fn load(db: &DatabaseConnection) -> Result<Self, sea_orm::DbErr> {
        let agencies = agency::Entity::find().all(db).await?;
        let successors = agency_successor::Entity::find().all(db).await?;
        Ok(Self::of(&agencies, &successors))
    }

    /// The lineage of these agencies.
    pub fn of(agencies: &[agency::Model], successors: &[agency_successor::Model]) -> Self {
        let by_id: HashMap<Uuid, &agency::Model> = agencies.iter().map(|a| (a.id, a)).collect();
        let mut default: HashMap<Uuid, Uuid> = HashMap::new();
        for successor in successors.iter().filter(|s| s.is_default) {
            default.insert(successor.agency_id, successor.successor_id);
        }
        // Successors of a merge are never a cycle; a bad row must not hang the server.
        let heir = |start: Uuid| {
            let mut at = start;
            for _ in 0..16 {
                match default.get(&at) {
                    Some(next) => at = *next,
                    None => break,
                }
            }
            (at != start).then(|| by_id.get(&at).map(|a| a.path.clone())).flatten()
        };
        let mut heir_of = HashMap::new();
        for agency in agencies.iter().filter(|a| a.valid_to.is_some()) {
            if let Some(path) = heir(agency.id) {
                heir_of.insert(agency.path.clone(), path);
            }
        }
        let mut sorted: Vec<&agency::Model> = agencies.iter().collect();
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        let mut closed: BTreeMap<String, Closed> = BTreeMap::new();
        for (index, agency) in sorted.iter().enumerate() {
            let Some(own) = heir_of.get(&agency.path) else { continue };
            let below = sorted[index + 1..].iter().take_while(|b| b.path.starts_with(agency.path.as_str()));
            let mut heirs = vec![own.clone()];
            let mut all_closed_below = true;
            let mut any_below = false;
            for descendant in below {
                any_below = true;
                match heir_of.get(&descendant.path) {
                    Some(path) => heirs.push(path.clone()),
                    None => all_closed_below = false,
                }
            }
            heirs.sort();
            heirs.dedup();
            let all_closed_below = all_closed_below && any_below;
            closed.insert(agency.path.clone(), Closed { path: agency.path.clone(), heirs, all_closed_below });
        }
        Self { closed, heir_of }
    }

    /// The paths of the closed agencies that have an heir.
    pub fn closed_paths(&self) -> impl Iterator<Item = &str> {
        self.heir_of.keys().map(String::as_str)
    }

    /// The path of the agency that carries on the closed one at `path`.
    pub fn heir_of(&self, path: &str) -> Option<&str> {
        self.heir_of.get(path).map(String::as_str)
    }

    /// `scope` with what its agencies inherited: every closed agency whose
    /// heir is in it (a whole closed subtree as one pattern when all its
    /// heirs are).
    pub fn extend(&self, scope: Scope) -> Scope {
        if self.closed.is_empty() || scope.is_empty() {
            return scope;
        }
        let mut added: Vec<PathPattern> = Vec::new();
        let mut skip_below: Option<&str> = None;
        for closed in self.closed.values() {
            if skip_below.is_some_and(|above| closed.path.starts_with(above)) {
                continue;
            }
            skip_below = None;
            if scope.contains(&closed.path) {
                continue;
            }
            if closed.all_closed_below && closed.heirs.iter().all(|heir| scope.contains(heir)) {
                added.push(PathPattern::Subtree(closed.path.clone()));
                skip_below = Some(&closed.path);
            } else if scope.contains(&self.heir_of[&closed.path]) {
                added.push(PathPattern::Agency(closed.path.clone()));
            }
        }
        match added.is_empty() {
            true => scope,
            false => Scope::new(scope.patterns().iter().cloned().chain(added)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use entity::AgencyKind;

    fn agency(id: u128, path: &str, closed: bool) -> agency::Model {
        agency::Model {
            id: Uuid::from_u128(id),
            code: path.trim_matches('/').rsplit('/').next().unwrap_or_default().to_owned(),
            name: path.to_owned(),
            kind: AgencyKind::Commune,
            parent_id: None,
            path: path.to_owned(),
            province_code: "91".into(),
            valid_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            valid_to: closed.then(|| NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()),
            phone: None,
            email: None,
            address: None,
            created_at: chrono::Utc::now(),
        }
    }

    fn successor(from: u128, to: u128, is_default: bool) -> agency_successor::Model {
        agency_successor::Model { agency_id: Uuid::from_u128(from), successor_id: Uuid::from_u128(to), is_default }
    }

    fn scope(domains: &[&str]) -> Scope {
        Scope::new(domains.iter().map(|d| PathPattern::parse(d).unwrap()))
    }

    #[test]
    fn a_successor_inherits_its_predecessors_and_a_closed_grant_nothing_new() {
        let agencies = [
            agency(1, "/91/", false),
            agency(2, "/91/899/", true),
            agency(3, "/91/899/30733/", true),
            agency(4, "/91/899/30736/", true),
            agency(5, "/91/30742/", false),
            agency(6, "/91/30745/", false),
            agency(7, "/89/", true),
            agency(8, "/89/883/", true),
            agency(9, "/89/883/30280/", true),
        ];
        let successors = [
            successor(2, 5, true),
            successor(3, 5, true),
            // Divided: the default successor takes the history.
            successor(4, 5, false),
            successor(4, 6, true),
            successor(7, 1, true),
            successor(8, 1, true),
            successor(9, 6, true),
        ];
        let lineage = Lineage::of(&agencies, &successors);
        assert_eq!(lineage.heir_of("/91/899/30736/"), Some("/91/30745/"));
        assert_eq!(lineage.heir_of("/91/30742/"), None);
        assert_eq!(lineage.extend(scope(&["/91/30742/"])), scope(&["/91/30742/", "/91/899/", "/91/899/30733/"]));
        assert_eq!(lineage.extend(scope(&["/91/30745/"])), scope(&["/91/30745/", "/89/883/30280/", "/91/899/30736/"]));
        // The whole old province, its heirs all in the new one, as one pattern.
        assert_eq!(lineage.extend(scope(&["/91/*"])), scope(&["/91/*", "/89/*"]));
        // A grant kept at the closed province reaches nothing more.
        assert_eq!(lineage.extend(scope(&["/89/*"])), scope(&["/89/*"]));
    }
}
