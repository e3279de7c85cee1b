//! A reorganisation as a plan, on a small plan over the demo's Rạch Giá: a
//! merge into a new unit that takes up a closed commune's code, a division
//! with a default and an address rule, a rename, a district closed. Its dry
//! run, its apply (twice), the dossiers moved and not, the grants moved,
//! ended and kept, who sees what after it, and the reports across it. Then
//! the real 2025 plan of the demo, its dry run against a count from the map.
//! Both on the demo as it stood before 2025-07-01.

use motcua_tests::{applicant, FilePart, Reply, TestApp};
use serde_json::{json, Value};

const PLAN: &str = r#"{
  "effective": "2027-01-01",
  "decision": "Nghị quyết 9999/NQ-UBTVQH15 (thử nghiệm)",
  "agencies": [
    { "code": "30742", "name": "Phường Rạch Giá", "kind": "COMMUNE", "parent": "91" },
    { "code": "39002", "name": "Phường Vĩnh Hiệp Mới", "kind": "COMMUNE", "parent": "91" },
    { "code": "39003", "name": "Xã Phi Thông Mới", "kind": "COMMUNE", "parent": "91" }
  ],
  "renamed": [{ "code": "91", "name": "Tỉnh An Giang" }],
  "merged": [
    { "province": "91", "commune": "30742",
      "from": ["30730", "30736", "30739", "30742", "30745", "30748", "30751", "30754", "30757", "30760"] },
    { "into": "39003", "from": ["30763"] }
  ],
  "divided": [
    { "from": "30733", "into": [{ "commune": "30742", "default": true }, { "commune": "39002" }], "byAddress": true }
  ],
  "closed": [{ "code": "899", "successor": "30742" }],
  "grants": { "specialist": "END" }
}"#;

const OLD_COMMUNES: [&str; 12] =
    ["30730", "30733", "30736", "30739", "30742", "30745", "30748", "30751", "30754", "30757", "30760", "30763"];

const DRY_RUN: &str = "effective applicable createdCount closedCount movedDossiers officialsMoved problemCount
    problems(first: 100) { severity code reason } created { code path exists } renamed { code from to done }
    closed(first: 20) { code path done successors { code path default } } moves(first: 100) { fromCode toCode toPath dossiers }
    grants(first: 100) { username role domain outcome to }";

async fn send(app: &TestApp, user: &str, mutation: &str, selection: &str) -> Reply {
    send_plan(app, PLAN, user, mutation, selection).await
}

async fn send_plan(app: &TestApp, plan: &str, user: &str, mutation: &str, selection: &str) -> Reply {
    let query = format!("mutation($input: ReorganizationInput!) {{ {mutation}(input: $input) {{ {selection} }} }}");
    let file = FilePart {
        variable: "variables.input.plan",
        file_name: "plan.json",
        content_type: "application/json",
        content: plan.as_bytes(),
    };
    app.upload(Some(user), &query, json!({ "input": { "plan": null } }), &[file]).await
}

async fn dry_run(app: &TestApp) -> Value {
    let reply = send(app, "tinh.quantri", "planReorganization", DRY_RUN).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    reply.body["data"]["planReorganization"].clone()
}

async fn apply(app: &TestApp) -> Value {
    let selection = format!("created closed dossiersMoved grantsMoved grantsEnded officialsMoved plan {{ {DRY_RUN} }}");
    let reply = send(app, "tinh.quantri", "applyReorganization", &selection).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    reply.body["data"]["applyReorganization"].clone()
}

const COLUMNS: [&str; 18] = [
    "carriedOver",
    "receivedOnline",
    "receivedDirect",
    "receivedPostal",
    "movedIn",
    "resolvedEarly",
    "resolvedOnTime",
    "resolvedLate",
    "withdrawn",
    "refused",
    "stopped",
    "movedOut",
    "pendingOverdue",
    "pending",
    "received",
    "totalToResolve",
    "resolved",
    "pendingWithinDeadline",
];

