//! Schema migrations of motcua. One file per change, named
//! `mYYYYMMDD_NNNNNN_verb_noun`; each runs on SQLite and on PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_tables;
mod m20261124_000002_dossier_commands;
mod m20261125_000003_write_guard;
mod m20261126_000004_dossier_tally;
mod m20261127_000005_procedure_tally;
mod m20261202_000006_administration;
mod m20261203_000007_reorganisation;
mod m20261204_000008_outbox;
mod m20261206_000009_portal_sync;
mod m20261206_000010_notice_templates;
mod m20261206_000011_client_limits;
mod m20261206_000012_dossier_move_by_dossier;

/// A secondary index of one of the two big tables, which a bulk load may drop
/// and rebuild afterwards: building an index once over sorted data is far
/// cheaper than maintaining it row by row.
#[derive(Debug, Clone, Copy)]
pub struct BulkIndex {
    pub table: &'static str,
    pub name: &'static str,
    pub columns: &'static [&'static str],
    /// A partial index's condition.
    pub predicate: Option<&'static str>,
}

impl BulkIndex {
    /// `CREATE INDEX IF NOT EXISTS …`, the same on SQLite and PostgreSQL.
    pub fn create_sql(&self) -> String {
        let mut sql =
            format!("CREATE INDEX IF NOT EXISTS {} ON {} ({})", self.name, self.table, self.columns.join(", "));
        if let Some(predicate) = self.predicate {
            sql.push_str(" WHERE ");
            sql.push_str(predicate);
        }
        sql
    }
}

const fn index(table: &'static str, name: &'static str, columns: &'static [&'static str]) -> BulkIndex {
    BulkIndex { table, name, columns, predicate: None }
}

/// The condition of a dossier that another agency than the receiving one
/// holds (*liên thông*); the receiving agency keeps sight of those. A column
/// rather than `receiving_agency_id <> agency_id`, whose rarity no planner
/// can estimate.
pub const TRANSFERRED: &str = "transferred";

/// The condition of a dossier the report counts as pending now: taken in
/// (received) and not finished. Few of a province's millions are.
pub const PENDING: &str = "finished_at IS NULL AND received_at IS NOT NULL";

/// The secondary indexes of `dossier` and `dossier_event`. The list queries
/// use them: an agency's dossiers newest first (a subtree's by range), the
/// whole province newest first, the dossiers a receiving agency transferred,
/// the deadline views, the report's pending dossiers, and a dossier's slip.
pub const BULK_INDEXES: &[BulkIndex] = &[
    index("dossier", "dossier_scope_filed", &["agency_path", "filed_at", "id"]),
    index("dossier", "dossier_filed", &["filed_at", "id"]),
    BulkIndex {
        table: "dossier",
        name: "dossier_transferred_filed",
        columns: &["receiving_agency_path", "filed_at", "id"],
        predicate: Some(TRANSFERRED),
    },
    index("dossier", "dossier_scope_due", &["agency_path", "due_at", "id"]),
    index("dossier", "dossier_scope_status", &["agency_path", "status", "due_at"]),
    index("dossier", "dossier_procedure", &["procedure_id"]),
    index("dossier", "dossier_assignee", &["assignee_id"]),
    BulkIndex {
        table: "dossier",
        name: "dossier_pending",
        columns: &["agency_path", "due_at"],
        predicate: Some(PENDING),
    },
    BulkIndex {
        table: "dossier",
        name: "dossier_pending_due",
        columns: &["due_at", "agency_path"],
        predicate: Some(PENDING),
    },
    index("dossier_event", "dossier_event_dossier", &["dossier_id", "created_at", "id"]),
];

/// The foreign keys of the two big tables as PostgreSQL names them (table,
/// constraint, column, referenced table), which a bulk load on PostgreSQL may
/// drop and re-add afterwards. A test checks the list against the database.
pub const BULK_FOREIGN_KEYS: &[(&str, &str, &str, &str)] = &[
    ("dossier", "dossier_procedure_id_fkey", "procedure_id", "procedure"),
    ("dossier", "dossier_agency_id_fkey", "agency_id", "agency"),
    ("dossier", "dossier_receiving_agency_id_fkey", "receiving_agency_id", "agency"),
    ("dossier", "dossier_competent_agency_id_fkey", "competent_agency_id", "agency"),
    ("dossier", "dossier_assignee_id_fkey", "assignee_id", "official"),
    ("dossier_event", "dossier_event_dossier_id_fkey", "dossier_id", "dossier"),
];

/// Every migration, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_tables::Migration),
            Box::new(m20261124_000002_dossier_commands::Migration),
            Box::new(m20261125_000003_write_guard::Migration),
            Box::new(m20261126_000004_dossier_tally::Migration),
            Box::new(m20261127_000005_procedure_tally::Migration),
            Box::new(m20261202_000006_administration::Migration),
            Box::new(m20261203_000007_reorganisation::Migration),
            Box::new(m20261204_000008_outbox::Migration),
            Box::new(m20261206_000009_portal_sync::Migration),
            Box::new(m20261206_000010_notice_templates::Migration),
            Box::new(m20261206_000011_client_limits::Migration),
            Box::new(m20261206_000012_dossier_move_by_dossier::Migration),
        ]
    }
}
