//! Webhooks: a receiver on a local port hears of its scope's slip entries,
//! signed as the Standard Webhooks specification says, at least once and in
//! order per dossier, and nothing of other agencies.

use motcua_tests::webhooks::{verify, Received, Receiver};
use motcua_tests::TestApp;
use serde_json::{json, Value};
use std::time::Duration;

const ADMIN: &str = "vinhthanh.quantri";
const DESK: &str = "vinhthanh.motcua";
const SPECIALIST: &str = "vinhthanh.chuyenvien";
const LEADER: &str = "vinhthanh.lanhdao";
const COMMUNE: &str = "30742";
const OTHER_DESK: &str = "tochau.motcua";
const OTHER_COMMUNE: &str = "30766";
/// Long enough for a delivery on a busy machine (PostgreSQL waits for the
/// oldest running transaction of the whole cluster, other tests' included).
const WITHIN: Duration = Duration::from_secs(60);

/// A server that may post to this machine, retrying after 50–200 ms.
async fn spawn(attempts: u32) -> TestApp {
    TestApp::spawn_with(|settings| allow_local(settings, attempts)).await
}

fn allow_local(settings: &mut api::config::Settings, attempts: u32) {
    settings.outbox.webhook_allowed_hosts = vec!["127.0.0.1".into()];
    settings.outbox.delivery_retry_base = Duration::from_millis(50);
    settings.outbox.delivery_retry_cap = Duration::from_millis(200);
    settings.outbox.webhook_timeout = Duration::from_secs(2);
    settings.outbox.delivery_attempts = attempts;
}

const CREATE: &str = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
    secret webhook { id url subtree events state agency { code } owner { username } } } }";

/// Creates a webhook as `user`; its ID and secret.
async fn create(app: &TestApp, user: &str, input: Value) -> (String, String) {
    let reply = app.graphql(Some(user), CREATE, json!({ "input": input })).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let created = &reply.data()["createWebhook"];
    (created["webhook"]["id"].as_str().unwrap().to_owned(), created["secret"].as_str().unwrap().to_owned())
}

/// A dossier's whole life at the commune: its code and the five actions.
async fn whole_life(app: &TestApp, procedure: &str) -> String {
    let received = app.receive_new(DESK, COMMUNE, procedure).await;
    let id = received["id"].as_str().unwrap().to_owned();
    let specialist = app.user_id(SPECIALIST).await;
    app.ok(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    app.ok(SPECIALIST, "completeStep", json!({ "dossierId": id })).await;
    app.ok(LEADER, "resolveDossier", json!({ "dossierId": id, "resultNumber": "12/GP" })).await;
    app.ok(DESK, "returnResult", json!({ "dossierId": id })).await;
    received["code"].as_str().unwrap().to_owned()
}

const LIFE: [&str; 5] = ["RECEIVE", "ASSIGN", "COMPLETE_STEP", "RESOLVE", "RETURN_RESULT"];

fn actions_of(received: &[Received], code: &str) -> Vec<String> {
    received.iter().filter(|r| r.dossier() == code).map(Received::action).collect()
}

async fn deliveries(app: &TestApp, user: &str, webhook: &str, status: Option<&str>) -> Vec<Value> {
    let query = "query($webhook: ID!, $status: DeliveryStatus) {
        webhookDeliveries(webhook: $webhook, status: $status, first: 100) { edges { node {
            id messageId status attemptCount lastStatusCode lastError finishedAt
            attempts { statusCode error durationMs } } } } }";
    let data = app.data(Some(user), query, json!({ "webhook": webhook, "status": status })).await;
    data["webhookDeliveries"]["edges"].as_array().unwrap().iter().map(|edge| edge["node"].clone()).collect()
}

