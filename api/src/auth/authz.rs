//! Authorization with casbin: RBAC with domains, a domain being an agency path
//! (`/91/899/`) or a subtree (`/91/*`). Permissions (`p` rules) and role
//! assignments (`g` rules) both live in the database (`casbin_rule`). The
//! permissions of `policies/policy.csv` — the built-in roles — are written
//! into it at every start when missing (so a first start fills it, and a
//! release that adds a permission adds it); roles defined through the API
//! (`defineRole`, `updateRole`) live in the table alone. A built-in role
//! keeps every permission of the file: it can gain permissions, never lose one.

use crate::domain::paths::PathPattern;
use crate::domain::scope::Scope;
use crate::services::lineage::Lineage;
use anyhow::Context;
use casbin::function_map::key_match;
use casbin::{CoreApi, DefaultModel, Enforcer, MgmtApi};
use sea_orm::DatabaseConnection;
use sea_orm_adapter::SeaOrmAdapter;
use std::collections::HashMap;
use tokio::sync::RwLock;

/// The casbin model, compiled into the binary from `policies/model.conf`.
pub(crate) const MODEL: &str = include_str!("../../../policies/model.conf");
/// The default permissions, compiled into the binary from `policies/policy.csv`.
pub(crate) const POLICY: &str = include_str!("../../../policies/policy.csv");

/// A role a user holds over an agency or a subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: String,
    pub pattern: PathPattern,
}

/// The rules as loaded: the enforcer and every user's grants.
struct Loaded {
    enforcer: Enforcer,
    /// Every user's grants (the `g` rules), indexed by user.
    grants: HashMap<String, Vec<Grant>>,
}

/// The loaded enforcer, with what it decided so far.
pub struct Authz {
    loaded: RwLock<Loaded>,
    /// casbin's answers by request (user, path, object, action): the same
    /// request gets the same answer while the rules stay as loaded, and
    /// casbin evaluates its matcher as a script, which every command would
    /// pay for. A reload forgets these and the scopes (while it holds the
    /// rules' write lock, so no answer of the old rules outlives it).
    decisions: std::sync::RwLock<HashMap<String, bool>>,
    /// The scopes worked out so far, by (user, object, action).
    scopes: std::sync::RwLock<HashMap<String, Scope>>,
    /// Who carries on the closed agencies: a grant at an heir reaches its
    /// predecessors too (`services::lineage`).
    lineage: std::sync::RwLock<std::sync::Arc<Lineage>>,
}

/// Most remembered decisions; all are forgotten when it is reached.
const MAX_DECISIONS: usize = 100_000;

impl std::fmt::Debug for Authz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authz")
    }
}

/// Reads the permissions and role assignments from the database.
async fn load(db: &DatabaseConnection) -> anyhow::Result<Loaded> {
    let model = DefaultModel::from_str(MODEL).await.context("reading the casbin model")?;
    let adapter = SeaOrmAdapter::new(db.clone()).await.context("opening the casbin adapter")?;
    let mut enforcer = Enforcer::new(model, adapter).await.context("loading casbin rules")?;
    enforcer.get_role_manager().write().matching_fn(None, Some(key_match));
    enforcer.build_role_links().context("building casbin role links")?;
    // The server writes rules itself, in its own units of writes.
    enforcer.enable_auto_save(false);
    let grants = index_grants(enforcer.get_grouping_policy());
    Ok(Loaded { enforcer, grants })
}

/// A casbin rule: `p, role, object, action` or `g, user, role, domain`.
pub(crate) fn rule(ptype: &str, [v0, v1, v2]: [&str; 3]) -> sea_orm_adapter::entity::ActiveModel {
    use sea_orm::ActiveValue::{NotSet, Set};
    sea_orm_adapter::entity::ActiveModel {
        id: NotSet,
        ptype: Set(ptype.into()),
        v0: Set(v0.into()),
        v1: Set(v1.into()),
        v2: Set(v2.into()),
        v3: Set(String::new()),
        v4: Set(String::new()),
        v5: Set(String::new()),
    }
}

