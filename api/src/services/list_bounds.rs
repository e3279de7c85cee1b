//! How long the lists the API returns whole (not in pages) can be, read off
//! the data: the most children an agency has (and the most grandchildren
//! and great-grandchildren, for `children { children }`), the number of fields and of
//! procedure versions, the most steps and required documents a procedure
//! has, the most roles an official holds. A query's cost is counted with
//! them before it runs (`graphql::cost`), so that `children { children }`
//! costs what it can really return. They are read at start and again every
//! [`REFRESH_EVERY`]; between two readings a list may outgrow its bound by
//! what was added meanwhile, which the response's size limit still catches.

use crate::error::ApiResult;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often the bounds are read again.
pub(crate) const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// Most documents one dossier may hold (`attachDocument` refuses more).
pub(crate) const DOCUMENTS_PER_DOSSIER: u64 = 100;
/// Most slip entries `trackDossier` returns (the latest ones).
pub(crate) const TRACKED_STEPS: u64 = 1_000;
/// The most notices one dossier can have had: two channels for each slip
/// entry that sends one, as many as the documents bound (a dossier's life
/// has a few dozen entries).
pub(crate) const NOTICES_PER_DOSSIER: u64 = 2 * DOCUMENTS_PER_DOSSIER;
/// Most client secrets listed for one service account.
pub(crate) const CLIENT_SECRETS: u64 = 20;
/// Longest report period in months (twenty years and a cut month).
pub(crate) const REPORT_MONTHS: u64 = 241;

/// How many levels below an agency [`ListBounds::descendants`] counts.
pub(crate) const TREE_LEVELS: usize = 3;

/// The current bounds; every one at least 1.
#[derive(Debug)]
pub struct ListBounds {
    /// The most descendants of one agency one, two and three levels down.
    descendants: [AtomicU64; TREE_LEVELS],
    fields: AtomicU64,
    procedure_versions: AtomicU64,
    versions_per_procedure: AtomicU64,
    steps: AtomicU64,
    required_documents: AtomicU64,
    roles: AtomicU64,
    defined_roles: AtomicU64,
    permissions: AtomicU64,
    successors: AtomicU64,
    predecessors: AtomicU64,
    names: AtomicU64,
}

impl Default for ListBounds {
    /// Generous bounds for a schema built without data (`motcua schema`, unit tests).
    fn default() -> Self {
        Self {
            descendants: [AtomicU64::new(100), AtomicU64::new(100 * 100), AtomicU64::new(100 * 100 * 100)],
            fields: AtomicU64::new(100),
            procedure_versions: AtomicU64::new(1_000),
            versions_per_procedure: AtomicU64::new(20),
            steps: AtomicU64::new(20),
            required_documents: AtomicU64::new(30),
            roles: AtomicU64::new(20),
            defined_roles: AtomicU64::new(50),
            permissions: AtomicU64::new(50),
            successors: AtomicU64::new(20),
            predecessors: AtomicU64::new(100),
            names: AtomicU64::new(20),
        }
    }
}

impl ListBounds {
    /// The default bounds with a tree of these widths one, two and three levels down.
    #[cfg(test)]
    pub(crate) fn with_tree(children: u64, grandchildren: u64, great_grandchildren: u64) -> Self {
        let bounds = Self::default();
        bounds.store_tree([children, grandchildren, great_grandchildren]);
        bounds
    }

    /// The most children of one agency.
    pub fn children(&self) -> u64 {
        self.descendants(1)
    }
    /// The most descendants of one agency `level` levels down (1: its
    /// children, up to [`TREE_LEVELS`]): a tree whose province has many
    /// communes but whose communes have no children costs what it holds,
    /// not the square of its widest level.
    pub fn descendants(&self, level: usize) -> u64 {
        match level {
            0 => 1,
            _ => self.descendants[level.min(TREE_LEVELS) - 1].load(Ordering::Relaxed),
        }
    }

    /// Stores the most descendants one, two and three levels down.
    fn store_tree(&self, widths: [u64; TREE_LEVELS]) {
        for (bound, width) in self.descendants.iter().zip(widths) {
            bound.store(width, Ordering::Relaxed);
        }
    }

    /// The number of fields (*lĩnh vực*).
    pub fn fields(&self) -> u64 {
        self.fields.load(Ordering::Relaxed)
    }
    /// The number of procedure versions.
    pub fn procedure_versions(&self) -> u64 {
        self.procedure_versions.load(Ordering::Relaxed)
    }
    /// The most versions of one procedure (a code from one publisher).
    pub fn versions_per_procedure(&self) -> u64 {
        self.versions_per_procedure.load(Ordering::Relaxed)
    }
    /// The most steps of one procedure version.
    pub fn steps(&self) -> u64 {
        self.steps.load(Ordering::Relaxed)
    }
    /// The most documents one procedure version requires.
    pub fn required_documents(&self) -> u64 {
        self.required_documents.load(Ordering::Relaxed)
    }
    /// The most roles one official holds.
    pub fn roles(&self) -> u64 {
        self.roles.load(Ordering::Relaxed)
    }

