use jsonwebtoken::{encode, EncodingKey, Header};
use motcua_tests::{TestApp, TEST_SECRET};
use serde_json::json;

fn forged(user: &str, secret: &str, expires_in: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let claims = json!({ "sub": user, "iat": now - 7200, "exp": now + expires_in });
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

#[tokio::test]
async fn a_bad_token_is_unauthenticated_and_never_anonymous() {
    let app = TestApp::spawn().await;
    let cases = [
        ("garbage", "not.a.token".to_owned()),
        ("another secret", forged("vinhthanh.motcua", "some-other-secret", 3600)),
        ("expired", forged("vinhthanh.motcua", TEST_SECRET, -60)),
        ("unknown user", forged("nobody.at.all", TEST_SECRET, 3600)),
    ];
    for (case, token) in cases {
        // Even the public catalogue is refused: a bad token is an error, not anonymity.
        let reply = app
            .post_raw(
                Some(&token),
                serde_json::to_vec(&json!({ "query": "{ procedures(first: 1) { edges { node { code } } } }" }))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, 401, "{case}");
        assert_eq!(reply.error_codes(), vec!["UNAUTHENTICATED"], "{case}");
        assert!(reply.body["data"].is_null(), "{case}");
    }
}

#[tokio::test]
async fn a_token_accepted_before_is_refused_once_it_expires() {
    let app = TestApp::spawn().await;
    let token = forged("vinhthanh.motcua", TEST_SECRET, 2);
    let me = serde_json::to_vec(&json!({ "query": "{ me { user { username } } }" })).unwrap();
    let accepted = app.post_raw(Some(&token), me.clone()).await;
    assert_eq!(accepted.body["data"]["me"]["user"]["username"], "vinhthanh.motcua", "{}", accepted.body);
    // The server remembers the verified token, but never past its expiry.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let expired = app.post_raw(Some(&token), me).await;
    assert_eq!((expired.status, expired.error_codes()), (401, vec!["UNAUTHENTICATED".to_owned()]));
}

#[tokio::test]
async fn a_token_signed_with_the_secret_for_a_known_user_is_accepted() {
    let app = TestApp::spawn().await;
    let token = forged("vinhthanh.motcua", TEST_SECRET, 3600);
    let reply = app
        .post_raw(Some(&token), serde_json::to_vec(&json!({ "query": "{ me { user { username } } }" })).unwrap())
        .await;
    assert_eq!(reply.body, json!({ "data": { "me": { "user": { "username": "vinhthanh.motcua" } } } }));
}

#[tokio::test]
async fn me_names_the_caller_its_agency_and_roles_from_casbin() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            Some("tinh.giamsat"),
            "{ me { user { username kind } agency { code } roles { role agencyPath subtree agency { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["me"],
        json!({ "user": { "username": "tinh.giamsat", "kind": "PERSON" }, "agency": { "code": "91" },
                "roles": [{ "role": "supervisor", "agencyPath": "/91/", "subtree": true, "agency": { "code": "91" } }] })
    );
    let anonymous = app.data(None, "{ me { user { username } } }", json!({})).await;
    assert_eq!(anonymous, json!({ "me": null }));
}

#[tokio::test]
async fn anonymous_callers_cannot_list_or_read_dossiers() {
    let app = TestApp::spawn().await;
    for query in ["{ dossiers { totalCount } }", r#"{ dossier(code: "30742-261123-0001") { code } }"#] {
        let reply = app.graphql(None, query, json!({})).await;
        assert_eq!(reply.error_codes(), vec!["UNAUTHENTICATED"], "{query}");
    }
}