/// Writes the permissions of `policy` that the table lacks (at start, before serving).
async fn fill_permissions(db: &DatabaseConnection, policy: &str) -> anyhow::Result<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use sea_orm_adapter::entity as casbin_rule;
    let present: std::collections::HashSet<(String, String, String)> = casbin_rule::Entity::find()
        .filter(casbin_rule::Column::Ptype.eq("p"))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.v0, r.v1, r.v2))
        .collect();
    let missing: Vec<casbin_rule::ActiveModel> = parse_policy(policy)?
        .into_iter()
        .filter_map(|p| <[String; 3]>::try_from(p).ok())
        .filter(|[role, object, action]| !present.contains(&(role.clone(), object.clone(), action.clone())))
        .map(|[role, object, action]| rule("p", [&role, &object, &action]))
        .collect();
    if !missing.is_empty() {
        tracing::info!(permissions = missing.len(), "writing the permissions of policy.csv");
        casbin_rule::Entity::insert_many(missing).exec(db).await.context("writing the permissions of policy.csv")?;
    }
    Ok(())
}

/// The permissions (role, object, action) of the built-in roles: `policy.csv`'s.
pub(crate) fn built_in_permissions() -> Vec<(String, String, String)> {
    parse_policy(POLICY)
        .expect("policy.csv parses (a unit test checks it)")
        .into_iter()
        .filter_map(|p| <[String; 3]>::try_from(p).ok())
        .map(|[role, object, action]| (role, object, action))
        .collect()
}

impl Authz {
    /// Writes the permissions of `policy` the database lacks, then loads every rule.
    pub async fn load(db: &DatabaseConnection, policy: &str) -> anyhow::Result<Self> {
        fill_permissions(db, policy).await?;
        let loaded = load(db).await?;
        let lineage = std::sync::RwLock::new(std::sync::Arc::new(Lineage::load(db).await?));
        Ok(Self { loaded: RwLock::new(loaded), decisions: Default::default(), scopes: Default::default(), lineage })
    }

    /// Reads the agencies' heirs again (an agency closed or a reorganisation
    /// was applied): the next decision is made with them.
    pub(crate) async fn reload_lineage(&self, db: &DatabaseConnection) -> anyhow::Result<()> {
        let fresh = std::sync::Arc::new(Lineage::load(db).await?);
        let _rules = self.loaded.write().await;
        *self.lineage.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        self.decisions.write().unwrap_or_else(|p| p.into_inner()).clear();
        self.scopes.write().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(())
    }

