//! Documents: attached through GraphQL multipart requests, stored once by
//! their SHA-256 in the data folder, described in the database, downloaded
//! only by those who may read the dossier, and refused cleanly when too big,
//! foreign or out of place.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use motcua_tests::{applicant, FilePart, TestApp};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const DESK: &str = "vinhthanh.motcua";
const SPECIALIST: &str = "vinhthanh.chuyenvien";
const LEADER: &str = "vinhthanh.lanhdao";
const COMMUNE: &str = "30742";

const ATTACH: &str = "mutation($input: AttachDocumentInput!) { attachDocument(input: $input) {
    dossier { version documentsDigitized resultDigitized
      documents { id kind name contentType sizeBytes sha256 digitized downloadPath uploadedBy { username } } }
    event { action statusFrom statusTo note document { name } fromUser { username } }
    document { id kind name contentType sizeBytes sha256 digitized downloadPath } } }";

fn sha256(content: &[u8]) -> String {
    Sha256::digest(content).iter().map(|b| format!("{b:02x}")).collect()
}

fn pdf(content: &[u8]) -> FilePart<'_> {
    FilePart { variable: "variables.input.file", file_name: "to-khai.pdf", content_type: "application/pdf", content }
}

async fn attach(app: &TestApp, user: &str, input: Value, file: FilePart<'_>) -> motcua_tests::Reply {
    app.upload(Some(user), ATTACH, json!({ "input": input }), &[file]).await
}

/// Every file under the data folder's document store, except the staging folder.
fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    let root = app.data_dir().join("documents");
    let Ok(prefixes) = std::fs::read_dir(&root) else { return Vec::new() };
    let mut files: Vec<_> = prefixes
        .flatten()
        .filter(|prefix| prefix.file_name() != "tmp")
        .flat_map(|prefix| std::fs::read_dir(prefix.path()).unwrap().flatten().map(|f| f.path()))
        .collect();
    files.sort();
    files
}

async fn document_rows(app: &TestApp) -> u64 {
    entity::dossier_document::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn an_attached_document_is_stored_by_its_hash_listed_on_the_dossier_and_downloaded_by_those_who_see_it() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let dossier = app.receive_new(DESK, COMMUNE, &procedure).await;
    let id = dossier["id"].as_str().unwrap();
    assert_eq!(dossier["version"], 0);
    let content = "%PDF-1.7 Tờ khai đăng ký khai sinh".repeat(100).into_bytes();

    let reply = attach(
        &app,
        DESK,
        json!({ "dossierId": id, "version": 0, "file": null, "name": "Tờ khai đăng ký khai sinh", "digitized": true,
                "note": "Bản số hóa từ bản chính" }),
        pdf(&content),
    )
    .await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let payload = &reply.body["data"]["attachDocument"];
    let document = &payload["document"];
    assert_eq!(document["sha256"], sha256(&content));
    assert_eq!(document["sizeBytes"], content.len());
    assert_eq!(document["kind"], "APPLICATION");
    assert_eq!(document["name"], "Tờ khai đăng ký khai sinh");
    assert_eq!(document["contentType"], "application/pdf");
    assert_eq!(document["digitized"], true);
    assert_eq!(payload["dossier"]["documentsDigitized"], true);
    assert_eq!(payload["dossier"]["resultDigitized"], false);
    assert_eq!(payload["dossier"]["version"], 1, "attaching changes the dossier's version");
    assert_eq!(payload["dossier"]["documents"].as_array().unwrap().len(), 1);
    assert_eq!(payload["dossier"]["documents"][0]["uploadedBy"]["username"], DESK);
    assert_eq!(payload["event"]["action"], "ATTACH_DOCUMENT");
    assert_eq!(payload["event"]["statusFrom"], "RECEIVED");
    assert_eq!(payload["event"]["statusTo"], "RECEIVED");
    assert_eq!(payload["event"]["document"]["name"], "Tờ khai đăng ký khai sinh");
    assert_eq!(payload["event"]["note"], "Bản số hóa từ bản chính");

    // The content is in the data folder under its hash.
    let hash = sha256(&content);
    let path = app.data_dir().join("documents").join(&hash[..2]).join(&hash);
    assert_eq!(std::fs::read(&path).unwrap(), content);

    // The same content again: a second document, one stored file.
    let again = attach(&app, SPECIALIST, json!({ "dossierId": id, "file": null }), pdf(&content)).await;
    assert!(again.body.get("errors").is_none(), "{}", again.body);
    let again = &again.body["data"]["attachDocument"];
    assert_eq!(again["document"]["name"], "to-khai.pdf", "the file's name when no name is given");
    assert_eq!(again["document"]["digitized"], false);
    assert_eq!(again["dossier"]["documents"].as_array().unwrap().len(), 2);
    assert_eq!(stored_files(&app), std::slice::from_ref(&path));

    // Downloads: the desk and a supervisor of the province may; another commune, nobody anonymous.
    let download_path = document["downloadPath"].as_str().unwrap();
    for reader in [DESK, "tinh.giamsat"] {
        let (status, headers, body) = app.download(Some(reader), download_path).await;
        assert_eq!(status, 200, "{reader}");
        assert_eq!(body, content, "{reader}");
        assert_eq!(headers["content-type"], "application/pdf");
        assert_eq!(headers["etag"], format!("\"{hash}\""));
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename*=UTF-8''T%E1%BB%9D"));
    }
    let (status, _, foreign) = app.download(Some("tochau.motcua"), download_path).await;
    let (missing_status, _, missing) =
        app.download(Some("tochau.motcua"), &format!("/documents/{}", uuid::Uuid::now_v7())).await;
    assert_eq!((status, missing_status), (404, 404));
    let code = |body: &[u8]| serde_json::from_slice::<Value>(body).unwrap()["errors"][0]["extensions"]["code"].clone();
    assert_eq!(code(&foreign), "NOT_FOUND");
    assert_eq!(code(&foreign), code(&missing));
    let (status, _, _) = app.download(None, download_path).await;
    assert_eq!(status, 401);

    // The document is also reachable as a node, by those who see the dossier only.
    let node = "query($id: ID!) { node(id: $id) { ... on DossierDocument { name sha256 } } }";
    let seen = app.data(Some(LEADER), node, json!({ "id": document["id"] })).await;
    assert_eq!(seen["node"]["sha256"], hash);
    let unseen = app.data(Some("tochau.motcua"), node, json!({ "id": document["id"] })).await;
    assert!(unseen["node"].is_null());
}

