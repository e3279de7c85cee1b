//! What a province's administration needs: an agency's contact details
//! (`updateAgency`), the audit row's compact before/after of an
//! administrative command, a procedure version's status (a draft until
//! published; every existing version was published), and the client
//! secrets of service accounts (only their SHA-256 is kept).

use crate::m20261123_000001_create_tables::{text, text_null, time_null, uuid};
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
enum ClientSecret {
    Table,
    Id,
    OfficialId,
    Prefix,
    Hash,
    CreatedAt,
    CreatedBy,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Official {
    Table,
    Id,
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
        manager.alter_table(Table::alter().table(Procedure::Table).add_column(status).to_owned()).await?;
        let secrets = Table::create()
            .table(ClientSecret::Table)
            .col(uuid(ClientSecret::Id).primary_key())
            .col(uuid(ClientSecret::OfficialId))
            .col(text(ClientSecret::Prefix))
            .col(text(ClientSecret::Hash).unique_key())
            .col(ColumnDef::new(ClientSecret::CreatedAt).timestamp_with_time_zone().not_null())
            .col(text(ClientSecret::CreatedBy))
            .col(time_null(ClientSecret::LastUsedAt))
            .col(time_null(ClientSecret::RevokedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(ClientSecret::Table, ClientSecret::OfficialId)
                    .to(Official::Table, Official::Id),
            )
            .to_owned();
        manager.create_table(secrets).await?;
        let index = Index::create()
            .name("client_secret_official_id")
            .table(ClientSecret::Table)
            .col(ClientSecret::OfficialId)
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ClientSecret::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Procedure::Table).drop_column(Procedure::Status).to_owned()).await?;
        for column in [Agency::Phone, Agency::Email, Agency::Address] {
            manager.alter_table(Table::alter().table(Agency::Table).drop_column(column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(AuditLog::Table).drop_column(AuditLog::Details).to_owned()).await
    }
}
