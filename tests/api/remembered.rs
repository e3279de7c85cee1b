//! Commands start from the copy of a dossier that this server instance wrote
//! last. A copy that another writer made out of date must never be written
//! over: here the other writer is a direct change of the row (what another
//! instance's command does, without the notice that would make this
//! instance forget its copy), or, on PostgreSQL, a second instance.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use entity::{dossier, DossierStatus};
use motcua_tests::TestApp;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::time::Duration;

const DESK: &str = "vinhthanh.motcua";
const SPECIALIST: &str = "vinhthanh.chuyenvien";
const LEADER: &str = "vinhthanh.lanhdao";
const COMMUNE: &str = "30742";

fn row_id(global: &str) -> uuid::Uuid {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(global).unwrap()).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

/// Changes the dossier's row as another writer would: the change and a new version.
async fn change_behind_the_servers_back(app: &TestApp, id: uuid::Uuid, column: dossier::Column, value: SimpleExpr) {
    let changed = dossier::Entity::update_many()
        .col_expr(column, value)
        .col_expr(dossier::Column::LockVersion, Expr::col(dossier::Column::LockVersion).add(1))
        .filter(dossier::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected, 1);
}

async fn row(app: &TestApp, id: uuid::Uuid) -> dossier::Model {
    dossier::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_command_never_writes_over_a_change_it_did_not_see() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let received = app.receive_new(DESK, COMMUNE, &procedure).await;
    let id = received["id"].as_str().unwrap();
    let uuid = row_id(id);
    change_behind_the_servers_back(&app, uuid, dossier::Column::ApplicantAddress, Expr::val("Số mới").into()).await;
    let changed = row(&app, uuid).await;

    let specialist = app.user_id(SPECIALIST).await;
    let assign = json!({ "dossierId": id, "assigneeId": specialist });
    let stale = app.command(LEADER, "assignDossier", assign.clone()).await;
    assert_eq!(stale.error_codes(), ["CONFLICT"], "{}", stale.body);
    assert_eq!(row(&app, uuid).await, changed, "the refused command wrote nothing");

    let assigned = app.ok(LEADER, "assignDossier", assign).await;
    assert_eq!(assigned["dossier"]["version"], changed.lock_version + 1);
    let after = row(&app, uuid).await;
    assert_eq!(after.applicant_address, "Số mới", "the other writer's change is kept");
    assert!(after.assignee_id.is_some());
}

#[tokio::test]
async fn a_refusal_decided_on_an_out_of_date_copy_is_decided_again_on_the_row() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let received = app.receive_new(DESK, COMMUNE, &procedure).await;
    let id = received["id"].as_str().unwrap();
    let uuid = row_id(id);
    // Another writer asked for a supplement: only from there may the desk supply documents.
    change_behind_the_servers_back(
        &app,
        uuid,
        dossier::Column::Status,
        Expr::val(DossierStatus::SupplementRequested).into(),
    )
    .await;

    let supplied = app.ok(DESK, "supplyDocuments", json!({ "dossierId": id })).await;
    assert_eq!(supplied["dossier"]["status"], "PROCESSING");
    assert_eq!(supplied["dossier"]["version"], received["version"].as_i64().unwrap() + 2);
}

#[tokio::test]
async fn a_version_sent_with_a_command_is_compared_with_the_row_not_a_copy() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let received = app.receive_new(DESK, COMMUNE, &procedure).await;
    let id = received["id"].as_str().unwrap();
    let uuid = row_id(id);
    change_behind_the_servers_back(&app, uuid, dossier::Column::ApplicantAddress, Expr::val("Số mới").into()).await;
    let version = row(&app, uuid).await.lock_version;

    let specialist = app.user_id(SPECIALIST).await;
    let input = json!({ "dossierId": id, "assigneeId": specialist, "version": version });
    let assigned = app.ok(LEADER, "assignDossier", input).await;
    assert_eq!(assigned["dossier"]["version"], version + 1);
}

#[tokio::test]
async fn on_postgresql_an_instance_forgets_its_copy_when_another_instance_changes_the_dossier() {
    let first = TestApp::spawn().await;
    // SQLite serves one process, so no other instance writes behind its back.
    let Some(url) = first.database_url.clone() else { return };
    let second = TestApp::spawn_with(|settings| settings.database_url = Some(api::config::Secret::new(url))).await;
    let procedure = first.procedure_id(COMMUNE, None).await;
    let received = first.receive_new(DESK, COMMUNE, &procedure).await;
    let id = received["id"].as_str().unwrap();
    let specialist = second.user_id(SPECIALIST).await;
    second.ok(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    // The second instance's notice reaches the first within milliseconds; give it ample time.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Valid on the first instance's copy too: with that copy, the write would be refused as a conflict.
    let again = first.ok(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    assert_eq!(again["dossier"]["version"], received["version"].as_i64().unwrap() + 2);
}
