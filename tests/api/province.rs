//! A province builds itself through GraphQL alone: a commune from nothing,
//! its officials and their roles, a procedure published for it, and a
//! dossier's whole life there; procedure versions taking over on their day.

use motcua_tests::{applicant, Reply, TestApp};
use serde_json::{json, Value};

const PROCEDURE: &str = "id code version status isCurrent effectiveFrom effectiveTo decisionNumber
    steps { position role } requiredDocuments { name } versions { version status }";

async fn mutation(app: &TestApp, user: &str, name: &str, input_type: &str, selection: &str, input: Value) -> Value {
    let reply = try_mutation(app, user, name, input_type, selection, input).await;
    assert!(reply.body.get("errors").is_none(), "{name} as {user}: {}", reply.body);
    reply.body["data"][name].clone()
}

async fn try_mutation(app: &TestApp, user: &str, name: &str, input_type: &str, selection: &str, input: Value) -> Reply {
    let query = format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} }} }}");
    app.graphql(Some(user), &query, json!({ "input": input })).await
}

/// The code of a field of the demo catalogue.
async fn a_field(app: &TestApp) -> String {
    let data = app.data(None, "{ procedures(first: 1) { edges { node { field { code } } } } }", json!({})).await;
    data["procedures"]["edges"][0]["node"]["field"]["code"].as_str().unwrap().to_owned()
}

/// A draft of the province for the commune tier, with two steps.
fn new_procedure(code: &str, field: &str) -> Value {
    json!({
        "agencyCode": "91", "code": code, "name": "Xác nhận tình trạng cư trú (thí điểm)", "fieldCode": field,
        "tier": "COMMUNE", "onlineMode": "PARTIAL", "resolutionTime": 3, "resolutionUnit": "WORKING_DAYS",
        "feeAmount": 0, "requiredDocuments": [{ "name": "Tờ khai" }],
        "steps": [
            { "name": "Thẩm định hồ sơ", "role": "specialist", "budgetHours": 16 },
            { "name": "Phê duyệt, ký kết quả", "role": "leader", "budgetHours": 4 },
        ],
    })
}

async fn create_and_publish(app: &TestApp, code: &str, from: &str) -> Value {
    let field = a_field(app).await;
    let draft = mutation(
        app,
        "tinh.quantri",
        "createProcedure",
        "CreateProcedureInput",
        PROCEDURE,
        new_procedure(code, &field),
    )
    .await;
    assert_eq!(draft["status"], "DRAFT");
    let input = json!({ "id": draft["id"], "effectiveFrom": from, "decisionNumber": "1234/QĐ-UBND" });
    mutation(app, "tinh.quantri", "publishProcedure", "PublishProcedureInput", PROCEDURE, input).await
}

/// The procedure version a received dossier keeps.
async fn version_of(app: &TestApp, received: &Value) -> Value {
    let query = "query($code: String!) { dossier(code: $code) { procedure { version resolutionTime { amount } } } }";
    let data = app.data(Some("vinhthanh.motcua"), query, json!({ "code": received["dossier"]["code"] })).await;
    data["dossier"]["procedure"].clone()
}

/// `operation outcome` of the latest audit rows `user` reads.
async fn operations(app: &TestApp, user: &str) -> Vec<String> {
    let log = app.data(Some(user), "{ auditLog(first: 20) { edges { node { operation outcome } } } }", json!({})).await;
    let rows = log["auditLog"]["edges"].as_array().unwrap().clone();
    rows.iter()
        .map(|e| format!("{} {}", e["node"]["operation"].as_str().unwrap(), e["node"]["outcome"].as_str().unwrap()))
        .collect()
}

fn receive_input(procedure: &Value, agency: &str) -> Value {
    json!({ "procedureId": procedure["id"], "agencyCode": agency, "applicant": applicant() })
}

#[tokio::test]
async fn an_admin_builds_a_working_commune_from_nothing_and_a_dossier_lives_its_whole_life_there() {
    // Since 2025 the province's admin holds the communes, right under the province.
    let app = TestApp::spawn().await;
    a_commune_from_nothing(&app, Builder { admin: "tinh.quantri", parent: "91", supervisor: "tinh.giamsat" }).await;
}