#[tokio::test]
async fn a_portal_submits_a_dossier_with_its_documents_in_one_request() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let query = "mutation($input: SubmitDossierInput!) { submitDossier(input: $input) {
        dossier { status documentsDigitized documents { kind name sha256 sizeBytes contentType } } } }";
    let input = json!({
        "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant(),
        "documents": [
            { "file": null, "name": "Tờ khai", "digitized": true },
            { "file": null },
        ],
    });
    let files = [
        FilePart {
            variable: "variables.input.documents.0.file",
            file_name: "tokhai.pdf",
            content_type: "application/pdf",
            content: b"%PDF tokhai",
        },
        FilePart {
            variable: "variables.input.documents.1.file",
            file_name: "C:\\scan\\cccd.jpg",
            content_type: "image/jpeg",
            content: b"\xff\xd8\xff cccd",
        },
    ];
    let reply = app.upload(Some("portal.dvc"), query, json!({ "input": input }), &files).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let dossier = &reply.body["data"]["submitDossier"]["dossier"];
    assert_eq!(dossier["status"], "SUBMITTED");
    assert_eq!(dossier["documentsDigitized"], true);
    let documents = dossier["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 2);
    assert!(documents.iter().all(|d| d["kind"] == "APPLICATION"));
    assert_eq!(documents[0]["name"], "Tờ khai");
    assert_eq!(documents[0]["sha256"], sha256(b"%PDF tokhai"));
    assert_eq!(documents[1]["name"], "cccd.jpg", "the client's folders are dropped");
    assert_eq!(documents[1]["contentType"], "image/jpeg");
    assert_eq!(stored_files(&app).len(), 2);
}

#[tokio::test]
async fn a_document_over_the_size_limit_is_refused_with_a_clear_error_and_nothing_is_written() {
    let app = TestApp::spawn_with(|settings| settings.limits.max_document_bytes = 4096).await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let id = app.receive_new(DESK, COMMUNE, &procedure).await["id"].as_str().unwrap().to_owned();
    let rows = document_rows(&app).await;

    let big = vec![b'x'; 5000];
    let reply = attach(&app, DESK, json!({ "dossierId": id, "file": null }), pdf(&big)).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_codes(), ["LIMIT_EXCEEDED"]);
    let message = reply.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("4096 bytes"), "{message}");
    assert_eq!(document_rows(&app).await, rows);
    assert!(stored_files(&app).is_empty());

    // Just under the limit passes; an empty file and a request without the file part do not.
    let fits = attach(&app, DESK, json!({ "dossierId": id, "file": null }), pdf(&big[..4096])).await;
    assert!(fits.body.get("errors").is_none(), "{}", fits.body);
    let empty = attach(&app, DESK, json!({ "dossierId": id, "file": null }), pdf(b"")).await;
    assert_eq!(empty.error_codes(), ["BAD_USER_INPUT"], "{}", empty.body);
    let no_file = app.graphql(Some(DESK), ATTACH, json!({ "input": { "dossierId": id, "file": null } })).await;
    assert!(!no_file.error_codes().is_empty(), "{}", no_file.body);
    let malformed = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token(DESK))
        .header("content-type", "multipart/form-data; boundary=nothing-follows")
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);
    assert_eq!(document_rows(&app).await, rows + 1);
    assert_eq!(stored_files(&app).len(), 1);
    // The server keeps serving.
    app.data(Some(DESK), "{ me { user { username } } }", json!({})).await;
}