    /// Who carries on the closed agencies, as last read.
    pub fn lineage(&self) -> std::sync::Arc<Lineage> {
        self.lineage.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Reads the rules again (a grant was given or revoked, here or on another
    /// instance): the next decision is made on them.
    pub(crate) async fn reload(&self, db: &DatabaseConnection) -> anyhow::Result<()> {
        let fresh = load(db).await?;
        let mut loaded = self.loaded.write().await;
        *loaded = fresh;
        self.decisions.write().unwrap_or_else(|p| p.into_inner()).clear();
        self.scopes.write().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(())
    }

    /// Whether `user` may do `action` on `object` in the agency at `path`.
    pub async fn allows(&self, user: &str, path: &str, object: &str, action: &str) -> bool {
        let request = [user, path, object, action].join("\u{1f}");
        if let Some(allowed) = self.decisions.read().unwrap_or_else(|p| p.into_inner()).get(&request) {
            return *allowed;
        }
        let loaded = self.loaded.read().await;
        let enforce = |path: &str| match loaded.enforcer.enforce((user, path, object, action)) {
            Ok(allowed) => allowed,
            Err(error) => {
                tracing::error!(?error, user, path, object, action, "casbin enforce failed");
                false
            }
        };
        // At a closed agency, whoever may do it at its heir may (the archive
        // comes with the merge).
        let allowed = enforce(path) || self.lineage().heir_of(path).is_some_and(enforce);
        let mut decisions = self.decisions.write().unwrap_or_else(|p| p.into_inner());
        if decisions.len() >= MAX_DECISIONS {
            decisions.clear();
        }
        decisions.insert(request, allowed);
        allowed
    }

    /// Every role `user` holds, with where it holds it.
    pub async fn grants(&self, user: &str) -> Vec<Grant> {
        self.loaded.read().await.grants.get(user).cloned().unwrap_or_default()
    }

    /// The most roles one user holds.
    pub async fn most_grants(&self) -> usize {
        self.loaded.read().await.grants.values().map(Vec::len).max().unwrap_or(0)
    }

    /// Every role with its permissions (object, action), by name.
    pub(crate) async fn roles(&self) -> Vec<(String, Vec<(String, String)>)> {
        let mut roles: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
        for rule in self.loaded.read().await.enforcer.get_policy() {
            if let [role, object, action, ..] = rule.as_slice() {
                roles.entry(role.clone()).or_default().push((object.clone(), action.clone()));
            }
        }
        roles.into_iter().collect()
    }

    /// Whether `role` is a role of the policy (it has a permission).
    pub(crate) async fn is_role(&self, role: &str) -> bool {
        self.loaded.read().await.enforcer.get_all_subjects().iter().any(|subject| subject == role)
    }

    /// The agencies where `user` may do `action` on `object`: the union of the
    /// domains of every role that has the permission. The same rules as
    /// [`Authz::allows`], in a form a SQL filter can use.
    pub async fn scope(&self, user: &str, object: &str, action: &str) -> Scope {
        let request = [user, object, action].join("\u{1f}");
        if let Some(scope) = self.scopes.read().unwrap_or_else(|p| p.into_inner()).get(&request) {
            return scope.clone();
        }
        let loaded = self.loaded.read().await;
        let grants = loaded.grants.get(user).cloned().unwrap_or_default();
        let patterns = grants
            .into_iter()
            .filter(|grant| loaded.enforcer.has_policy(vec![grant.role.clone(), object.to_owned(), action.to_owned()]))
            .map(|grant| grant.pattern);
        let scope = self.lineage().extend(Scope::new(patterns));
        let mut scopes = self.scopes.write().unwrap_or_else(|p| p.into_inner());
        if scopes.len() >= MAX_DECISIONS {
            scopes.clear();
        }
        scopes.insert(request, scope.clone());
        scope
    }
}

/// The `g` rules (user, role, domain) by user; a rule whose domain is not a
/// valid path pattern grants nothing.
fn index_grants(rules: Vec<Vec<String>>) -> HashMap<String, Vec<Grant>> {
    let mut grants: HashMap<String, Vec<Grant>> = HashMap::new();
    for rule in rules {
        let [user, role, domain, ..] = rule.as_slice() else { continue };
        if let Some(pattern) = PathPattern::parse(domain) {
            grants.entry(user.clone()).or_default().push(Grant { role: role.clone(), pattern });
        }
    }
    grants
}

/// The `p` rules of a policy file.
fn parse_policy(policy: &str) -> anyhow::Result<Vec<Vec<String>>> {
    policy
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<String> = line.split(',').map(|f| f.trim().to_owned()).collect();
            match fields.as_slice() {
                [p, _, _, _] if p == "p" => Ok(fields[1..].to_vec()),
                _ => anyhow::bail!("policy.csv: expected `p, role, object, action`, found `{line}`"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_parses_and_gives_every_role_something() {
        let rules = parse_policy(POLICY).unwrap();
        for role in ["receiver", "specialist", "leader", "admin", "supervisor", "portal"] {
            assert!(rules.iter().any(|r| r[0] == role), "{role} has no permission");
        }
    }

    #[test]
    fn a_malformed_policy_line_is_an_error() {
        assert!(parse_policy("p, receiver, dossier").is_err());
        assert!(parse_policy("g, alice, receiver, /91/").is_err());
    }
}
