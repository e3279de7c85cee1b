//! The report's counters: `dossier_tally` (per agency and day),
//! `dossier_tally_month` (per agency and month), `dossier_tally_total` (per
//! agency, all days), the insert-only
//! `dossier_tally_change` that PostgreSQL's commands write and a background
//! task folds into both, and partial indexes of the pending dossiers (the
//! report counts those due today live).

use crate::m20261123_000001_create_tables::{text, uuid};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The counters, in the order of both tables.
pub(crate) const COUNTERS: [Tally; 16] = [
    Tally::EnteredOnline,
    Tally::EnteredDirect,
    Tally::EnteredPostal,
    Tally::ResolvedEarly,
    Tally::ResolvedOnTime,
    Tally::ResolvedLate,
    Tally::Withdrawn,
    Tally::Refused,
    Tally::Stopped,
    Tally::OverdueFrom,
    Tally::OverdueUntil,
    Tally::EndedOverdue,
    Tally::EnteredDigitized,
    Tally::EnteredFeeBearing,
    Tally::EnteredPaidOnline,
    Tally::ResolvedResultDigitized,
];

pub(crate) fn counter(name: Tally) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.integer().not_null().default(0);
    column
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut tally = Table::create();
        tally
            .table(DossierTally::Table)
            .col(uuid(Tally::AgencyId))
            .col(ColumnDef::new(Tally::Day).date().not_null())
            .col(text(Tally::AgencyPath));
        for name in COUNTERS {
            tally.col(counter(name));
        }
        tally.primary_key(Index::create().col(Tally::AgencyId).col(Tally::Day));
        manager.create_table(tally.to_owned()).await?;
        for (name, columns) in
            [("dossier_tally_scope", ["agency_path", "day"]), ("dossier_tally_day", ["day", "agency_path"])]
        {
            let mut index = Index::create();
            index.name(name).table(DossierTally::Table);
            for column in columns {
                index.col(Alias::new(column));
            }
            manager.create_index(index.to_owned()).await?;
        }

        // No key and no index: a command's insert is a heap append, and a
        // fold takes every row.
        let mut change = Table::create();
        change
            .table(DossierTallyChange::Table)
            .col(uuid(Tally::AgencyId))
            .col(ColumnDef::new(Tally::Day).date().not_null())
            .col(text(Tally::AgencyPath));
        for name in COUNTERS {
            change.col(counter(name));
        }
        manager.create_table(change.to_owned()).await?;

        let mut month = Table::create();
        month
            .table(DossierTallyMonth::Table)
            .col(uuid(Tally::AgencyId))
            .col(ColumnDef::new(Tally::Month).date().not_null())
            .col(text(Tally::AgencyPath));
        for name in COUNTERS {
            month.col(counter(name));
        }
        month.primary_key(Index::create().col(Tally::AgencyId).col(Tally::Month));
        manager.create_table(month.to_owned()).await?;
        let mut index = Index::create();
        index
            .name("dossier_tally_month_scope")
            .table(DossierTallyMonth::Table)
            .col(Tally::AgencyPath)
            .col(Tally::Month);
        manager.create_index(index.to_owned()).await?;

        let mut total = Table::create();
        total.table(DossierTallyTotal::Table).col(uuid(Tally::AgencyId).primary_key()).col(text(Tally::AgencyPath));
        for name in COUNTERS {
            total.col(counter(name));
        }
        manager.create_table(total.to_owned()).await?;

        for name in ["dossier_pending", "dossier_pending_due"] {
            let index = crate::BULK_INDEXES.iter().find(|index| index.name == name).expect("listed");
            manager.get_connection().execute_unprepared(&index.create_sql()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS dossier_pending").await?;
        manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS dossier_pending_due").await?;
        manager.drop_table(Table::drop().table(DossierTallyTotal::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(DossierTallyMonth::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(DossierTallyChange::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(DossierTally::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DossierTally {
    Table,
}

#[derive(DeriveIden)]
enum DossierTallyChange {
    Table,
}

#[derive(DeriveIden)]
enum DossierTallyTotal {
    Table,
}

#[derive(DeriveIden)]
enum DossierTallyMonth {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Tally {
    AgencyId,
    Day,
    Month,
    AgencyPath,
    EnteredOnline,
    EnteredDirect,
    EnteredPostal,
    ResolvedEarly,
    ResolvedOnTime,
    ResolvedLate,
    Withdrawn,
    Refused,
    Stopped,
    OverdueFrom,
    OverdueUntil,
    EndedOverdue,
    EnteredDigitized,
    EnteredFeeBearing,
    EnteredPaidOnline,
    ResolvedResultDigitized,
}