#[tokio::test]
async fn a_webhook_hears_every_entry_of_its_agency_in_order_signed_and_none_of_another() {
    let app = spawn(5).await;
    let receiver = Receiver::start().await;
    let (webhook, secret) = create(&app, ADMIN, json!({ "agencyCode": COMMUNE, "url": receiver.url })).await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let other_procedure = app.procedure_id(OTHER_COMMUNE, None).await;
    let (first, other, second) = tokio::join!(
        whole_life(&app, &procedure),
        app.receive_new(OTHER_DESK, OTHER_COMMUNE, &other_procedure),
        whole_life(&app, &procedure),
    );
    let other = other["code"].as_str().unwrap().to_owned();

    let taken = receiver.wait_until(WITHIN, |taken| taken.len() >= 10).await;
    assert_eq!(actions_of(&taken, &first), LIFE, "in the slip's order");
    assert_eq!(actions_of(&taken, &second), LIFE);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let all = receiver.received();
    assert_eq!(all.len(), 10, "nothing else: {:?}", all.iter().map(Received::dossier).collect::<Vec<_>>());
    assert!(actions_of(&all, &other).is_empty(), "another commune's dossier is not heard of");

    let now = chrono::Utc::now().timestamp();
    for request in &all {
        verify(&secret, request, now).unwrap_or_else(|why| panic!("{why}: {request:?}"));
        assert!(request.id.starts_with("msg_"));
    }
    let forged = motcua_tests::webhooks::verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &all[0], now);
    assert!(forged.is_err(), "another secret does not verify");
    let mut tampered = all[0].clone();
    tampered.body = tampered.body.iter().map(|b| if *b == b'4' { b'5' } else { *b }).collect();
    tampered.body.push(b' ');
    assert!(verify(&secret, &tampered, now).is_err(), "a changed body does not verify");
    assert!(verify(&secret, &all[0], now + 3600).is_err(), "an old delivery replayed is refused");

    let body = all[0].json();
    assert_eq!(body["type"], "dossier.receive");
    assert_eq!(body["data"]["agencyCode"], COMMUNE);
    assert_eq!(body["data"]["statusTo"], "RECEIVED");
    assert_eq!(body["data"]["nationalStatusCode"], 2);
    let listed = deliveries(&app, ADMIN, &webhook, Some("DELIVERED")).await;
    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|d| d["attemptCount"] == 1 && d["attempts"][0]["statusCode"] == 204));
    assert!(deliveries(&app, OTHER_DESK, &webhook, None).await.is_empty(), "another agency sees none");
}

#[tokio::test]
async fn a_receiver_that_fails_five_times_gets_the_same_delivery_again_until_it_takes_it() {
    let app = spawn(8).await;
    let receiver = Receiver::start().await;
    let (webhook, _) =
        create(&app, ADMIN, json!({ "agencyCode": COMMUNE, "url": receiver.url, "events": ["receive"] })).await;
    receiver.fail_next(5);
    let procedure = app.procedure_id(COMMUNE, None).await;
    let code = whole_life(&app, &procedure).await;

    let taken = receiver.wait_until(WITHIN, |taken| !taken.is_empty()).await;
    assert_eq!(actions_of(&taken, &code), ["RECEIVE"], "only the actions asked for");
    let all = receiver.received();
    assert_eq!(all.len(), 6, "five failures and the one taken");
    assert!(all.iter().all(|r| r.id == all[0].id), "the same webhook-id every time");
    assert!(all.iter().all(|r| r.body == all[0].body), "the same body every time");

    let listed = deliveries(&app, ADMIN, &webhook, None).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "DELIVERED");
    assert_eq!(listed[0]["attemptCount"], 6);
    assert_eq!(listed[0]["messageId"], all[0].id.as_str());
    let codes: Vec<&Value> = listed[0]["attempts"].as_array().unwrap().iter().map(|a| &a["statusCode"]).collect();
    assert_eq!(codes, [&json!(204), &json!(500), &json!(500), &json!(500), &json!(500), &json!(500)], "newest first");
}