/// The report's total and rows as numbers, as `tinh.giamsat` (the whole province) reads them.
async fn report(app: &TestApp, agency: &str, (from, to): (&str, &str)) -> (Vec<i64>, Vec<Vec<i64>>) {
    let columns = COLUMNS.join(" ");
    let query = format!(
        "query($a: String!, $f: Date!, $t: Date!) {{ dossierReport(agencyCode: $a, from: $f, to: $t) {{
            rows {{ {columns} }} total {{ {columns} }} }} }}"
    );
    let data = app.data(Some("tinh.giamsat"), &query, json!({ "a": agency, "f": from, "t": to })).await;
    let numbers = |row: &Value| COLUMNS.iter().map(|c| row[c].as_i64().unwrap()).collect::<Vec<_>>();
    let rows = data["dossierReport"]["rows"].as_array().unwrap().iter().map(numbers).collect();
    (numbers(&data["dossierReport"]["total"]), rows)
}

fn column(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap()
}

fn sum(reports: &[Vec<i64>]) -> Vec<i64> {
    (0..COLUMNS.len()).map(|i| reports.iter().map(|r| r[i]).sum()).collect()
}

/// Whether `user` reads the dossier `code`.
async fn sees(app: &TestApp, user: &str, code: &str) -> bool {
    let query = "query($c: String!) { dossier(code: $c) { code } }";
    !app.data(Some(user), query, json!({ "c": code })).await["dossier"].is_null()
}

