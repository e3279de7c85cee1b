//! The report's counters per procedure: `dossier_tally_procedure` (per
//! agency, procedure version and day), `dossier_tally_procedure_month` and
//! `dossier_tally_procedure_total`, folded from the same change rows as the
//! counters per agency — which now carry the dossier's procedure version. The
//! report by procedure or by field reads them instead of the dossiers.

use crate::m20261123_000001_create_tables::{path_column, uuid};
use crate::m20261126_000004_dossier_tally::{counter, COUNTERS};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// A counter table keyed by agency, procedure and `period` (a day, a month,
/// or none for the totals); its path compared byte-wise, as `dossier`'s.
fn counters(backend: DatabaseBackend, table: &str, period: Option<&str>) -> TableCreateStatement {
    let mut create = Table::create();
    create.table(Alias::new(table)).col(uuid(Alias::new("agency_id"))).col(uuid(Alias::new("procedure_id")));
    if let Some(period) = period {
        create.col(ColumnDef::new(Alias::new(period)).date().not_null());
    }
    create.col(path_column(backend, Alias::new("agency_path")));
    for name in COUNTERS {
        create.col(counter(name));
    }
    let mut key = Index::create();
    key.col(Alias::new("agency_id")).col(Alias::new("procedure_id"));
    if let Some(period) = period {
        key.col(Alias::new(period));
    }
    create.primary_key(&mut key);
    create.to_owned()
}

const TABLES: [(&str, Option<&str>); 3] = [
    ("dossier_tally_procedure", Some("day")),
    ("dossier_tally_procedure_month", Some("month")),
    ("dossier_tally_procedure_total", None),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Changes written before this migration have no procedure; the
        // counters are rebuilt from the dossiers after it (`api::db::migrate`).
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("dossier_tally_change"))
                    .add_column(ColumnDef::new(Alias::new("procedure_id")).uuid().null())
                    .to_owned(),
            )
            .await?;
        for (table, period) in TABLES {
            manager.create_table(counters(manager.get_database_backend(), table, period)).await?;
            let mut index = Index::create();
            index.name(format!("{table}_scope")).table(Alias::new(table)).col(Alias::new("agency_path"));
            if let Some(period) = period {
                index.col(Alias::new(period));
            }
            manager.create_index(index.to_owned()).await?;
            if let Some(period) = period {
                // A report over a wide scope reads a few months or days of
                // every agency: by period first.
                let mut index = Index::create();
                index
                    .name(format!("{table}_{period}"))
                    .table(Alias::new(table))
                    .col(Alias::new(period))
                    .col(Alias::new("agency_path"));
                manager.create_index(index.to_owned()).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _) in TABLES.iter().rev() {
            manager.drop_table(Table::drop().table(Alias::new(*table)).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("dossier_tally_change"))
                    .drop_column(Alias::new("procedure_id"))
                    .to_owned(),
            )
            .await
    }
}
