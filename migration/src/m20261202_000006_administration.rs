//! What a province's administration needs: an agency's contact details
//! (`updateAgency`), the audit row's compact before/after of an
//! administrative command, and a procedure version's status (a draft until
//! published; every existing version was published).

use crate::m20261123_000001_create_tables::text_null;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Agency {
    Table,
    Phone,
    Email,
    Address,
}

#[derive(DeriveIden)]
enum Procedure {
    Table,
    Status,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Details,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters a table one change at a time.
        for column in [Agency::Phone, Agency::Email, Agency::Address] {
            let alter = Table::alter().table(Agency::Table).add_column(text_null(column)).to_owned();
            manager.alter_table(alter).await?;
        }
        let alter = Table::alter().table(AuditLog::Table).add_column(text_null(AuditLog::Details)).to_owned();
        manager.alter_table(alter).await?;
        let status = ColumnDef::new(Procedure::Status).string_len(16).not_null().default("PUBLISHED").to_owned();
        manager.alter_table(Table::alter().table(Procedure::Table).add_column(status).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Procedure::Table).drop_column(Procedure::Status).to_owned()).await?;
        for column in [Agency::Phone, Agency::Email, Agency::Address] {
            manager.alter_table(Table::alter().table(Agency::Table).drop_column(column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(AuditLog::Table).drop_column(AuditLog::Details).to_owned()).await
    }
}
