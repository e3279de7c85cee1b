//! The commands' guarantees: unique codes under concurrent intake, one winner
//! between conflicting officials, idempotent filing, no sight of other
//! agencies' dossiers, and nothing written by a refused command.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use motcua_tests::{applicant, TestApp};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{json, Value};
use std::collections::HashSet;

const DESK: &str = "vinhthanh.motcua";
const SPECIALIST: &str = "vinhthanh.chuyenvien";
const LEADER: &str = "vinhthanh.lanhdao";
const COMMUNE: &str = "30742";

/// The report's counters per agency and day, the changes not yet folded
/// included (so the background fold changes nothing here).
async fn counters(app: &TestApp) -> Vec<Value> {
    use sea_orm::{ConnectionTrait, Statement};
    let columns = api::tally::COLUMNS;
    let listed = columns.join(", ");
    let sums: Vec<String> = columns.iter().map(|c| format!("SUM({c})")).collect();
    let sql = format!(
        "SELECT agency_path, CAST(day AS TEXT), {} FROM (SELECT agency_path, day, {listed} FROM dossier_tally \
         UNION ALL SELECT agency_path, day, {listed} FROM dossier_tally_change) counted \
         GROUP BY agency_path, day ORDER BY agency_path, day",
        sums.join(", ")
    );
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all(Statement::from_string(backend, sql)).await.unwrap();
    rows.iter()
        .map(|row| {
            let mut values = vec![
                Value::from(row.try_get_by_index::<String>(0).unwrap()),
                Value::from(row.try_get_by_index::<String>(1).unwrap()),
            ];
            values.extend((0..columns.len()).map(|i| Value::from(row.try_get_by_index::<i64>(i + 2).unwrap())));
            Value::Array(values)
        })
        .collect()
}

/// Every row of the tables commands write, except the audit log (which
/// records refused commands too), and the report's counters.
async fn snapshot(app: &TestApp) -> Vec<Vec<Value>> {
    use entity::{dossier, dossier_code_sequence, dossier_document, dossier_event};
    let db = &app.db;
    vec![
        dossier::Entity::find().order_by_asc(dossier::Column::Id).into_json().all(db).await.unwrap(),
        dossier_event::Entity::find().order_by_asc(dossier_event::Column::Id).into_json().all(db).await.unwrap(),
        dossier_code_sequence::Entity::find()
            .order_by_asc(dossier_code_sequence::Column::AgencyId)
            .order_by_asc(dossier_code_sequence::Column::Day)
            .into_json()
            .all(db)
            .await
            .unwrap(),
        dossier_document::Entity::find().order_by_asc(dossier_document::Column::Id).into_json().all(db).await.unwrap(),
        counters(app).await,
    ]
}

async fn audit_outcomes(app: &TestApp) -> Vec<(String, String)> {
    use entity::audit_log;
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.operation, row.outcome))
        .collect()
}

#[tokio::test]
async fn fifty_concurrent_intakes_at_one_agency_get_fifty_distinct_codes() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let intakes = (0..50).map(|_| app.receive_new(DESK, COMMUNE, &procedure));
    let dossiers = futures_util::future::join_all(intakes).await;
    let codes: HashSet<String> = dossiers.iter().map(|d| d["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 50, "{codes:?}");
    let mut sequences: Vec<u32> = codes.iter().map(|c| c.rsplit('-').next().unwrap().parse().unwrap()).collect();
    sequences.sort_unstable();
    assert!(sequences.windows(2).all(|w| w[1] == w[0] + 1), "consecutive: {sequences:?}");
    // Intakes waiting together share trips to the database for their numbers; none is taken and lost.
    let taken: Vec<i32> = entity::dossier_code_sequence::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.last_seq)
        .collect();
    assert!(taken.contains(&(*sequences.last().unwrap() as i32)), "{taken:?} against {sequences:?}");
}

