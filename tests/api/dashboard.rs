//! The agency dashboard at `/dashboard` in a real browser (Debian's
//! Chromium, headless, every other server refused): its figures are the
//! GraphQL answer's, a figure opens exactly its dossiers, a dossier its
//! slip, a command moves the figure on screen, and a commune's leader sees
//! nothing of the province. Screenshots go to the test's output folder.

use motcua_tests::TestApp;
use serde_json::{json, Value};

const FIGURES: &str = "totalToResolve carriedOver received receivedOnline receivedDirect receivedPostal movedIn resolved \
    resolvedEarly resolvedOnTime resolvedLate pending pendingWithinDeadline pendingOverdue withdrawn refused stopped movedOut";

async fn total(app: &TestApp, user: &str, period: &Value) -> Value {
    let query = format!(
        "query($a: String!, $f: Date!, $t: Date!) {{ dossierReport(agencyCode: $a, from: $f, to: $t) {{ total {{ {FIGURES} }} }} }}"
    );
    let variables = json!({ "a": period["agency"], "f": period["from"], "t": period["to"] });
    app.data(Some(user), &query, variables).await["dossierReport"]["total"].clone()
}

#[tokio::test]
async fn the_dashboard_shows_the_api_s_figures_drills_down_and_moves_with_the_desks() {
    let app = TestApp::spawn().await;
    let chromium = tokio::task::spawn_blocking(motcua_tests::chromium).await.unwrap();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&shots).unwrap();
    let procedure = app.procedure_id("30742", None).await;
    let desk = app.token("vinhthanh.motcua");
    let printed = motcua_tests::node(
        "dashboard.mjs",
        &[&app.url("/"), shots.to_str().unwrap()],
        &[
            ("CHROMIUM", chromium.to_str().unwrap()),
            ("DESK_TOKEN", &desk),
            ("PROCEDURE_ID", &procedure),
            ("DESK_AGENCY", "30742"),
        ],
    )
    .await;
    let seen: Value =
        serde_json::from_str(printed.trim()).unwrap_or_else(|_| panic!("the browser test printed {printed}"));
    assert_eq!(seen["failure"], Value::Null, "{seen:#}");
    assert_eq!(seen["errors"], json!([]), "{seen:#}");
    assert_eq!(seen["blocked"], json!([]), "nothing asked for another server: {seen:#}");

    // The supervisor: the figures on screen, after the live change, are the API's now.
    let supervisor = &seen["supervisor"];
    assert_eq!(supervisor["period"]["agency"], "91", "{seen:#}");
    assert_eq!(supervisor["totalAfter"], total(&app, "tinh.giamsat", &supervisor["period"]).await, "{seen:#}");
    // The charts (Chart.js): three bars a row of the report and a month of the period.
    assert!(supervisor["rows"].as_i64().unwrap() > 2, "{seen:#}");
    assert_eq!(supervisor["charts"][0], supervisor["rows"].as_i64().unwrap() * 3 - 3, "{seen:#}");
    assert!(supervisor["charts"][1].as_i64().unwrap() >= 3 && supervisor["canvases"] == 2, "{seen:#}");
    assert_eq!(supervisor["indexRows"], 6);
    // The download is the report on screen: its total row holds the figures read before the change.
    let csv = &supervisor["csv"];
    assert!(csv["name"].as_str().unwrap().ends_with(".csv"), "{seen:#}");
    let total_line = csv["lines"].as_array().unwrap().last().unwrap().as_str().unwrap().to_owned();
    let cells: Vec<&str> = total_line.split(',').collect();
    assert_eq!(cells[1], "Tổng cộng", "{total_line}");
    let received: i64 = cells[3 + 2].trim_matches('"').parse().unwrap();
    assert_eq!(received, supervisor["total"]["received"].as_i64().unwrap(), "{total_line}");
    // A figure opens exactly as many dossiers, all listed.
    let drill = &supervisor["drill"];
    assert!(drill["figure"].as_i64().unwrap() > 0, "{seen:#}");
    assert_eq!(drill["shown"], drill["figure"], "{seen:#}");
    assert_eq!(drill["listed"], drill["figure"], "{seen:#}");
    assert!(supervisor["slip"]["entries"].as_i64().unwrap() >= 1, "{seen:#}");
    // A dossier received at the desk: the figure moved on screen by one, within two seconds.
    assert!(supervisor["receive"]["data"]["receiveDossier"]["dossier"]["code"].is_string(), "{seen:#}");
    assert_eq!(supervisor["live"]["after"].as_i64(), supervisor["live"]["before"].as_i64().map(|n| n + 1), "{seen:#}");
    assert!(supervisor["live"]["ms"].as_i64().unwrap() < 2000, "{seen:#}");

    // The commune's leader: its own figures, its own overdue dossiers, nothing of the province.
    let commune = &seen["commune"];
    assert_eq!(commune["period"]["agency"], "30742", "{seen:#}");
    assert_eq!(commune["total"], total(&app, "vinhthanh.lanhdao", &commune["period"]).await, "{seen:#}");
    let overdue = app
        .data(
            Some("vinhthanh.lanhdao"),
            "{ dossiers(filter: { agencyCode: \"30742\", overdue: true }, orderBy: DUE_AT_ASC, first: 20) { edges { node { code agency { path } } } } }",
            json!({}),
        )
        .await;
    let edges = overdue["dossiers"]["edges"].as_array().unwrap();
    let codes: Vec<&Value> = edges.iter().map(|e| &e["node"]["code"]).collect();
    assert_eq!(commune["overdue"].as_array().unwrap().iter().collect::<Vec<_>>(), codes, "{seen:#}");
    assert!(edges.iter().all(|e| e["node"]["agency"]["path"].as_str().unwrap().starts_with("/91/30742/")));
    assert_eq!(commune["foreign"]["visible"], true, "{seen:#}");
    assert!(commune["foreign"]["error"].as_str().unwrap().contains("Không tìm thấy"), "{seen:#}");
    for view in ["supervisor", "drill-down", "slip", "commune", "commune-foreign"] {
        assert!(shots.join(format!("dashboard-{view}.png")).exists(), "{view}");
    }
}

#[tokio::test]
async fn the_dashboard_is_served_by_the_binary_and_names_no_other_server() {
    let app = TestApp::spawn_with(|settings| settings.no_demo = true).await;
    let page = app.client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"<html lang="vi">"#));
    assert!(
        page.contains(r#"<script type="application/json" id="demo-officials">[]</script>"#),
        "no tokens without demo data"
    );
    assert!(!page.contains("https://") && !page.contains("http://"), "the page names no other server");
    for asset in ["dashboard.js", "dashboard.css"] {
        let response = app.client.get(app.url(&format!("/dashboard/{asset}"))).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{asset}");
        // (SVG's namespace is a name, not a server.)
        let text = response.text().await.unwrap().replace("http://www.w3.org/2000/svg", "");
        assert!(!text.contains("https://") && !text.contains("http://"), "{asset} names no other server");
    }
    let missing = app.client.get(app.url("/dashboard/nothing.js")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}
