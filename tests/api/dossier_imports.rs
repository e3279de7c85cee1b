//! The import of dossiers: the documented example files — history that the
//! reports count as a plain count would, dossiers in flight that live on —,
//! every kind of bad row, a re-import that changes nothing, a dry run that
//! writes nothing.

use super::imports::{counts, import_as, rejected, report_of};
use motcua_tests::TestApp;
use serde_json::{json, Value};

const CSV: &str = include_str!("../../docs/examples/dossiers.csv");
const JSONL: &str = include_str!("../../docs/examples/dossiers.jsonl");
const HEADINGS: &str = "code,agency,procedure,version,channel,status,applicantName,applicantIdNumber,\
filedAt,receivedAt,pausedAt,finishedAt,returnedAt,outcome,assignee,slip";

async fn imported(app: &TestApp, user: &str, file_name: &str, content: &str, dry_run: bool) -> Value {
    report_of(app, "importDossiers", user, file_name, content, dry_run).await
}

async fn dossier(app: &TestApp, code: &str) -> Value {
    let query = "query($c: String!) { dossier(code: $c) { code status channel receivedAt dueAt finishedAt
        outcome currentStep assignee { username } events(first: 20) { edges { node { action note } } } } }";
    app.data(Some("tinh.giamsat"), query, json!({ "c": code })).await["dossier"].clone()
}

const COLUMNS: [&str; 12] = [
    "carriedOver",
    "receivedOnline",
    "receivedDirect",
    "receivedPostal",
    "resolvedEarly",
    "resolvedOnTime",
    "resolvedLate",
    "withdrawn",
    "refused",
    "stopped",
    "pending",
    "pendingOverdue",
];

/// The file's rows at Phường Vĩnh Thanh over the first five months of 2025,
/// as the II.06a columns count them: taken in online 2 (the online
/// resolution and the refused submission), at the desk 3, by post 1; ended
/// early, on time, late, withdrawn, refused and stopped one each; nothing
/// left pending.
const FILE_EARLY_2025: [i64; 12] = [0, 2, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0];

/// `before` with the file's rows added.
fn with_the_file(before: &[i64]) -> Vec<i64> {
    before.iter().zip(FILE_EARLY_2025).map(|(demo, file)| demo + file).collect()
}

