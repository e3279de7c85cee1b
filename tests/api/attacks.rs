//! The attacks of the hardening issue (`motcua_tests::attacks`), each sent
//! twice at once beside a simple query: both are refused with their code in
//! under a second, and the simple query is answered meanwhile.

use motcua_tests::{attacks, Reply, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};

/// What the attack replied, and how long it took.
async fn timed(app: &TestApp, token: Option<&str>, body: &[u8]) -> (Reply, Duration) {
    let started = Instant::now();
    let reply = app.post_raw(token, body.to_vec()).await;
    (reply, started.elapsed())
}

#[tokio::test]
async fn every_attack_is_refused_with_its_code_within_a_second_while_a_simple_query_is_answered() {
    let app = TestApp::spawn().await;
    let simple = serde_json::to_vec(&json!({ "query": r#"{ agency(code: "91") { name } }"# })).unwrap();
    for attack in attacks::all() {
        let token = attack.user.map(|user| app.token(user));
        let (first, second, beside) = tokio::join!(
            timed(&app, token.as_deref(), &attack.body),
            timed(&app, token.as_deref(), &attack.body),
            timed(&app, None, &simple),
        );
        for (reply, took) in [first, second] {
            let codes = reply.error_codes();
            assert!(!codes.is_empty(), "{}: not refused: {}", attack.name, reply.body);
            assert!(codes.iter().all(|code| code == attack.code), "{}: {codes:?} in {}", attack.name, reply.body);
            assert!(reply.body.get("data").is_none_or(|data| data.is_null()), "{}: {}", attack.name, reply.body);
            assert!(took < Duration::from_secs(1), "{}: took {took:?}", attack.name);
        }
        let (reply, took) = beside;
        assert_eq!(reply.body["data"]["agency"]["name"], "Tỉnh An Giang", "beside {}: {}", attack.name, reply.body);
        assert!(took < Duration::from_secs(1), "the simple query beside {} took {took:?}", attack.name);
    }
}

#[tokio::test]
async fn a_refusal_says_what_the_cost_was_and_what_the_cap_is() {
    let app = TestApp::spawn().await;
    let reply = app.graphql(None, &attacks::children_and_parents(3), json!({})).await;
    let message = reply.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cost is") && message.contains("at most 10000"), "{message}");
    let reply = app.graphql(None, &attacks::doubling_fragments(22), json!({})).await;
    let message = reply.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("12582911 selections") && message.contains("at most 2000"), "{message}");
}

#[tokio::test]
async fn a_list_costs_what_it_can_return_so_the_province_tree_two_levels_deep_passes() {
    let app = TestApp::spawn().await;
    // Over a hundred units under today's province (its departments, its
    // communes, the districts closed in 2025), and their own children:
    // counted level by level, well within the cost.
    let data = app.data(None, r#"{ agency(code: "91") { children { code children { code } } } }"#, json!({})).await;
    let children = data["agency"]["children"].as_array().unwrap();
    assert!(children.len() > 30, "{data}");
    assert!(children.iter().any(|c| c["children"].as_array().is_some_and(|c| c.len() > 5)), "{data}");
    // Three levels of children and parents cost the widest level cubed and more.
    let reply = app.graphql(None, &attacks::children_and_parents(2), json!({})).await;
    assert_eq!(reply.error_codes(), ["LIMIT_EXCEEDED"], "{}", reply.body);
}

#[tokio::test]
async fn a_request_that_runs_past_the_timeout_ends_there() {
    let app = TestApp::spawn_with(|settings| settings.limits.request_timeout = Duration::from_millis(1)).await;
    let query = "{ dossiers(first: 100) { edges { node { code agency { name } procedure { name }
        events(first: 20) { edges { node { action createdAt } } } } } } }";
    let started = Instant::now();
    let reply = app.graphql(Some("tinh.giamsat"), query, json!({})).await;
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    let codes = reply.error_codes();
    assert!(!codes.is_empty() && codes.iter().all(|c| c == "LIMIT_EXCEEDED"), "{}", reply.body);
    assert!(reply.body["errors"][0]["message"].as_str().unwrap().contains("longer than 1ms"), "{}", reply.body);
}

#[tokio::test]
async fn a_response_larger_than_the_cap_is_refused() {
    let app = TestApp::spawn_with(|settings| settings.limits.max_response_bytes = 20_000).await;
    let query = "{ procedures(first: 100) { edges { node { code name agency { name } steps { name role } } } } }";
    let reply = app.graphql(None, query, json!({})).await;
    let codes = reply.error_codes();
    assert!(codes.contains(&"LIMIT_EXCEEDED".to_owned()), "{}", reply.body);
    assert!(codes.iter().all(|c| c == "LIMIT_EXCEEDED"), "{}", reply.body);
    let body = serde_json::to_vec(&reply.body).unwrap();
    assert!(body.len() < 40_000, "the refusal holds {} bytes", body.len());
    // A small page of the same fits.
    let small = "{ procedures(first: 2) { edges { node { code name } } } }";
    assert!(app.graphql(None, small, json!({})).await.body.get("errors").is_none());
}
