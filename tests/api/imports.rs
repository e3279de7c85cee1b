//! Imports from files: the documented example files, every kind of bad row,
//! a re-import that changes nothing, a dry run that writes nothing.

use motcua_tests::{FilePart, Reply, TestApp};
use serde_json::{json, Value};

const CSV: &str = include_str!("../../docs/examples/agencies.csv");
const JSONL: &str = include_str!("../../docs/examples/agencies.jsonl");
const OFFICIALS_CSV: &str = include_str!("../../docs/examples/officials.csv");
const OFFICIALS_JSONL: &str = include_str!("../../docs/examples/officials.jsonl");

pub(crate) async fn import_as(
    app: &TestApp,
    mutation: &str,
    user: &str,
    file_name: &str,
    content: &str,
    dry_run: bool,
) -> Reply {
    let query = format!(
        "mutation($input: ImportInput!) {{ {mutation}(input: $input) {{
        dryRun rows created updated unchanged rejectedCount rejected(first: 100) {{ row column reason }} }} }}"
    );
    let file =
        FilePart { variable: "variables.input.file", file_name, content_type: "text/csv", content: content.as_bytes() };
    app.upload(Some(user), &query, json!({ "input": { "file": null, "dryRun": dry_run } }), &[file]).await
}

async fn import(app: &TestApp, user: &str, file_name: &str, content: &str, dry_run: bool) -> Reply {
    import_as(app, "importAgencies", user, file_name, content, dry_run).await
}

pub(crate) async fn report_of(
    app: &TestApp,
    mutation: &str,
    user: &str,
    file_name: &str,
    content: &str,
    dry_run: bool,
) -> Value {
    let reply = import_as(app, mutation, user, file_name, content, dry_run).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    reply.body["data"][mutation].clone()
}

async fn report(app: &TestApp, user: &str, file_name: &str, content: &str, dry_run: bool) -> Value {
    report_of(app, "importAgencies", user, file_name, content, dry_run).await
}

/// `(row, column)` of every refused row.
pub(crate) fn rejected(report: &Value) -> Vec<(i64, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap_or("-").to_owned()))
        .collect()
}

pub(crate) fn counts(report: &Value) -> (i64, i64, i64, i64) {
    let n = |key: &str| report[key].as_i64().unwrap();
    (n("rows"), n("created"), n("updated") + n("unchanged"), n("rejectedCount"))
}

async fn agency(app: &TestApp, code: &str) -> Value {
    let query = "query($c: String!) { agency(code: $c) { code name kind path validFrom phone parent { code } } }";
    app.data(None, query, json!({ "c": code })).await["agency"].clone()
}

#[tokio::test]
async fn the_example_files_import_once_and_a_second_time_change_nothing() {
    let app = TestApp::spawn().await;
    let dry = report(&app, "tinh.quantri", "agencies.csv", CSV, true).await;
    assert_eq!((dry["dryRun"].as_bool(), counts(&dry)), (Some(true), (4, 3, 1, 0)), "{dry}");
    assert!(agency(&app, "39101").await.is_null(), "a dry run writes nothing");

    let done = report(&app, "tinh.quantri", "agencies.csv", CSV, false).await;
    assert_eq!(counts(&done), (4, 3, 1, 0), "the same report: {done}");
    let commune = agency(&app, "39102").await;
    assert_eq!(commune["path"], "/91/39102/", "a commune right under the province, as since 2025-07-01");
    assert_eq!((commune["kind"].as_str(), commune["phone"].as_str()), (Some("COMMUNE"), Some("0297 3700 102")));
    assert_eq!(commune["parent"]["code"], "91");
    assert_eq!(agency(&app, "91.SNV").await["phone"], "0297 3862 000");

    // The same units as JSON Lines: nothing left to do.
    let again = report(&app, "tinh.quantri", "agencies.jsonl", JSONL, false).await;
    assert_eq!(
        (again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(0), Some(4)),
        "{again}"
    );
}

#[tokio::test]
async fn every_bad_row_is_reported_with_its_row_and_column_and_the_good_ones_go_in() {
    let app = TestApp::spawn().await;
    let file = "\u{feff}Mã,Tên,Loại,Mã cấp trên,Hiệu lực từ
39201,Thôn Một,thôn,91,2026-01-01
39202,,xã,91,2026-01-01
39203,Xã Mồ Côi,xã,12345,2026-01-01
39204,Xã Sai Ngày,xã,91,31-31-2020
30733,Phường Vĩnh Thanh,huyện,899,2020-01-01
30733,Phường Vĩnh Thanh Mới,xã,91,2025-01-01
39206,Xã Dưới Xã,xã,30742,2026-01-01

39205,Xã Đúng,xã,91,2026-01-01
";
    let done = report(&app, "tinh.quantri", "bad.csv", file, false).await;
    let rejected = rejected(&done);
    let expected = [(2, "kind"), (3, "name"), (4, "parent"), (5, "validFrom"), (6, "kind"), (7, "code"), (8, "kind")];
    assert_eq!(rejected, expected.map(|(row, column)| (row, column.to_owned())), "{done}");
    assert_eq!(counts(&done), (8, 1, 0, 7), "{done}");
    let good = agency(&app, "39205").await;
    assert_eq!(good["path"], "/91/39205/", "the good row went in, on line 10 after a blank one: {done}");

    // A heading no import knows stops the file before any row.
    let unknown = import(&app, "tinh.quantri", "x.csv", "code,name,colour\n1,2,3\n", false).await;
    assert_eq!(unknown.error_codes(), ["BAD_USER_INPUT"], "{}", unknown.body);
    // Where the caller does not manage agencies, the row is refused.
    let elsewhere = report(&app, "rachgia.quantri", "agencies.csv", CSV, true).await;
    let first = &elsewhere["rejected"][0];
    assert_eq!((first["row"].as_i64(), first["column"].as_str()), (Some(2), Some("code")), "{elsewhere}");
    assert_eq!(elsewhere["created"].as_i64(), Some(0), "nothing under the province for a commune's admin: {elsewhere}");
}

