//! A province runs itself: officials created, changed and deactivated, roles
//! granted and revoked by the admins of the right agencies, used at once on
//! every instance, refused elsewhere like a missing object, every command audited.
//! What a district's admin may do is tested on the demo before 2025, when
//! districts existed; the rest at today's units.

use motcua_tests::{next_message, TestApp};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const USER: &str = "id username displayName active email agency { code } roles { role agencyPath subtree }";

async fn create_official(app: &TestApp, admin: &str, username: &str, agency: &str) -> Value {
    let query = format!("mutation($input: CreateOfficialInput!) {{ createOfficial(input: $input) {{ {USER} }} }}");
    let input = json!({ "username": username, "displayName": "Nguyễn Thị Lan", "agencyCode": agency,
        "email": format!("{username}@kiengiang.gov.vn") });
    app.data(Some(admin), &query, json!({ "input": input })).await["createOfficial"].clone()
}

async fn grant(app: &TestApp, admin: &str, mutation: &str, input: Value) -> motcua_tests::Reply {
    let query = format!("mutation($input: RoleGrantInput!) {{ {mutation}(input: $input) {{ {USER} }} }}");
    app.graphql(Some(admin), &query, json!({ "input": input })).await
}

async fn update(app: &TestApp, admin: &str, input: Value) -> motcua_tests::Reply {
    let query = format!("mutation($input: UpdateOfficialInput!) {{ updateOfficial(input: $input) {{ {USER} }} }}");
    app.graphql(Some(admin), &query, json!({ "input": input })).await
}

async fn visible_dossiers(app: &TestApp, user: &str) -> i64 {
    let data = app.data(Some(user), "{ dossiers { totalCount } }", json!({})).await;
    data["dossiers"]["totalCount"].as_i64().unwrap()
}

#[tokio::test]
async fn a_communes_admin_creates_an_official_whose_grant_works_on_the_next_request_until_revoked() {
    let app = TestApp::spawn().await;
    let created = create_official(&app, "vinhthanh.quantri", "vinhthanh.tiepnhan2", "30742").await;
    assert_eq!(created["agency"]["code"], "30742");
    assert_eq!(created["active"], true);
    assert_eq!(created["roles"], json!([]));
    assert_eq!(visible_dossiers(&app, "vinhthanh.tiepnhan2").await, 0, "no role, no dossier");

    let input = json!({ "official": created["id"], "role": "receiver", "agencyCode": "30742" });
    let granted = grant(&app, "vinhthanh.quantri", "grantRole", input.clone()).await;
    assert!(granted.body.get("errors").is_none(), "{}", granted.body);
    let roles = &granted.data()["grantRole"]["roles"];
    assert_eq!(roles, &json!([{ "role": "receiver", "agencyPath": "/91/30742/", "subtree": false }]));
    let receiver_sees = visible_dossiers(&app, "vinhthanh.motcua").await;
    assert_eq!(visible_dossiers(&app, "vinhthanh.tiepnhan2").await, receiver_sees, "the very next request");
    let again = grant(&app, "vinhthanh.quantri", "grantRole", input.clone()).await;
    assert_eq!(again.error_codes(), ["CONFLICT"], "{}", again.body);

    let revoked = grant(&app, "vinhthanh.quantri", "revokeRole", input.clone()).await;
    assert!(revoked.body.get("errors").is_none(), "{}", revoked.body);
    assert_eq!(visible_dossiers(&app, "vinhthanh.tiepnhan2").await, 0, "refused from the next request on");
    let twice = grant(&app, "vinhthanh.quantri", "revokeRole", input).await;
    assert_eq!(twice.error_codes(), ["NOT_FOUND"], "{}", twice.body);

    let list = app
        .data(
            Some("vinhthanh.quantri"),
            "{ officials(filter: { search: \"tiepnhan\" }) { edges { node { username email } } } }",
            json!({}),
        )
        .await;
    let found = &list["officials"]["edges"];
    assert_eq!(
        found,
        &json!([{ "node": { "username": "vinhthanh.tiepnhan2",
        "email": "vinhthanh.tiepnhan2@kiengiang.gov.vn" } }])
    );
}