/// The dossiers at `agency` alone (code, finishedAt), as the province's supervisor reads them.
async fn dossiers_at(app: &TestApp, agency: &str) -> Vec<Value> {
    let query = "query($f: DossierFilter, $after: String) { dossiers(filter: $f, first: 100, after: $after) {
        edges { node { code finishedAt } } pageInfo { hasNextPage endCursor } } }";
    let filter = json!({ "agencyCode": agency, "subtree": false });
    let (mut all, mut after) = (Vec::new(), Value::Null);
    loop {
        let data = app.data(Some("tinh.giamsat"), query, json!({ "f": filter, "after": after })).await;
        let page = &data["dossiers"];
        all.extend(page["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()));
        if page["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn a_plan_moves_what_is_in_flight_keeps_what_is_finished_and_reports_go_on_across_its_date() {
    let app = TestApp::spawn_before_2025().await;
    // Two dossiers received at Phường Vĩnh Thanh days before the date: one
    // of an applicant in the part that becomes Phường Vĩnh Hiệp Mới.
    app.set_clock(Some("2026-12-28 09:00"));
    let procedure = app.procedure_id("30733", None).await;
    let stays_default = app.receive_new("vinhthanh.motcua", "30733", &procedure).await["code"].clone();
    let mut elsewhere = applicant();
    elsewhere["address"] = json!("5 Lê Lợi, khu phố 3, Phường Vĩnh Hiệp Mới");
    let input = json!({ "procedureId": procedure, "agencyCode": "30733", "applicant": elsewhere });
    let by_address = app.ok("vinhthanh.motcua", "receiveDossier", input).await["dossier"]["code"].clone();
    let (stays_default, by_address) = (stays_default.as_str().unwrap(), by_address.as_str().unwrap());

    // The day after the date, before the apply.
    app.set_clock(Some("2027-01-02 09:00"));
    let periods = [("2026-10-01", "2026-12-31"), ("2026-12-01", "2027-01-31"), ("2027-01-01", "2027-01-02")];
    let mut province_before = Vec::new();
    for period in periods {
        province_before.push(report(&app, "91", period).await.0);
    }
    let quarter = periods[0];
    let district_before = report(&app, "899", quarter).await.0;
    let mut in_flight = std::collections::BTreeMap::new();
    let mut finished_elsewhere = None;
    for commune in OLD_COMMUNES.iter().chain(&["899"]) {
        for dossier in dossiers_at(&app, commune).await {
            match dossier["finishedAt"].is_null() {
                true => *in_flight.entry(commune.to_string()).or_insert(0) += 1,
                false if *commune == "30736" || (*commune != "30733" && finished_elsewhere.is_none()) => {
                    finished_elsewhere = Some(dossier["code"].as_str().unwrap().to_owned())
                }
                false => {}
            }
        }
    }
    let finished_elsewhere = finished_elsewhere.expect("a finished demo dossier in Rạch Giá outside Vĩnh Thanh");
    assert!(!sees(&app, "vinhthanh.motcua", &finished_elsewhere).await, "not hers before the merge");

    // The dry run: everything counted, nothing written.
    let dry = dry_run(&app).await;
    assert_eq!(dry["applicable"], true, "{dry}");
    assert_eq!((dry["createdCount"].as_i64(), dry["closedCount"].as_i64()), (Some(3), Some(13)), "{dry}");
    let moved: i64 = in_flight.values().sum();
    assert_eq!(dry["movedDossiers"].as_i64(), Some(moved), "{dry}");
    let flows = dry["moves"].as_array().unwrap();
    for (commune, count) in &in_flight {
        let to_here: i64 =
            flows.iter().filter(|f| f["fromCode"] == commune.as_str()).map(|f| f["dossiers"].as_i64().unwrap()).sum();
        assert_eq!(to_here, *count, "{commune}: {dry}");
    }
    let to_39002: i64 = flows.iter().filter(|f| f["toCode"] == "39002").map(|f| f["dossiers"].as_i64().unwrap()).sum();
    assert_eq!(to_39002, 1, "only the applicant who lives there: {dry}");
    let outcome = |user: &str, role: &str| {
        let grant = dry["grants"].as_array().unwrap().iter().find(|g| g["username"] == user && g["role"] == role);
        grant.map(|g| format!("{} {}", g["outcome"].as_str().unwrap(), g["to"].as_str().unwrap_or("-")))
    };
    assert_eq!(outcome("vinhthanh.motcua", "receiver").as_deref(), Some("MOVE /91/30742/"));
    assert_eq!(outcome("vinhthanh.chuyenvien", "specialist").as_deref(), Some("END -"));
    assert_eq!(outcome("rachgia.quantri", "admin").as_deref(), Some("MOVE /91/30742/*"));
    assert_eq!(outcome("rachgia.giamsat", "supervisor").as_deref(), Some("KEEP -"));
    assert!(
        dry["problems"].as_array().unwrap().iter().all(|p| p["severity"] == "WARNING"),
        "the plan names every unit of the district: {dry}"
    );
    assert_eq!(report(&app, "91", quarter).await.0, province_before[0], "a dry run writes nothing");
    let unprivileged = send(&app, "rachgia.quantri", "planReorganization", "applicable").await;
    assert_eq!(unprivileged.error_codes(), ["FORBIDDEN"], "a district's admin cannot reorganise the province");

    // The apply.
    let applied = apply(&app).await;
    assert_eq!((applied["created"].as_i64(), applied["closed"].as_i64()), (Some(3), Some(13)), "{applied}");
    assert_eq!(applied["dossiersMoved"].as_i64(), Some(moved), "{applied}");
    let after = &applied["plan"];
    assert_eq!((after["createdCount"].as_i64(), after["closedCount"].as_i64()), (Some(0), Some(0)), "{applied}");
    assert_eq!(after["movedDossiers"].as_i64(), Some(0), "{applied}");

    // Moved, with the slip entry; finished ones stay.
    let slip = "query($c: String!) { dossier(code: $c) { code agency { code path } events(first: 50) { edges { node {
        action note fromAgency { code } toAgency { code } } } } } }";
    let moved_one = app.data(Some("vinhthanh.motcua"), slip, json!({ "c": stays_default })).await;
    assert_eq!(moved_one["dossier"]["agency"]["path"], "/91/30742/", "{moved_one}");
    assert!(moved_one["dossier"]["code"].as_str().unwrap().starts_with("30733-"), "its code unchanged");
    let entries = moved_one["dossier"]["events"]["edges"].as_array().unwrap();
    let reorganize =
        entries.iter().map(|e| &e["node"]).find(|n| n["action"] == "REORGANIZE").expect("a REORGANIZE entry");
    assert_eq!(
        (&reorganize["fromAgency"]["code"], &reorganize["toAgency"]["code"]),
        (&json!("30733"), &json!("30742"))
    );
    assert_eq!(reorganize["note"], "Nghị quyết 9999/NQ-UBTVQH15 (thử nghiệm)");
    let other = app.data(Some("tinh.giamsat"), slip, json!({ "c": by_address })).await;
    assert_eq!(other["dossier"]["agency"]["code"], "39002", "the part the address names");
    // (`30742` names the new unit now: the plan's second dry run above
    // counts nothing left in flight at the old one.)
    for commune in OLD_COMMUNES.iter().chain(&["899"]).filter(|c| **c != "30742") {
        assert!(
            dossiers_at(&app, commune).await.iter().all(|d| !d["finishedAt"].is_null()),
            "{commune}: nothing in flight"
        );
    }

    // Grants moved, ended and kept; who sees what.
    assert_eq!(app.roles_of("vinhthanh.motcua").await, ["receiver /91/30742/"]);
    assert_eq!(app.roles_of("rachgia.quantri").await, ["admin /91/30742/*"]);
    assert_eq!(app.roles_of("rachgia.giamsat").await, ["supervisor /91/899/*"]);
    assert!(app.roles_of("vinhthanh.chuyenvien").await.is_empty());
    assert!(sees(&app, "vinhthanh.motcua", &finished_elsewhere).await, "the archive comes with the merge");
    assert!(sees(&app, "vinhthanh.motcua", stays_default).await);
    assert!(!sees(&app, "vinhthanh.motcua", by_address).await, "moved to another unit");
    assert!(sees(&app, "rachgia.giamsat", &finished_elsewhere).await, "the old supervisor keeps its history");
    assert!(!sees(&app, "rachgia.giamsat", stays_default).await, "and nothing new");

    // The directory: a closed unit answers with its successors; a reused code
    // names the new unit today and the old one before; the rename is dated.
    let query = "query($c: String!, $d: Date) { agency(code: $c, asOf: $d) { name path validTo successors { agency { code } default } } }";
    let closed = app.data(None, query, json!({ "c": "30733" })).await["agency"].clone();
    assert_eq!(closed["validTo"], "2026-12-31");
    assert_eq!(
        closed["successors"],
        json!([{ "agency": { "code": "30742" }, "default": true }, { "agency": { "code": "39002" }, "default": false }])
    );
    assert_eq!(app.data(None, query, json!({ "c": "30742" })).await["agency"]["path"], "/91/30742/");
    let old = app.data(None, query, json!({ "c": "30742", "d": "2026-06-01" })).await["agency"].clone();
    assert_eq!((old["path"].as_str(), old["name"].as_str()), (Some("/91/899/30742/"), Some("Phường Vĩnh Bảo")));
    assert_eq!(app.data(None, query, json!({ "c": "91" })).await["agency"]["name"], "Tỉnh An Giang");
    assert_eq!(
        app.data(None, query, json!({ "c": "91", "d": "2026-12-31" })).await["agency"]["name"],
        "Tỉnh Kiên Giang"
    );
    // Reports: the successors' quarter before the date is the district's;
    // the province's totals are what they were, for every period, and its
    // rows add up to them.
    let successors = [
        report(&app, "30742", quarter).await.0,
        report(&app, "39002", quarter).await.0,
        report(&app, "39003", quarter).await.0,
    ];
    assert_eq!(sum(&successors), district_before, "the successors' quarter is their predecessors'");
    assert_eq!(report(&app, "899", quarter).await.0, district_before, "a closed unit answers for its own periods");
    assert_eq!(report(&app, "39003", quarter).await.0, report(&app, "30763", quarter).await.0);
    for (period, before) in periods.iter().zip(&province_before) {
        let (total, rows) = report(&app, "91", *period).await;
        assert_eq!(&total, before, "the province over {period:?}");
        // A dossier carried from one row's unit to another's is moved out of
        // the one and into the other; the province's total holds no move.
        let (moved_in, moved_out, to_resolve) = (column("movedIn"), column("movedOut"), column("totalToResolve"));
        let rows_sum = sum(&rows);
        assert_eq!((total[moved_in], total[moved_out]), (0, 0), "{period:?}");
        assert_eq!(rows_sum[moved_in], rows_sum[moved_out], "{period:?}");
        for (index, name) in COLUMNS.iter().enumerate().filter(|(i, _)| ![moved_in, moved_out, to_resolve].contains(i))
        {
            assert_eq!(rows_sum[index], total[index], "no dossier counts twice in the rows' {name} over {period:?}");
        }
    }

    // The closed unit takes no dossier; its successor does.
    let input = json!({ "procedureId": procedure, "agencyCode": "30733", "applicant": applicant() });
    let refused = app.command("vinhthanh.motcua", "receiveDossier", input).await;
    assert_eq!(refused.error_codes(), ["BAD_USER_INPUT"], "a closed unit takes no dossier: {}", refused.body);
    app.receive_new("vinhthanh.motcua", "30742", &procedure).await;

    // Applied again: nothing changes.
    let again = apply(&app).await;
    assert_eq!(
        (
            again["created"].as_i64(),
            again["closed"].as_i64(),
            again["dossiersMoved"].as_i64(),
            again["grantsMoved"].as_i64()
        ),
        (Some(0), Some(0), Some(0), Some(0)),
        "{again}"
    );
    assert_eq!(report(&app, "899", quarter).await.0, district_before);
}

