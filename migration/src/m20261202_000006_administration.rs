//! What a province's administration needs: an agency's contact details
//! (`updateAgency`) and the audit row's compact before/after of an
//! administrative command.

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
        manager.alter_table(alter).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Agency::Phone, Agency::Email, Agency::Address] {
            manager.alter_table(Table::alter().table(Agency::Table).drop_column(column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(AuditLog::Table).drop_column(AuditLog::Details).to_owned()).await
    }
}
