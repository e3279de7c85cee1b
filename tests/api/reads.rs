//! How reads reach their rows: agencies, procedure versions and officials
//! from what the instance remembers (kept true by the announcements), a
//! dossier's slip read at the same time as the dossier, a page's relations
//! before its fields ask for them. Whichever way a row is reached, the
//! answer is the same, and follows every change at once.
//!
//! async-graphql writes an object's fields in the order they complete (those
//! ready at once in the query's order, then those that waited for a read),
//! so an answer read cold can list its keys in another order than the same
//! answer read warm: cold and warm answers are compared as JSON values, two
//! warm answers byte for byte.

use motcua_tests::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

/// Every field of a dossier, with the fields of its relations.
const EVERY_FIELD: &str = "id code status nationalStatusCode channel submittedAt receivedAt dueAt appointmentAt \
    clockPausedAt finishedAt returnedAt outcome overdue currentStep version documentsDigitized resultDigitized \
    applicant { kind name idNumber phone email address } fee { amount paidAt method } resultNumber \
    procedure { id code name version agency { code } } agency { id code name path } \
    receivingAgency { code name } competentAgency { code name } assignee { id username displayName } \
    signer { username displayName } portalSync { status } notices { notice status } documents { id } \
    events(first: 10) { edges { cursor node { id action statusFrom statusTo createdAt note \
      fromAgency { code } toAgency { code } fromUser { username displayName } toUser { username } } } \
      pageInfo { hasNextPage } }";

/// A page with every field of a dossier.
fn page_query() -> String {
    format!("{{ dossiers(first: 20) {{ edges {{ cursor node {{ {EVERY_FIELD} }} }} pageInfo {{ hasNextPage endCursor }} }} }}")
}

/// The fields of one dossier the single reads select.
const ONE: &str = "id code status receivedAt dueAt overdue procedure { code name } agency { code name } \
    assignee { username displayName } events(first: 20) { edges { cursor node { id action statusFrom \
    statusTo createdAt note fromUser { username } toAgency { code } } } pageInfo { hasNextPage } }";

/// The raw body of a query's answer.
async fn raw(app: &TestApp, user: &str, query: &str) -> String {
    let body = json!({ "query": query });
    let response = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(app.token(user))
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    let text = response.text().await.unwrap();
    assert!(!text.contains("\"errors\""), "{text}");
    text
}

#[tokio::test]
async fn a_page_reads_the_same_answer_whether_its_relations_are_remembered_or_read() {
    let app = TestApp::spawn().await;
    app.state.forget_remembered().await;
    let before = app.statements.get();
    let cold = raw(&app, "tinh.giamsat", &page_query()).await;
    let cold_statements = app.statements.get() - before;
    // The server's background tasks send statements too: the fewest of three counts.
    let (mut warm, mut warm_statements) = (String::new(), u64::MAX);
    for _ in 0..3 {
        let before = app.statements.get();
        warm = raw(&app, "tinh.giamsat", &page_query()).await;
        warm_statements = warm_statements.min(app.statements.get() - before);
    }
    let page: Value = serde_json::from_str(&warm).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&cold).unwrap(), page);
    let again: Value = serde_json::from_str(&raw(&app, "tinh.giamsat", &page_query()).await).unwrap();
    assert_eq!(again, page);
    let nodes = page["data"]["dossiers"]["edges"].as_array().unwrap();
    assert_eq!(nodes.len(), 20);
    // The same dossiers selected as `nodes`, and with a fragment.
    let as_nodes =
        format!("{{ dossiers(first: 20) {{ nodes {{ ...all }} }} }} fragment all on Dossier {{ {EVERY_FIELD} }}");
    let as_nodes: Value = serde_json::from_str(&raw(&app, "tinh.giamsat", &as_nodes).await).unwrap();
    let edge_nodes: Vec<&Value> = nodes.iter().map(|edge| &edge["node"]).collect();
    let listed: Vec<&Value> = as_nodes["data"]["dossiers"]["nodes"].as_array().unwrap().iter().collect();
    assert_eq!(listed, edge_nodes);
    // A page reads only the columns its fields show; a node reads them all.
    for edge in nodes.iter().step_by(3) {
        let id = &edge["node"]["id"];
        let node = format!("{{ node(id: {id}) {{ ... on Dossier {{ {EVERY_FIELD} }} }} }}");
        let node: Value = serde_json::from_str(&raw(&app, "tinh.giamsat", &node).await).unwrap();
        assert_eq!(node["data"]["node"], edge["node"]);
    }
    assert!(nodes.iter().any(|n| !n["node"]["assignee"].is_null()), "the page names assignees");
    assert!(nodes.iter().any(|n| !n["node"]["events"]["edges"][1].is_null()), "and slips");
    // Cold: the caller's official, the page, its agencies, versions, officials,
    // slips and portal states, then the agencies and officials the slips and
    // versions name (one statement each per level, whatever the page's size).
    assert!(cold_statements <= 14, "{cold_statements} statements");
    // Warm: the page, its slips, portal states, notices and documents;
    // agencies, versions and officials are remembered.
    assert_eq!(warm_statements, 5, "{warm_statements} statements");
}

