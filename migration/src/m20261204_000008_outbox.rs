//! The outbox: who hears of the slip's entries beyond the server
//! (`outbox_consumer`: a webhook, with its scope, cursor and secret), what
//! each of them is due (`outbox_delivery`, one row per entry and consumer,
//! with its attempts counted and its next attempt's time) and every attempt
//! made (`outbox_attempt`). On PostgreSQL a slip entry also records the
//! transaction that wrote it (`dossier_event.tx`, an `xid8`): a consumer
//! reads the slip in that order up to the oldest transaction still running,
//! so that an entry committed late is never passed over.

use crate::m20261123_000001_create_tables::{flag, path_column, text, text_null, time, time_null, uuid};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum OutboxConsumer {
    Table,
    Id,
    Kind,
    AgencyId,
    AgencyPath,
    Subtree,
    OwnerId,
    Url,
    Secret,
    Events,
    Description,
    State,
    CursorPosition,
    CursorEvent,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OutboxDelivery {
    Table,
    Id,
    ConsumerId,
    EventId,
    DossierId,
    Position,
    Status,
    Attempts,
    NextAttemptAt,
    LeasedUntil,
    LastStatusCode,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum OutboxAttempt {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    Error,
    DurationMs,
}

fn big(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

fn index(table: impl IntoIden + 'static, name: &str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let consumers = Table::create()
            .table(OutboxConsumer::Table)
            .col(uuid(OutboxConsumer::Id).primary_key())
            .col(ColumnDef::new(OutboxConsumer::Kind).string_len(16).not_null())
            .col(uuid(OutboxConsumer::AgencyId))
            .col(path_column(backend, OutboxConsumer::AgencyPath))
            .col(flag(OutboxConsumer::Subtree))
            .col(uuid(OutboxConsumer::OwnerId))
            .col(text_null(OutboxConsumer::Url))
            .col(text_null(OutboxConsumer::Secret))
            .col(text_null(OutboxConsumer::Events))
            .col(text_null(OutboxConsumer::Description))
            .col(ColumnDef::new(OutboxConsumer::State).string_len(16).not_null())
            .col(big(OutboxConsumer::CursorPosition))
            .col(ColumnDef::new(OutboxConsumer::CursorEvent).uuid().null())
            .col(text(OutboxConsumer::CreatedBy))
            .col(time(OutboxConsumer::CreatedAt))
            .col(time(OutboxConsumer::UpdatedAt))
            .to_owned();
        manager.create_table(consumers).await?;
        manager.create_index(index(OutboxConsumer::Table, "outbox_consumer_agency", &["agency_path"])).await?;

        let deliveries = Table::create()
            .table(OutboxDelivery::Table)
            .col(uuid(OutboxDelivery::Id).primary_key())
            .col(uuid(OutboxDelivery::ConsumerId))
            .col(uuid(OutboxDelivery::EventId))
            .col(uuid(OutboxDelivery::DossierId))
            .col(big(OutboxDelivery::Position))
            .col(ColumnDef::new(OutboxDelivery::Status).string_len(16).not_null())
            .col(ColumnDef::new(OutboxDelivery::Attempts).integer().not_null().default(0))
            .col(time(OutboxDelivery::NextAttemptAt))
            .col(time_null(OutboxDelivery::LeasedUntil))
            .col(ColumnDef::new(OutboxDelivery::LastStatusCode).integer().null())
            .col(text_null(OutboxDelivery::LastError))
            .col(time(OutboxDelivery::CreatedAt))
            .col(time_null(OutboxDelivery::FinishedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(OutboxDelivery::Table, OutboxDelivery::ConsumerId)
                    .to(OutboxConsumer::Table, OutboxConsumer::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned();
        manager.create_table(deliveries).await?;
        // The deliveries due, in order; one dossier's deliveries to one
        // consumer, in the slip's order; a consumer's deliveries, newest first.
        let due = index(OutboxDelivery::Table, "outbox_delivery_due", &["status", "next_attempt_at"]);
        manager.create_index(due).await?;
        let order = ["consumer_id", "dossier_id", "position", "event_id"];
        manager.create_index(index(OutboxDelivery::Table, "outbox_delivery_dossier", &order)).await?;
        let listed = index(OutboxDelivery::Table, "outbox_delivery_consumer", &["consumer_id", "id"]);
        manager.create_index(listed).await?;

        let attempts = Table::create()
            .table(OutboxAttempt::Table)
            .col(uuid(OutboxAttempt::Id).primary_key())
            .col(uuid(OutboxAttempt::DeliveryId))
            .col(time(OutboxAttempt::AttemptedAt))
            .col(ColumnDef::new(OutboxAttempt::StatusCode).integer().null())
            .col(text_null(OutboxAttempt::Error))
            .col(ColumnDef::new(OutboxAttempt::DurationMs).integer().not_null())
            .foreign_key(
                ForeignKey::create()
                    .from(OutboxAttempt::Table, OutboxAttempt::DeliveryId)
                    .to(OutboxDelivery::Table, OutboxDelivery::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned();
        manager.create_table(attempts).await?;
        manager.create_index(index(OutboxAttempt::Table, "outbox_attempt_delivery", &["delivery_id", "id"])).await?;

        if backend == DbBackend::Postgres {
            // Every entry written from now on records its transaction; those
            // already there share this migration's (consumers start at the head).
            let db = manager.get_connection();
            db.execute_unprepared("ALTER TABLE dossier_event ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id()")
                .await?;
            db.execute_unprepared("CREATE INDEX dossier_event_tx ON dossier_event (tx, id)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared("ALTER TABLE dossier_event DROP COLUMN tx").await?;
        }
        manager.drop_table(Table::drop().table(OutboxAttempt::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(OutboxDelivery::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(OutboxConsumer::Table).to_owned()).await
    }
}