#[tokio::test]
async fn admins_of_a_sibling_and_a_child_agency_are_answered_as_for_a_missing_official() {
    let app = TestApp::spawn_before_2025().await;
    let commune_official = app.user_id("vinhthanh.motcua").await;
    let district_official = app.user_id("rachgia.lanhdao").await;
    let missing = base64_url("User:01900000-0000-7000-8000-000000000000");
    let rename = |id: &str| json!({ "id": id, "displayName": "Tên mới" });

    let answer_for_missing = update(&app, "stp.quantri", rename(&missing)).await;
    assert_eq!(answer_for_missing.error_codes(), ["NOT_FOUND"], "{}", answer_for_missing.body);
    let answer_errors = |reply: &motcua_tests::Reply| reply.body["errors"].clone();
    // A department's admin (a sibling branch) and a commune's admin (a child of the district).
    for (admin, target) in [("stp.quantri", &commune_official), ("vinhthanh.quantri", &district_official)] {
        let reply = update(&app, admin, rename(target)).await;
        assert_eq!(answer_errors(&reply), answer_errors(&answer_for_missing), "{admin}: {}", reply.body);
        let input = json!({ "official": target, "role": "receiver", "agencyCode": "30733" });
        let reply = grant(&app, admin, "grantRole", input).await;
        assert_eq!(reply.error_codes(), ["NOT_FOUND"], "{admin}: {}", reply.body);
    }
    // The province's admin holds the province agency alone, not its subtree.
    let reply = update(&app, "tinh.quantri", rename(&commune_official)).await;
    assert_eq!(answer_errors(&reply), answer_errors(&answer_for_missing), "{}", reply.body);
    // The district's admin holds the district's subtree: the commune's officials are its own.
    let reply = update(&app, "rachgia.quantri", rename(&commune_official)).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    assert_eq!(reply.data()["updateOfficial"]["displayName"], "Tên mới");
    // Nobody without `official manage` lists officials.
    let none = app.data(Some("vinhthanh.motcua"), "{ officials { edges { node { username } } } }", json!({})).await;
    assert_eq!(none["officials"]["edges"], json!([]));
    // A foreign official's e-mail and roles are not shown.
    let seen = app
        .data(
            Some("rachgia.giamsat"),
            "query($id: ID!) { node(id: $id) { ... on User { username email roles { role } } } }",
            json!({ "id": commune_official }),
        )
        .await;
    assert_eq!(seen["node"], json!({ "username": "vinhthanh.motcua", "email": null, "roles": null }));
}

#[tokio::test]
async fn an_admin_grants_no_role_beyond_its_own_reach() {
    let app = TestApp::spawn_before_2025().await;
    let created = create_official(&app, "vinhthanh.quantri", "vinhthanh.moi", "30733").await;
    let id = created["id"].clone();
    // The district lies outside the commune's admin: answered as a missing agency.
    let district = grant(
        &app,
        "vinhthanh.quantri",
        "grantRole",
        json!({ "official": id, "role": "supervisor", "agencyCode": "899" }),
    )
    .await;
    assert_eq!(district.error_codes(), ["NOT_FOUND"], "{}", district.body);
    assert_eq!(district.body["errors"][0]["message"], "no agency with code 899");
    // The commune's subtree is more than the commune it administers.
    let subtree = grant(
        &app,
        "vinhthanh.quantri",
        "grantRole",
        json!({ "official": id, "role": "receiver", "agencyCode": "30733", "subtree": true }),
    )
    .await;
    assert_eq!(subtree.error_codes(), ["FORBIDDEN"], "{}", subtree.body);
    // No such role.
    let unknown = grant(
        &app,
        "vinhthanh.quantri",
        "grantRole",
        json!({ "official": id, "role": "emperor", "agencyCode": "30733" }),
    )
    .await;
    assert_eq!(unknown.error_codes(), ["BAD_USER_INPUT"], "{}", unknown.body);
    // The district's admin may give the whole subtree.
    let district_admin = grant(
        &app,
        "rachgia.quantri",
        "grantRole",
        json!({ "official": id, "role": "supervisor", "agencyCode": "899", "subtree": true }),
    )
    .await;
    assert!(district_admin.body.get("errors").is_none(), "{}", district_admin.body);
    let seen = visible_dossiers(&app, "vinhthanh.moi").await;
    assert_eq!(seen, visible_dossiers(&app, "rachgia.giamsat").await);
}