#[tokio::test]
async fn officials_come_in_with_their_roles_once_and_bad_rows_are_reported() {
    let app = TestApp::spawn().await;
    let mutation = "importOfficials";
    let dry = report_of(&app, mutation, "rachgia.quantri", "officials.csv", OFFICIALS_CSV, true).await;
    assert_eq!(counts(&dry), (4, 4, 0, 0), "{dry}");
    let done = report_of(&app, mutation, "rachgia.quantri", "officials.csv", OFFICIALS_CSV, false).await;
    assert_eq!(counts(&done), (4, 4, 0, 0), "the dry run's report: {done}");
    assert_eq!(app.roles_of("rachgia.chuyenvien2").await, ["leader /91/30742/", "specialist /91/30742/"]);
    assert_eq!(app.roles_of("rachgia.kiemsoat").await, ["supervisor /91/30742/*"]);
    let me = app.data(Some("kiosk.30742"), "{ me { user { username kind } } }", json!({})).await;
    assert_eq!(me["me"]["user"], json!({ "username": "kiosk.30742", "kind": "SERVICE" }));
    let again = report_of(&app, mutation, "rachgia.quantri", "officials.jsonl", OFFICIALS_JSONL, false).await;
    assert_eq!(
        (again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(0), Some(4)),
        "{again}"
    );

    let file = "username,displayName,agency,roles,email
vinhthanh.a,,30742,receiver,
Vinh Thanh,Tên Hoa,30742,receiver,
vinhthanh.b,Cán bộ B,99999,receiver,
vinhthanh.c,Cán bộ C,30742,phu-trach,
vinhthanh.d,Cán bộ D,30742,receiver,not-an-address
vinhthanh.e,Cán bộ E,30766,receiver,
vinhthanh.f,Cán bộ F,30742,supervisor*,
vinhthanh.g,Cán bộ G,30742,receiver,
vinhthanh.g,Cán bộ G lần hai,30742,receiver,
vinhthanh.motcua,Phạm Thị Ngọc Lan (đổi tên),30742,receiver,
";
    let bad = report_of(&app, mutation, "vinhthanh.quantri", "bad.csv", file, false).await;
    let expected = [
        (2, "displayName"),
        (3, "username"),
        (4, "agency"),
        (5, "roles"),
        (6, "email"),
        (7, "agency"),
        (8, "roles"),
        (10, "username"),
    ];
    assert_eq!(rejected(&bad), expected.map(|(row, column)| (row, column.to_owned())), "{bad}");
    assert_eq!((bad["created"].as_i64(), bad["updated"].as_i64()), (Some(1), Some(1)), "{bad}");
    let renamed = app.data(Some("vinhthanh.motcua"), "{ me { user { displayName } } }", json!({})).await;
    assert_eq!(renamed["me"]["user"]["displayName"], "Phạm Thị Ngọc Lan (đổi tên)");
}

const CATALOGUE_CSV: &str = include_str!("../../docs/examples/catalogue.csv");

