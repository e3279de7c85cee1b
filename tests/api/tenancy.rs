use motcua_tests::{TestApp, DEMO_DOSSIERS};
use serde_json::{json, Value};

async fn one_dossier_of(app: &TestApp, user: &str) -> Value {
    let data = app
        .data(
            Some(user),
            "{ dossiers(first: 1) { edges { node { id code events(first: 1) { edges { node { id } } } } } } }",
            json!({}),
        )
        .await;
    data["dossiers"]["edges"][0]["node"].clone()
}

#[tokio::test]
async fn a_commune_receiver_sees_only_its_communes_dossiers() {
    let app = TestApp::spawn().await;
    let dossiers = app.all_dossiers("vinhthanh.motcua", Value::Null, "RECEIVED_AT_DESC").await;
    assert!(dossiers.len() > 20, "the demo gives Rạch Giá many dossiers, got {}", dossiers.len());
    // Phường Rạch Giá and the units the 2025 reorganisation closed into it,
    // whose archive came with the merge.
    let query = r#"{ agency(code: "30742") { path predecessors { path } } }"#;
    let ward = app.data(None, query, json!({})).await["agency"].clone();
    let mut paths: Vec<&str> =
        ward["predecessors"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"/91/899/30733/"), "Phường Vĩnh Thanh is one: {ward}");
    paths.push(ward["path"].as_str().unwrap());
    for dossier in &dossiers {
        assert!(paths.contains(&dossier["agency"]["path"].as_str().unwrap()), "{dossier}");
    }
    assert!(dossiers.iter().any(|d| d["agency"]["path"] == "/91/30742/"), "and dossiers received since");
    let total = app.data(Some("vinhthanh.motcua"), "{ dossiers { totalCount } }", json!({})).await;
    assert_eq!(total["dossiers"]["totalCount"], dossiers.len());
}

