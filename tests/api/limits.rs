use motcua_tests::TestApp;
use serde_json::json;

/// Sends `query` twice: the second time the server has its parse in memory,
/// and the limits must hold all the same.
async fn assert_limit(app: &TestApp, query: &str) {
    for attempt in ["first", "remembered"] {
        let reply = app.graphql(Some("tinh.giamsat"), query, json!({})).await;
        assert_eq!(reply.error_codes(), vec!["LIMIT_EXCEEDED"], "{attempt}: {}", reply.body);
        assert!(reply.body["data"].is_null() || reply.body["data"]["dossiers"].is_null(), "{}", reply.body);
    }
}

#[tokio::test]
async fn a_query_nested_too_deep_is_refused() {
    let app = TestApp::spawn().await;
    let nested = (0..13).fold("code".to_owned(), |inner, _| format!("parent {{ {inner} }}"));
    assert_limit(&app, &format!(r#"{{ agency(code: "30742") {{ {nested} }} }}"#)).await;
}

#[tokio::test]
async fn a_query_too_complex_is_refused() {
    let app = TestApp::spawn().await;
    assert_limit(
        &app,
        "{ dossiers(first: 100) { edges { node { code events(first: 100) { edges { node { action note } } } } } } }",
    )
    .await;
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..31).map(|i| format!("a{i}: me {{ user {{ username }} }} ")).collect();
    assert_limit(&app, &format!("{{ {aliases} }}")).await;
}

#[tokio::test]
async fn a_page_larger_than_a_hundred_is_refused() {
    let app = TestApp::spawn().await;
    assert_limit(&app, "{ dossiers(first: 101) { edges { node { code } } } }").await;
    let reply =
        app.graphql(Some("tinh.giamsat"), "{ dossiers(first: -1) { edges { node { code } } } }", json!({})).await;
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn a_batch_of_more_than_ten_operations_is_refused() {
    let app = TestApp::spawn().await;
    let batch: Vec<_> =
        (0..11).map(|_| json!({ "query": "{ procedures(first: 1) { edges { node { code } } } }" })).collect();
    let reply = app.post_raw(None, serde_json::to_vec(&batch).unwrap()).await;
    assert_eq!(reply.error_codes(), vec!["LIMIT_EXCEEDED"]);
    let small: Vec<_> =
        (0..3).map(|_| json!({ "query": "{ procedures(first: 1) { edges { node { code } } } }" })).collect();
    let reply = app.post_raw(None, serde_json::to_vec(&small).unwrap()).await;
    assert_eq!(reply.body.as_array().map(Vec::len), Some(3), "{}", reply.body);
}

#[tokio::test]
async fn an_oversized_body_is_refused_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(2 << 20);
    let body =
        serde_json::to_vec(&json!({ "query": format!("{{ me {{ user {{ username }} }} }} # {padding}") })).unwrap();
    let reply = app.post_raw(None, body).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_codes(), vec!["LIMIT_EXCEEDED"]);
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn malformed_requests_get_bad_request_and_malformed_arguments_bad_user_input() {
    let app = TestApp::spawn().await;
    let reply = app.post_raw(None, b"{ this is not json".to_vec()).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_codes(), vec!["BAD_REQUEST"]);
    let reply =
        app.graphql(Some("tinh.giamsat"), r#"{ dossiers(after: "not-a-cursor") { totalCount } }"#, json!({})).await;
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);
    let reply = app.graphql(None, r#"{ node(id: "garbage") { id } }"#, json!({})).await;
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);
}
