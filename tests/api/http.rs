use motcua_tests::TestApp;

#[tokio::test]
async fn the_playground_health_readiness_and_metrics_endpoints_answer() {
    let app = TestApp::spawn().await;
    let page = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("graphiql") || page.contains("GraphiQL"), "the playground page is served");
    for (path, expected) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.text().await.unwrap(), expected);
    }
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("motcua_sql_statements_total"), "{metrics}");
}

#[tokio::test]
async fn queries_also_work_over_get() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ agency(code: \"91\") { name } }")])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "data": { "agency": { "name": "Tỉnh An Giang" } } }));
}

#[tokio::test]
async fn the_graphql_over_http_audits_pass_every_must_and_should() {
    let app = TestApp::spawn().await;
    let printed = motcua_tests::node("audit.mjs", &[&app.url("/graphql")], &[]).await;
    let results: Vec<serde_json::Value> = printed.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert!(results.len() > 30, "the audits ran: {printed}");
    let failed: Vec<_> =
        results.iter().filter(|r| r["status"] != "ok" && !r["name"].as_str().unwrap().starts_with("MAY")).collect();
    assert!(failed.is_empty(), "failed audits: {failed:#?}");
    let notices: Vec<_> = results.iter().filter(|r| r["status"] != "ok").collect();
    assert!(notices.is_empty(), "even the MAYs pass: {notices:#?}");
}

#[tokio::test]
async fn a_client_that_accepts_graphql_responses_gets_400_for_a_request_that_failed_before_running() {
    let app = TestApp::spawn().await;
    let send = |body: &'static str, accept: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(body)
            .send()
    };
    let response = send(r#"{"query":"{ nope }"}"#, "application/graphql-response+json").await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.headers()["content-type"], "application/graphql-response+json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body.get("data").is_none(), "no data entry: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    // A field's error is a result: 200, with data.
    let response =
        send(r#"{"query":"{ node(id: \"garbage\") { id } }"}"#, "application/graphql-response+json").await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // application/json: 200 for any GraphQL result.
    let response = send(r#"{"query":"{ nope }"}"#, "application/json").await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_415_and_a_mutation_over_get_405() {
    let app = TestApp::spawn().await;
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut request = app.client.post(app.url("/graphql")).body(r#"{"query":"{ __typename }"}"#);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
    let token = app.token("tinh.quantri");
    let mutation =
        r#"mutation { clearCalendarDay(input: { provinceCode: "91", date: "2025-01-01" }) { days { date } } }"#;
    let response =
        app.client.get(app.url("/graphql")).bearer_auth(&token).query(&[("query", mutation)]).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    // Nothing ran: the holiday is still there.
    let calendar = "{ calendar(provinceCode: \"91\", year: 2025) { days { date } } }";
    let data = app.data(None, calendar, serde_json::json!({})).await;
    assert!(data["calendar"]["days"].as_array().unwrap().iter().any(|d| d["date"] == "2025-01-01"), "{data}");
}