#[tokio::test]
async fn another_communes_dossier_gets_the_same_answer_as_a_missing_one() {
    let app = TestApp::spawn().await;
    let foreign = one_dossier_of(&app, "vinhthanh.motcua").await;
    let code = foreign["code"].as_str().unwrap();
    let id = foreign["id"].as_str().unwrap();
    let event_id = foreign["events"]["edges"][0]["node"]["id"].as_str().unwrap();
    let missing_code = "30733-991231-9999";
    // A well-formed ID of a dossier that does not exist.
    let missing_id = base64_url("Dossier:01900000-0000-7000-8000-000000000000");
    let missing_event_id = base64_url("DossierEvent:01900000-0000-7000-8000-000000000000");
    let user = Some("tochau.motcua");

    let by_code = |c: &str| format!(r#"{{ dossier(code: "{c}") {{ code status }} }}"#);
    assert_eq!(
        app.graphql(user, &by_code(code), json!({})).await.body,
        app.graphql(user, &by_code(missing_code), json!({})).await.body
    );
    assert_eq!(app.graphql(user, &by_code(code), json!({})).await.body, json!({ "data": { "dossier": null } }));

    let by_node = |i: &str| format!(r#"{{ node(id: "{i}") {{ id ... on Dossier {{ code }} }} }}"#);
    assert_eq!(
        app.graphql(user, &by_node(id), json!({})).await.body,
        app.graphql(user, &by_node(&missing_id), json!({})).await.body
    );
    assert_eq!(
        app.graphql(user, &by_node(event_id), json!({})).await.body,
        app.graphql(user, &by_node(&missing_event_id), json!({})).await.body
    );

    let nested = |c: &str| {
        format!(r#"{{ dossiers(filter: {{ search: "{c}" }}) {{ totalCount edges {{ node {{ code }} }} }} }}"#)
    };
    assert_eq!(
        app.graphql(user, &nested(code), json!({})).await.body,
        app.graphql(user, &nested(missing_code), json!({})).await.body
    );

    let aliased = |a: &str, b: &str| {
        format!(
            r#"{{ a: dossier(code: "{a}") {{ code }} b: dossier(code: "{b}") {{ code }} c: node(id: "{id}") {{ id }} }}"#
        )
    };
    let reply = app.graphql(user, &aliased(code, missing_code), json!({})).await.body;
    assert_eq!(reply, json!({ "data": { "a": null, "b": null, "c": null } }));

    // The owner does see it, so the answers above are not empty for another reason.
    let own = app.graphql(Some("vinhthanh.motcua"), &by_code(code), json!({})).await;
    assert_eq!(own.data()["dossier"]["code"], code);
    let own_node = app.graphql(Some("vinhthanh.motcua"), &by_node(id), json!({})).await;
    assert_eq!(own_node.data()["node"]["code"], code);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn a_district_leader_sees_the_districts_own_dossiers_but_not_its_communes() {
    // Districts were abolished on 2025-07-01: the demo as it stood before.
    let app = TestApp::spawn_before_2025().await;
    let dossiers = app.all_dossiers("rachgia.lanhdao", Value::Null, "RECEIVED_AT_DESC").await;
    assert!(!dossiers.is_empty());
    assert!(dossiers.iter().all(|d| d["agency"]["code"] == "899"), "a district leader saw a commune's dossier");
    let commune_dossier = one_dossier_of(&app, "vinhthanh.motcua").await;
    let reply = app
        .graphql(
            Some("rachgia.lanhdao"),
            &format!(r#"{{ dossier(code: "{}") {{ code }} }}"#, commune_dossier["code"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(reply.body, json!({ "data": { "dossier": null } }));
}

#[tokio::test]
async fn the_province_supervisor_sees_the_whole_province_and_can_narrow_to_a_subtree() {
    let app = TestApp::spawn().await;
    let total = app.data(Some("tinh.giamsat"), "{ dossiers { totalCount } }", json!({})).await;
    assert_eq!(total["dossiers"]["totalCount"], DEMO_DOSSIERS);

    let district = app.all_dossiers("tinh.giamsat", json!({ "agencyCode": "899" }), "RECEIVED_AT_DESC").await;
    assert!(district.iter().all(|d| d["agency"]["path"].as_str().unwrap().starts_with("/91/899/")));
    assert!(district.iter().any(|d| d["agency"]["code"] == "899"));
    let in_a_commune =
        |d: &&Value| d["agency"]["path"].as_str().unwrap().split('/').filter(|s| !s.is_empty()).count() == 3;
    assert!(district.iter().any(|d| in_a_commune(&d)), "the district's communes' dossiers too");

    let only_district =
        app.all_dossiers("tinh.giamsat", json!({ "agencyCode": "899", "subtree": false }), "RECEIVED_AT_DESC").await;
    assert!(!only_district.is_empty() && only_district.len() < district.len());
    assert!(only_district.iter().all(|d| d["agency"]["code"] == "899"));
}

#[tokio::test]
async fn a_filter_never_widens_what_the_caller_may_see() {
    let app = TestApp::spawn().await;
    let reply = app
        .data(Some("vinhthanh.motcua"), r#"{ dossiers(filter: { agencyCode: "91" }) { totalCount } }"#, json!({}))
        .await;
    let own = app.data(Some("vinhthanh.motcua"), "{ dossiers { totalCount } }", json!({})).await;
    assert_eq!(reply["dossiers"]["totalCount"], own["dossiers"]["totalCount"]);
    let other = app
        .data(Some("vinhthanh.motcua"), r#"{ dossiers(filter: { agencyCode: "30766" }) { totalCount } }"#, json!({}))
        .await;
    assert_eq!(other["dossiers"]["totalCount"], 0);
}

#[tokio::test]
async fn filters_by_status_channel_and_overdue_hold_for_every_row() {
    let app = TestApp::spawn().await;
    let query = r#"query($filter: DossierFilter) { dossiers(filter: $filter, first: 100) { edges { node { status channel overdue dueAt } } } }"#;
    let rows = |data: Value| {
        data["dossiers"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect::<Vec<_>>()
    };
    let processing = rows(
        app.data(
            Some("tinh.giamsat"),
            query,
            json!({ "filter": { "status": ["PROCESSING", "RECEIVED"], "channel": ["ONLINE"] } }),
        )
        .await,
    );
    assert!(!processing.is_empty());
    assert!(processing
        .iter()
        .all(|d| (d["status"] == "PROCESSING" || d["status"] == "RECEIVED") && d["channel"] == "ONLINE"));
    let overdue = rows(app.data(Some("tinh.giamsat"), query, json!({ "filter": { "overdue": true } })).await);
    assert!(!overdue.is_empty(), "the demo has overdue dossiers");
    assert!(overdue.iter().all(|d| d["overdue"] == true));
    let on_track = rows(app.data(Some("tinh.giamsat"), query, json!({ "filter": { "overdue": false } })).await);
    assert!(on_track.iter().all(|d| d["overdue"] == false));
}

/// A dossier a commune received and transferred to a department (*liên
/// thông*): the department holds it, the commune keeps sight of it, nobody
/// else gains it. (The transfer is written straight into the database.)
#[tokio::test]
async fn a_transferred_dossier_stays_visible_to_the_agency_that_received_it() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id("30742", None).await;
    let code = app.receive_new("vinhthanh.motcua", "30742", &procedure).await["code"].as_str().unwrap().to_owned();
    let moved = app
        .db
        .execute(Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "UPDATE dossier SET agency_id = (SELECT id FROM agency WHERE code = '91.STP'), \
                 agency_path = '/91/STP/', transferred = true WHERE code = '{code}'"
            ),
        ))
        .await
        .unwrap();
    assert_eq!(moved.rows_affected(), 1);

    let codes = |rows: Vec<Value>| rows.iter().map(|r| r["code"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let by_code = format!(r#"{{ dossier(code: "{code}") {{ code agency {{ code }} receivingAgency {{ code }} }} }}"#);
    for user in ["vinhthanh.motcua", "stp.motcua", "tinh.giamsat"] {
        let listed = codes(app.all_dossiers(user, Value::Null, "RECEIVED_AT_DESC").await);
        assert_eq!(listed.iter().filter(|c| **c == code).count(), 1, "{user} lists it once");
        let found = app.data(Some(user), &by_code, json!({})).await;
        assert_eq!(found["dossier"]["agency"]["code"], "91.STP", "{user}");
        assert_eq!(found["dossier"]["receivingAgency"]["code"], "30742", "{user}");
    }
    for user in ["tochau.motcua", "rachgia.giamsat"] {
        assert!(!codes(app.all_dossiers(user, Value::Null, "RECEIVED_AT_DESC").await).contains(&code), "{user}");
        assert!(app.data(Some(user), &by_code, json!({})).await["dossier"].is_null(), "{user}");
    }
    // Narrowed to an agency: the department's dossiers received by the commune,
    // and the commune's view of the department.
    let filtered = |user: &'static str, agency: &'static str| {
        let app = &app;
        async move { codes(app.all_dossiers(user, json!({ "agencyCode": agency }), "DUE_AT_ASC").await) }
    };
    assert!(filtered("stp.motcua", "30742").await.contains(&code));
    assert!(filtered("vinhthanh.motcua", "91.STP").await.contains(&code));
    assert!(filtered("tinh.giamsat", "30742").await.contains(&code));
    assert!(filtered("tinh.giamsat", "91.STP").await.contains(&code));
    assert!(!filtered("tinh.giamsat", "30766").await.contains(&code));
}