    /// The number of roles.
    pub fn defined_roles(&self) -> u64 {
        self.defined_roles.load(Ordering::Relaxed)
    }
    /// The most permissions of one role.
    pub fn permissions(&self) -> u64 {
        self.permissions.load(Ordering::Relaxed)
    }

    /// The most successors of one agency (the parts of a division).
    pub fn successors(&self) -> u64 {
        self.successors.load(Ordering::Relaxed)
    }

    /// The most predecessors of one agency (the units merged into it).
    pub fn predecessors(&self) -> u64 {
        self.predecessors.load(Ordering::Relaxed)
    }

    /// The most names one agency bore.
    pub fn names(&self) -> u64 {
        self.names.load(Ordering::Relaxed)
    }

    /// Reads the bounds of casbin's rules: the most grants of one official,
    /// how many roles there are, the most permissions of one.
    pub(crate) async fn note_rules(&self, authz: &crate::auth::Authz) {
        let roles = authz.roles().await;
        let most_permissions = roles.iter().map(|(_, permissions)| permissions.len()).max().unwrap_or(0);
        self.roles.store((authz.most_grants().await as u64).max(1), Ordering::Relaxed);
        self.defined_roles.store((roles.len() as u64).max(1), Ordering::Relaxed);
        self.permissions.store((most_permissions as u64).max(1), Ordering::Relaxed);
    }

    /// Reads the bounds off the database.
    pub async fn refresh(&self, db: &DatabaseConnection) -> ApiResult<()> {
        let read = |sql: &'static str| async move {
            let statement = Statement::from_string(db.get_database_backend(), sql);
            let row = db.query_one(statement).await?;
            let value: Option<i64> = match row {
                Some(row) => row.try_get_by_index(0)?,
                None => None,
            };
            ApiResult::Ok(value.unwrap_or(0).max(1) as u64)
        };
        let children = read(
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM agency WHERE parent_id IS NOT NULL GROUP BY parent_id) c",
        )
        .await?;
        let grandchildren = read(
            "SELECT MAX(n) FROM (SELECT p.parent_id, COUNT(*) AS n FROM agency c \
             JOIN agency p ON c.parent_id = p.id WHERE p.parent_id IS NOT NULL GROUP BY p.parent_id) g",
        )
        .await?;
        let great_grandchildren = read(
            "SELECT MAX(n) FROM (SELECT g.parent_id, COUNT(*) AS n FROM agency c \
             JOIN agency p ON c.parent_id = p.id JOIN agency g ON p.parent_id = g.id \
             WHERE g.parent_id IS NOT NULL GROUP BY g.parent_id) gg",
        )
        .await?;
        let fields = read("SELECT COUNT(*) FROM field").await?;
        let versions = read("SELECT COUNT(*) FROM procedure").await?;
        let per_procedure =
            read("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM procedure GROUP BY code, agency_id) v").await?;
        let steps =
            read("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM procedure_step GROUP BY procedure_id) s").await?;
        let documents =
            read("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM procedure_document GROUP BY procedure_id) d").await?;
        let successors =
            read("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM agency_successor GROUP BY agency_id) s").await?;
        let predecessors =
            read("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM agency_successor GROUP BY successor_id) p").await?;
        let names = read("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM agency_name GROUP BY agency_id) n").await?;
        self.successors.store(successors, Ordering::Relaxed);
        self.predecessors.store(predecessors, Ordering::Relaxed);
        self.names.store(names, Ordering::Relaxed);
        self.store_tree([children, grandchildren, great_grandchildren]);
        self.fields.store(fields, Ordering::Relaxed);
        self.procedure_versions.store(versions, Ordering::Relaxed);
        self.versions_per_procedure.store(per_procedure, Ordering::Relaxed);
        self.steps.store(steps, Ordering::Relaxed);
        self.required_documents.store(documents, Ordering::Relaxed);
        Ok(())
    }
}

/// Reads the bounds again every [`REFRESH_EVERY`] while the state lives.
pub(crate) fn spawn_refreshing(state: Weak<crate::state::AppState>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(REFRESH_EVERY);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let Some(state) = state.upgrade() else { return };
            let state: Arc<_> = state;
            state.list_bounds.note_rules(&state.authz).await;
            if let Err(error) = state.list_bounds.refresh(&state.db).await {
                tracing::warn!(?error, "reading the list bounds failed; the previous ones stay");
            }
        }
    });
}
