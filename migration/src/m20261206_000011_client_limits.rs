//! Limits per client: a service account's own requests a minute and
//! whether it runs only its registered documents (`official`), and those
//! documents (`trusted_document`, by the SHA-256 of their text).

use crate::m20261123_000001_create_tables::{text, text_null, time, uuid};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Official {
    Table,
    RequestsPerMinute,
    TrustedDocumentsOnly,
}

#[derive(DeriveIden)]
enum TrustedDocument {
    Table,
    OfficialId,
    Hash,
    Document,
    Name,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rate = Table::alter()
            .table(Official::Table)
            .add_column(ColumnDef::new(Official::RequestsPerMinute).integer().null())
            .to_owned();
        manager.alter_table(rate).await?;
        let trusted = Table::alter()
            .table(Official::Table)
            .add_column(ColumnDef::new(Official::TrustedDocumentsOnly).boolean().not_null().default(false))
            .to_owned();
        manager.alter_table(trusted).await?;
        let documents = Table::create()
            .table(TrustedDocument::Table)
            .col(uuid(TrustedDocument::OfficialId))
            .col(ColumnDef::new(TrustedDocument::Hash).string_len(64).not_null())
            .col(text(TrustedDocument::Document))
            .col(text_null(TrustedDocument::Name))
            .col(text(TrustedDocument::CreatedBy))
            .col(time(TrustedDocument::CreatedAt))
            .primary_key(Index::create().col(TrustedDocument::OfficialId).col(TrustedDocument::Hash))
            .to_owned();
        manager.create_table(documents).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TrustedDocument::Table).to_owned()).await?;
        for column in [Official::TrustedDocumentsOnly, Official::RequestsPerMinute] {
            manager.alter_table(Table::alter().table(Official::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