#[tokio::test]
async fn a_deactivated_officials_token_is_refused_on_its_next_request_and_its_subscription_ends() {
    let app = TestApp::spawn().await;
    let id = app.user_id("vinhthanh.motcua").await;
    let subscription = "subscription { dossierEvents(agencyCode: \"30742\") { action } }";
    let (mut socket, ack) = app.subscribe(Some(app.token("vinhthanh.motcua")), subscription).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    assert!(visible_dossiers(&app, "vinhthanh.motcua").await > 0);

    let yourself = app
        .graphql(
            Some("vinhthanh.quantri"),
            "mutation($id: ID!) { deactivateOfficial(input: { id: $id }) { active } }",
            json!({ "id": app.user_id("vinhthanh.quantri").await }),
        )
        .await;
    assert_eq!(yourself.error_codes(), ["BAD_USER_INPUT"], "{}", yourself.body);
    let started = Instant::now();
    let reply = app
        .graphql(
            Some("vinhthanh.quantri"),
            "mutation($id: ID!) { deactivateOfficial(input: { id: $id }) { username active } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(reply.data()["deactivateOfficial"], json!({ "username": "vinhthanh.motcua", "active": false }));
    let refused = app.graphql(Some("vinhthanh.motcua"), "{ me { user { username } } }", json!({})).await;
    assert_eq!(refused.error_codes(), ["UNAUTHENTICATED"], "{}", refused.body);
    let closed = next_message(&mut socket, Duration::from_secs(3)).await.expect("the subscription ends");
    assert_eq!((closed["type"].as_str(), closed["code"].as_u64()), (Some("closed"), Some(4403)), "{closed}");
    assert!(started.elapsed() < Duration::from_secs(1), "ended within a second: {:?}", started.elapsed());
}

#[tokio::test]
async fn every_administrative_command_and_refusal_is_audited_with_its_before_and_after() {
    let app = TestApp::spawn().await;
    let created = create_official(&app, "vinhthanh.quantri", "vinhthanh.audit", "30742").await;
    let input = json!({ "official": created["id"], "role": "specialist", "agencyCode": "30742" });
    grant(&app, "vinhthanh.quantri", "grantRole", input.clone()).await;
    grant(&app, "vinhthanh.quantri", "revokeRole", input.clone()).await;
    update(&app, "vinhthanh.quantri", json!({ "id": created["id"], "email": null })).await;
    let refused = grant(
        &app,
        "vinhthanh.quantri",
        "grantRole",
        json!({ "official": created["id"], "role": "receiver", "agencyCode": "30742", "subtree": true }),
    )
    .await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"]);
    app.graphql(
        Some("vinhthanh.quantri"),
        "mutation($id: ID!) { deactivateOfficial(input: { id: $id }) { active } }",
        json!({ "id": created["id"] }),
    )
    .await;
    let log = app
        .data(
            Some("vinhthanh.quantri"),
            "{ auditLog(first: 10) { edges { node { actor agencyPath operation targetType outcome details } } } }",
            json!({}),
        )
        .await;
    let rows: Vec<Value> = log["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
    let summary: Vec<(String, String)> = rows
        .iter()
        .rev()
        .map(|r| (r["operation"].as_str().unwrap().to_owned(), r["outcome"].as_str().unwrap().to_owned()))
        .collect();
    let expected = [
        ("createOfficial", "OK"),
        ("grantRole", "OK"),
        ("revokeRole", "OK"),
        ("updateOfficial", "OK"),
        ("grantRole", "FORBIDDEN"),
        ("deactivateOfficial", "OK"),
    ]
    .map(|(o, c)| (o.to_owned(), c.to_owned()));
    assert_eq!(summary, expected);
    for row in &rows {
        assert_eq!(row["actor"], "vinhthanh.quantri");
        assert_eq!(row["agencyPath"], "/91/30742/");
    }
    let details = |operation: &str| -> Value {
        let row = rows.iter().find(|r| r["operation"] == operation && r["outcome"] == "OK").unwrap();
        serde_json::from_str(row["details"].as_str().unwrap()).unwrap()
    };
    assert_eq!(
        details("revokeRole")["before"],
        json!({ "user": "vinhthanh.audit", "role": "specialist",
        "domain": "/91/30742/" })
    );
    let updated = details("updateOfficial");
    assert_eq!(updated["before"]["email"], "vinhthanh.audit@kiengiang.gov.vn");
    assert_eq!(updated["after"]["email"], Value::Null);
}

#[tokio::test]
async fn a_grant_and_a_revocation_reach_a_second_instance_within_a_second() {
    let app = TestApp::spawn().await;
    if app.database_url.is_none() {
        // SQLite is one process: the instance that wrote the grant is the only one (the test above).
        return;
    }
    let other = app.second_instance().await;
    let created = create_official(&app, "vinhthanh.quantri", "vinhthanh.haimay", "30742").await;
    assert_eq!(visible_dossiers(&other, "vinhthanh.haimay").await, 0);
    let input = json!({ "official": created["id"], "role": "receiver", "agencyCode": "30742" });
    let expected = visible_dossiers(&app, "vinhthanh.motcua").await;
    for (mutation, seen) in [("grantRole", expected), ("revokeRole", 0)] {
        let reply = grant(&app, "vinhthanh.quantri", mutation, input.clone()).await;
        assert!(reply.body.get("errors").is_none(), "{}", reply.body);
        let started = Instant::now();
        loop {
            if visible_dossiers(&other, "vinhthanh.haimay").await == seen {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(1), "{mutation} not seen by the other instance in 1 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // A deactivation too: the other instance refuses the token at once.
    let reply = app
        .graphql(
            Some("vinhthanh.quantri"),
            "mutation($id: ID!) { deactivateOfficial(input: { id: $id }) { active } }",
            json!({ "id": app.user_id("vinhthanh.motcua").await }),
        )
        .await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let started = Instant::now();
    loop {
        let me = other.graphql(Some("vinhthanh.motcua"), "{ me { user { username } } }", json!({})).await;
        if me.error_codes() == ["UNAUTHENTICATED"] {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "the other instance still accepts the token");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn agency_command(
    app: &TestApp,
    admin: &str,
    mutation: &str,
    input_type: &str,
    input: Value,
) -> motcua_tests::Reply {
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ code path name kind validFrom validTo phone }} }}"
    );
    app.graphql(Some(admin), &query, json!({ "input": input })).await
}

async fn children_on(app: &TestApp, parent: &str, day: &str) -> Vec<String> {
    let query = "query($parent: String, $day: Date) {
        agencies(filter: { parentCode: $parent }, asOf: $day, first: 100) { edges { node { code } } } }";
    let data = app.data(None, query, json!({ "parent": parent, "day": day })).await;
    data["agencies"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_districts_admin_opens_a_commune_names_its_desk_and_closes_it_into_a_successor() {
    let app = TestApp::spawn_before_2025().await;
    let new_commune = json!({ "parentCode": "899", "code": "30999", "name": "Phường Mới", "kind": "COMMUNE",
        "validFrom": "2026-01-01" });
    // A commune's admin holds no agency above its commune; a commune holds no unit.
    let refused =
        agency_command(&app, "vinhthanh.quantri", "createAgency", "CreateAgencyInput", new_commune.clone()).await;
    assert_eq!(refused.error_codes(), ["NOT_FOUND"], "{}", refused.body);
    let under_commune = json!({ "parentCode": "30733", "code": "30998", "name": "Khóm", "kind": "COMMUNE",
        "validFrom": "2026-01-01" });
    let refused = agency_command(&app, "vinhthanh.quantri", "createAgency", "CreateAgencyInput", under_commune).await;
    assert_eq!(refused.error_codes(), ["BAD_USER_INPUT"], "{}", refused.body);

    let created =
        agency_command(&app, "rachgia.quantri", "createAgency", "CreateAgencyInput", new_commune.clone()).await;
    assert_eq!(created.data()["createAgency"]["path"], "/91/899/30999/", "{}", created.body);
    let again = agency_command(&app, "rachgia.quantri", "createAgency", "CreateAgencyInput", new_commune).await;
    assert_eq!(again.error_codes(), ["CONFLICT"], "{}", again.body);
    assert!(children_on(&app, "899", "2026-01-01").await.contains(&"30999".to_owned()));
    assert!(!children_on(&app, "899", "2025-12-31").await.contains(&"30999".to_owned()));

    let phone = json!({ "code": "30999", "phone": "0297 3862 000", "address": "1 Trần Phú" });
    let foreign = agency_command(&app, "stp.quantri", "updateAgency", "UpdateAgencyInput", phone.clone()).await;
    assert_eq!(foreign.error_codes(), ["NOT_FOUND"], "{}", foreign.body);
    let updated = agency_command(&app, "rachgia.quantri", "updateAgency", "UpdateAgencyInput", phone).await;
    assert_eq!(updated.data()["updateAgency"]["phone"], "0297 3862 000", "{}", updated.body);

    // The commune's own admin cannot close it; the district's can, into a successor.
    let close = json!({ "code": "30733", "validTo": "2026-06-30", "successorCode": "30999" });
    let own = agency_command(&app, "vinhthanh.quantri", "closeAgency", "CloseAgencyInput", close).await;
    assert_eq!(own.error_codes(), ["FORBIDDEN"], "{}", own.body);
    let close = json!({ "code": "30999", "validTo": "2026-06-30", "successorCode": "30733" });
    let closed = agency_command(&app, "rachgia.quantri", "closeAgency", "CloseAgencyInput", close.clone()).await;
    assert_eq!(closed.data()["closeAgency"]["validTo"], "2026-06-30", "{}", closed.body);
    let twice = agency_command(&app, "rachgia.quantri", "closeAgency", "CloseAgencyInput", close).await;
    assert_eq!(twice.error_codes(), ["CONFLICT"], "{}", twice.body);
    assert!(children_on(&app, "899", "2026-06-30").await.contains(&"30999".to_owned()));
    assert!(!children_on(&app, "899", "2026-07-01").await.contains(&"30999".to_owned()));
    // A district with open communes cannot close.
    let district = json!({ "code": "899", "validTo": "2026-06-30" });
    let open = agency_command(&app, "tinh.quantri", "closeAgency", "CloseAgencyInput", district).await;
    assert_eq!(open.error_codes(), ["BAD_USER_INPUT"], "{}", open.body);

    let log = app
        .data(
            Some("rachgia.quantri"),
            "{ auditLog(first: 5) { edges { node { agencyPath operation outcome } } } }",
            json!({}),
        )
        .await;
    let rows: Vec<(String, String)> = log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["node"]["operation"].as_str().unwrap().to_owned(), e["node"]["agencyPath"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(rows.contains(&("createAgency".into(), "/91/899/".into())), "{rows:?}");
    assert!(rows.contains(&("updateAgency".into(), "/91/899/30999/".into())), "{rows:?}");
    assert!(rows.contains(&("closeAgency".into(), "/91/899/".into())), "{rows:?}");
}

/// `POST /oauth/token` with a form body and, when given, HTTP Basic credentials.
async fn token_request(app: &TestApp, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> (u16, Value) {
    let mut request = app.client.post(app.url("/oauth/token")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(response.headers()["cache-control"], "no-store");
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_service_account_trades_its_client_secret_for_a_token_until_the_secret_is_revoked() {
    let app = TestApp::spawn().await;
    let query = "mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { id username kind
        roles { role agencyPath } } }";
    let input = json!({ "username": "kiosk.30742", "displayName": "Ki-ốt tra cứu", "agencyCode": "30742",
        "roles": [{ "role": "receiver", "agencyCode": "30742" }] });
    let created =
        app.data(Some("vinhthanh.quantri"), query, json!({ "input": input })).await["createServiceAccount"].clone();
    assert_eq!(created["kind"], "SERVICE");
    assert_eq!(created["roles"], json!([{ "role": "receiver", "agencyPath": "/91/30742/" }]));
    let issue = "mutation($id: ID!) { issueClientSecret(input: { serviceAccount: $id }) {
        clientId clientSecret secret { id prefix } } }";
    let foreign = app.graphql(Some("stp.quantri"), issue, json!({ "id": created["id"] })).await;
    assert_eq!(foreign.error_codes(), ["NOT_FOUND"], "{}", foreign.body);
    let person =
        app.graphql(Some("vinhthanh.quantri"), issue, json!({ "id": app.user_id("vinhthanh.motcua").await })).await;
    assert_eq!(person.error_codes(), ["NOT_FOUND"], "a person has no client secret: {}", person.body);
    let issued =
        app.data(Some("vinhthanh.quantri"), issue, json!({ "id": created["id"] })).await["issueClientSecret"].clone();
    let (client_id, secret) = (issued["clientId"].as_str().unwrap(), issued["clientSecret"].as_str().unwrap());
    assert_eq!(client_id, "kiosk.30742");
    assert!(secret.starts_with(issued["secret"]["prefix"].as_str().unwrap()));

    let grant = [("grant_type", "client_credentials")];
    let (status, body) = token_request(&app, Some((client_id, secret)), &grant).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["token_type"].as_str(), body["expires_in"].as_u64()), (Some("Bearer"), Some(3600)));
    let token = body["access_token"].as_str().unwrap();
    let me = app
        .post_raw(
            Some(token),
            serde_json::to_vec(&json!({ "query": "{ me { user { username kind } } dossiers { totalCount } }" }))
                .unwrap(),
        )
        .await;
    assert_eq!(me.body["data"]["me"]["user"], json!({ "username": "kiosk.30742", "kind": "SERVICE" }), "{}", me.body);
    assert_eq!(
        me.body["data"]["dossiers"]["totalCount"].as_i64().unwrap(),
        visible_dossiers(&app, "vinhthanh.motcua").await
    );
    // In the form body instead of HTTP Basic.
    let (status, _) = token_request(
        &app,
        None,
        &[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret)],
    )
    .await;
    assert_eq!(status, 200);

    // A wrong secret and an unknown account get the same answer.
    let (wrong_status, wrong) = token_request(&app, Some((client_id, "mcs_wrong")), &grant).await;
    let (unknown_status, unknown) = token_request(&app, Some(("nobody.here", secret)), &grant).await;
    assert_eq!((wrong_status, &wrong), (401, &unknown), "{wrong} / {unknown}");
    assert_eq!(unknown_status, 401);
    assert_eq!(wrong["error"], "invalid_client");
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let (status, body) = token_request(&app, Some((client_id, secret)), &[("grant_type", "password")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));

    let listed = app
        .data(
            Some("vinhthanh.quantri"),
            "query($id: ID!) { node(id: $id) { ... on User { clientSecrets { id lastUsedAt revokedAt } } } }",
            json!({ "id": created["id"] }),
        )
        .await;
    let secrets = &listed["node"]["clientSecrets"];
    assert!(secrets[0]["lastUsedAt"].is_string(), "{listed}");
    let revoke = "mutation($id: ID!) { revokeClientSecret(input: { id: $id }) { revokedAt } }";
    let revoked = app.data(Some("vinhthanh.quantri"), revoke, json!({ "id": secrets[0]["id"] })).await;
    assert!(revoked["revokeClientSecret"]["revokedAt"].is_string());
    let (status, body) = token_request(&app, Some((client_id, secret)), &grant).await;
    assert_eq!((status, &body), (401, &unknown), "a revoked secret is refused like a wrong one");

    let log = app
        .data(
            Some("vinhthanh.quantri"),
            "{ auditLog(first: 10) { edges { node { operation outcome details } } } }",
            json!({}),
        )
        .await;
    let rows = log["auditLog"]["edges"].as_array().unwrap();
    for operation in ["createServiceAccount", "issueClientSecret", "revokeClientSecret"] {
        assert!(
            rows.iter().any(|r| r["node"]["operation"] == operation && r["node"]["outcome"] == "OK"),
            "{operation}: {log}"
        );
    }
    assert!(!log.to_string().contains(secret), "the secret is in no audit row");
}

