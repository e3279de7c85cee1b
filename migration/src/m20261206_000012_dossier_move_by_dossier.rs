//! A dossier's moves by dossier: the drill-down of a report asks, for each
//! dossier it looks at, where its first move after a day took it from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum DossierMove {
    Table,
    DossierId,
    Day,
}

const INDEX: &str = "dossier_move_dossier_day";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::create()
            .name(INDEX)
            .table(DossierMove::Table)
            .col(DossierMove::DossierId)
            .col(DossierMove::Day)
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(DossierMove::Table).to_owned()).await
    }
}
