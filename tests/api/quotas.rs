//! Per-client quotas, persisted queries and trusted documents: an address
//! over its minute is refused with `retryAfter` however it spreads its
//! requests (aliases, batches, parallel connections); a service account's
//! own rate applies; a document is known by its hash; a service account in
//! trusted-documents mode runs only what was registered for it.

use motcua_tests::{Reply, TestApp};
use serde_json::{json, Value};

const ADMIN: &str = "tinh.quantri";
const SERVICE: &str = "portal.dvc";
const OFFICIAL: &str = "tinh.giamsat";
const ALIASED: &str = "{ a: __typename b: __typename c: __typename d: __typename e: __typename }";

fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> (Reply, Option<String>) {
    let mut request = app.client.post(app.url("/graphql")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("an answer");
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let status = response.status().as_u16();
    (Reply { status, body: response.json().await.unwrap_or(Value::Null) }, retry_after)
}

#[tokio::test]
async fn an_address_over_its_minute_is_refused_with_retry_after_however_it_spreads_its_requests() {
    let app = TestApp::spawn_with(|settings| settings.limits.requests_per_minute_anonymous = 20).await;
    // Ten connections at once, each with five aliases: ten requests.
    let parallel = (0..10).map(|_| {
        let client = reqwest::Client::new();
        let url = app.url("/graphql");
        async move { client.post(url).json(&json!({ "query": ALIASED })).send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(parallel).await;
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    // A batch of nine: nineteen.
    let batch: Vec<Value> = (0..9).map(|_| json!({ "query": ALIASED })).collect();
    let (reply, _) = post(&app, None, json!(batch)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A batch of two would make twenty-one: refused whole.
    let (refused, retry_after) = post(&app, None, json!([{ "query": ALIASED }, { "query": ALIASED }])).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.error_codes(), ["LIMIT_EXCEEDED"]);
    let wait = refused.body["errors"][0]["extensions"]["retryAfter"].as_u64().expect("retryAfter");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(retry_after, Some(wait.to_string()), "the Retry-After header says the same");
    // The twentieth alone passes; then none.
    assert_eq!(post(&app, None, json!({ "query": ALIASED })).await.0.status, 200);
    let (again, _) = post(&app, None, json!({ "query": "{ __typename }" })).await;
    assert_eq!(again.error_codes(), ["LIMIT_EXCEEDED"]);
    // A signed-in official is counted apart (and officials are unlimited by default).
    let official = app.token(OFFICIAL);
    for _ in 0..25 {
        assert_eq!(post(&app, Some(&official), json!({ "query": ALIASED })).await.0.status, 200);
    }
}

const LIMITS: &str = "mutation($input: SetClientLimitsInput!) { setClientLimits(input: $input) {
    username requestsPerMinute trustedDocumentsOnly } }";

/// The service account as its admin reads it, with `fields`.
async fn service(app: &TestApp, fields: &str) -> Value {
    let query = format!("{{ officials(first: 1, filter: {{ search: \"portal.dvc\" }}) {{ edges {{ node {{ username {fields} }} }} }} }}");
    let data = app.data(Some(ADMIN), &query, json!({})).await;
    let found = data["officials"]["edges"].as_array().unwrap().iter().find(|e| e["node"]["username"] == SERVICE);
    found.expect("the demo's service account")["node"].clone()
}

async fn service_id(app: &TestApp) -> String {
    service(app, "id").await["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_service_account_s_own_rate_applies_from_its_next_request() {
    let app = TestApp::spawn().await;
    let id = service_id(&app).await;
    let refused =
        app.graphql(Some(OFFICIAL), LIMITS, json!({ "input": { "serviceAccount": id, "requestsPerMinute": 3 } })).await;
    assert_eq!(refused.error_codes(), ["NOT_FOUND"], "a supervisor does not manage it: {}", refused.body);
    let set = app.data(Some(ADMIN), LIMITS, json!({ "input": { "serviceAccount": id, "requestsPerMinute": 3 } })).await;
    assert_eq!(set["setClientLimits"]["requestsPerMinute"], 3);
    let token = app.token(SERVICE);
    for _ in 0..3 {
        assert_eq!(post(&app, Some(&token), json!({ "query": "{ __typename }" })).await.0.status, 200);
    }
    let (refused, _) = post(&app, Some(&token), json!({ "query": "{ __typename }" })).await;
    assert_eq!(refused.error_codes(), ["LIMIT_EXCEEDED"]);
    let wait = refused.body["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap();
    assert!((15..=20).contains(&wait), "one request back every 20 s: {wait}");
}

const REGISTER: &str =
    "mutation($input: RegisterTrustedDocumentInput!) { registerTrustedDocument(input: $input) { hash name } }";
const ALLOWED: &str = "query Agencies { agency(code: \"91\") { code name } }";

#[tokio::test]
async fn a_service_account_in_trusted_mode_runs_only_its_registered_documents() {
    let app = TestApp::spawn().await;
    let id = service_id(&app).await;
    let input = json!({ "serviceAccount": id, "document": ALLOWED, "name": "tên tỉnh" });
    let registered = app.data(Some(ADMIN), REGISTER, json!({ "input": input })).await;
    assert_eq!(registered["registerTrustedDocument"]["hash"], sha256(ALLOWED));
    let input = json!({ "serviceAccount": id, "trustedDocumentsOnly": true });
    app.data(Some(ADMIN), LIMITS, json!({ "input": input })).await;

    let token = app.token(SERVICE);
    let (ran, _) = post(&app, Some(&token), json!({ "query": ALLOWED })).await;
    assert_eq!(ran.body["data"]["agency"]["code"], "91", "{}", ran.body);
    let by_hash = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(ALLOWED) } } });
    let (ran, _) = post(&app, Some(&token), by_hash).await;
    assert_eq!(ran.body["data"]["agency"]["code"], "91", "the hash alone: {}", ran.body);
    let (refused, _) = post(&app, Some(&token), json!({ "query": "{ agency(code: \"91\") { code } }" })).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);
    assert!(refused.body.get("data").is_none(), "it never ran");
    let unknown = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256("{ x }") } } });
    assert_eq!(post(&app, Some(&token), unknown).await.0.error_codes(), ["PERSISTED_QUERY_NOT_FOUND"]);
    // Another caller is not bound by it.
    assert!(app
        .graphql(Some(OFFICIAL), "{ agency(code: \"91\") { code } }", json!({}))
        .await
        .body
        .get("errors")
        .is_none());
    let listed = service(&app, "trustedDocumentsOnly trustedDocuments { hash name }").await;
    assert_eq!(listed["trustedDocumentsOnly"], true);
    assert_eq!(listed["trustedDocuments"], json!([{ "hash": sha256(ALLOWED), "name": "tên tỉnh" }]));
}