#[tokio::test]
async fn a_custom_fee_officer_confirms_payments_and_does_nothing_else() {
    let app = TestApp::spawn().await;
    let define = "mutation($input: RoleInput!) { defineRole(input: $input) }";
    let permissions = json!([{ "object": "dossier", "action": "confirm_payment" },
        { "object": "dossier", "action": "read" }]);
    let input = json!({ "name": "fee_officer", "permissions": permissions });
    // A commune's admin defines no role; an unknown permission is refused.
    let refused = app.graphql(Some("vinhthanh.quantri"), define, json!({ "input": input })).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);
    let bogus = json!({ "name": "fee_officer", "permissions": [{ "object": "dossier", "action": "fly" }] });
    let refused = app.graphql(Some("tinh.quantri"), define, json!({ "input": bogus })).await;
    assert_eq!(refused.error_codes(), ["BAD_USER_INPUT"], "{}", refused.body);
    let defined = app.data(Some("tinh.quantri"), define, json!({ "input": input })).await;
    assert_eq!(defined["defineRole"], "fee_officer");
    let roles = app.data(None, "{ roles { name builtIn permissions { object action } } }", json!({})).await;
    let fee = roles["roles"].as_array().unwrap().iter().find(|r| r["name"] == "fee_officer").unwrap().clone();
    assert_eq!(fee, json!({ "name": "fee_officer", "builtIn": false, "permissions": permissions }));

    // A built-in role cannot lose what the dossier's life needs.
    let weaken = json!({ "name": "receiver", "permissions": [{ "object": "dossier", "action": "read" }] });
    let update = "mutation($input: RoleInput!) { updateRole(input: $input) }";
    let refused = app.graphql(Some("tinh.quantri"), update, json!({ "input": weaken })).await;
    assert_eq!(refused.error_codes(), ["BAD_USER_INPUT"], "{}", refused.body);

    let officer = create_official(&app, "vinhthanh.quantri", "vinhthanh.thuphi", "30742").await;
    let grant_input = json!({ "official": officer["id"], "role": "fee_officer", "agencyCode": "30742" });
    let granted = grant(&app, "vinhthanh.quantri", "grantRole", grant_input).await;
    assert!(granted.body.get("errors").is_none(), "{}", granted.body);

    let procedure = app.procedure_id("30742", None).await;
    let received = app.receive_new("vinhthanh.motcua", "30742", &procedure).await;
    let id = received["id"].as_str().unwrap().to_owned();
    let specialist = app.user_id("vinhthanh.chuyenvien").await;
    app.ok("vinhthanh.lanhdao", "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    app.ok("vinhthanh.chuyenvien", "requestPayment", json!({ "dossierId": id, "amount": 30000 })).await;
    let paid = app.ok("vinhthanh.thuphi", "confirmPayment", json!({ "dossierId": id, "method": "DIRECT" })).await;
    assert_eq!(paid["dossier"]["status"], "PROCESSING");
    // Nothing else: not the desk's intake, not the specialist's step.
    let receive = json!({ "procedureId": procedure, "agencyCode": "30742", "applicant": motcua_tests::applicant() });
    let intake = app.command("vinhthanh.thuphi", "receiveDossier", receive).await;
    assert_eq!(intake.error_codes(), ["FORBIDDEN"], "{}", intake.body);
    let step = app.command("vinhthanh.thuphi", "completeStep", json!({ "dossierId": id })).await;
    assert!(!step.error_codes().is_empty(), "{}", step.body);
    assert_ne!(step.error_codes(), ["INTERNAL"]);

    let log = app
        .data(Some("tinh.quantri"), "{ auditLog(first: 50) { edges { node { operation outcome } } } }", json!({}))
        .await;
    let rows: Vec<String> = log["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["node"]["operation"].as_str().unwrap(), e["node"]["outcome"].as_str().unwrap()))
        .collect();
    for expected in ["defineRole OK", "defineRole BAD_USER_INPUT", "updateRole BAD_USER_INPUT"] {
        assert!(rows.iter().any(|r| r == expected), "{expected} in {rows:?}");
    }
}

#[tokio::test]
async fn refused_token_requests_from_one_address_are_capped_even_in_parallel() {
    let app = TestApp::spawn().await;
    let attempts =
        (0..25).map(|_| token_request(&app, Some(("nobody", "mcs_wrong")), &[("grant_type", "client_credentials")]));
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.into_iter().map(|(status, _)| status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 20, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5, "{statuses:?}");
    let (status, body) =
        token_request(&app, Some(("nobody", "mcs_wrong")), &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 429);
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{body}");
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