#[tokio::test]
async fn before_2025_a_districts_admin_built_a_commune_the_same_way() {
    // On the demo as it stood before 2025, when districts held their communes.
    let app = TestApp::spawn_before_2025().await;
    a_commune_from_nothing(&app, Builder { admin: "rachgia.quantri", parent: "899", supervisor: "rachgia.giamsat" })
        .await;
}

/// Who opens the commune, under which unit, and who reports on that unit.
struct Builder {
    admin: &'static str,
    parent: &'static str,
    supervisor: &'static str,
}

/// A commune opened and staffed by `builder.admin`, a procedure published
/// for it, a dossier's whole life there, the report and the audit log.
async fn a_commune_from_nothing(app: &TestApp, builder: Builder) {
    let Builder { admin, parent, supervisor } = builder;
    app.set_clock(Some("2026-12-01 09:00"));
    // The agency.
    let commune = json!({ "parentCode": parent, "code": "39997", "name": "Phường Thí Điểm", "kind": "COMMUNE",
        "validFrom": "2026-12-01" });
    let created = mutation(app, admin, "createAgency", "CreateAgencyInput", "path", commune).await;
    let parent_path = if parent == "91" { "/91/".to_owned() } else { format!("/91/{parent}/") };
    assert_eq!(created["path"], format!("{parent_path}39997/"));
    // Three officials and their roles.
    for (username, role) in
        [("thidiem.motcua", "receiver"), ("thidiem.chuyenvien", "specialist"), ("thidiem.lanhdao", "leader")]
    {
        let input = json!({ "username": username, "displayName": format!("Cán bộ {role}"), "agencyCode": "39997" });
        let official = mutation(app, admin, "createOfficial", "CreateOfficialInput", "id", input).await;
        let grant = json!({ "official": official["id"], "role": role, "agencyCode": "39997" });
        mutation(app, admin, "grantRole", "RoleGrantInput", "username", grant).await;
    }
    // A procedure with two steps, published by the province for the commune tier.
    let procedure = create_and_publish(app, "9.000001", "2026-12-01").await;
    assert_eq!(procedure["status"], "PUBLISHED");
    assert_eq!(procedure["isCurrent"], true);
    let listed = app
        .data(
            None,
            "{ procedures(filter: { agencyCode: \"39997\", search: \"9.000001\" }) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["procedures"]["edges"][0]["node"]["id"], procedure["id"], "the commune's catalogue offers it");

    // The dossier's life.
    let received = app.ok("thidiem.motcua", "receiveDossier", receive_input(&procedure, "39997")).await;
    let id = received["dossier"]["id"].clone();
    assert_eq!(received["dossier"]["status"], "RECEIVED", "{received}");
    assert!(received["dossier"]["code"].as_str().unwrap().starts_with("39997-261201-"), "{received}");
    let specialist = app.user_id("thidiem.chuyenvien").await;
    let assigned =
        app.ok("thidiem.lanhdao", "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    assert_eq!(assigned["dossier"]["status"], "PROCESSING");
    let stepped = app.ok("thidiem.chuyenvien", "completeStep", json!({ "dossierId": id, "note": "Hợp lệ" })).await;
    assert_eq!(stepped["event"]["toRole"], "leader", "{stepped}");
    let resolved =
        app.ok("thidiem.lanhdao", "resolveDossier", json!({ "dossierId": id, "resultNumber": "1/XN" })).await;
    assert_eq!(resolved["dossier"]["status"], "RESOLVED");
    assert_eq!(resolved["dossier"]["outcome"], "EARLY");
    let returned = app.ok("thidiem.motcua", "returnResult", json!({ "dossierId": id })).await;
    assert_eq!(returned["dossier"]["status"], "RETURNED");
    assert_eq!(returned["dossier"]["nationalStatusCode"], 10);
    // The supervisor of the unit above sees it in that unit's report.
    let report = app
        .data(
            Some(supervisor),
            "query($parent: String!) { dossierReport(agencyCode: $parent, from: \"2026-12-01\", to: \"2026-12-01\") {
                rows { agency { code } receivedDirect resolvedEarly } } }",
            json!({ "parent": parent }),
        )
        .await;
    let row = report["dossierReport"]["rows"].as_array().unwrap().iter().find(|r| r["agency"]["code"] == "39997");
    assert_eq!(
        row.unwrap(),
        &json!({ "agency": { "code": "39997" }, "receivedDirect": 1, "resolvedEarly": 1 }),
        "{report}"
    );
    // Every command of the walk-through is in the audit log of the agency where it was allowed.
    let builder = operations(app, admin).await;
    for expected in ["createAgency OK", "createOfficial OK", "grantRole OK"] {
        assert!(builder.iter().any(|o| o == expected), "{expected} in {builder:?}");
    }
    let province = operations(app, "tinh.quantri").await;
    for expected in ["createProcedure OK", "publishProcedure OK"] {
        assert!(province.iter().any(|o| o == expected), "{expected} in {province:?}");
    }
}

