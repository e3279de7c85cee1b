//! The national portal connector: a fake portal on a local port gets every
//! status change of a dossier's life in order with the national codes, and
//! each dossier's `portalSync` follows an outage, a refusal, a portal that
//! does not answer in time and one that answers slowly.

use motcua_tests::portal::{FakePortal, Mode};
use motcua_tests::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

const DESK: &str = "vinhthanh.motcua";
const SPECIALIST: &str = "vinhthanh.chuyenvien";
const LEADER: &str = "vinhthanh.lanhdao";
const COMMUNE: &str = "30742";
const OTHER_DESK: &str = "tochau.motcua";
const SUPERVISOR: &str = "tinh.giamsat";
const TOKEN: &str = "token-of-the-province";
/// Long enough on a busy machine (on PostgreSQL the slip is read up to the
/// oldest running transaction of the whole cluster, other tests' included).
const WITHIN: Duration = Duration::from_secs(60);

/// A server syncing with `portal`, retrying after 50–200 ms, waiting at most 1 s for an answer.
async fn spawn(portal: &FakePortal) -> TestApp {
    let url = portal.url.clone();
    TestApp::spawn_with(move |settings| {
        settings.outbox.portal_url = Some(url);
        settings.outbox.portal_token = Some(TOKEN.into());
        settings.outbox.delivery_retry_base = Duration::from_millis(50);
        settings.outbox.delivery_retry_cap = Duration::from_millis(200);
        settings.outbox.webhook_timeout = Duration::from_secs(1);
        settings.outbox.delivery_attempts = 1_000;
    })
    .await
}

const SYNC: &str = "query($code: String!) { dossier(code: $code) {
    portalSync { status lastError updatedAt syncedAt } } }";

async fn sync_of(app: &TestApp, user: &str, code: &str) -> Value {
    app.data(Some(user), SYNC, json!({ "code": code })).await["dossier"]["portalSync"].clone()
}

