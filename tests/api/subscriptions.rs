//! `dossierEvents` over graphql-transport-ws: a subscriber sees its agency's
//! events and no other's.

use motcua_tests::{next_message, TestApp};
use std::time::Duration;

fn events_of(code: &str) -> String {
    format!("subscription {{ dossierEvents(agencyCode: \"{code}\") {{ action toAgency {{ code }} }} }}")
}

#[tokio::test]
async fn a_subscriber_of_one_commune_sees_its_events_and_none_of_anothers() {
    let app = TestApp::spawn().await;
    let (mut vinhthanh, ack) = app.subscribe(Some(app.token("vinhthanh.motcua")), &events_of("30742")).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let (mut tochau, ack) = app.subscribe(Some(app.token("tochau.motcua")), &events_of("30766")).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let (mut province, ack) = app.subscribe(Some(app.token("tinh.giamsat")), &events_of("91")).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    // Let the subscriptions start before the events are written.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let procedure = app.procedure_id("30742", None).await;
    app.receive_new("vinhthanh.motcua", "30742", &procedure).await;
    let procedure = app.procedure_id("30766", None).await;
    app.receive_new("tochau.motcua", "30766", &procedure).await;

    let seen = next_message(&mut vinhthanh, Duration::from_secs(5)).await.expect("vinhthanh's event");
    assert_eq!(seen["type"], "next", "{seen}");
    assert_eq!(seen["payload"]["data"]["dossierEvents"]["toAgency"]["code"], "30742");
    let seen = next_message(&mut tochau, Duration::from_secs(5)).await.expect("tochau's event");
    assert_eq!(seen["payload"]["data"]["dossierEvents"]["toAgency"]["code"], "30766", "{seen}");
    let mut province_codes = Vec::new();
    for _ in 0..2 {
        let seen = next_message(&mut province, Duration::from_secs(5)).await.expect("the province sees both");
        province_codes.push(seen["payload"]["data"]["dossierEvents"]["toAgency"]["code"].as_str().unwrap().to_owned());
    }
    province_codes.sort();
    assert_eq!(province_codes, ["30742", "30766"]);
    // Nothing more for either commune.
    assert_eq!(next_message(&mut vinhthanh, Duration::from_millis(500)).await, None);
    assert_eq!(next_message(&mut tochau, Duration::from_millis(500)).await, None);
}