#[tokio::test]
async fn a_dossier_reads_the_same_bytes_alone_in_a_page_and_as_a_node() {
    let app = TestApp::spawn().await;
    let page = app
        .data(Some("tinh.giamsat"), &format!("{{ dossiers(first: 30) {{ edges {{ node {{ {ONE} }} }} }} }}"), json!({}))
        .await;
    let nodes = page["dossiers"]["edges"].as_array().unwrap();
    let mut with_slips = 0;
    for (index, edge) in nodes.iter().enumerate() {
        let (id, code) = (edge["node"]["id"].as_str().unwrap(), edge["node"]["code"].as_str().unwrap());
        let alone = format!("{{ dossier(code: \"{code}\") {{ {ONE} }} }}");
        let node = format!("{{ node(id: \"{id}\") {{ ... on Dossier {{ {ONE} }} }} }}");
        if index % 2 == 0 {
            // Read cold: the same value.
            app.state.forget_remembered().await;
            let cold: Value = serde_json::from_str(&raw(&app, "tinh.giamsat", &alone).await).unwrap();
            assert_eq!(cold["data"]["dossier"], edge["node"], "{code}");
        }
        raw(&app, "tinh.giamsat", &alone).await;
        let (alone, node) = (raw(&app, "tinh.giamsat", &alone).await, raw(&app, "tinh.giamsat", &node).await);
        assert_eq!(alone, node.replacen("\"node\":", "\"dossier\":", 1), "{code}");
        let alone: Value = serde_json::from_str(&alone).unwrap();
        assert_eq!(alone["data"]["dossier"], edge["node"], "{code}");
        with_slips += usize::from(!alone["data"]["dossier"]["events"]["edges"][0].is_null());
    }
    assert!(with_slips > 10, "{with_slips} dossiers with a slip");
    // A dossier the caller may not see: null, and its slip is not read for it.
    let foreign = &nodes[0]["node"]["code"];
    let other = app.data(Some("stp.motcua"), &format!("{{ dossier(code: {foreign}) {{ {ONE} }} }}"), json!({})).await;
    assert!(other["dossier"].is_null(), "{other}");
}

/// Polls `read` until it gives `expected` (announcements reach another
/// instance within milliseconds; two seconds is ample).
async fn eventually(read: impl AsyncFn() -> Value, expected: &str) -> Value {
    let mut value = read().await;
    for _ in 0..40 {
        if value == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        value = read().await;
    }
    value
}

#[tokio::test]
async fn a_page_shows_an_agency_and_an_official_as_they_were_just_changed_on_any_instance() {
    let app = TestApp::spawn().await;
    let other = match app.database_url {
        Some(_) => Some(app.second_instance().await),
        None => None,
    };
    // A dossier of the commune assigned to its specialist, then the desk's
    // page, read (and so remembered) on the first instance.
    let procedure = app.procedure_id("30742", None).await;
    let received = app.receive_new("vinhthanh.motcua", "30742", &procedure).await;
    let specialist = app.user_id("vinhthanh.chuyenvien").await;
    app.ok("vinhthanh.lanhdao", "assignDossier", json!({ "dossierId": received["id"], "assigneeId": specialist }))
        .await;
    let query =
        "{ dossiers(first: 50) { edges { node { agency { code name } assignee { id username displayName } } } } }";
    let page = app.data(Some("vinhthanh.motcua"), query, json!({})).await;
    let official = page["dossiers"]["edges"][0]["node"]["assignee"].clone();
    assert_eq!(official["username"], "vinhthanh.chuyenvien", "{page}");
    let writer = other.as_ref().unwrap_or(&app);

    let rename = json!({ "input": { "code": "30742", "name": "Xã Vĩnh Thạnh (tên mới)" } });
    let renamed = writer
        .graphql(
            Some("rachgia.quantri"),
            "mutation($input: UpdateAgencyInput!) { updateAgency(input: $input) { name } }",
            rename,
        )
        .await;
    assert!(renamed.body.get("errors").is_none(), "{}", renamed.body);
    let input = json!({ "input": { "id": official["id"], "displayName": "Trần Văn Mới" } });
    let updated = writer
        .graphql(
            Some("vinhthanh.quantri"),
            "mutation($input: UpdateOfficialInput!) { updateOfficial(input: $input) { displayName } }",
            input,
        )
        .await;
    assert!(updated.body.get("errors").is_none(), "{}", updated.body);

    let agency_name = async || {
        let page = app.data(Some("vinhthanh.motcua"), query, json!({})).await;
        let edges = page["dossiers"]["edges"].as_array().unwrap().clone();
        let edge = edges.into_iter().find(|e| e["node"]["agency"]["code"] == "30742").unwrap();
        edge["node"]["agency"]["name"].clone()
    };
    assert_eq!(eventually(agency_name, "Xã Vĩnh Thạnh (tên mới)").await, "Xã Vĩnh Thạnh (tên mới)");
    let username = official["username"].clone();
    let display_name = async || {
        let page = app.data(Some("vinhthanh.motcua"), query, json!({})).await;
        let edges = page["dossiers"]["edges"].as_array().unwrap().clone();
        let edge = edges.into_iter().find(|e| e["node"]["assignee"]["username"] == username).unwrap();
        edge["node"]["assignee"]["displayName"].clone()
    };
    assert_eq!(eventually(display_name, "Trần Văn Mới").await, "Trần Văn Mới");
}
