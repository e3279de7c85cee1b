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
    assert_eq!(body, serde_json::json!({ "data": { "agency": { "name": "Tỉnh Kiên Giang" } } }));
}
