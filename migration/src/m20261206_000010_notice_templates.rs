//! The notices to applicants a province wrote itself (`notice_template`):
//! one per notice and channel, replacing the built-in Vietnamese text.

use crate::m20261123_000001_create_tables::{text, text_null, time};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum NoticeTemplate {
    Table,
    ProvinceCode,
    Notice,
    Channel,
    Subject,
    Body,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(NoticeTemplate::Table)
            .col(ColumnDef::new(NoticeTemplate::ProvinceCode).string_len(8).not_null())
            .col(ColumnDef::new(NoticeTemplate::Notice).string_len(32).not_null())
            .col(ColumnDef::new(NoticeTemplate::Channel).string_len(8).not_null())
            .col(text_null(NoticeTemplate::Subject))
            .col(text(NoticeTemplate::Body))
            .col(text(NoticeTemplate::UpdatedBy))
            .col(time(NoticeTemplate::UpdatedAt))
            .primary_key(
                Index::create()
                    .col(NoticeTemplate::ProvinceCode)
                    .col(NoticeTemplate::Notice)
                    .col(NoticeTemplate::Channel),
            )
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(NoticeTemplate::Table).to_owned()).await
    }
}