/// `portalSync` of `code` once its status is `status`, waiting at most [`WITHIN`].
async fn wait_for(app: &TestApp, code: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        let sync = sync_of(app, DESK, code).await;
        if sync["status"] == status {
            return sync;
        }
        assert!(tokio::time::Instant::now() < deadline, "{code} never {status}: {sync}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The codes of the dossiers `user` sees whose sync is any of `statuses`.
async fn listed(app: &TestApp, user: &str, statuses: &[&str]) -> (Vec<String>, u64) {
    let query = "query($statuses: [SyncStatus!]) {
        dossiers(filter: { syncStatus: $statuses }, first: 100) { totalCount edges { node { code } } } }";
    let data = app.data(Some(user), query, json!({ "statuses": statuses })).await;
    let codes = data["dossiers"]["edges"].as_array().unwrap().iter();
    let codes = codes.map(|edge| edge["node"]["code"].as_str().unwrap().to_owned()).collect();
    (codes, data["dossiers"]["totalCount"].as_u64().unwrap())
}

async fn unsynced(app: &TestApp, user: &str, agency: &str) -> Value {
    let query = "query($agency: String!) { unsyncedDossiers(agencyCode: $agency) { agency { code } pending failed } }";
    app.data(Some(user), query, json!({ "agency": agency })).await["unsyncedDossiers"].clone()
}

#[tokio::test]
async fn the_portal_gets_every_status_change_of_a_dossier_in_order_with_the_national_codes() {
    let portal = FakePortal::start().await;
    let app = spawn(&portal).await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let received = app.receive_new(DESK, COMMUNE, &procedure).await;
    let (id, code) = (received["id"].as_str().unwrap(), received["code"].as_str().unwrap().to_owned());
    let specialist = app.user_id(SPECIALIST).await;
    app.ok(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    let supplement =
        json!({ "dossierId": id, "reason": "Thiếu giấy tờ", "missingDocuments": ["Tờ khai"], "daysAllowed": 5 });
    app.ok(SPECIALIST, "requestSupplement", supplement).await;
    app.ok(DESK, "supplyDocuments", json!({ "dossierId": id })).await;
    app.ok(SPECIALIST, "completeStep", json!({ "dossierId": id })).await;
    app.ok(LEADER, "resolveDossier", json!({ "dossierId": id, "resultNumber": "12/GP" })).await;
    app.ok(DESK, "returnResult", json!({ "dossierId": id })).await;

    let deadline = tokio::time::Instant::now() + WITHIN;
    while portal.taken_of(&code).len() < 6 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let synced = wait_for(&app, &code, "SYNCED").await;
    assert!(synced["lastError"].is_null() && synced["syncedAt"].is_string(), "{synced}");
    let taken = portal.taken_of(&code);
    let statuses: Vec<i64> = taken.iter().map(|e| e.status()).collect();
    // Received 2, processing 4, supplement 5, processing 4, resolved 9,
    // returned 10: completing a step changes no status and is not sent.
    assert_eq!(statuses, [2, 4, 5, 4, 9, 10]);
    let mut keys: Vec<&str> = taken.iter().map(|e| e.key.as_str()).collect();
    keys.dedup();
    assert_eq!(keys.len(), 6, "one idempotency key per change");
    assert!(taken.iter().all(|e| e.authorization == format!("Bearer {TOKEN}")));

    let procedure_code = app
        .data(
            Some(DESK),
            "query($code: String!) { dossier(code: $code) { procedure { code } } }",
            json!({ "code": code }),
        )
        .await["dossier"]["procedure"]["code"]
        .clone();
    let first = &taken[0].change;
    assert_eq!(first["MaHoSo"], code.as_str());
    assert_eq!(first["MaTTHC"], procedure_code);
    assert_eq!(first["MaCoQuan"], COMMUNE);
    assert_eq!(first["MaCoQuanTiepNhan"], COMMUNE);
    assert_eq!(first["KenhThucHien"], 1, "received at the desk");
    let stamp = |value: &Value| value.as_str().is_some_and(|s| s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()));
    assert!(stamp(&first["NgayTiepNhan"]) && stamp(&first["NgayHenTra"]), "{first}");
    assert!(first["NgayKetThucXuLy"].is_null() && first["NgayTra"].is_null() && first["KetQuaXuLy"].is_null());
    let resolved = &taken[4].change;
    assert!(stamp(&resolved["NgayKetThucXuLy"]) && resolved["NgayTra"].is_null(), "{resolved}");
    assert!([1, 2, 3].contains(&resolved["KetQuaXuLy"].as_i64().unwrap()), "{resolved}");
    assert!(stamp(&taken[5].change["NgayTra"]));

    assert!(unsynced(&app, DESK, COMMUNE).await.as_array().unwrap().is_empty());
    assert_eq!(listed(&app, DESK, &["SYNCED"]).await, (vec![code], 1));
}

#[tokio::test]
async fn an_outage_leaves_dossiers_failed_then_synced_once_the_portal_recovers() {
    let portal = FakePortal::start().await;
    portal.set_mode(Mode::Down);
    let app = spawn(&portal).await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let mut codes = Vec::new();
    for _ in 0..2 {
        codes.push(app.receive_new(DESK, COMMUNE, &procedure).await["code"].as_str().unwrap().to_owned());
    }
    for code in &codes {
        let failed = wait_for(&app, code, "FAILED").await;
        assert!(failed["lastError"].as_str().unwrap().contains("503"), "{failed}");
        assert!(failed["syncedAt"].is_null());
    }
    let (mut failed, count) = listed(&app, DESK, &["FAILED", "PENDING"]).await;
    failed.sort();
    assert_eq!((failed, count), (codes.clone(), 2));
    assert_eq!(listed(&app, OTHER_DESK, &["FAILED", "PENDING"]).await, (vec![], 0), "another commune sees none");
    let report = unsynced(&app, SUPERVISOR, "91").await;
    assert_eq!(report, json!([{ "agency": { "code": COMMUNE }, "pending": 0, "failed": 2 }]), "{report}");
    let foreign =
        app.graphql(Some(OTHER_DESK), "{ unsyncedDossiers(agencyCode: \"30742\") { failed } }", json!({})).await;
    assert_eq!(foreign.error_codes(), ["NOT_FOUND"], "another commune's figures are not found");

    portal.set_mode(Mode::Up);
    for code in &codes {
        wait_for(&app, code, "SYNCED").await;
        assert_eq!(portal.taken_of(code).len(), 1, "taken once");
        let tried = portal.exchanges().into_iter().filter(|e| e.dossier() == code).count();
        assert!(tried >= 2, "tried during the outage, then taken: {tried}");
    }
    assert_eq!(listed(&app, DESK, &["FAILED", "PENDING"]).await, (vec![], 0));
    assert!(unsynced(&app, SUPERVISOR, "91").await.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_refusal_and_a_portal_that_does_not_answer_in_time_fail_and_a_slow_one_is_waited_for() {
    let portal = FakePortal::start().await;
    portal.set_mode(Mode::Refusing);
    let app = spawn(&portal).await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let code = app.receive_new(DESK, COMMUNE, &procedure).await["code"].as_str().unwrap().to_owned();
    let refused = wait_for(&app, &code, "FAILED").await;
    let error = refused["lastError"].as_str().unwrap();
    assert!(error.contains("error_code -1") && error.contains("Mã thủ tục"), "{error}");

    portal.set_mode(Mode::Up);
    portal.set_delay(Duration::from_secs(3));
    let late = app.receive_new(DESK, COMMUNE, &procedure).await["code"].as_str().unwrap().to_owned();
    let deadline = tokio::time::Instant::now() + WITHIN;
    let timed_out = loop {
        let sync = sync_of(&app, DESK, &late).await;
        if sync["lastError"].as_str().is_some_and(|e| e.contains("no answer within 1s")) {
            break sync;
        }
        assert!(tokio::time::Instant::now() < deadline, "never timed out: {sync}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(timed_out["status"], "FAILED");

    portal.set_delay(Duration::from_millis(400));
    wait_for(&app, &late, "SYNCED").await;
    wait_for(&app, &code, "SYNCED").await;
}

#[tokio::test]
async fn what_an_import_copies_from_the_old_system_is_told_neither_to_the_portal_nor_to_applicants() {
    let (portal, mail) = (FakePortal::start().await, motcua_tests::smtp::MailServer::start().await);
    let (url, smtp) = (portal.url.clone(), mail.url.clone());
    let app = TestApp::spawn_with(move |settings| {
        settings.outbox.portal_url = Some(url);
        settings.outbox.smtp_url = Some(smtp);
        settings.outbox.delivery_retry_base = Duration::from_millis(50);
    })
    .await;
    let jsonl = include_str!("../../docs/examples/dossiers.jsonl");
    let report =
        crate::imports::report_of(&app, "importDossiers", "rachgia.quantri", "dossiers.jsonl", jsonl, false).await;
    assert_eq!(report["created"], 2, "{report}");
    // A live intake after the import: once it is synced, the import's entries were read before it.
    let procedure = app.procedure_id(COMMUNE, None).await;
    let mut applicant = motcua_tests::applicant();
    applicant["email"] = json!("song.tt@example.vn");
    let input = json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant });
    let live = app.ok(DESK, "receiveDossier", input).await["dossier"]["code"].as_str().unwrap().to_owned();
    wait_for(&app, &live, "SYNCED").await;
    mail.wait_until(WITHIN, |mails| !mails.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let sent: Vec<String> = portal.exchanges().iter().map(|e| e.dossier().to_owned()).collect();
    assert_eq!(sent, std::slice::from_ref(&live), "only the live intake reached the portal");
    assert_eq!(mail.mails().len(), 1, "only the live intake's receipt was mailed");
    for code in ["30733-250312-0901", "30742-261127-0901"] {
        let query = "query($code: String!) { dossier(code: $code) { portalSync { status } notices { notice } } }";
        let dossier = app.data(Some("tinh.giamsat"), query, json!({ "code": code })).await["dossier"].clone();
        assert_eq!(dossier, json!({ "portalSync": null, "notices": [] }), "{code}");
    }
}
