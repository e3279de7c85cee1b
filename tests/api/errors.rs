//! Every error carries `extensions.code` — those before execution as much
//! as those of resolvers — and text PostgreSQL cannot store is refused alike
//! on both databases.

use motcua_tests::TestApp;
use serde_json::{json, Value};

/// The one code of a reply's errors (every error must have it).
fn the_code(reply: &motcua_tests::Reply) -> String {
    let codes = reply.error_codes();
    assert!(!codes.is_empty(), "no error: {}", reply.body);
    assert!(!codes.iter().any(|code| code == "<none>"), "an error without a code: {}", reply.body);
    assert!(codes.iter().all(|c| *c == codes[0]), "{codes:?}: {}", reply.body);
    codes[0].clone()
}

#[tokio::test]
async fn a_nul_character_is_bad_user_input_at_every_entry_point() {
    let app = TestApp::spawn().await;
    let nul = "a\u{0}b";
    let procedure = app.procedure_id("30742", None).await;
    let entry_points: Vec<(&str, &str, Value)> = vec![
        ("agency", "query($s: String!) { agency(code: $s) { code } }", json!({ "s": nul })),
        (
            "agencies",
            "query($s: String) { agencies(filter: { search: $s }) { edges { node { code } } } }",
            json!({ "s": nul }),
        ),
        (
            "agencies by parent",
            "query($s: String) { agencies(filter: { parentCode: $s }) { edges { node { code } } } }",
            json!({ "s": nul }),
        ),
        ("procedure", "query($s: ID!) { procedure(id: $s) { code } }", json!({ "s": nul })),
        (
            "procedures",
            "query($s: String) { procedures(filter: { agencyCode: $s }) { edges { node { code } } } }",
            json!({ "s": nul }),
        ),
        (
            "procedures by search",
            "query($s: String) { procedures(filter: { search: $s }) { edges { node { code } } } }",
            json!({ "s": nul }),
        ),
        ("dossier", "query($s: String!) { dossier(code: $s) { code } }", json!({ "s": nul })),
        (
            "dossiers",
            "query($s: String) { dossiers(filter: { search: $s }) { edges { node { code } } } }",
            json!({ "s": nul }),
        ),
        (
            "dossiers by procedure",
            "query($s: String) { dossiers(filter: { procedureCode: $s }) { totalCount } }",
            json!({ "s": nul }),
        ),
        ("node", "query($s: ID!) { node(id: $s) { id } }", json!({ "s": nul })),
        (
            "dossierReport",
            r#"query($s: String!) { dossierReport(agencyCode: $s, from: "2026-01-01", to: "2026-01-31") { total { received } } }"#,
            json!({ "s": nul }),
        ),
        (
            "serviceIndex",
            r#"query($s: String!) { serviceIndex(agencyCode: $s, from: "2026-01-01", to: "2026-01-31") { receivedOnline { count } } }"#,
            json!({ "s": nul }),
        ),
        ("catalogStats", "query($s: String!) { catalogStats(agencyCode: $s) { procedures } }", json!({ "s": nul })),
        (
            "trackDossier",
            "query($s: String!) { trackDossier(code: $s, phone: \"0912345678\") { status } }",
            json!({ "s": nul }),
        ),
        (
            "auditLog",
            "query($s: String) { auditLog(agencyCode: $s) { edges { node { operation } } } }",
            json!({ "s": nul }),
        ),
        (
            "calendar",
            "query($s: String!) { calendar(provinceCode: $s, year: 2026) { days { date } } }",
            json!({ "s": nul }),
        ),
        (
            "receiveDossier",
            "mutation($i: ReceiveDossierInput!) { receiveDossier(input: $i) { dossier { code } } }",
            json!({ "i": { "procedureId": procedure, "applicant": { "name": nul, "idNumber": "091203004567", "phone": "0912345678", "address": "x" } } }),
        ),
        ("a literal", r#"{ agency(code: "a\u0000b") { code } }"#, json!({})),
    ];
    for (name, query, variables) in entry_points {
        let reply = app.graphql(Some("tinh.giamsat"), query, variables).await;
        assert_eq!(the_code(&reply), "BAD_USER_INPUT", "{name}: {}", reply.body);
        assert!(reply.body.get("data").is_none(), "{name}: refused before it ran: {}", reply.body);
    }
    let (status, _, body) = app.download(Some("tinh.giamsat"), "/reports/catalog-stats.csv?agencyCode=a%00b").await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn every_failure_before_execution_has_a_code() {
    let app = TestApp::spawn().await;
    let cases: Vec<(&str, &str, Value, Option<&str>, &str)> = vec![
        ("a syntax error", "{ agency(code: \"91\") { name }", json!({}), None, "GRAPHQL_PARSE_FAILED"),
        ("an unknown field", "{ agency(code: \"91\") { nope } }", json!({}), None, "GRAPHQL_VALIDATION_FAILED"),
        ("a literal of the wrong type", "{ agency(code: 91) { name } }", json!({}), None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "a variable of the wrong type",
            "query($c: String!) { agency(code: $c) { name } }",
            json!({ "c": 91 }),
            None,
            "BAD_USER_INPUT",
        ),
        (
            "a required variable left out",
            "query($c: String!) { agency(code: $c) { name } }",
            json!({}),
            None,
            "BAD_USER_INPUT",
        ),
        (
            "an undeclared variable",
            "{ agency(code: $c) { name } }",
            json!({ "c": "91" }),
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("an unknown operation name", "query A { __typename }", json!({}), Some("B"), "OPERATION_RESOLUTION_FAILURE"),
        (
            "several operations, none named",
            "query A { __typename } query B { __typename }",
            json!({}),
            None,
            "OPERATION_RESOLUTION_FAILURE",
        ),
        (
            "two operations of one name",
            "query A { __typename } query A { __typename }",
            json!({}),
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("a fragment cycle", "{ ...A } fragment A on Query { ...A }", json!({}), None, "GRAPHQL_VALIDATION_FAILED"),
        ("an unknown fragment", "{ ...A }", json!({}), None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "an unused fragment",
            "{ __typename } fragment A on Query { __typename }",
            json!({}),
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("an unknown directive", "{ __typename @nope }", json!({}), None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "a repeated directive",
            "{ agency(code: \"91\") @skip(if: false) @skip(if: false) { name } }",
            json!({}),
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "an unknown argument",
            "{ agency(code: \"91\", nope: 1) { name } }",
            json!({}),
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("a missing argument", "{ agency { name } }", json!({}), None, "GRAPHQL_VALIDATION_FAILED"),
        ("an object without a selection", "{ agency(code: \"91\") }", json!({}), None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "a subscription over HTTP",
            "subscription { dossierEvents(agencyCode: \"91\") { action } }",
            json!({}),
            None,
            "BAD_REQUEST",
        ),
        (
            "a document without operations",
            "fragment A on Query { __typename }",
            json!({}),
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (name, query, variables, operation_name, code) in cases {
        let body = json!({ "query": query, "variables": variables, "operationName": operation_name });
        let reply = app.post_raw(Some(&app.token("tinh.giamsat")), serde_json::to_vec(&body).unwrap()).await;
        assert!(reply.body.get("errors").is_some(), "{name}: no error: {}", reply.body);
        assert_eq!(the_code(&reply), code, "{name}: {}", reply.body);
        assert_eq!(reply.status, 200, "{name}: application/json answers GraphQL failures with 200");
    }
}

#[tokio::test]
async fn a_value_that_does_not_parse_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let query = "query($d: Date!) { dossierReport(agencyCode: \"91\", from: $d, to: $d) { total { received } } }";
    let reply = app.graphql(Some("tinh.giamsat"), query, json!({ "d": "31/01/2026" })).await;
    assert_eq!(the_code(&reply), "BAD_USER_INPUT", "{}", reply.body);
    let reply = app.graphql(Some("tinh.giamsat"), "{ node(id: \"garbage\") { id } }", json!({})).await;
    assert_eq!(the_code(&reply), "BAD_USER_INPUT", "{}", reply.body);
    let reply = app
        .graphql(
            Some("tinh.giamsat"),
            "{ dossiers(filter: { receivedFrom: \"yesterday\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"].contains(&the_code(&reply).as_str()), "{}", reply.body);
}

#[tokio::test]
async fn the_standard_introspection_query_passes_and_a_setting_turns_introspection_off() {
    let query = include_str!("introspection.graphql");
    let app = TestApp::spawn().await;
    let reply = app.graphql(None, query, json!({})).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let types = reply.body["data"]["__schema"]["types"].as_array().expect("the types");
    assert!(types.iter().any(|t| t["name"] == "Dossier"), "the schema's own types are there");

    let closed = TestApp::spawn_with(|settings| settings.limits.no_introspection = true).await;
    let reply = closed.graphql(None, query, json!({})).await;
    assert!(reply.body["data"].is_null(), "{}", reply.body);
    let codes = reply.error_codes();
    assert!(!codes.is_empty() && codes.iter().all(|c| c != "<none>" && c != "INTERNAL"), "{}", reply.body);
    // The API itself still answers.
    let data = closed.data(None, r#"{ agency(code: "91") { name } }"#, json!({})).await;
    assert_eq!(data["agency"]["name"], "Tỉnh An Giang");
}