#[tokio::test]
async fn documents_are_refused_on_foreign_dossiers_to_roles_without_the_right_and_out_of_place() {
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let received = app.receive_new(DESK, COMMUNE, &procedure).await;
    let id = received["id"].as_str().unwrap().to_owned();
    let rows = document_rows(&app).await;

    // Another commune's desk: the same answer as a missing dossier, nothing stored.
    let foreign = attach(&app, "tochau.motcua", json!({ "dossierId": id, "file": null }), pdf(b"x")).await;
    let missing_id = URL_SAFE_NO_PAD.encode(format!("Dossier:{}", uuid::Uuid::now_v7()));
    let missing = attach(&app, "tochau.motcua", json!({ "dossierId": missing_id, "file": null }), pdf(b"x")).await;
    assert_eq!(foreign.error_codes(), ["NOT_FOUND"], "{}", foreign.body);
    assert_eq!(foreign.body, missing.body);
    // The leader reads the dossier but does not attach documents.
    let leader = attach(&app, LEADER, json!({ "dossierId": id, "file": null }), pdf(b"x")).await;
    assert_eq!(leader.error_codes(), ["FORBIDDEN"], "{}", leader.body);
    // A result before processing, a stale version.
    let early_result = attach(&app, DESK, json!({ "dossierId": id, "kind": "RESULT", "file": null }), pdf(b"x")).await;
    assert_eq!(early_result.error_codes(), ["BAD_USER_INPUT"], "{}", early_result.body);
    let stale = attach(&app, DESK, json!({ "dossierId": id, "version": 7, "file": null }), pdf(b"x")).await;
    assert_eq!(stale.error_codes(), ["CONFLICT"], "{}", stale.body);
    assert_eq!(document_rows(&app).await, rows);
    assert!(stored_files(&app).is_empty(), "refused uploads leave nothing in the store");

    // Through to the result: a digitised result marks the dossier.
    let specialist = app.user_id(SPECIALIST).await;
    app.ok(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    app.ok(SPECIALIST, "completeStep", json!({ "dossierId": id })).await;
    app.ok(LEADER, "resolveDossier", json!({ "dossierId": id, "resultNumber": "12/GCN" })).await;
    let result = attach(
        &app,
        DESK,
        json!({ "dossierId": id, "kind": "RESULT", "digitized": true, "name": "Giấy chứng nhận", "file": null }),
        pdf(b"%PDF result"),
    )
    .await;
    assert!(result.body.get("errors").is_none(), "{}", result.body);
    let dossier = &result.body["data"]["attachDocument"]["dossier"];
    assert_eq!(dossier["resultDigitized"], true);
    assert_eq!(dossier["documentsDigitized"], false);
    app.ok(DESK, "returnResult", json!({ "dossierId": id })).await;

    // A returned dossier is finished.
    let late = attach(&app, DESK, json!({ "dossierId": id, "file": null }), pdf(b"late")).await;
    assert_eq!(late.error_codes(), ["INVALID_TRANSITION"], "{}", late.body);
    assert_eq!(document_rows(&app).await, rows + 1);
}

#[tokio::test]
async fn a_dossier_holds_at_most_a_hundred_documents() {
    use sea_orm::{ActiveModelTrait, ColumnTrait, IntoActiveModel, QueryFilter};
    let app = TestApp::spawn().await;
    let procedure = app.procedure_id(COMMUNE, None).await;
    let dossier = app.receive_new(DESK, COMMUNE, &procedure).await;
    let id = dossier["id"].as_str().unwrap();
    let content = b"%PDF-1.7 giay to".to_vec();
    let first = attach(&app, DESK, json!({ "dossierId": id, "file": null, "name": "Giấy tờ 1" }), pdf(&content)).await;
    assert!(first.body.get("errors").is_none(), "{}", first.body);
    // 99 more rows like the first make a hundred.
    let row = entity::dossier_document::Entity::find()
        .filter(entity::dossier_document::Column::Sha256.eq(sha256(&content)))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the first document's row");
    for _ in 1..100 {
        let mut copy = row.clone();
        copy.id = uuid::Uuid::now_v7();
        let mut copy = copy.into_active_model();
        copy.id = sea_orm::ActiveValue::Set(uuid::Uuid::now_v7());
        copy.insert(&app.db).await.unwrap();
    }
    let full = attach(&app, DESK, json!({ "dossierId": id, "file": null, "name": "Giấy tờ 101" }), pdf(&content)).await;
    assert_eq!(full.error_codes(), ["LIMIT_EXCEEDED"], "{}", full.body);
    let listed = app
        .data(
            Some(DESK),
            "query($id: ID!) { node(id: $id) { ... on Dossier { documents { id } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(listed["node"]["documents"].as_array().unwrap().len(), 100);
}