#[tokio::test]
async fn a_dead_letter_is_sent_again_with_its_id_when_redelivered() {
    let app = spawn(2).await;
    let receiver = Receiver::start().await;
    let (webhook, _) =
        create(&app, ADMIN, json!({ "agencyCode": COMMUNE, "url": receiver.url, "events": ["RECEIVE"] })).await;
    receiver.set_failing(true);
    let procedure = app.procedure_id(COMMUNE, None).await;
    app.receive_new(DESK, COMMUNE, &procedure).await;

    let deadline = tokio::time::Instant::now() + WITHIN;
    let dead = loop {
        let dead = deliveries(&app, ADMIN, &webhook, Some("DEAD")).await;
        if !dead.is_empty() || tokio::time::Instant::now() > deadline {
            break dead;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(dead.len(), 1, "a dead letter after two attempts");
    assert_eq!(dead[0]["attemptCount"], 2);
    assert_eq!(dead[0]["lastStatusCode"], 503);
    assert_eq!(receiver.received().len(), 2);

    let redeliver = "mutation($id: ID!) { redeliver(input: { delivery: $id }) { status attemptCount } }";
    let refused = app.graphql(Some(OTHER_DESK), redeliver, json!({ "id": dead[0]["id"] })).await;
    assert_eq!(refused.error_codes(), ["NOT_FOUND"], "another agency's delivery is as a missing one");
    receiver.set_failing(false);
    let again = app.data(Some(ADMIN), redeliver, json!({ "id": dead[0]["id"] })).await;
    assert_eq!(again["redeliver"], json!({ "status": "PENDING", "attemptCount": 0 }));
    let taken = receiver.wait_until(WITHIN, |taken| !taken.is_empty()).await;
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, dead[0]["messageId"].as_str().unwrap(), "the same webhook-id");
    let delivered = receiver.wait_until(WITHIN, |_| true).await;
    assert_eq!(delivered.len(), 1, "once");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for line in [
        r#"motcua_outbox_deliveries_total{consumer="webhook",result="dead"}"#,
        r#"motcua_outbox_deliveries_total{consumer="webhook",result="delivered"}"#,
        "motcua_outbox_dead_letters",
        "motcua_outbox_pending",
    ] {
        assert!(metrics.contains(line), "{line} in /metrics");
    }
}

#[tokio::test]
async fn a_paused_webhook_hears_nothing_until_resumed_and_then_catches_up() {
    let app = spawn(5).await;
    let receiver = Receiver::start().await;
    let (webhook, _) =
        create(&app, ADMIN, json!({ "agencyCode": COMMUNE, "url": receiver.url, "events": ["RECEIVE"] })).await;
    let pause = "mutation($id: ID!) { pauseWebhook(input: { webhook: $id }) { state } }";
    assert_eq!(app.data(Some(ADMIN), pause, json!({ "id": webhook })).await["pauseWebhook"]["state"], "PAUSED");
    let procedure = app.procedure_id(COMMUNE, None).await;
    let code = app.receive_new(DESK, COMMUNE, &procedure).await["code"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.received().is_empty(), "nothing while paused");

    let resume = "mutation($id: ID!) { resumeWebhook(input: { webhook: $id }) { state } }";
    assert_eq!(app.data(Some(ADMIN), resume, json!({ "id": webhook })).await["resumeWebhook"]["state"], "ACTIVE");
    let taken = receiver.wait_until(WITHIN, |taken| !taken.is_empty()).await;
    assert_eq!(actions_of(&taken, &code), ["RECEIVE"], "what happened while paused");
}

#[tokio::test]
async fn a_service_accounts_webhook_stops_when_its_grant_is_revoked() {
    let app = spawn(5).await;
    let receiver = Receiver::start().await;
    let account = app
        .data(
            Some(ADMIN),
            "mutation { createServiceAccount(input: { username: \"cong.kiosk\", displayName: \"Kiosk\",
                agencyCode: \"30742\", roles: [{ role: \"receiver\", agencyCode: \"30742\" }] }) { id } }",
            json!({}),
        )
        .await;
    let account = account["createServiceAccount"]["id"].as_str().unwrap().to_owned();
    let input = json!({ "agencyCode": COMMUNE, "url": receiver.url, "events": ["RECEIVE"] });
    create(&app, "cong.kiosk", input).await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let heard = app.receive_new(DESK, COMMUNE, &procedure).await["code"].as_str().unwrap().to_owned();
    let taken = receiver.wait_until(WITHIN, |taken| !taken.is_empty()).await;
    assert_eq!(actions_of(&taken, &heard), ["RECEIVE"]);

    let revoke =
        "mutation($id: ID!) { revokeRole(input: { official: $id, role: \"receiver\", agencyCode: \"30742\" }) {
        username } }";
    app.data(Some(ADMIN), revoke, json!({ "id": account })).await;
    let unheard = app.receive_new(DESK, COMMUNE, &procedure).await["code"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(actions_of(&receiver.received(), &unheard).is_empty(), "no longer readable, no longer heard of");
}

#[tokio::test]
async fn webhooks_are_refused_where_they_could_reach_this_machine_or_another_agencys_dossiers() {
    let app = TestApp::spawn().await;
    let attempt = |user: Option<&'static str>, input: Value| {
        let app = &app;
        async move { app.graphql(user, CREATE, json!({ "input": input })).await.error_codes() }
    };
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://metadata.google.internal/",
        "file:///etc/passwd",
    ] {
        let codes = attempt(Some(ADMIN), json!({ "agencyCode": COMMUNE, "url": url })).await;
        assert_eq!(codes, ["BAD_USER_INPUT"], "{url}");
    }
    let url = "https://hooks.example.org/motcua";
    let elsewhere = attempt(Some(ADMIN), json!({ "agencyCode": OTHER_COMMUNE, "url": url })).await;
    assert_eq!(elsewhere, ["FORBIDDEN"], "another commune's dossiers");
    let desk = attempt(Some(DESK), json!({ "agencyCode": COMMUNE, "url": url })).await;
    assert_eq!(desk, ["FORBIDDEN"], "the desk does not manage webhooks");
    assert_eq!(attempt(None, json!({ "agencyCode": COMMUNE, "url": url })).await, ["UNAUTHENTICATED"]);
    let unknown = attempt(Some(ADMIN), json!({ "agencyCode": COMMUNE, "url": url, "events": ["EXPLODE"] })).await;
    assert_eq!(unknown, ["BAD_USER_INPUT"]);
    let (webhook, _) = create(&app, ADMIN, json!({ "agencyCode": COMMUNE, "url": url })).await;
    let read = "query($id: ID!) { webhook(id: $id) { url } webhooks(agencyCode: \"30742\") { url } }";
    let own = app.data(Some(ADMIN), read, json!({ "id": webhook })).await;
    assert_eq!(own, json!({ "webhook": { "url": url }, "webhooks": [{ "url": url }] }));
    let foreign = app.data(Some(OTHER_DESK), read, json!({ "id": webhook })).await;
    assert_eq!(foreign, json!({ "webhook": null, "webhooks": [] }), "as a missing one");
    let delete = "mutation($id: ID!) { deleteWebhook(input: { webhook: $id }) { url } }";
    assert_eq!(app.graphql(Some(OTHER_DESK), delete, json!({ "id": webhook })).await.error_codes(), ["NOT_FOUND"]);
    assert_eq!(app.data(Some(ADMIN), delete, json!({ "id": webhook })).await["deleteWebhook"]["url"], url);
    assert_eq!(app.data(Some(ADMIN), read, json!({ "id": webhook })).await["webhook"], Value::Null);
}

