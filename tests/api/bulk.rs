//! Bulk loads drop the big tables' indexes and foreign keys and must put every
//! one of them back.

use api::db::{catalogue_names, finish_bulk_load, prepare_bulk_load};
use migration::{BULK_FOREIGN_KEYS, BULK_INDEXES};
use motcua_tests::TestApp;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::collections::BTreeSet;

#[tokio::test]
async fn a_bulk_load_rebuilds_every_index_and_foreign_key_it_dropped() {
    let app = TestApp::spawn().await;
    let before = catalogue_names(&app.db).await.unwrap();
    for index in BULK_INDEXES {
        assert!(before.contains(index.name), "the migration created {}", index.name);
    }

    prepare_bulk_load(&app.db).await.unwrap();
    let during = catalogue_names(&app.db).await.unwrap();
    for index in BULK_INDEXES {
        assert!(!during.contains(index.name), "{} is dropped for the load", index.name);
    }
    if app.db.get_database_backend() == DatabaseBackend::Postgres {
        for (_, name, ..) in BULK_FOREIGN_KEYS {
            assert!(!during.contains(*name), "{name} is dropped for the load");
        }
    }

    finish_bulk_load(&app.db).await.unwrap();
    assert_eq!(catalogue_names(&app.db).await.unwrap(), before);
}

/// The list of foreign keys a load drops on PostgreSQL is every foreign key of
/// the two tables, under the names PostgreSQL gave them.
#[tokio::test]
async fn the_bulk_foreign_keys_are_exactly_those_of_the_big_tables() {
    let app = TestApp::spawn().await;
    if app.db.get_database_backend() != DatabaseBackend::Postgres {
        return; // SQLite keeps its foreign keys during a load
    }
    let rows = app
        .db
        .query_all(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT conname FROM pg_constraint WHERE contype = 'f' \
             AND conrelid IN ('dossier'::regclass, 'dossier_event'::regclass)",
        ))
        .await
        .unwrap();
    let actual: BTreeSet<String> = rows.iter().map(|row| row.try_get::<String>("", "conname").unwrap()).collect();
    let listed: BTreeSet<String> = BULK_FOREIGN_KEYS.iter().map(|(_, name, ..)| (*name).to_owned()).collect();
    assert_eq!(actual, listed);
}
