//! The playground in a real browser (Debian's Chromium, headless) with every
//! request to anything but the server refused, as on a closed provincial
//! network: it must load, read the schema and answer queries.

use motcua_tests::TestApp;

async fn visit(app: &TestApp) -> serde_json::Value {
    let chromium = tokio::task::spawn_blocking(motcua_tests::chromium).await.unwrap();
    let printed =
        motcua_tests::node("playground.mjs", &[&app.url("/")], &[("CHROMIUM", chromium.to_str().unwrap())]).await;
    serde_json::from_str(printed.trim()).unwrap_or_else(|_| panic!("the browser test printed {printed}"))
}

#[tokio::test]
async fn the_playground_works_with_the_network_closed_and_signs_in_as_a_demo_official() {
    let app = TestApp::spawn().await;
    let seen = visit(&app).await;
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen:#}");
    assert_eq!(seen["blocked"], serde_json::json!([]), "nothing asked for a server but ours: {seen:#}");
    assert_eq!(seen["introspected"], true, "{seen:#}");
    assert!(seen["docs"].as_str().unwrap().contains("Query"), "{seen:#}");
    assert!(seen["answered"].as_str().unwrap().contains("\"data\""), "{seen:#}");
    let signed_in = seen["asOfficial"].as_str().expect("the demo bar was shown");
    assert!(signed_in.contains("vinhthanh.motcua") && signed_in.contains("30742"), "{seen:#}");
}

#[tokio::test]
async fn without_demo_data_the_playground_offers_no_tokens() {
    let app = TestApp::spawn_with(|settings| settings.no_demo = true).await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"<script type="application/json" id="demo-officials">[]</script>"#), "{page}");
    assert!(!page.contains("https://"), "the page names no other server");
    for asset in ["graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"] {
        let response = app.client.get(app.url(&format!("/playground/{asset}"))).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{asset}");
        let text = response.text().await.unwrap();
        assert!(text.len() > 10_000, "{asset}");
        assert!(!text.contains("react.development"), "{asset} is a production build");
    }
}