#[tokio::test]
async fn of_two_officials_acting_at_once_exactly_one_succeeds_and_the_other_gets_conflict() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let specialist = app.user_id(SPECIALIST).await;
    for round in 0..8 {
        let id = app.receive_new(DESK, COMMUNE, &procedure).await["id"].as_str().unwrap().to_owned();
        let assigned = app.ok(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
        let version = assigned["dossier"]["version"].clone();
        let events_before = snapshot(&app).await[1].len();
        // Both read the same version; with it, the loser is told the dossier changed, whatever the timing.
        let supplement = app.command(SPECIALIST, "requestSupplement", json!({
            "dossierId": id, "version": version, "reason": "Thiếu", "missingDocuments": ["Tờ khai"], "daysAllowed": 3,
        }));
        let resolve = app.command(
            LEADER,
            "resolveDossier",
            json!({ "dossierId": id, "version": version, "resultNumber": "1/GP" }),
        );
        let (a, b) = tokio::join!(supplement, resolve);
        let mut codes = [a.error_codes(), b.error_codes()];
        codes.sort();
        assert_eq!(codes, [vec![], vec!["CONFLICT".to_owned()]], "round {round}: {} / {}", a.body, b.body);
        assert_eq!(snapshot(&app).await[1].len(), events_before + 1, "one slip entry, from the winner");

        // Without a version, the conditional update still lets one through: the
        // other sees CONFLICT (raced) or, if it came after, the finished dossier.
        let id = app.receive_new(DESK, COMMUNE, &procedure).await["id"].as_str().unwrap().to_owned();
        app.ok(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
        let stop = app.command(SPECIALIST, "stopDossier", json!({ "dossierId": id, "reason": "Dừng" }));
        let withdraw = app.command(DESK, "withdrawDossier", json!({ "dossierId": id, "reason": "Rút" }));
        let (a, b) = tokio::join!(stop, withdraw);
        let failures: Vec<Vec<String>> =
            [a.error_codes(), b.error_codes()].into_iter().filter(|c| !c.is_empty()).collect();
        assert_eq!(failures.len(), 1, "round {round}: {} / {}", a.body, b.body);
        assert!(matches!(failures[0][0].as_str(), "CONFLICT" | "INVALID_TRANSITION"), "{failures:?}");
    }
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let received = app.receive_new(DESK, COMMUNE, &procedure).await;
    let id = received["id"].as_str().unwrap();
    let before = snapshot(&app).await;
    let stale = received["version"].as_i64().unwrap() + 5;
    let reply =
        app.command(DESK, "withdrawDossier", json!({ "dossierId": id, "version": stale, "reason": "Rút" })).await;
    assert_eq!(reply.error_codes(), ["CONFLICT"]);
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn the_same_idempotency_key_files_one_dossier() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let input = json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant(), "idempotencyKey": "desk-42" });
    let first = app.ok(DESK, "receiveDossier", input.clone()).await;
    let again = app.ok(DESK, "receiveDossier", input.clone()).await;
    assert_eq!(first["dossier"]["id"], again["dossier"]["id"]);
    assert_eq!(first["event"], again["event"]);

    // Sent twice at once (a retry racing the original): still one dossier.
    let raced = json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant(), "idempotencyKey": "desk-43" });
    let (a, b) = tokio::join!(app.ok(DESK, "receiveDossier", raced.clone()), app.ok(DESK, "receiveDossier", raced));
    assert_eq!(a["dossier"]["id"], b["dossier"]["id"]);

    // The portal's keys are its own: the same text from another caller is another dossier.
    let submitted = app
        .ok("portal.dvc", "submitDossier", json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant(), "idempotencyKey": "desk-42" }))
        .await;
    assert_ne!(submitted["dossier"]["id"], first["dossier"]["id"]);
    let once = app
        .ok("portal.dvc", "submitDossier", json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant(), "idempotencyKey": "desk-42" }))
        .await;
    assert_eq!(submitted["dossier"]["id"], once["dossier"]["id"]);

    let events = snapshot(&app).await[1].clone();
    for dossier in [&first, &a, &submitted] {
        let id = &dossier["event"]["id"];
        let slip = events.iter().filter(|e| e["dossier_id"] == dossier_uuid(&dossier["dossier"]["id"])).count();
        assert_eq!(slip, 1, "{id}");
    }
}

fn dossier_uuid(global: &Value) -> Value {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(global.as_str().unwrap()).unwrap()).unwrap();
    Value::String(text.split_once(':').unwrap().1.to_owned())
}

/// Every command on an existing dossier, with a well-formed input for `id`.
fn every_command(id: &str, user: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("receiveDossier", json!({ "dossierId": id })),
        ("refuseDossier", json!({ "dossierId": id, "reason": "x" })),
        ("assignDossier", json!({ "dossierId": id, "assigneeId": user })),
        ("completeStep", json!({ "dossierId": id })),
        ("requestSupplement", json!({ "dossierId": id, "reason": "x", "missingDocuments": ["a"], "daysAllowed": 2 })),
        ("supplyDocuments", json!({ "dossierId": id })),
        ("requestPayment", json!({ "dossierId": id, "amount": 1000 })),
        ("confirmPayment", json!({ "dossierId": id, "method": "ONLINE" })),
        ("stopDossier", json!({ "dossierId": id, "reason": "x" })),
        ("withdrawDossier", json!({ "dossierId": id, "reason": "x" })),
        ("resolveDossier", json!({ "dossierId": id, "resultNumber": "1" })),
        ("returnResult", json!({ "dossierId": id })),
        ("apologize", json!({ "dossierId": id, "reason": "x", "newAppointment": "2030-01-01T00:00:00Z" })),
        ("transferDossier", json!({ "dossierId": id, "toAgencyCode": "91.STP" })),
    ]
}

