//! What the dossier's commands need beyond the first model: the new
//! appointment of an apology, structured details on slip entries (the
//! documents a supplement asks for, an amount to pay), and office hours per
//! province.

use crate::m20261123_000001_create_tables::{text, text_null, time_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Dossier::Table).add_column(time_null(Dossier::AppointmentAt)).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table(DossierEvent::Table).add_column(text_null(DossierEvent::Details)).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OfficeHours::Table)
                    .col(ColumnDef::new(OfficeHours::ProvinceCode).string_len(16).not_null().primary_key())
                    .col(text(OfficeHours::MorningStart))
                    .col(text(OfficeHours::MorningEnd))
                    .col(text(OfficeHours::AfternoonStart))
                    .col(text(OfficeHours::AfternoonEnd))
                    .col(text(OfficeHours::Cutoff))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OfficeHours::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(DossierEvent::Table).drop_column(DossierEvent::Details).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(Dossier::Table).drop_column(Dossier::AppointmentAt).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Dossier {
    Table,
    AppointmentAt,
}

#[derive(DeriveIden)]
enum DossierEvent {
    Table,
    Details,
}

#[derive(DeriveIden)]
enum OfficeHours {
    Table,
    ProvinceCode,
    MorningStart,
    MorningEnd,
    AfternoonStart,
    AfternoonEnd,
    Cutoff,
}
