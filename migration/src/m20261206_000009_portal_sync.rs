//! The national portal's view of each dossier (`portal_sync`): whether the
//! portal has its latest status (`SYNCED`), is still to get it (`PENDING`)
//! or could not take it (`FAILED`, with the last error). A dossier has a row
//! once the connector first queues one of its status changes.

use crate::m20261123_000001_create_tables::{text_null, time, time_null, uuid};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum PortalSync {
    Table,
    DossierId,
    Status,
    LastError,
    UpdatedAt,
    SyncedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(PortalSync::Table)
            .col(uuid(PortalSync::DossierId).primary_key())
            .col(ColumnDef::new(PortalSync::Status).string_len(16).not_null())
            .col(text_null(PortalSync::LastError))
            .col(time(PortalSync::UpdatedAt))
            .col(time_null(PortalSync::SyncedAt))
            .to_owned();
        manager.create_table(table).await?;
        let by_status =
            Index::create().name("portal_sync_status").table(PortalSync::Table).col(PortalSync::Status).to_owned();
        manager.create_index(by_status).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PortalSync::Table).to_owned()).await
    }
}