#[tokio::test]
async fn a_client_sends_a_document_s_hash_and_the_document_only_when_the_server_asks() {
    let app = TestApp::spawn().await;
    let query = "{ agency(code: \"91\") { code } }";
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(query) } });
    let (first, _) = post(&app, None, json!({ "extensions": persisted })).await;
    assert_eq!(first.error_codes(), ["PERSISTED_QUERY_NOT_FOUND"]);
    assert_eq!(first.body["errors"][0]["message"], "PersistedQueryNotFound", "what Apollo's clients match on");
    let (with_text, _) = post(&app, None, json!({ "query": query, "extensions": persisted })).await;
    assert_eq!(with_text.body["data"]["agency"]["code"], "91", "{}", with_text.body);
    let (by_hash, _) = post(&app, None, json!({ "extensions": persisted })).await;
    assert_eq!(by_hash.body["data"]["agency"]["code"], "91", "{}", by_hash.body);
    let get = format!("/graphql?extensions={}", urlencode(&persisted.to_string()));
    let body: Value = app.client.get(app.url(&get)).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["agency"]["code"], "91", "over GET: {body}");
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256("{ __typename }") } });
    let (mismatch, _) = post(&app, None, json!({ "query": query, "extensions": wrong })).await;
    assert_eq!(mismatch.error_codes(), ["BAD_REQUEST"]);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