#[tokio::test]
async fn a_unit_with_dossiers_in_flight_is_not_closed_by_hand_and_a_rename_is_dated() {
    let app = TestApp::spawn_before_2025().await;
    app.set_clock(Some("2026-12-01 09:00"));
    let procedure = app.procedure_id("30733", None).await;
    app.receive_new("vinhthanh.motcua", "30733", &procedure).await;
    let close = "mutation($input: CloseAgencyInput!) { closeAgency(input: $input) { code validTo } }";
    let input = json!({ "code": "30733", "validTo": "2026-12-31", "successorCode": "30736" });
    let refused = app.graphql(Some("rachgia.quantri"), close, json!({ "input": input })).await;
    assert_eq!(refused.error_codes(), ["BAD_USER_INPUT"], "{}", refused.body);
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("applyReorganization"), "{}", refused.body);

    let rename = "mutation($input: UpdateAgencyInput!) { updateAgency(input: $input) { name } }";
    let input = json!({ "code": "30736", "name": "Phường Vĩnh Quang Mới" });
    let renamed = app.graphql(Some("rachgia.quantri"), rename, json!({ "input": input })).await;
    assert_eq!(renamed.body["data"]["updateAgency"]["name"], "Phường Vĩnh Quang Mới", "{}", renamed.body);
    let query = "query($d: Date) { agency(code: \"30736\", asOf: $d) { name names { name validFrom validTo } } }";
    let before = app.data(None, query, json!({ "d": "2026-11-30" })).await;
    assert_eq!(before["agency"]["name"], "Phường Vĩnh Quang");
    let today = app.data(None, query, json!({ "d": null })).await;
    assert_eq!(today["agency"]["name"], "Phường Vĩnh Quang Mới");
    let names = today["agency"]["names"].as_array().unwrap();
    assert_eq!(names.len(), 2, "{today}");
    assert_eq!((&names[0]["validTo"], &names[1]["validFrom"]), (&json!("2026-11-30"), &json!("2026-12-01")), "{today}");
}

