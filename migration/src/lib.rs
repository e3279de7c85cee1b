//! Schema migrations of motcua. One file per change, named
//! `mYYYYMMDD_NNNNNN_verb_noun`; each runs on SQLite and on PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_tables;

/// Every migration, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261123_000001_create_tables::Migration)]
    }
}