#[tokio::test]
async fn two_instances_on_one_postgresql_database_deliver_each_entry_once() {
    let app = spawn(5).await;
    let Some(url) = app.database_url.clone() else { return };
    let second = TestApp::spawn_with(move |settings| {
        settings.database_url = Some(api::config::Secret::new(url));
        allow_local(settings, 5);
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.set_delay(Duration::from_millis(20));
    create(&app, ADMIN, json!({ "agencyCode": COMMUNE, "url": receiver.url })).await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let lives = futures_util::future::join_all((0..4).map(|n| {
        let (app, procedure) = (if n % 2 == 0 { &app } else { &second }, &procedure);
        whole_life(app, procedure)
    }))
    .await;
    let taken = receiver.wait_until(WITHIN, |taken| taken.len() >= 20).await;
    for code in &lives {
        assert_eq!(actions_of(&taken, code), LIFE, "{code}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = receiver.received();
    let mut ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((all.len(), ids.len()), (20, 20), "each entry once, by one instance");
}

/// The server process of the test below (returns at once when run as a test).
#[tokio::test]
async fn serve_in_a_process_of_its_own() {
    motcua_tests::process::serve_if_asked(|settings| allow_local(settings, 5)).await;
}

#[tokio::test]
async fn a_server_killed_while_delivering_delivers_what_was_pending_once_started_again() {
    use motcua_tests::process::{Place, ServerProcess};
    let place = Place::new().await;
    let test = "webhooks::serve_in_a_process_of_its_own";
    let first = ServerProcess::start(&place, test).await;
    let receiver = Receiver::start().await;
    receiver.set_delay(Duration::from_secs(600));
    let input = json!({ "agencyCode": COMMUNE, "url": receiver.url, "events": ["RECEIVE"] });
    let created = first.data(ADMIN, CREATE, json!({ "input": input })).await;
    let secret = created["createWebhook"]["secret"].as_str().unwrap().to_owned();
    let procedure = first
        .data(DESK, "{ procedures(filter: { agencyCode: \"30742\" }, first: 1) { edges { node { id } } } }", json!({}))
        .await["procedures"]["edges"][0]["node"]["id"]
        .clone();
    let receive = "mutation($input: ReceiveDossierInput!) { receiveDossier(input: $input) { dossier { code } } }";
    let mut codes = Vec::new();
    for _ in 0..3 {
        let input = json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": motcua_tests::applicant() });
        let received = first.data(DESK, receive, json!({ "input": input })).await;
        codes.push(received["receiveDossier"]["dossier"]["code"].as_str().unwrap().to_owned());
    }
    // Killed while the receiver holds the first attempts unanswered.
    let deadline = tokio::time::Instant::now() + WITHIN;
    while receiver.in_flight() == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(receiver.in_flight() > 0, "a delivery is in flight");
    first.kill().await;
    receiver.set_delay(Duration::ZERO);

    let _second = ServerProcess::start(&place, test).await;
    let taken = receiver.wait_until(WITHIN, |taken| codes.iter().all(|code| !actions_of(taken, code).is_empty())).await;
    for code in &codes {
        assert_eq!(actions_of(&taken, code).first().map(String::as_str), Some("RECEIVE"), "{code} is not lost");
    }
    let mut ids: Vec<(&str, String)> = taken.iter().map(|r| (r.id.as_str(), r.dossier())).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut distinct: Vec<&str> = ids.iter().map(|(id, _)| *id).collect();
    distinct.dedup();
    assert_eq!(distinct.len(), ids.len(), "a message id names one entry");
    assert_eq!(distinct.len(), 3, "duplicates, if any, carry the id of the first attempt: {ids:?}");
    let now = chrono::Utc::now().timestamp();
    assert!(taken.iter().all(|request| verify(&secret, request, now).is_ok()));
}
