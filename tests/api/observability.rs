//! What an operator watches: `/metrics` names operations, commands, the
//! pool, the outbox and the counters' fold; traces reach an OTLP collector
//! carrying the request id the client got.

use motcua_tests::webhooks::Receiver;
use motcua_tests::TestApp;
use serde_json::json;
use std::time::Duration;

const DESK: &str = "vinhthanh.motcua";
const COMMUNE: &str = "30742";

async fn metrics(app: &TestApp) -> String {
    app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_operations_by_name_and_outcome_commands_and_what_waits() {
    let app = TestApp::spawn().await;
    app.data(Some(DESK), "query ObservedAgencyName { agency(code: \"91\") { name } }", json!({})).await;
    let refused =
        app.graphql(None, "query ObservedDossiers { dossiers(first: 1) { edges { node { code } } } }", json!({})).await;
    assert_eq!(refused.error_codes(), ["UNAUTHENTICATED"]);
    let procedure = app.procedure_id(COMMUNE, None).await;
    app.receive_new(DESK, COMMUNE, &procedure).await;
    // A client naming its operations as it likes cannot grow the labels without bound.
    for n in 0..210 {
        app.graphql(None, &format!("query ObservedOp{n} {{ __typename }}"), json!({})).await;
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    // The recorder is the process's: under `cargo test` other tests' servers
    // count into it too, so only this test's own names are counted exactly.
    let text = metrics(&app).await;
    for expected in [
        r#"motcua_graphql_operations_total{operation="ObservedAgencyName",outcome="ok"} 1"#,
        r#"motcua_graphql_operations_total{operation="ObservedDossiers",outcome="UNAUTHENTICATED"} 1"#,
        r#"motcua_commands_total{command="receiveDossier",outcome="ok"}"#,
        r#"motcua_graphql_operations_total{operation="other",outcome="ok"}"#,
        "motcua_graphql_operation_seconds_count{operation=\"ObservedAgencyName\"}",
        "motcua_command_seconds_count{command=\"receiveDossier\"}",
        "motcua_db_pool_connections{state=\"idle\"}",
        "motcua_db_pool_connections{state=\"in_use\"}",
        "motcua_tally_unfolded_changes",
        "motcua_tally_fold_lag_seconds",
        "motcua_outbox_pending{consumer=\"webhook\"}",
        "motcua_outbox_dead_letters{consumer=\"portal\"}",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    let labels =
        text.lines().filter(|line| line.starts_with("motcua_graphql_operations_total{operation=\"Observed")).count();
    assert!((190..=200).contains(&labels), "{labels} labels of this server's names: the first 200");
    assert!(!text.contains("operation=\"ObservedOp209\""), "the names past the first 200 are `other`");
}

#[tokio::test]
async fn serve_with_traces_in_a_process_of_its_own() {
    motcua_tests::process::serve_if_asked(|settings| {
        settings.otlp_endpoint = std::env::var("MOTCUA_TEST_OTLP").ok();
    })
    .await;
}

#[tokio::test]
async fn traces_reach_an_otlp_collector_with_the_request_id_the_client_got() {
    use motcua_tests::process::{Place, ServerProcess};
    let collector = Receiver::start().await;
    let place = Place::new().await;
    let test = "observability::serve_with_traces_in_a_process_of_its_own";
    let server = ServerProcess::start_with_env(&place, test, &[("MOTCUA_TEST_OTLP", &collector.url)]).await;
    let response = reqwest::Client::new()
        .post(format!("http://{}/graphql", server.address))
        .json(&json!({ "query": "query Traced { agency(code: \"91\") { name } }" }))
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let taken = collector
        .wait_until(Duration::from_secs(60), |taken| {
            taken.iter().any(|export| String::from_utf8_lossy(&export.body).contains(&id))
        })
        .await;
    let export = taken.iter().find(|export| String::from_utf8_lossy(&export.body).contains(&id));
    let export = export.unwrap_or_else(|| panic!("no span with the request id {id} in {} exports", taken.len()));
    let body = String::from_utf8_lossy(&export.body);
    assert!(body.contains("request") && body.contains("motcua"), "the span `request` of the service `motcua`");
}