#[tokio::test]
async fn every_command_on_another_agencys_dossier_answers_as_for_a_missing_one_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let specialist = app.user_id(SPECIALIST).await;
    let mut ids = Vec::new();
    // One dossier in each status a command can start from.
    let received = app.receive_new(DESK, COMMUNE, &procedure).await["id"].as_str().unwrap().to_owned();
    ids.push(received);
    let processing = app.receive_new(DESK, COMMUNE, &procedure).await["id"].as_str().unwrap().to_owned();
    app.ok(LEADER, "assignDossier", json!({ "dossierId": processing, "assigneeId": specialist })).await;
    ids.push(processing);
    let submitted = app
        .ok(
            "portal.dvc",
            "submitDossier",
            json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant() }),
        )
        .await;
    ids.push(submitted["dossier"]["id"].as_str().unwrap().to_owned());
    let missing = URL_SAFE_NO_PAD.encode(format!("Dossier:{}", uuid::Uuid::now_v7()));

    let before = snapshot(&app).await;
    let audited = audit_outcomes(&app).await.len();
    let mut tried = 0;
    for outsider in ["tochau.motcua", "stp.lanhdao", "rachgia.giamsat"] {
        for id in &ids {
            for ((name, input), (_, missing_input)) in
                every_command(id, &specialist).into_iter().zip(every_command(&missing, &specialist))
            {
                let foreign = app.command(outsider, name, input).await;
                let absent = app.command(outsider, name, missing_input).await;
                assert_eq!(foreign.error_codes(), ["NOT_FOUND"], "{outsider} {name}: {}", foreign.body);
                assert_eq!(foreign.body, absent.body, "{outsider} {name}: a foreign dossier must look missing");
                tried += 1;
            }
        }
    }
    assert_eq!(snapshot(&app).await, before, "refused commands wrote nothing");
    let outcomes = audit_outcomes(&app).await;
    assert_eq!(outcomes.len(), audited + 2 * tried, "every refused command is audited");
    assert!(outcomes[audited..].iter().all(|(_, outcome)| outcome == "NOT_FOUND"));
}

#[tokio::test]
async fn the_wrong_role_is_forbidden_and_an_invalid_transition_names_what_may_run() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let received = app.receive_new(DESK, COMMUNE, &procedure).await;
    let id = received["id"].as_str().unwrap();
    let before = snapshot(&app).await;

    // The desk does not sign; the supervisor reads but does not act; the portal only submits.
    let signing = app.command(DESK, "resolveDossier", json!({ "dossierId": id, "resultNumber": "1" })).await;
    assert_eq!(signing.error_codes(), ["FORBIDDEN"]);
    let supervising = app.command("tinh.giamsat", "withdrawDossier", json!({ "dossierId": id, "reason": "x" })).await;
    assert_eq!(supervising.error_codes(), ["FORBIDDEN"]);
    let portal = app.command("portal.dvc", "withdrawDossier", json!({ "dossierId": id, "reason": "x" })).await;
    assert_eq!(portal.error_codes(), ["NOT_FOUND"], "the portal cannot read dossiers");
    let foreign_desk = app
        .command(
            "tochau.motcua",
            "receiveDossier",
            json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant() }),
        )
        .await;
    assert_eq!(foreign_desk.error_codes(), ["FORBIDDEN"]);
    let anonymous = app
        .graphql(
            None,
            "mutation($i: WithdrawDossierInput!) { withdrawDossier(input: $i) { dossier { id } } }",
            json!({ "i": { "dossierId": id, "reason": "x" } }),
        )
        .await;
    assert_eq!(anonymous.error_codes(), ["UNAUTHENTICATED"]);

    let resolve = app.command(LEADER, "resolveDossier", json!({ "dossierId": id, "resultNumber": "1" })).await;
    assert_eq!(resolve.error_codes(), ["INVALID_TRANSITION"]);
    let extensions = &resolve.body["errors"][0]["extensions"];
    assert_eq!(extensions["status"], "RECEIVED");
    let allowed: Vec<&str> = extensions["allowed"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(allowed, ["assignDossier", "withdrawDossier", "apologize", "transferDossier", "attachDocument"]);

    // Step 2 is the specialist's: the desk cannot be assigned to it.
    let assign_leader =
        app.command(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": app.user_id(DESK).await })).await;
    assert_eq!(assign_leader.error_codes(), ["BAD_USER_INPUT"], "the desk cannot take the specialist's step");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let before = snapshot(&app).await;
    let mut bad_phone = applicant();
    bad_phone["phone"] = json!("12ab");
    let cases = [
        json!({ "procedureId": procedure, "applicant": bad_phone }),
        json!({ "procedureId": procedure }),
        json!({ "procedureId": "nonsense", "applicant": applicant() }),
        json!({ "procedureId": procedure, "applicant": applicant(), "channel": "ONLINE" }),
        json!({ "procedureId": app.procedure_id("91.STP", None).await, "agencyCode": "91.SXD", "applicant": applicant() }),
        json!({ "procedureId": procedure, "applicant": applicant(), "idempotencyKey": "" }),
    ];
    for input in cases {
        let reply = app.command(DESK, "receiveDossier", input.clone()).await;
        assert!(
            matches!(reply.error_codes().as_slice(), [code] if code == "BAD_USER_INPUT" || code == "FORBIDDEN"),
            "{input}: {}",
            reply.body
        );
        assert!(!reply.body["errors"][0]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(snapshot(&app).await, before);
}
