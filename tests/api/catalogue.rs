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
    for tier in ["PROVINCE", "COMMUNE"] {
        assert!(procedures.iter().any(|p| p["node"]["tier"] == tier), "no {tier} procedure");
    }
    // Since 2025-07-01 there are no districts: the plan gave their procedures to the communes.
    assert!(procedures.iter().all(|p| p["node"]["tier"] != "DISTRICT"), "{data}");
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

    let commune = of(app.data(None, query, json!({ "filter": { "agencyCode": "30742" } })).await);
    assert!(!commune.is_empty());
    assert!(commune.iter().all(|p| p["tier"] == "COMMUNE"), "a commune resolves commune-tier procedures");

    let justice = of(app.data(None, query, json!({ "filter": { "agencyCode": "91.STP" } })).await);
    assert!(!justice.is_empty());
    assert!(justice.iter().all(|p| p["agency"]["code"] == "91.STP"));

    let full_online = of(app.data(None, query, json!({ "filter": { "onlineMode": "FULL", "tier": "COMMUNE" } })).await);
    assert!(!full_online.is_empty());
    assert!(full_online.iter().all(|p| p["onlineMode"] == "FULL" && p["tier"] == "COMMUNE"));

    let civil_status = of(app.data(None, query, json!({ "filter": { "fieldCode": "HOTICH" } })).await);
    assert!(civil_status.iter().all(|p| p["field"]["name"] == "Hộ tịch") && civil_status.len() >= 5);

    let search = of(app.data(None, query, json!({ "filter": { "search": "khai sinh" } })).await);
    assert!(search.iter().any(|p| p["code"] == "1.001193"));

    let unknown = of(app.data(None, query, json!({ "filter": { "agencyCode": "no-such-agency" } })).await);
    assert!(unknown.is_empty());
}

#[tokio::test]
async fn the_agency_directory_shows_today_s_an_giang_and_the_units_closed_into_it() {
    let app = TestApp::spawn().await;
    let query = r#"{ ward: agency(code: "30742") { name kind path validTo parent { code name } }
        district: agency(code: "899") { name path validTo successors { agency { code } default } children { code } } }"#;
    let data = app.data(None, query, json!({})).await;
    let ward = &data["ward"];
    assert_eq!(ward["name"], "Phường Rạch Giá");
    assert_eq!((ward["kind"].as_str(), ward["path"].as_str()), (Some("COMMUNE"), Some("/91/30742/")));
    assert_eq!(ward["validTo"], serde_json::Value::Null);
    assert_eq!(ward["parent"], json!({ "code": "91", "name": "Tỉnh An Giang" }));
    // The district closed on the eve of the reorganisation still answers, with its communes of the time.
    let district = &data["district"];
    assert_eq!((district["name"].as_str(), district["path"].as_str()), (Some("Thành phố Rạch Giá"), Some("/91/899/")));
    assert_eq!(district["validTo"], "2025-06-30");
    assert_eq!(district["successors"], json!([{ "agency": { "code": "30742" }, "default": true }]));
    let children = district["children"].as_array().unwrap();
    assert_eq!(children.len(), 12);
    assert!(children.iter().any(|c| c["code"] == "30733"));

    let communes = app.data(None, r#"{ agencies(filter: { kind: COMMUNE }, first: 100) { edges { node { code } } pageInfo { hasNextPage } } }"#, json!({})).await;
    assert_eq!(communes["agencies"]["edges"].as_array().unwrap().len(), 100);
    assert_eq!(communes["agencies"]["pageInfo"]["hasNextPage"], true);
}

/// Every procedure `procedures(filter: { agencyCode })` lists, paging
/// through: `(id, tier, online mode, field code, published nationally)`.
async fn listed(app: &TestApp, agency: &str) -> Vec<(String, String, String, String, bool)> {
    let query = "query($agency: String, $after: String) { procedures(filter: { agencyCode: $agency }, first: 100, after: $after) {
        edges { node { id tier onlineMode publishedNational field { code } } } pageInfo { hasNextPage endCursor } } }";
    let mut all = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let data = app.data(None, query, json!({ "agency": agency, "after": after })).await;
        for edge in data["procedures"]["edges"].as_array().unwrap() {
            let node = &edge["node"];
            let text = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
            all.push((
                text(&node["id"]),
                text(&node["tier"]),
                text(&node["onlineMode"]),
                text(&node["field"]["code"]),
                node["publishedNational"].as_bool().unwrap(),
            ));
        }
        if !data["procedures"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return all;
        }
        after = data["procedures"]["pageInfo"]["endCursor"].clone();
    }
}

