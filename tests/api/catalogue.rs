use motcua_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn anonymous_callers_read_the_published_catalogue() {
    let app = TestApp::spawn().await;
    let data = app
        .data(None, "{ procedures(first: 100) { edges { node { code name tier onlineMode isSample agency { code } field { name } steps { role } requiredDocuments { name } } } } }", json!({}))
        .await;
    let procedures = data["procedures"]["edges"].as_array().unwrap();
    assert!(procedures.len() >= 40, "only {} procedures", procedures.len());
    for tier in ["PROVINCE", "DISTRICT", "COMMUNE"] {
        assert!(procedures.iter().any(|p| p["node"]["tier"] == tier), "no {tier} procedure");
    }
    let birth =
        procedures.iter().find(|p| p["node"]["code"] == "1.001193").expect("birth registration is in the catalogue");
    assert_eq!(birth["node"]["name"], "Đăng ký khai sinh");
    assert_eq!(birth["node"]["isSample"], true);
    assert_eq!(birth["node"]["steps"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn the_catalogue_filters_by_agency_tier_field_mode_and_text() {
    let app = TestApp::spawn().await;
    let query = "query($filter: ProcedureFilter) { procedures(filter: $filter, first: 100) { edges { node { code tier onlineMode agency { code } field { name } } } } }";
    let of = |data: serde_json::Value| {
        data["procedures"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect::<Vec<_>>()
    };

    let commune = of(app.data(None, query, json!({ "filter": { "agencyCode": "30733" } })).await);
    assert!(!commune.is_empty());
    assert!(commune.iter().all(|p| p["tier"] == "COMMUNE"), "a commune resolves commune-tier procedures");

    let justice = of(app.data(None, query, json!({ "filter": { "agencyCode": "91.STP" } })).await);
    assert!(!justice.is_empty());
    assert!(justice.iter().all(|p| p["agency"]["code"] == "91.STP"));

    let full_online =
        of(app.data(None, query, json!({ "filter": { "onlineMode": "FULL", "tier": "DISTRICT" } })).await);
    assert!(!full_online.is_empty());
    assert!(full_online.iter().all(|p| p["onlineMode"] == "FULL" && p["tier"] == "DISTRICT"));

    let civil_status = of(app.data(None, query, json!({ "filter": { "fieldCode": "HOTICH" } })).await);
    assert!(civil_status.iter().all(|p| p["field"]["name"] == "Hộ tịch") && civil_status.len() >= 5);

    let search = of(app.data(None, query, json!({ "filter": { "search": "khai sinh" } })).await);
    assert!(search.iter().any(|p| p["code"] == "1.001193"));

    let unknown = of(app.data(None, query, json!({ "filter": { "agencyCode": "no-such-agency" } })).await);
    assert!(unknown.is_empty());
}

#[tokio::test]
async fn the_agency_directory_shows_the_tree_of_kien_giang() {
    let app = TestApp::spawn().await;
    let data = app
        .data(None, r#"{ agency(code: "899") { name kind path parent { code } children { code kind } } }"#, json!({}))
        .await;
    let district = &data["agency"];
    assert_eq!(district["name"], "Thành phố Rạch Giá");
    assert_eq!(district["path"], "/91/899/");
    assert_eq!(district["parent"]["code"], "91");
    let children = district["children"].as_array().unwrap();
    assert_eq!(children.len(), 12);
    assert!(children.iter().any(|c| c["code"] == "30733"));

    let communes = app.data(None, r#"{ agencies(filter: { kind: COMMUNE }, first: 100) { edges { node { code } } pageInfo { hasNextPage } } }"#, json!({})).await;
    assert_eq!(communes["agencies"]["edges"].as_array().unwrap().len(), 100);
    assert_eq!(communes["agencies"]["pageInfo"]["hasNextPage"], true);
}