async fn versions(app: &TestApp, code: &str) -> Value {
    let query = "query($c: String!) { procedures(filter: { search: $c }, first: 10) { nodes { code version status
        isCurrent effectiveFrom effectiveTo onlineMode fee requiredDocuments { name } steps { name role budgetHours }
        versions { version status effectiveFrom effectiveTo isCurrent } } } }";
    let data = app.data(Some("tinh.quantri"), query, json!({ "c": code })).await;
    let nodes = data["procedures"]["nodes"].as_array().unwrap().clone();
    nodes.into_iter().find(|node| node["code"] == code).unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_catalogue_imports_versions_once_and_refuses_what_it_cannot_publish() {
    let app = TestApp::spawn().await;
    let dry = report_of(&app, "importCatalogue", "tinh.quantri", "catalogue.csv", CATALOGUE_CSV, true).await;
    assert_eq!(counts(&dry), (4, 4, 0, 0), "{dry}");
    assert!(versions(&app, "1.011994").await.is_null(), "a dry run writes nothing");

    let done = report_of(&app, "importCatalogue", "tinh.quantri", "catalogue.csv", CATALOGUE_CSV, false).await;
    assert_eq!(counts(&done), (4, 4, 0, 0), "{done}");
    let printing = versions(&app, "1.011994").await;
    assert_eq!((printing["version"].as_i64(), printing["onlineMode"].as_str()), (Some(2), Some("FULL")), "{printing}");
    assert_eq!(printing["steps"].as_array().unwrap().len(), 4);
    assert_eq!(printing["steps"][1]["budgetHours"], 40);
    let first = &printing["versions"].as_array().unwrap().iter().find(|v| v["version"] == 1).unwrap().clone();
    assert_eq!((first["effectiveTo"].as_str(), first["isCurrent"].as_bool()), (Some("2025-02-28"), Some(false)));
    let festival = versions(&app, "2.000915").await;
    assert_eq!((festival["fee"].as_i64(), festival["effectiveFrom"].as_str()), (Some(50_000), Some("2024-01-01")));
    // Without steps: the desk's standard four, the appraisal given the rest of the time.
    assert_eq!(festival["steps"].as_array().unwrap().len(), 4, "{festival}");

    let again = report_of(&app, "importCatalogue", "tinh.quantri", "catalogue.csv", CATALOGUE_CSV, false).await;
    assert_eq!(
        (again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(0), Some(4))
    );

    let bad = "code,version,name,field,publisher,tier,onlineMode,resolutionTime,fee,decision,effectiveFrom,steps\n\
        1.011994,1,Cấp giấy phép hoạt động in (sửa),XUATBAN,91,PROVINCE,PARTIAL,10,0,1234/QĐ-UBND,2024-01-01,\n\
        x.1,1,Tên,XUATBAN,91,PROVINCE,FULL,5,0,,,\n\
        1.000001,1,Tên,XUATBAN,91.STTTT,COMMUNE,FULL,5,0,,,\n\
        1.000002,1,Tên,KHONGCO,91,PROVINCE,FULL,5,0,,,\n\
        1.000003,1,Tên,XUATBAN,99999,PROVINCE,FULL,5,0,,,\n\
        1.000004,1,Tên,XUATBAN,91,PROVINCE,FULL,5,0,,2024-01-01,\n\
        1.000005,1,Tên,XUATBAN,91,PROVINCE,FULL,0,0,,,\n\
        1.000006,1,Tên,XUATBAN,91,PROVINCE,FULL,5,-3,,,\n\
        1.000007,1,Tên,XUATBAN,91,PROVINCE,FULL,5,0,,,Bước | thủ kho | 2\n\
        1.000008,1,Tên,XUATBAN,91,PROVINCE,FULL,5,0,,,\n\
        1.000008,1,Tên,XUATBAN,91,PROVINCE,FULL,5,0,,,\n";
    let refused = report_of(&app, "importCatalogue", "tinh.quantri", "bad.csv", bad, false).await;
    let expected: Vec<(i64, String)> = [
        (2, "-"),
        (3, "code"),
        (4, "tier"),
        (5, "field"),
        (6, "publisher"),
        (7, "decision"),
        (8, "resolutionTime"),
        (9, "fee"),
        (10, "steps"),
        (12, "version"),
    ]
    .into_iter()
    .map(|(row, column)| (row, column.to_owned()))
    .collect();
    assert_eq!(rejected(&refused), expected, "{refused}");
    assert_eq!(refused["created"], 1, "the good row is written: {refused}");
    // A version without `effectiveFrom` is a draft: not in the catalogue that takes dossiers.
    assert!(versions(&app, "1.000008").await.is_null());

    // A department's administrator publishes its own procedures, not the province's.
    let foreign = report_of(&app, "importCatalogue", "stp.quantri", "catalogue.csv", CATALOGUE_CSV, true).await;
    assert_eq!(rejected(&foreign).len(), 4, "{foreign}");
}

/// `csv` as an XLSX workbook: its rows on the first sheet, every cell text.
fn workbook_of(csv: &str) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
    for (row, record) in reader.records().enumerate() {
        for (column, value) in record.unwrap().iter().enumerate() {
            sheet.write_string(row as u32, column as u16, value).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_workbook_imports_like_its_csv() {
    let app = TestApp::spawn().await;
    let bytes = workbook_of(CATALOGUE_CSV);
    let query = "mutation($input: ImportInput!) { importCatalogue(input: $input) {
        rows created updated unchanged rejectedCount rejected(first: 100) { row column reason } } }";
    let content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let file =
        FilePart { variable: "variables.input.file", file_name: "catalogue.xlsx", content_type, content: &bytes };
    let reply = app.upload(Some("tinh.quantri"), query, json!({ "input": { "file": null } }), &[file]).await;
    let report = &reply.body["data"]["importCatalogue"];
    assert_eq!(counts(report), (4, 4, 0, 0), "{}", reply.body);
    let festival = versions(&app, "2.000915").await;
    assert_eq!((festival["fee"].as_i64(), festival["effectiveFrom"].as_str()), (Some(50_000), Some("2024-01-01")));
    // The same rows as CSV afterwards: nothing to do.
    let again = report_of(&app, "importCatalogue", "tinh.quantri", "catalogue.csv", CATALOGUE_CSV, false).await;
    assert_eq!(again["unchanged"], 4, "{again}");
}