#[tokio::test]
async fn a_subscription_needs_a_valid_token_and_sight_of_the_agency() {
    let app = TestApp::spawn().await;
    let (_, refused) = app.subscribe(Some("not-a-token".into()), &events_of("30742")).await;
    assert_eq!(refused["type"], "closed", "{refused}");
    assert_eq!(refused["code"], 4403, "{refused}");

    let (mut anonymous, ack) = app.subscribe(None, &events_of("30742")).await;
    assert_eq!(ack["type"], "connection_ack");
    let error = next_message(&mut anonymous, Duration::from_secs(5)).await.unwrap();
    assert_eq!(error["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{error}");

    let (mut foreign, _) = app.subscribe(Some(app.token("tochau.motcua")), &events_of("30742")).await;
    let error = next_message(&mut foreign, Duration::from_secs(5)).await.unwrap();
    assert_eq!(error["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{error}");
}

#[tokio::test]
async fn on_postgresql_an_event_written_by_one_instance_reaches_a_subscriber_of_another() {
    let first = TestApp::spawn().await;
    // SQLite serves one process: its bus is in-process, and there is no second instance to reach.
    let Some(url) = first.database_url.clone() else { return };
    let second = TestApp::spawn_with(|settings| settings.database_url = Some(api::config::Secret::new(url))).await;
    let (mut socket, ack) = second.subscribe(Some(second.token("vinhthanh.motcua")), &events_of("30742")).await;
    assert_eq!(ack["type"], "connection_ack");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let procedure = first.procedure_id("30742", None).await;
    let dossier = first.receive_new("vinhthanh.motcua", "30742", &procedure).await;
    let seen = next_message(&mut socket, Duration::from_secs(5)).await.expect("the other instance's event");
    assert_eq!(seen["payload"]["data"]["dossierEvents"]["action"], "RECEIVE", "{seen} for {}", dossier["code"]);
}

#[tokio::test]
async fn a_subscription_ends_with_4403_when_its_token_expires() {
    let app = TestApp::spawn().await;
    let token = app.token_for("vinhthanh.motcua", Duration::from_secs(3));
    let (mut socket, ack) = app.subscribe(Some(token), &events_of("30742")).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let started = std::time::Instant::now();
    let closed = next_message(&mut socket, Duration::from_secs(10)).await.expect("the server closes the connection");
    assert_eq!(closed["type"], "closed", "{closed}");
    assert_eq!(closed["code"], 4403, "{closed}");
    assert!(closed["reason"].as_str().unwrap().contains("expired"), "{closed}");
    assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_subscription_ends_with_4403_when_its_official_is_deactivated() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let (mut socket, ack) = app.subscribe(Some(app.token("vinhthanh.motcua")), &events_of("30742")).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let backend = app.db.get_database_backend();
    app.db
        .execute(Statement::from_string(
            backend,
            "UPDATE official SET active = false WHERE username = 'vinhthanh.motcua'",
        ))
        .await
        .unwrap();
    // The official is read again at most every five seconds; the session is checked as often.
    let closed = next_message(&mut socket, Duration::from_secs(15)).await.expect("the server closes the connection");
    assert_eq!(closed["type"], "closed", "{closed}");
    assert_eq!(closed["code"], 4403, "{closed}");
    // A new session with the same token is refused at `connection_init`.
    let (_, refused) = app.subscribe(Some(app.token("vinhthanh.motcua")), &events_of("30742")).await;
    assert_eq!((refused["type"].as_str(), refused["code"].as_u64()), (Some("closed"), Some(4403)), "{refused}");
}

/// A socket on `/graphql/ws` that has sent nothing yet.
async fn bare_socket(app: &TestApp) -> motcua_tests::Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/graphql/ws", app.address).into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    tokio_tungstenite::connect_async(request).await.expect("the socket opens").0
}

#[tokio::test]
async fn a_connection_that_never_initialises_is_closed_with_4408() {
    let app = TestApp::spawn().await;
    let mut socket = bare_socket(&app).await;
    let closed = next_message(&mut socket, Duration::from_secs(15)).await.expect("the server closes it");
    assert_eq!((closed["type"].as_str(), closed["code"].as_u64()), (Some("closed"), Some(4408)), "{closed}");
}

#[tokio::test]
async fn a_message_larger_than_the_body_limit_ends_the_connection_and_the_server_keeps_serving() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let app = TestApp::spawn().await;
    let (mut socket, ack) = app.subscribe(Some(app.token("vinhthanh.motcua")), &events_of("30742")).await;
    assert_eq!(ack["type"], "connection_ack");
    let query =
        format!("subscription {{ dossierEvents(agencyCode: \"30742\") {{ action }} }} # {}", "x".repeat(2 << 20));
    let message = serde_json::json!({ "id": "2", "type": "subscribe", "payload": { "query": query } });
    let _ = socket.send(Message::text(message.to_string())).await;
    // A live connection answers a ping; this one is closed.
    let _ = socket.send(Message::text(serde_json::json!({ "type": "ping" }).to_string())).await;
    let answer = next_message(&mut socket, Duration::from_secs(3)).await;
    assert!(answer.as_ref().is_none_or(|m| m["type"] != "pong"), "the connection is still open: {answer:?}");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn a_query_over_the_websocket_is_held_to_the_response_limit_and_a_subscription_is_not() {
    let app = TestApp::spawn_with(|settings| settings.limits.max_response_bytes = 3_000).await;
    let query = "{ procedures(first: 50) { edges { node { code name } } } }";
    let (mut socket, ack) = app.subscribe(Some(app.token("vinhthanh.motcua")), query).await;
    assert_eq!(ack["type"], "connection_ack");
    let answer = next_message(&mut socket, Duration::from_secs(5)).await.expect("an answer");
    let codes: Vec<_> =
        answer["payload"]["errors"].as_array().into_iter().flatten().map(|e| e["extensions"]["code"].clone()).collect();
    assert!(!codes.is_empty() && codes.iter().all(|c| c == "LIMIT_EXCEEDED"), "{answer}");

    // Events keep coming, however many bytes they add up to.
    let (mut events, ack) = app.subscribe(Some(app.token("vinhthanh.motcua")), &events_of("30742")).await;
    assert_eq!(ack["type"], "connection_ack");
    tokio::time::sleep(Duration::from_millis(300)).await;
    // One procedure, in a response under the limit.
    let first = "{ procedures(filter: { agencyCode: \"30742\" }, first: 1) { edges { node { id } } } }";
    let procedure = app.data(None, first, serde_json::json!({})).await["procedures"]["edges"][0]["node"]["id"].clone();
    let procedure = procedure.as_str().unwrap();
    for _ in 0..40 {
        app.receive_new("vinhthanh.motcua", "30742", procedure).await;
    }
    for n in 0..40 {
        let seen = next_message(&mut events, Duration::from_secs(5)).await.expect("an event");
        assert_eq!(seen["type"], "next", "event {n}: {seen}");
        assert!(seen["payload"].get("errors").is_none(), "event {n}: {seen}");
    }
}

fn report_changes_of(code: &str) -> String {
    format!("subscription {{ reportChanged(agencyCode: \"{code}\") {{ agencyCode changes at }} }}")
}

#[tokio::test]
async fn a_report_s_subscribers_hear_of_a_change_in_what_it_counts_within_a_second_and_no_one_else() {
    let app = TestApp::spawn().await;
    let mut heard = Vec::new();
    for (user, code) in [("tinh.giamsat", "91"), ("vinhthanh.lanhdao", "30742")] {
        let (socket, ack) = app.subscribe(Some(app.token(user)), &report_changes_of(code)).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        heard.push(socket);
    }
    // The old district's supervisor keeps its history and reaches nothing new;
    // another department's leader.
    let mut deaf = Vec::new();
    for (user, code) in [("rachgia.giamsat", "899"), ("stp.lanhdao", "91.STP")] {
        let (socket, ack) = app.subscribe(Some(app.token(user)), &report_changes_of(code)).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        deaf.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let procedure = app.procedure_id("30742", None).await;
    let started = std::time::Instant::now();
    app.receive_new("vinhthanh.motcua", "30742", &procedure).await;
    for socket in &mut heard {
        let seen = next_message(socket, Duration::from_secs(2)).await.expect("the change, within two seconds");
        assert_eq!(seen["type"], "next", "{seen}");
        assert!(seen["payload"]["data"]["reportChanged"]["changes"].as_i64().unwrap() >= 1, "{seen}");
    }
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    for socket in &mut deaf {
        assert_eq!(next_message(socket, Duration::from_millis(1500)).await, None);
    }
    // Several commands at once: gathered, not one message each.
    for _ in 0..5 {
        app.receive_new("vinhthanh.motcua", "30742", &procedure).await;
    }
    let mut told = 0;
    let mut messages = 0;
    while let Some(seen) = next_message(&mut heard[1], Duration::from_millis(1500)).await {
        told += seen["payload"]["data"]["reportChanged"]["changes"].as_i64().unwrap();
        messages += 1;
    }
    assert!(told >= 5 && messages < 5, "{messages} messages telling of {told} changes");
}

#[tokio::test]
async fn a_report_subscription_needs_the_right_to_the_report() {
    let app = TestApp::spawn().await;
    // A desk official reports on nothing; a commune's leader not on the province.
    for (user, code) in [("vinhthanh.motcua", "30742"), ("vinhthanh.lanhdao", "91"), ("tinh.giamsat", "00000")] {
        let (mut socket, _) = app.subscribe(Some(app.token(user)), &report_changes_of(code)).await;
        let error = next_message(&mut socket, Duration::from_secs(5)).await.unwrap();
        assert_eq!(error["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{user} {code}: {error}");
    }
}