/// The II.06a total of Phường Vĩnh Thanh (closed since 2025-06-30) over the
/// first five months of 2025.
async fn early_2025(app: &TestApp) -> Vec<i64> {
    let query = format!(
        "{{ dossierReport(agencyCode: \"30733\", from: \"2025-01-01\", to: \"2025-05-31\") {{ total {{ {} }} }} }}",
        COLUMNS.join(" ")
    );
    let data = app.data(Some("tinh.giamsat"), &query, json!({})).await;
    COLUMNS.iter().map(|c| data["dossierReport"]["total"][c].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn historical_dossiers_come_in_once_count_in_the_reports_and_those_in_flight_live_on() {
    let app = TestApp::spawn().await;
    // The demo's own dossiers of those months, the imported ones come on top of.
    let demo = early_2025(&app).await;

    let dry = imported(&app, "rachgia.quantri", "dossiers.csv", CSV, true).await;
    assert_eq!((dry["dryRun"].as_bool(), counts(&dry)), (Some(true), (10, 10, 0, 0)), "{dry}");
    assert!(dossier(&app, "30733-250303-0901").await.is_null(), "a dry run writes nothing");

    let done = imported(&app, "rachgia.quantri", "dossiers.csv", CSV, false).await;
    assert_eq!(counts(&done), (10, 10, 0, 0), "the same report: {done}");
    let returned = dossier(&app, "30733-250303-0901").await;
    assert_eq!((returned["status"].as_str(), returned["outcome"].as_str()), (Some("RETURNED"), Some("EARLY")));
    assert_eq!(returned["receivedAt"], "2025-03-03T01:10:00+00:00", "08:10 in Vietnam");
    assert_eq!(returned["dueAt"], "2025-03-04T10:00:00+00:00", "one working day, from the calendar");
    let actions: Vec<&str> =
        returned["events"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["IMPORT"], "no slip given: the import's own entry");
    assert_eq!(dossier(&app, "30733-250210-0901").await["outcome"], "ON_TIME", "a given outcome is kept");
    assert_eq!(dossier(&app, "30733-250402-0901").await["outcome"], "LATE", "computed: finished after its due day");
    assert_eq!(dossier(&app, "KG.30733.2025.000123").await["status"], "WITHDRAWN", "an old system's code is kept");

    // The report over the imported months counts the file's rows as a plain count would.
    assert_eq!(early_2025(&app).await, with_the_file(&demo));

    let again = imported(&app, "rachgia.quantri", "dossiers.csv", CSV, false).await;
    assert_eq!((again["created"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(10)), "{again}");
    assert_eq!(early_2025(&app).await, with_the_file(&demo), "nothing counted twice");

    // Slip entries given as JSON come in before the import's own.
    let jsonl = imported(&app, "rachgia.quantri", "dossiers.jsonl", JSONL, false).await;
    assert_eq!(counts(&jsonl), (2, 2, 0, 0), "{jsonl}");
    let with_slip = dossier(&app, "30733-250312-0901").await;
    let actions: Vec<&str> = with_slip["events"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["RECEIVE", "RESOLVE", "RETURN_RESULT", "IMPORT"]);

    // Those in flight are acted on at once, by the unit's own officials.
    let processing = dossier(&app, "30742-261124-0901").await;
    assert_eq!(
        (processing["currentStep"].as_i64(), &processing["assignee"]["username"]),
        (Some(2), &json!("vinhthanh.chuyenvien"))
    );
    let id_of = |code: &str| {
        let app = &app;
        let code = code.to_owned();
        async move {
            let data = app
                .data(Some("vinhthanh.motcua"), "query($c: String!) { dossier(code: $c) { id } }", json!({ "c": code }))
                .await;
            data["dossier"]["id"].as_str().expect("the unit reads its imported dossier").to_owned()
        }
    };
    let stepped = app
        .ok(
            "vinhthanh.chuyenvien",
            "completeStep",
            json!({ "dossierId": id_of("30742-261124-0901").await, "note": "Hợp lệ" }),
        )
        .await;
    assert_eq!(stepped["event"]["action"], "COMPLETE_STEP");
    let specialist = app.user_id("vinhthanh.chuyenvien").await;
    let received = id_of("30742-261125-0901").await;
    let assigned =
        app.ok("vinhthanh.lanhdao", "assignDossier", json!({ "dossierId": received, "assigneeId": specialist })).await;
    assert_eq!(assigned["dossier"]["status"], "PROCESSING");
}

#[tokio::test]
async fn a_code_imported_for_today_moves_the_next_code_past_it() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now() + chrono::Duration::hours(7);
    let code = format!("30742-{}-0950", now.format("%y%m%d"));
    let received = (now - chrono::Duration::minutes(5)).format("%Y-%m-%d %H:%M");
    let file = format!("{HEADINGS}\n{code},30742,1.001193,,DIRECT,RECEIVED,Võ Văn Ba,091111222333,,{received},,,,,,\n");
    let done = imported(&app, "rachgia.quantri", "today.csv", &file, false).await;
    assert_eq!(counts(&done), (1, 1, 0, 0), "{done}");
    let procedure = app.procedure_id("30742", None).await;
    let next = app.receive_new("vinhthanh.motcua", "30742", &procedure).await;
    assert_eq!(next["code"], format!("30742-{}-0951", now.format("%y%m%d")));
}

#[tokio::test]
async fn every_bad_dossier_row_is_reported_and_an_import_never_changes_a_dossier() {
    // Rows still in flight at Phường Vĩnh Thanh: a province's history
    // imported before it applies the 2025 plan.
    let app = TestApp::spawn_before_2025().await;
    let taken = app.all_dossiers("rachgia.giamsat", json!({ "agencyCode": "30733" }), "RECEIVED_AT_DESC").await;
    let taken = taken[0]["code"].as_str().unwrap().to_owned();
    let ok = "Trần Thị Bé,091000000001";
    let rows = [
        format!("30733-250203-0901,39999,1.001193,,DIRECT,RECEIVED,{ok},,2025-02-03 08:00,,,,,,"), // 2: unknown unit
        format!("30733-250203-0902,30733,9.999999,,DIRECT,RECEIVED,{ok},,2025-02-03 08:00,,,,,,"), // 3: unknown procedure
        format!("30733-230203-0903,30733,1.001193,,DIRECT,RETURNED,{ok},,2023-02-03 08:00,,2023-02-03 10:00,2023-02-04 08:00,,,"), // 4: no version in force
        format!("30733-250203-0904,30733,1.001193,,DIRECT,DONE,{ok},,2025-02-03 08:00,,,,,,"), // 5: not a status
        format!("30733-250203-0905,30733,1.001193,,DIRECT,SUBMITTED,{ok},2025-02-03 08:00,,,,,,,"), // 6: submitted at the desk
        format!("30733-250203-0906,30733,1.001193,,DIRECT,RESOLVED,{ok},,2025-02-03 08:00,,,,,,"), // 7: resolved, no finishedAt
        format!("30733-250203-0907,30733,1.001193,,DIRECT,RESOLVED,{ok},,2025-02-03 08:00,,2025-02-02 08:00,,,,"), // 8: finished before received
        format!("30733-250203-0908,30733,1.001193,,DIRECT,RECEIVED,{ok},,2099-02-03 08:00,,,,,,"), // 9: in the future
        format!("30733-250203-0909,30733,1.001193,,DIRECT,RECEIVED,{ok},,2025-02-03 08:00,,,,EARLY,,"), // 10: outcome in flight
        format!("30733-250203-0910,30733,1.001193,,DIRECT,PROCESSING,{ok},,2025-02-03 08:00,,,,,nobody,"), // 11: unknown assignee
        format!("30733-250203-0911,30733,1.001193,,FAX,RECEIVED,{ok},,2025-02-03 08:00,,,,,,"), // 12: not a channel
        format!("30733-250203-0912,30733,1.001193,,DIRECT,RECEIVED,{ok},,2025-02-03 08:00,,,,,,\"[{{\"\"action\"\": 1}}]\""), // 13: bad slip
        format!("30733-250203-0913,91.STP,1.001071,,DIRECT,RECEIVED,{ok},,2025-02-03 08:00,,,,,,"), // 14: outside the admin's units
        format!("30733-250203-0914,30733,1.001193,,DIRECT,SUPPLEMENT_REQUESTED,{ok},,2025-02-03 08:00,,,,,,"), // 15: paused, no pausedAt
        format!("{taken},30733,1.001193,,DIRECT,RECEIVED,{ok},,2025-02-03 08:00,,,,,,"), // 16: another dossier's code
        format!("30733-250203-0999,30733,1.001193,,DIRECT,RECEIVED,{ok},,2025-02-03 08:00,,,,,,"), // 17: good
        format!("30733-250203-0999,30733,1.001193,,DIRECT,RECEIVED,{ok},,2025-02-03 09:00,,,,,,"), // 18: twice in the file
    ];
    let file = format!("{HEADINGS}\n{}\n", rows.join("\n"));
    let done = imported(&app, "rachgia.quantri", "bad.csv", &file, false).await;
    let expected: Vec<(i64, String)> = [
        (2, "agency"),
        (3, "procedure"),
        (4, "procedure"),
        (5, "status"),
        (6, "status"),
        (7, "finishedAt"),
        (8, "finishedAt"),
        (9, "receivedAt"),
        (10, "outcome"),
        (11, "assignee"),
        (12, "channel"),
        (13, "slip"),
        (14, "agency"),
        (15, "pausedAt"),
        (16, "code"),
        (18, "code"),
    ]
    .into_iter()
    .map(|(row, column)| (row, column.to_owned()))
    .collect();
    let mut got = rejected(&done);
    got.sort();
    assert_eq!(got, expected, "{done}");
    assert_eq!(counts(&done), (17, 1, 0, 16));
    let kept = dossier(&app, &taken).await;
    assert_ne!(kept["receivedAt"], "2025-02-03T01:00:00+00:00", "the dossier already there is unchanged");

    // Without `dossier import` (a desk official), no row goes in.
    let reply = import_as(&app, "importDossiers", "vinhthanh.motcua", "bad.csv", &file, false).await;
    let report = &reply.body["data"]["importDossiers"];
    assert_eq!(report["created"], 0, "{}", reply.body);
}

#[tokio::test]
async fn a_bulk_import_rebuilds_the_indexes_and_the_counters_it_set_aside() {
    let app = TestApp::spawn().await;
    // What the command line does with a file over 20 MB: the big tables'
    // secondary indexes dropped for the load, the counters rebuilt after it.
    let reader = std::io::Cursor::new(CSV.as_bytes());
    let demo = early_2025(&app).await;
    let report = api::import_dossiers(&app.state, ("dossiers.csv", reader, u64::MAX), false, &|_| ()).await.unwrap();
    assert_eq!((report["created"].as_i64(), report["rejectedCount"].as_i64()), (Some(10), Some(0)), "{report}");
    assert_eq!(early_2025(&app).await, with_the_file(&demo), "counted as a plain count");
    let names = api::db::catalogue_names(&app.db).await.unwrap();
    for index in ["dossier_scope_filed", "dossier_scope_due", "dossier_event_dossier"] {
        assert!(names.contains(index), "{index} rebuilt");
    }
    // The demo's own dossiers still count: the province's pending total is
    // the plain count of its dossiers received and not finished.
    let query = "{ dossierReport(agencyCode: \"91\", from: \"2026-01-01\", to: \"2026-12-31\") { total { pending } } }";
    let pending = app.data(Some("tinh.giamsat"), query, json!({})).await["dossierReport"]["total"]["pending"].clone();
    let open = app
        .all_dossiers(
            "tinh.giamsat",
            json!({ "status": ["RECEIVED", "PROCESSING", "SUPPLEMENT_REQUESTED", "AWAITING_PAYMENT"] }),
            "RECEIVED_AT_DESC",
        )
        .await;
    assert_eq!(pending.as_i64(), Some(open.len() as i64));
}

#[tokio::test]
async fn a_line_that_is_not_json_stops_the_import_with_its_line_number() {
    let app = TestApp::spawn().await;
    let first = JSONL.lines().next().unwrap();
    let file = format!("{first}\n{{\"code\": \"30733-250312-0902\", \"agency\": \n");
    let reply = import_as(&app, "importDossiers", "rachgia.quantri", "broken.jsonl", &file, false).await;
    let error = &reply.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{}", reply.body);
    assert!(error["message"].as_str().unwrap().starts_with("line 2:"), "{}", reply.body);
    assert!(dossier(&app, "30733-250312-0901").await.is_null(), "a batch not yet full is not written");
}
