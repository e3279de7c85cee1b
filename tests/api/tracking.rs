//! Citizen tracking, the audit log and the province calendar.

use motcua_tests::TestApp;
use serde_json::json;

const DESK: &str = "vinhthanh.motcua";
const TRACK: &str = "query($code: String!, $phone: String!) { trackDossier(code: $code, phone: $phone) {
    code status nationalStatusCode procedureName agencyName dueAt overdue
    steps { action status at } awaiting { kind reason documents supplyBy amount } } }";

#[tokio::test]
async fn an_applicant_tracks_a_dossier_by_code_and_phone_and_a_wrong_phone_looks_like_a_missing_code() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id("30742", None).await;
    let dossier = app.receive_new(DESK, "30742", &procedure).await;
    let id = dossier["id"].as_str().unwrap();
    let code = dossier["code"].as_str().unwrap();
    app.ok(
        "vinhthanh.lanhdao",
        "assignDossier",
        json!({ "dossierId": id, "assigneeId": app.user_id("vinhthanh.chuyenvien").await }),
    )
    .await;
    app.ok(
        "vinhthanh.chuyenvien",
        "requestSupplement",
        json!({
            "dossierId": id, "reason": "Thiếu giấy tờ", "missingDocuments": ["Bản sao sổ hộ khẩu"], "daysAllowed": 5,
        }),
    )
    .await;

    // The applicant's phone was given as "0912 345 678"; any usual spelling of it works.
    let found = app.data(None, TRACK, json!({ "code": code, "phone": "+84912345678" })).await;
    let tracked = &found["trackDossier"];
    assert_eq!(tracked["status"], "SUPPLEMENT_REQUESTED");
    assert_eq!(tracked["awaiting"]["kind"], "SUPPLEMENT");
    assert_eq!(tracked["awaiting"]["documents"], json!(["Bản sao sổ hộ khẩu"]));
    assert_eq!(tracked["awaiting"]["reason"], "Thiếu giấy tờ");
    let steps: Vec<&str> = tracked["steps"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(steps, ["RECEIVE", "ASSIGN", "REQUEST_SUPPLEMENT"]);
    // Nothing else of the dossier: no applicant, no officials.
    let fields = app
        .graphql(
            None,
            "query($c: String!) { trackDossier(code: $c, phone: \"0912345678\") { applicant { name } } }",
            json!({ "c": code }),
        )
        .await;
    assert_eq!(fields.status, 200);
    assert!(fields.body["errors"][0]["message"].as_str().unwrap().contains("applicant"), "{}", fields.body);

    let wrong_phone = app.graphql(None, TRACK, json!({ "code": code, "phone": "0999999999" })).await;
    let missing = app.graphql(None, TRACK, json!({ "code": "30742-250101-9999", "phone": "0912345678" })).await;
    assert_eq!(wrong_phone.body, missing.body);
    assert_eq!(wrong_phone.body, json!({ "data": { "trackDossier": null } }));
}

#[tokio::test]
async fn repeated_wrong_guesses_are_rate_limited() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id("30742", None).await;
    let code = app.receive_new(DESK, "30742", &procedure).await["code"].as_str().unwrap().to_owned();
    for guess in 0..5 {
        let reply = app.graphql(None, TRACK, json!({ "code": code, "phone": format!("090000000{guess}") })).await;
        assert_eq!(reply.body["data"]["trackDossier"], json!(null), "guess {guess}");
    }
    // Used up: even the right phone number is refused for a while.
    let limited = app.graphql(None, TRACK, json!({ "code": code, "phone": "0912345678" })).await;
    assert_eq!(limited.error_codes(), ["LIMIT_EXCEEDED"], "{}", limited.body);
}

/// Every `trackDossier` answer in a reply (one per operation of a batch).
fn answers(body: &serde_json::Value) -> Vec<serde_json::Value> {
    match body {
        serde_json::Value::Array(replies) => replies.iter().flat_map(answers).collect(),
        reply => vec![reply.clone()],
    }
}

/// How many answers were misses (`null`, no error) and how many refusals.
fn misses_and_refusals(answers: &[serde_json::Value]) -> (usize, usize) {
    let misses = answers.iter().filter(|a| a.get("errors").is_none() && a["data"]["trackDossier"].is_null()).count();
    let refused = answers
        .iter()
        .filter(|a| {
            a["errors"].as_array().is_some_and(|e| e.iter().all(|e| e["extensions"]["code"] == "LIMIT_EXCEEDED"))
        })
        .count();
    (misses, refused)
}

