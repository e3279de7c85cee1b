//! What the 2025 reorganisation needs: an agency's code names it only over
//! its life (a later unit may reuse it: its path differs), its former names,
//! the moves of a dossier carried to a successor (on the dossier, and one
//! row each, which a report reads to leave out the moves within what it
//! counts), the counters of dossiers moved in and out, and the
//! reorganisation plans applied.

use crate::m20261123_000001_create_tables::{text, text_null, time, time_null, uuid};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum AgencyName {
    Table,
    AgencyId,
    ValidFrom,
    Name,
}

#[derive(DeriveIden)]
enum Agency {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Dossier {
    Table,
    Moves,
}

#[derive(DeriveIden)]
enum Reorganization {
    Table,
    Id,
    EffectiveOn,
    Decision,
    Digest,
    Plan,
    State,
    CreatedBy,
    CreatedAt,
    AppliedAt,
    Summary,
}

#[derive(DeriveIden)]
enum DossierMove {
    Table,
    Id,
    DossierId,
    ProcedureId,
    Day,
    FromPath,
    ToPath,
}

#[derive(DeriveIden)]
enum Tally {
    MovedIn,
    MovedOut,
}

/// Every table of counters, the changes not yet folded included.
const COUNTER_TABLES: [&str; 7] = [
    "dossier_tally",
    "dossier_tally_change",
    "dossier_tally_month",
    "dossier_tally_total",
    "dossier_tally_procedure",
    "dossier_tally_procedure_month",
    "dossier_tally_procedure_total",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_codes_not_unique(manager).await?,
            _ => {
                let db = manager.get_connection();
                db.execute_unprepared("ALTER TABLE agency DROP CONSTRAINT IF EXISTS agency_code_key").await?;
            }
        }
        let code = Index::create().name("agency_code").table(Agency::Table).col(Alias::new("code")).to_owned();
        manager.create_index(code).await?;
        let names = Table::create()
            .table(AgencyName::Table)
            .col(uuid(AgencyName::AgencyId))
            .col(ColumnDef::new(AgencyName::ValidFrom).date().not_null())
            .col(text(AgencyName::Name))
            .primary_key(Index::create().col(AgencyName::AgencyId).col(AgencyName::ValidFrom))
            .foreign_key(
                ForeignKey::create().from(AgencyName::Table, AgencyName::AgencyId).to(Agency::Table, Agency::Id),
            )
            .to_owned();
        manager.create_table(names).await?;
        let moves = Table::alter().table(Dossier::Table).add_column(text_null(Dossier::Moves)).to_owned();
        manager.alter_table(moves).await?;
        for table in COUNTER_TABLES {
            for column in [Tally::MovedIn, Tally::MovedOut] {
                let alter = Table::alter().table(Alias::new(table)).add_column(counter_of(column)).to_owned();
                manager.alter_table(alter).await?;
            }
        }
        let plans = Table::create()
            .table(Reorganization::Table)
            .col(uuid(Reorganization::Id).primary_key())
            .col(ColumnDef::new(Reorganization::EffectiveOn).date().not_null())
            .col(text(Reorganization::Decision))
            .col(text(Reorganization::Digest).unique_key())
            .col(text(Reorganization::Plan))
            .col(text(Reorganization::State))
            .col(text(Reorganization::CreatedBy))
            .col(time(Reorganization::CreatedAt))
            .col(time_null(Reorganization::AppliedAt))
            .col(text_null(Reorganization::Summary))
            .to_owned();
        manager.create_table(plans).await?;
        let moves = Table::create()
            .table(DossierMove::Table)
            .col(uuid(DossierMove::Id).primary_key())
            .col(uuid(DossierMove::DossierId))
            .col(uuid(DossierMove::ProcedureId))
            .col(ColumnDef::new(DossierMove::Day).date().not_null())
            .col(text(DossierMove::FromPath))
            .col(text(DossierMove::ToPath))
            .to_owned();
        manager.create_table(moves).await?;
        let by_day =
            Index::create().name("dossier_move_day").table(DossierMove::Table).col(DossierMove::Day).to_owned();
        manager.create_index(by_day).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DossierMove::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Reorganization::Table).to_owned()).await?;
        for table in COUNTER_TABLES {
            for column in [Tally::MovedIn, Tally::MovedOut] {
                manager.alter_table(Table::alter().table(Alias::new(table)).drop_column(column).to_owned()).await?;
            }
        }
        manager.alter_table(Table::alter().table(Dossier::Table).drop_column(Dossier::Moves).to_owned()).await?;
        manager.drop_table(Table::drop().table(AgencyName::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("agency_code").table(Agency::Table).to_owned()).await
    }
}

fn counter_of(name: Tally) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.integer().not_null().default(0);
    column
}

/// SQLite cannot drop a column's `UNIQUE`: the table is built again without
/// it, in one transaction whose foreign keys are checked at its end (the
/// rows come back with the same ids, so every reference holds again).
async fn sqlite_codes_not_unique(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let read = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql.to_owned());
    let row = db
        .query_one(read("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'agency'"))
        .await?
        .ok_or_else(|| DbErr::Migration("no agency table".into()))?;
    let create: String = row.try_get("", "sql")?;
    let without = not_unique(&create, "\"code\" ")
        .ok_or_else(|| DbErr::Migration(format!("agency's code is not declared as expected: {create}")))?;
    let indexes = db
        .query_all(read(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'agency' AND sql IS NOT NULL",
        ))
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "sql"))
        .collect::<Result<Vec<_>, _>>()?;
    let transaction = db.begin().await?;
    transaction.execute_unprepared("PRAGMA defer_foreign_keys = ON").await?;
    transaction.execute_unprepared("CREATE TABLE agency_copy AS SELECT * FROM agency").await?;
    transaction.execute_unprepared("DROP TABLE agency").await?;
    transaction.execute_unprepared(&without).await?;
    transaction.execute_unprepared("INSERT INTO agency SELECT * FROM agency_copy").await?;
    transaction.execute_unprepared("DROP TABLE agency_copy").await?;
    for index in indexes {
        transaction.execute_unprepared(&index).await?;
    }
    transaction.commit().await
}

/// `create` with the `UNIQUE` of the column that `column` begins dropped;
/// `None` if there is none.
fn not_unique(create: &str, column: &str) -> Option<String> {
    let start = create.find(column)?;
    let end = start + create[start..].find([',', ')'])?;
    let definition = &create[start..end];
    let unique = definition.find(" UNIQUE")?;
    Some(format!("{}{}", &create[..start + unique], &create[start + unique + " UNIQUE".len()..]))
}
