//! On PostgreSQL, a command's whole write is one statement (the dossier's
//! conditional update, its slip entry, its documents, its audit row and the
//! notice, as data-modifying `WITH` clauses). `motcua_expect_one(n)` aborts
//! that statement — and so every part of it — when the conditional update
//! found the dossier changed; its error code `MC409` becomes `CONFLICT`.
//! SQLite writes in a transaction instead and needs nothing here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE OR REPLACE FUNCTION motcua_expect_one(n bigint) RETURNS boolean LANGUAGE plpgsql AS $$
                 BEGIN
                   IF n <> 1 THEN
                     RAISE EXCEPTION 'the dossier changed since it was read' USING ERRCODE = 'MC409';
                   END IF;
                   RETURN true;
                 END $$",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP FUNCTION IF EXISTS motcua_expect_one(bigint)").await?;
        }
        Ok(())
    }
}