#[tokio::test]
async fn one_operation_may_ask_track_dossier_once_however_it_is_aliased() {
    let app = TestApp::spawn().await;
    let aliased = r#"{ a: trackDossier(code: "x", phone: "0900000001") { status }
                      b: trackDossier(code: "y", phone: "0900000002") { status } }"#;
    let reply = app.graphql(None, aliased, json!({})).await;
    assert_eq!(reply.error_codes(), ["LIMIT_EXCEEDED"], "{}", reply.body);
    let in_fragments = r#"{ ...A ...B } fragment A on Query { a: trackDossier(code: "x", phone: "1") { status } }
                          fragment B on Query { b: trackDossier(code: "y", phone: "2") { status } }"#;
    assert_eq!(app.graphql(None, in_fragments, json!({})).await.error_codes(), ["LIMIT_EXCEEDED"]);
    // Refused before the lookup: no guess was spent, five misses remain.
    for guess in 0..5 {
        let reply = app.graphql(None, TRACK, json!({ "code": "x", "phone": format!("090000000{guess}") })).await;
        assert_eq!(reply.body, json!({ "data": { "trackDossier": null } }), "guess {guess}");
    }
}

#[tokio::test]
async fn a_batch_of_guesses_gets_five_misses_and_refusals_for_the_rest() {
    let app = TestApp::spawn().await;
    let batch: Vec<_> = (0..10)
        .map(|i| json!({ "query": TRACK, "variables": { "code": format!("30742-260101-{i:04}"), "phone": "0900000000" } }))
        .collect();
    let reply = app.post_raw(None, serde_json::to_vec(&batch).unwrap()).await;
    let (misses, refused) = misses_and_refusals(&answers(&reply.body));
    assert_eq!((misses, refused), (5, 5), "{}", reply.body);
}

#[tokio::test]
async fn parallel_connections_share_the_five_misses_of_their_address() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id("30742", None).await;
    let code = app.receive_new(DESK, "30742", &procedure).await["code"].as_str().unwrap().to_owned();
    // Forty guesses at once, each on a connection of its own.
    let guesses = (0..40).map(|i| {
        let body =
            serde_json::to_vec(&json!({ "query": TRACK, "variables": { "code": code, "phone": format!("09{i:08}") } }))
                .unwrap();
        let url = app.url("/graphql");
        async move {
            let client = reqwest::Client::new();
            let response = client.post(url).header("content-type", "application/json").body(body).send().await.unwrap();
            response.json::<serde_json::Value>().await.unwrap()
        }
    });
    let replies = futures_util::future::join_all(guesses).await;
    let (misses, refused) = misses_and_refusals(&replies);
    assert_eq!((misses, refused), (5, 35), "{replies:?}");
    // A right answer found meanwhile is not a miss.
    let app2 = TestApp::spawn().await;
    let procedure = app2.procedure_id("30742", None).await;
    let code = app2.receive_new(DESK, "30742", &procedure).await["code"].as_str().unwrap().to_owned();
    for _ in 0..8 {
        let reply = app2.graphql(None, TRACK, json!({ "code": code, "phone": "0912345678" })).await;
        assert!(reply.body["data"]["trackDossier"]["status"].is_string(), "{}", reply.body);
    }
}