/// The ids of the units that bear `codes` now (before a plan gives some of
/// the codes to new units).
async fn units_of(app: &TestApp, codes: &std::collections::BTreeSet<String>) -> Vec<uuid::Uuid> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let units = entity::agency::Entity::find()
        .filter(entity::agency::Column::Code.is_in(codes.iter().cloned()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(units.len(), codes.len(), "one unit a code");
    units.into_iter().map(|a| a.id).collect()
}

/// The dossiers still in flight (not finished) at `units`, counted in the database.
async fn in_flight_at(app: &TestApp, units: &[uuid::Uuid]) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    entity::dossier::Entity::find()
        .filter(entity::dossier::Column::AgencyId.is_in(units.iter().copied()))
        .filter(entity::dossier::Column::FinishedAt.is_null())
        .count(&app.db)
        .await
        .unwrap() as i64
}

#[tokio::test]
async fn the_real_2025_plan_makes_the_new_an_giang_as_its_map_says() {
    let app = TestApp::spawn_before_2025().await;
    let text = motcua_seed::REORGANIZATION_2025;
    let file: Value = serde_json::from_str(text).unwrap();
    // Counted from the map's entries the plan carries: every unit a merge,
    // a division or a closure takes from, and the units it creates.
    let list = |key: &str| file[key].as_array().unwrap().clone();
    let mut closing = std::collections::BTreeSet::new();
    for merge in list("merged") {
        closing.extend(merge["from"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()));
    }
    closing.extend(list("divided").iter().map(|d| d["from"].as_str().unwrap().to_owned()));
    closing.extend(list("closed").iter().map(|c| c["code"].as_str().unwrap().to_owned()));
    let communes_merged = list("merged").iter().filter(|m| m["province"] == "91").count();
    let created = list("agencies").len();
    assert_eq!((created, communes_merged), (102, 102), "the map's 102 communes of An Giang");
    let closing_units = units_of(&app, &closing).await;
    let in_flight = in_flight_at(&app, &closing_units).await;
    assert!(in_flight > 0, "the demo has dossiers in flight at the old units");

    let dry = api::reorganize(&app.state, text.as_bytes(), false).await.unwrap()["plan"].clone();
    let counts = &dry["counts"];
    assert_eq!(counts["errors"], 0, "{}", dry["problems"]);
    assert_eq!(counts["created"].as_u64().unwrap() as usize, created);
    assert_eq!(counts["closed"].as_u64().unwrap() as usize, closing.len());
    assert_eq!(counts["movedDossiers"].as_i64().unwrap(), in_flight);
    assert_eq!(dry["renamed"].as_array().unwrap().len(), 1);

    let applied = api::reorganize(&app.state, text.as_bytes(), true).await.unwrap();
    assert_eq!(applied["applied"]["dossiersMoved"].as_i64(), Some(in_flight), "{}", applied["applied"]);
    assert_eq!(in_flight_at(&app, &closing_units).await, 0, "nothing left in flight at a closed unit");
    let again = api::reorganize(&app.state, text.as_bytes(), false).await.unwrap()["plan"].clone();
    assert_eq!(
        (&again["counts"]["created"], &again["counts"]["closed"]),
        (&json!(0), &json!(0)),
        "{}",
        again["counts"]
    );
    assert_eq!(again["counts"]["movedDossiers"], 0);

    let query = "query($d: Date) { agency(code: \"91\", asOf: $d) { name children { kind validTo } }
        agencies(filter: { parentCode: \"91\", kind: COMMUNE }, asOf: $d, first: 100) { edges { node { code } } } }";
    let today = app.data(None, query, json!({ "d": null })).await;
    assert_eq!(today["agency"]["name"], "Tỉnh An Giang");
    let open_communes = today["agency"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "COMMUNE" && c["validTo"].is_null())
        .count();
    assert_eq!(open_communes, 102, "{today}");
    let before = app.data(None, query, json!({ "d": "2025-06-30" })).await;
    assert_eq!(before["agency"]["name"], "Tỉnh Kiên Giang");
    assert_eq!(
        before["agencies"]["edges"],
        json!([]),
        "before the date, Kiên Giang's communes were under its districts"
    );
}

#[tokio::test]
async fn on_today_s_demo_most_dossiers_moved_in_flight_were_finished_at_their_new_units() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let moved = entity::dossier::Entity::find()
        .filter(entity::dossier::Column::Moves.is_not_null())
        .all(&app.db)
        .await
        .unwrap();
    let finished: Vec<_> = moved.iter().filter(|d| d.finished_at.is_some()).collect();
    assert!(2 * finished.len() > moved.len(), "{} of {} finished", finished.len(), moved.len());
    let day = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let vietnam = |t: chrono::DateTime<chrono::Utc>| (t + chrono::Duration::hours(7)).date_naive();
    assert!(finished.iter().all(|d| vietnam(d.finished_at.unwrap()) >= day), "finished after the move");

    // The slip of one: the move on its day, then the work at the new unit.
    let dossier = finished[0];
    let query = "query($c: String!) { dossier(code: $c) { status agency { path }
        events(first: 50) { edges { node { action createdAt toAgency { code } } } } } }";
    let data = app.data(Some("tinh.giamsat"), query, json!({ "c": dossier.code })).await;
    assert_eq!(data["dossier"]["status"], "RETURNED");
    assert_eq!(data["dossier"]["agency"]["path"], dossier.agency_path.as_str(), "at the unit it moved to");
    assert!(!dossier.agency_path.starts_with("/91/899/") && !dossier.agency_path.starts_with("/89/"));
    let events: Vec<&Value> =
        data["dossier"]["events"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
    let at = events.iter().position(|e| e["action"] == "REORGANIZE").expect("a REORGANIZE entry");
    assert!(events[at]["createdAt"].as_str().unwrap().starts_with("2025-06-30T17:"), "{}", events[at]);
    let after: Vec<&str> = events[at + 1..].iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(after.ends_with(&["COMPLETE_STEP", "RESOLVE", "RETURN_RESULT"]), "{after:?}");
}