const STATS: &str = "query($agency: String!) { catalogStats(agencyCode: $agency) {
    procedures byTier { tier procedures } byOnlineMode { mode procedures } byField { field { code } procedures }
    offeredOnline publishedNational publishedNationalShare } }";

#[tokio::test]
async fn catalogue_statistics_count_what_applies_in_the_subtree() {
    let app = TestApp::spawn().await;
    statistics_count_what_applies(&app, "30742", None).await;
}

#[tokio::test]
async fn catalogue_statistics_of_a_district_count_its_communes_procedures_too() {
    // Districts were abolished on 2025-07-01: the demo as it stood before.
    let app = TestApp::spawn_before_2025().await;
    statistics_count_what_applies(&app, "30733", Some("899")).await;
}

/// The statistics of a commune, of its district (when there is one) and of
/// the province equal what the catalogue lists for them.
async fn statistics_count_what_applies(app: &TestApp, commune_code: &str, district_code: Option<&str>) {
    let count = |stats: &serde_json::Value, list: &str, key: &str, value: &str| {
        stats[list].as_array().unwrap().iter().find(|row| row[key] == value).unwrap()["procedures"].as_i64().unwrap()
    };
    // A commune: exactly what the catalogue lists for it.
    let commune = listed(app, commune_code).await;
    let stats = app.data(None, STATS, json!({ "agency": commune_code })).await["catalogStats"].clone();
    assert!(!commune.is_empty());
    assert_eq!(stats["procedures"].as_i64().unwrap(), commune.len() as i64);
    for tier in ["PROVINCE", "DISTRICT", "COMMUNE"] {
        let want = commune.iter().filter(|p| p.1 == tier).count() as i64;
        assert_eq!(count(&stats, "byTier", "tier", tier), want, "{tier}");
    }
    for mode in ["FULL", "PARTIAL", "NONE"] {
        let want = commune.iter().filter(|p| p.2 == mode).count() as i64;
        assert_eq!(count(&stats, "byOnlineMode", "mode", mode), want, "{mode}");
    }
    for row in stats["byField"].as_array().unwrap() {
        let code = row["field"]["code"].as_str().unwrap();
        assert_eq!(row["procedures"].as_i64().unwrap(), commune.iter().filter(|p| p.3 == code).count() as i64);
    }
    let online: Vec<_> = commune.iter().filter(|p| p.2 != "NONE").collect();
    assert_eq!(stats["offeredOnline"].as_i64().unwrap(), online.len() as i64);
    let national = online.iter().filter(|p| p.4).count();
    assert_eq!(stats["publishedNational"].as_i64().unwrap(), national as i64);
    if !online.is_empty() {
        let share = stats["publishedNationalShare"].as_f64().unwrap();
        assert!((share - national as f64 / online.len() as f64).abs() < 1e-9);
    }

    // A district: its own and the province's district procedures, and the
    // commune procedures its communes apply.
    if let Some(district_code) = district_code {
        let mut district: Vec<String> = listed(app, district_code).await.into_iter().map(|p| p.0).collect();
        district.extend(commune.iter().map(|p| p.0.clone()));
        district.sort();
        district.dedup();
        let stats = app.data(None, STATS, json!({ "agency": district_code })).await["catalogStats"].clone();
        assert_eq!(stats["procedures"].as_i64().unwrap(), district.len() as i64);
        assert_eq!(count(&stats, "byTier", "tier", "PROVINCE"), 0);
    }

    // The province: every procedure in force it or its agencies publish.
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let in_force = entity::procedure::Entity::find()
        .filter(entity::procedure::Column::IsCurrent.eq(true))
        .filter(entity::procedure::Column::AgencyPath.starts_with("/91/"))
        .count(&app.db)
        .await
        .unwrap();
    let stats = app.data(None, STATS, json!({ "agency": "91" })).await["catalogStats"].clone();
    assert_eq!(stats["procedures"].as_i64().unwrap(), in_force as i64);
    let tiers: i64 = stats["byTier"].as_array().unwrap().iter().map(|r| r["procedures"].as_i64().unwrap()).sum();
    assert_eq!(tiers, in_force as i64);

    let missing = app.graphql(None, STATS, json!({ "agency": "00000" })).await;
    assert_eq!(missing.error_codes(), ["NOT_FOUND"]);
}