#[tokio::test]
async fn the_audit_log_shows_an_agencys_mutations_to_its_leaders_and_supervisors_only() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id("30742", None).await;
    let id = app.receive_new(DESK, "30742", &procedure).await["id"].as_str().unwrap().to_owned();
    let refused = app.command("tochau.motcua", "withdrawDossier", json!({ "dossierId": id, "reason": "x" })).await;
    assert_eq!(refused.error_codes(), ["NOT_FOUND"]);

    let query =
        "{ auditLog(first: 50) { edges { node { actor agencyPath operation targetType outcome requestId at } } } }";
    let leader = app.data(Some("vinhthanh.lanhdao"), query, json!({})).await;
    let rows = leader["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["node"]["operation"], "receiveDossier");
    assert_eq!(rows[0]["node"]["actor"], DESK);
    assert_eq!(rows[0]["node"]["outcome"], "OK");

    let supervisor = app.data(Some("tinh.giamsat"), query, json!({})).await;
    let outcomes: Vec<(&str, &str)> = supervisor["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["node"]["operation"].as_str().unwrap(), e["node"]["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes[..2], [("withdrawDossier", "NOT_FOUND"), ("receiveDossier", "OK")], "newest first");
    // Before them, what loaded the demo: the 2025 reorganisation of the province.
    assert_eq!(outcomes[2..], [("applyReorganization", "OK")]);
    // The refused attempt is filed under the caller's agency, not the dossier's.
    let tochau = app
        .data(Some("tinh.giamsat"), "{ auditLog(agencyCode: \"30766\") { edges { node { operation } } } }", json!({}))
        .await;
    assert_eq!(tochau["auditLog"]["edges"].as_array().unwrap().len(), 1);

    for user in ["vinhthanh.motcua", "vinhthanh.chuyenvien", "tochau.motcua"] {
        let none = app.data(Some(user), query, json!({})).await;
        assert_eq!(none["auditLog"]["edges"], json!([]), "{user} may not read the audit log");
    }
    assert_eq!(app.graphql(None, query, json!({})).await.error_codes(), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn an_admin_edits_the_province_calendar_and_new_deadlines_follow_it() {
    let app = TestApp::spawn().await;
    let calendar = "query { calendar(provinceCode: \"91\", year: 2025) { officeHours { cutoff afternoonEnd } days { date kind provinceCode } } }";
    let before = app.data(None, calendar, json!({})).await;
    assert_eq!(before["calendar"]["officeHours"]["cutoff"], "15:00");
    let days = before["calendar"]["days"].as_array().unwrap();
    assert!(days.iter().any(|d| d["date"] == "2025-01-28" && d["kind"] == "HOLIDAY"));

    let procedure = app.procedure_id("30742", Some("WORKING_DAYS")).await;
    app.set_clock(Some("2026-03-06 09:00"));
    let due_before = app.receive_new(DESK, "30742", &procedure).await["dueAt"].clone();

    // Monday 9 March 2026 becomes a provincial day off, and office hours end at 16:30.
    let set_day =
        "mutation($i: SetCalendarDayInput!) { setCalendarDay(input: $i) { days { date kind provinceCode } } }";
    let input =
        json!({ "i": { "provinceCode": "91", "date": "2026-03-09", "kind": "HOLIDAY", "name": "Nghỉ địa phương" } });
    assert_eq!(app.graphql(Some(DESK), set_day, input.clone()).await.error_codes(), ["FORBIDDEN"]);
    let edited = app.data(Some("tinh.quantri"), set_day, input).await;
    assert!(edited["setCalendarDay"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["date"] == "2026-03-09" && d["provinceCode"] == "91"));
    let hours =
        "mutation($i: SetOfficeHoursInput!) { setOfficeHours(input: $i) { officeHours { afternoonEnd cutoff } } }";
    let bad = json!({ "i": { "provinceCode": "91", "morningStart": "07:00", "morningEnd": "11:30", "afternoonStart": "13:30", "afternoonEnd": "12:00", "cutoff": "15:00" } });
    assert_eq!(app.graphql(Some("tinh.quantri"), hours, bad).await.error_codes(), ["BAD_USER_INPUT"]);
    let good = json!({ "i": { "provinceCode": "91", "morningStart": "07:30", "morningEnd": "11:30", "afternoonStart": "13:00", "afternoonEnd": "16:30", "cutoff": "15:30" } });
    let set = app.data(Some("tinh.quantri"), hours, good).await;
    assert_eq!(set["setOfficeHours"]["officeHours"]["afternoonEnd"], "16:30");

    let due_after = app.receive_new(DESK, "30742", &procedure).await["dueAt"].clone();
    let parse = |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    // One more working day (9 March is off now), ending at 16:30.
    let mut day = parse(&due_before).date_naive();
    day += chrono::Duration::days(1);
    while matches!(chrono::Datelike::weekday(&day), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        day += chrono::Duration::days(1);
    }
    let expected = day
        .and_hms_opt(16, 30, 0)
        .unwrap()
        .and_local_timezone(chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .unwrap();
    assert_eq!(parse(&due_after), expected, "{due_before} → {due_after}");

    let clear =
        "mutation { clearCalendarDay(input: { provinceCode: \"91\", date: \"2026-03-09\" }) { days { date } } }";
    app.data(Some("tinh.quantri"), clear, json!({})).await;
    assert_eq!(app.graphql(Some("tinh.quantri"), clear, json!({})).await.error_codes(), ["NOT_FOUND"]);
}