#[tokio::test]
async fn the_documented_example_plan_applies_to_today_s_demo_on_its_date() {
    let app = TestApp::spawn().await;
    let example = include_str!("../../docs/examples/reorganization.json");
    let selection =
        "applicable createdCount closedCount movedDossiers problemCount problems(first: 10) { code reason }";
    let dry = send_plan(&app, example, "tinh.quantri", "planReorganization", selection).await;
    let dry = &dry.body["data"]["planReorganization"];
    assert_eq!((dry["applicable"].as_bool(), dry["problemCount"].as_i64()), (Some(true), Some(0)), "{dry}");
    assert_eq!((dry["createdCount"].as_i64(), dry["closedCount"].as_i64()), (Some(2), Some(4)), "{dry}");
    let early = send_plan(&app, example, "tinh.quantri", "applyReorganization", "created").await;
    assert_eq!(early.error_codes(), ["INVALID_TRANSITION"], "not before its date: {}", early.body);

    app.set_clock(Some("2027-01-01 08:00"));
    let done = send_plan(&app, example, "tinh.quantri", "applyReorganization", "created closed dossiersMoved").await;
    let done = &done.body["data"]["applyReorganization"];
    assert_eq!((done["created"].as_i64(), done["closed"].as_i64()), (Some(2), Some(4)), "{done}");
    assert_eq!(done["dossiersMoved"], dry["movedDossiers"], "{done}");
    assert_eq!(app.roles_of("tochau.motcua").await, ["receiver /91/39001/"], "the desk went with its ward");
}