#[tokio::test]
async fn a_revision_published_for_tomorrow_takes_over_tomorrow_and_each_dossier_keeps_its_version() {
    let app = TestApp::spawn().await;
    app.set_clock(Some("2026-12-01 09:00"));
    let first = create_and_publish(&app, "9.000002", "2026-12-01").await;
    let revised = mutation(
        &app,
        "tinh.quantri",
        "reviseProcedure",
        "ReviseProcedureInput",
        PROCEDURE,
        json!({ "id": first["id"] }),
    )
    .await;
    assert_eq!((revised["version"].as_i64(), revised["status"].as_str()), (Some(2), Some("DRAFT")));
    assert_eq!(revised["steps"], first["steps"], "the draft copies the steps");
    // A draft is seen only by those who manage the catalogue there.
    let hidden = app
        .graphql(Some("vinhthanh.motcua"), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": revised["id"] }))
        .await;
    assert_eq!(hidden.body["data"]["node"], Value::Null, "{}", hidden.body);
    let draft_filing = app.command("vinhthanh.motcua", "receiveDossier", receive_input(&revised, "30742")).await;
    assert_eq!(draft_filing.error_codes(), ["INVALID_TRANSITION"], "{}", draft_filing.body);
    assert_eq!(draft_filing.body["errors"][0]["extensions"]["status"], "DRAFT");
    let change = json!({ "id": revised["id"], "resolutionTime": 5 });
    mutation(&app, "tinh.quantri", "updateProcedureDraft", "UpdateProcedureDraftInput", "id", change).await;
    let publish = json!({ "id": revised["id"], "effectiveFrom": "2026-12-02", "decisionNumber": "99/QĐ-UBND" });
    mutation(&app, "tinh.quantri", "publishProcedure", "PublishProcedureInput", PROCEDURE, publish).await;

    // Today's intake uses version 1, whichever version's id the desk names.
    let today = app.ok("vinhthanh.motcua", "receiveDossier", receive_input(&revised, "30742")).await;
    app.set_clock(Some("2026-12-02 09:00"));
    let tomorrow = app.ok("vinhthanh.motcua", "receiveDossier", receive_input(&first, "30742")).await;
    assert_eq!(version_of(&app, &today).await, json!({ "version": 1, "resolutionTime": { "amount": 3 } }));
    assert_eq!(version_of(&app, &tomorrow).await, json!({ "version": 2, "resolutionTime": { "amount": 5 } }));
    let versions = app
        .data(
            None,
            "query($id: ID!) { node(id: $id) { ... on Procedure { versions { version effectiveTo } } } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert_eq!(
        versions["node"]["versions"],
        json!([{ "version": 1, "effectiveTo": "2026-12-01" },
        { "version": 2, "effectiveTo": null }])
    );
}

#[tokio::test]
async fn a_retired_procedure_takes_no_dossier_and_only_its_publisher_manages_it() {
    let app = TestApp::spawn().await;
    app.set_clock(Some("2026-12-01 09:00"));
    let procedure = create_and_publish(&app, "9.000003", "2026-12-01").await;
    // Another publisher's admin: answered as for a missing procedure.
    let foreign = try_mutation(
        &app,
        "stp.quantri",
        "retireProcedure",
        "RetireProcedureInput",
        "id",
        json!({ "id": procedure["id"], "effectiveTo": "2026-12-01" }),
    )
    .await;
    assert_eq!(foreign.error_codes(), ["NOT_FOUND"], "{}", foreign.body);
    // A department publishes only its own tier.
    let field = a_field(&app).await;
    let mut commune_tier = new_procedure("9.000004", &field);
    commune_tier["agencyCode"] = json!("91.STP");
    let refused =
        try_mutation(&app, "stp.quantri", "createProcedure", "CreateProcedureInput", "id", commune_tier).await;
    assert_eq!(refused.error_codes(), ["BAD_USER_INPUT"], "{}", refused.body);

    let retire = json!({ "id": procedure["id"], "effectiveTo": "2026-12-01" });
    let retired = mutation(&app, "tinh.quantri", "retireProcedure", "RetireProcedureInput", PROCEDURE, retire).await;
    assert_eq!(retired["effectiveTo"], "2026-12-01");
    app.ok("vinhthanh.motcua", "receiveDossier", receive_input(&procedure, "30742")).await;
    app.set_clock(Some("2026-12-02 08:00"));
    let late = app.command("vinhthanh.motcua", "receiveDossier", receive_input(&procedure, "30742")).await;
    assert_eq!(late.error_codes(), ["INVALID_TRANSITION"], "{}", late.body);
    assert_eq!(late.body["errors"][0]["extensions"]["status"], "RETIRED", "{}", late.body);
    let listed =
        app.data(None, "{ procedures(filter: { search: \"9.000003\" }) { edges { node { id } } } }", json!({})).await;
    assert_eq!(listed["procedures"]["edges"], json!([]), "no longer in the catalogue");
    let log = app
        .data(Some("tinh.quantri"), "{ auditLog(first: 3) { edges { node { operation outcome } } } }", json!({}))
        .await;
    // Newest first; the province's admin reads the commune's log too.
    assert_eq!(
        log["auditLog"]["edges"],
        json!([{ "node": { "operation": "receiveDossier", "outcome": "INVALID_TRANSITION" } },
        { "node": { "operation": "receiveDossier", "outcome": "OK" } },
        { "node": { "operation": "retireProcedure", "outcome": "OK" } }])
    );
}

#[tokio::test]
async fn on_postgresql_another_instance_files_under_a_new_version_at_once_after_it_is_published() {
    let app = TestApp::spawn().await;
    if app.database_url.is_none() {
        // SQLite is one process: the instance that published is the only one (the tests above).
        return;
    }
    let other = app.second_instance().await;
    let vietnam = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&vietnam).format("%Y-%m-%d").to_string();
    let first = create_and_publish(&app, "9.000005", &today).await;
    // The other instance files under version 1 and remembers it.
    let before = other.ok("vinhthanh.motcua", "receiveDossier", receive_input(&first, "30742")).await;
    assert_eq!(version_of(&other, &before).await["version"], 1);
    let revised =
        mutation(&app, "tinh.quantri", "reviseProcedure", "ReviseProcedureInput", "id", json!({ "id": first["id"] }))
            .await;
    let publish = json!({ "id": revised["id"], "effectiveFrom": today, "decisionNumber": "7/QĐ-UBND" });
    mutation(&app, "tinh.quantri", "publishProcedure", "PublishProcedureInput", "id", publish).await;
    let started = std::time::Instant::now();
    loop {
        let after = other.ok("vinhthanh.motcua", "receiveDossier", receive_input(&first, "30742")).await;
        if version_of(&other, &after).await["version"] == 2 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "the other instance still files under version 1"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_provinces_catalogue_admin_adds_and_renames_a_field_and_a_department_cannot() {
    let app = TestApp::spawn().await;
    let create = "mutation($input: FieldInput!) { createField(input: $input) { code name } }";
    let input = json!({ "code": "TD", "name": "Thí điểm" });
    let refused = app.graphql(Some("stp.quantri"), create, json!({ "input": input })).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);
    let created = app.data(Some("tinh.quantri"), create, json!({ "input": input })).await;
    assert_eq!(created["createField"], input);
    let again = app.graphql(Some("tinh.quantri"), create, json!({ "input": input })).await;
    assert_eq!(again.error_codes(), ["CONFLICT"], "{}", again.body);
    let rename = "mutation($input: FieldInput!) { renameField(input: $input) { code name } }";
    let renamed = json!({ "code": "TD", "name": "Lĩnh vực thí điểm" });
    app.data(Some("tinh.quantri"), rename, json!({ "input": renamed })).await;
    let fields = app.data(None, "{ fields { code name } }", json!({})).await;
    assert!(fields["fields"].as_array().unwrap().contains(&renamed), "{fields}");
    let draft = mutation(
        &app,
        "tinh.quantri",
        "createProcedure",
        "CreateProcedureInput",
        "field { name }",
        new_procedure("9.000006", "TD"),
    )
    .await;
    assert_eq!(draft["field"]["name"], "Lĩnh vực thí điểm");
}
