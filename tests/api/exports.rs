//! The reports as files (`GET /reports/{report}.{csv|xlsx}`): the GraphQL
//! answers laid out under the form's Vietnamese headings, read back with a
//! CSV parser and a spreadsheet reader, under the same rights.

use crate::reports::SERVICE_INDEX;
use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveDate, Utc};
use motcua_tests::TestApp;
use serde_json::{json, Value};

const SUPERVISOR: &str = "tinh.giamsat";

/// The columns of form II.06a in the file's order: the CSV heading, the
/// GraphQL field.
const FORM: [(&str, &str); 18] = [
    ("Tổng số hồ sơ nhận giải quyết", "totalToResolve"),
    ("Số kỳ trước chuyển qua", "carriedOver"),
    ("Số mới tiếp nhận trong kỳ", "received"),
    ("Mới tiếp nhận trực tuyến", "receivedOnline"),
    ("Mới tiếp nhận trực tiếp", "receivedDirect"),
    ("Mới tiếp nhận qua dịch vụ bưu chính công ích", "receivedPostal"),
    ("Tổng số hồ sơ đã giải quyết", "resolved"),
    ("Giải quyết trước hạn", "resolvedEarly"),
    ("Giải quyết đúng hạn", "resolvedOnTime"),
    ("Giải quyết quá hạn", "resolvedLate"),
    ("Tổng số hồ sơ đang giải quyết", "pending"),
    ("Đang giải quyết trong hạn", "pendingWithinDeadline"),
    ("Đang giải quyết quá hạn", "pendingOverdue"),
    ("Rút hồ sơ", "withdrawn"),
    ("Từ chối tiếp nhận", "refused"),
    ("Dừng xử lý", "stopped"),
    ("Tiếp nhận từ đơn vị được sắp xếp", "movedIn"),
    ("Chuyển đơn vị kế thừa", "movedOut"),
];

const REPORT: &str = "query($agency: String!, $from: Date!, $to: Date!, $by: ReportGrouping) {
  dossierReport(agencyCode: $agency, from: $from, to: $to, groupBy: $by) {
    rows { label month agency { code } procedure { code } field { code } ...columns }
    total { ...columns }
  }
}
fragment columns on DossierReportRow {
  carriedOver receivedOnline receivedDirect receivedPostal received totalToResolve resolvedEarly resolvedOnTime
  resolvedLate resolved pendingWithinDeadline pendingOverdue pending withdrawn refused stopped movedIn movedOut
  cell { agencyId rowAgencyId from to own procedureId fieldCode }
}";

/// A row's `cell` as the files give it: the fields that are set.
fn cell_of(row: &Value) -> Value {
    let mut cell = row["cell"].as_object().unwrap().clone();
    cell.retain(|_, value| !value.is_null() && *value != Value::Bool(false));
    Value::Object(cell)
}

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// Fixes the server's clock at this minute, so that the query and the file
/// describe the same moment.
fn hold_the_clock(app: &TestApp) {
    app.set_clock(Some(&(Utc::now() + Duration::hours(7)).format("%Y-%m-%d %H:%M").to_string()));
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a UTF-8 byte-order mark, for Excel");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text);
    reader.records().map(|record| record.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// The first worksheet: its name, its cells and its merged ranges
/// (`((first row, first column), (last row, last column))`).
type Merges = Vec<((u32, u32), (u32, u32))>;

fn xlsx_sheet(bytes: Vec<u8>) -> (String, Vec<Vec<Data>>, Merges) {
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    let name = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.start(), Some((0, 0)), "the sheet starts at A1");
    let merges = workbook.merge_cells_by_sheet_id(0).unwrap().into_iter().map(|d| (d.start, d.end)).collect();
    (name, range.rows().map(<[Data]>::to_vec).collect(), merges)
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(text) => text.clone(),
        Data::Empty => String::new(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(n) => *n,
        Data::Int(n) => *n as f64,
        other => panic!("expected a number, got {other:?}"),
    }
}

fn figures(row: &Value) -> Vec<i64> {
    FORM.iter().map(|(_, key)| row[key].as_i64().unwrap_or_else(|| panic!("{key} in {row}"))).collect()
}

/// The code a file's row carries: the agency's, the month, the procedure's or the field's.
fn code(row: &Value) -> String {
    for key in ["agency", "procedure", "field"] {
        if let Some(code) = row[key]["code"].as_str() {
            return code.to_owned();
        }
    }
    row["month"].as_str().expect("a month").to_owned()
}

async fn export(app: &TestApp, user: Option<&str>, path: &str) -> (u16, String, Vec<u8>) {
    let (status, headers, body) = app.download(user, path).await;
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if status == 200 {
        let disposition = headers["content-disposition"].to_str().unwrap();
        let extension = if path.contains(".csv") { ".csv" } else { ".xlsx" };
        assert!(
            disposition.starts_with("attachment; filename=\"") && disposition.ends_with(extension),
            "{disposition}"
        );
    }
    (status, content_type, body)
}

#[tokio::test]
async fn the_exported_report_is_the_graphql_report_under_the_form_headings() {
    let app = TestApp::spawn().await;
    hold_the_clock(&app);
    let today = today();
    // From before the first dossier into the future, and last year.
    let long = (today - Duration::days(3 * 365), today + Duration::days(40));
    let last_year = (today - Duration::days(365), today - Duration::days(1));
    let cases = [
        ("91", "AGENCY", "Đơn vị", long),
        ("91", "AGENCY", "Đơn vị", last_year),
        ("91", "MONTH", "Tháng", last_year),
        ("899", "FIELD", "Lĩnh vực", long),
        ("30742", "PROCEDURE", "Thủ tục hành chính", last_year),
    ];
    for (agency, by, what, (from, to)) in cases {
        let context = format!("{agency} by {by} {from}..{to}");
        let variables = json!({ "agency": agency, "from": from.to_string(), "to": to.to_string(), "by": by });
        let report = app.data(Some(SUPERVISOR), REPORT, variables).await["dossierReport"].clone();
        let rows = report["rows"].as_array().unwrap();
        assert!(!rows.is_empty() && figures(&report["total"]).iter().any(|n| *n > 0), "{context}: {report}");
        let query = format!("agencyCode={agency}&from={from}&to={to}&groupBy={by}");

        let (status, content_type, body) =
            export(&app, Some(SUPERVISOR), &format!("/reports/dossier-report.csv?{query}")).await;
        assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"), "{context}");
        let csv = csv_rows(&body);
        let mut headings = vec!["STT", what, "Mã"];
        headings.extend(FORM.iter().map(|(heading, _)| *heading));
        headings.push("Bộ lọc danh sách hồ sơ (reportCell)");
        assert_eq!(csv[0], headings, "{context}");
        assert_eq!(csv.len(), rows.len() + 2, "{context}: heading, rows, total");
        let cell = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        for (index, (line, row)) in csv[1..].iter().zip(rows).enumerate() {
            assert_eq!(line[0], (index + 1).to_string(), "{context}");
            assert_eq!(line[2], code(row), "{context}");
            let numbers: Vec<i64> = line[3..21].iter().map(|n| n.parse().unwrap()).collect();
            assert_eq!(numbers, figures(row), "{context}: {}", row["label"]);
            // How to list the row's dossiers: its cell, as GraphQL gives it.
            assert_eq!(cell(&line[21]), cell_of(row), "{context}: {}", row["label"]);
        }
        let total = csv.last().unwrap();
        assert_eq!(total[..3], ["", "Tổng cộng", ""], "{context}");
        let numbers: Vec<i64> = total[3..21].iter().map(|n| n.parse().unwrap()).collect();
        assert_eq!(numbers, figures(&report["total"]), "{context}");
        assert_eq!(cell(&total[21]), cell_of(&report["total"]), "{context}");

        let (status, content_type, body) =
            export(&app, Some(SUPERVISOR), &format!("/reports/dossier-report.xlsx?{query}")).await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "{context}"
        );
        let (name, cells, merges) = xlsx_sheet(body);
        assert_eq!(name, "II.06a");
        assert_eq!(text(&cells[0][0]), "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH");
        let period = format!("Kỳ báo cáo: từ ngày {} đến ngày {}", from.format("%d/%m/%Y"), to.format("%d/%m/%Y"));
        assert!(cells.iter().any(|row| text(&row[0]) == period), "{context}: {period}");
        // The grouped headings: three rows, the groups merged over their columns.
        let top = cells.iter().position(|row| text(&row[0]) == "STT").expect("the headings") as u32;
        let at = |row: u32, column: u32| text(&cells[row as usize][column as usize]);
        assert_eq!(at(top, 3), "Số hồ sơ nhận giải quyết");
        assert!(merges.contains(&((top, 3), (top, 8))), "{merges:?}");
        assert_eq!(at(top + 1, 5), "Mới tiếp nhận trong kỳ");
        assert!(merges.contains(&((top + 1, 5), (top + 1, 8))), "{merges:?}");
        assert_eq!((at(top + 2, 6), at(top + 2, 8)), ("Trực tuyến".into(), "Bưu chính công ích".into()));
        assert!(merges.contains(&((top, 0), (top + 2, 0))), "STT spans the heading rows: {merges:?}");
        assert_eq!((at(top, 9), at(top + 1, 10)), ("Số hồ sơ đã giải quyết".into(), "Trước hạn".into()));
        assert_eq!((at(top, 13), at(top + 1, 15)), ("Số hồ sơ đang giải quyết".into(), "Quá hạn".into()));
        assert_eq!(at(top + 3, 18), "(19)", "the column numbers");
        let data = &cells[top as usize + 4..];
        assert_eq!(data.len(), rows.len() + 1, "{context}");
        for (line, row) in data.iter().zip(rows) {
            assert_eq!(text(&line[2]), code(row), "{context}");
            let numbers: Vec<i64> = line[3..21].iter().map(|n| number(n) as i64).collect();
            assert_eq!(numbers, figures(row), "{context}: {}", row["label"]);
        }
        let total = data.last().unwrap();
        assert_eq!(text(&total[1]), "Tổng cộng");
        let numbers: Vec<i64> = total[3..21].iter().map(|n| number(n) as i64).collect();
        assert_eq!(numbers, figures(&report["total"]), "{context}");
        assert_eq!(cell(&text(&total[21])), cell_of(&report["total"]), "{context}");
    }
}

const CATALOG: &str = "query($agency: String!) {
  catalogStats(agencyCode: $agency) {
    procedures byTier { tier procedures } byOnlineMode { mode procedures } byField { field { code } procedures }
    offeredOnline publishedNational
  }
}";

/// `(count, base, ratio)` of an exported share row (STT, group, label, count, base, %).
fn share_of(line: &[String]) -> (i64, i64, Option<f64>) {
    let ratio = (!line[5].is_empty()).then(|| line[5].parse::<f64>().unwrap() / 100.0);
    (line[3].parse().unwrap(), line[4].parse().unwrap(), ratio)
}

fn assert_share(exported: (i64, i64, Option<f64>), share: &Value, context: &str) {
    assert_eq!(
        (exported.0, exported.1),
        (share["count"].as_i64().unwrap(), share["base"].as_i64().unwrap()),
        "{context}"
    );
    match (exported.2, share["ratio"].as_f64()) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 0.00005, "{context}: {a} vs {b}"),
        (a, b) => assert_eq!(a, b, "{context}"),
    }
}

#[tokio::test]
async fn the_service_index_and_catalogue_exports_equal_their_queries() {
    let app = TestApp::spawn().await;
    hold_the_clock(&app);
    let (from, to) = (today() - Duration::days(365), today());
    let variables = json!({ "agency": "91", "from": from.to_string(), "to": to.to_string() });
    let index = app.data(Some(SUPERVISOR), SERVICE_INDEX, variables).await["serviceIndex"].clone();
    let query = format!("agencyCode=91&from={from}&to={to}");
    let (status, _, body) = export(&app, Some(SUPERVISOR), &format!("/reports/service-index.csv?{query}")).await;
    assert_eq!(status, 200);
    let csv = csv_rows(&body);
    assert_eq!(csv[0], ["STT", "Nhóm", "Chỉ tiêu", "Số lượng", "Trên tổng số", "Tỷ lệ (%)"]);
    let keys = [
        ("Cung cấp dịch vụ công trực tuyến toàn trình", "proceduresFullyOnline"),
        ("Cung cấp dịch vụ công trực tuyến một phần", "proceduresPartlyOnline"),
        ("Tiếp nhận trực tuyến", "receivedOnline"),
        ("Giải quyết trước hạn và đúng hạn", "resolvedOnTime"),
        ("Tiếp nhận có thành phần hồ sơ được số hóa", "digitizedDocuments"),
        ("Giải quyết có kết quả được số hóa", "digitizedResults"),
        ("Có phí, lệ phí, được thanh toán trực tuyến", "paidOnline"),
    ];
    assert_eq!(csv.len(), keys.len() + 1);
    for (line, (label, key)) in csv[1..].iter().zip(keys) {
        assert_eq!(line[2], label);
        assert_share(share_of(line), &index[key], key);
        assert!(index[key]["count"].as_i64().unwrap() > 0, "{key}: {index}");
    }
    let (status, _, body) = export(&app, Some(SUPERVISOR), &format!("/reports/service-index.xlsx?{query}")).await;
    assert_eq!(status, 200);
    let (_, cells, _) = xlsx_sheet(body);
    let top = cells.iter().position(|row| text(&row[0]) == "STT").unwrap();
    for (line, (label, key)) in cells[top + 2..].iter().zip(keys) {
        assert_eq!(text(&line[2]), label);
        let ratio = match &line[5] {
            Data::Empty => None,
            cell => Some(number(cell)),
        };
        assert_share((number(&line[3]) as i64, number(&line[4]) as i64, ratio), &index[key], key);
    }
    assert_eq!(cells.len(), top + 2 + keys.len(), "the headings, the numbers, the indicators");

    // The catalogue is public, so is its file.
    let stats = app.data(None, CATALOG, json!({ "agency": "30742" })).await["catalogStats"].clone();
    let (status, _, body) = export(&app, None, "/reports/catalog-stats.csv?agencyCode=30742").await;
    assert_eq!(status, 200);
    let csv = csv_rows(&body);
    let find = |group: &str, label: &str| {
        let line = csv.iter().find(|l| l[1] == group && l[2].starts_with(label)).unwrap_or_else(|| panic!("{label}"));
        share_of(line)
    };
    let all = stats["procedures"].as_i64().unwrap();
    assert!(all > 0);
    assert_eq!(find("Tổng số", "Thủ tục đang có hiệu lực"), (all, all, Some(1.0)));
    for (tier, label) in [("PROVINCE", "Cấp tỉnh"), ("DISTRICT", "Cấp huyện"), ("COMMUNE", "Cấp xã")] {
        let n = stats["byTier"].as_array().unwrap().iter().find(|t| t["tier"] == tier).unwrap()["procedures"].clone();
        assert_eq!(find("Cấp thực hiện", label).0, n.as_i64().unwrap(), "{tier}");
    }
    for (mode, label) in [("FULL", "Trực tuyến toàn trình"), ("PARTIAL", "Trực tuyến một phần"), ("NONE", "Không")]
    {
        let modes = stats["byOnlineMode"].as_array().unwrap();
        let n = modes.iter().find(|m| m["mode"] == mode).unwrap()["procedures"].as_i64().unwrap();
        assert_eq!(find("Dịch vụ công trực tuyến", label).0, n, "{mode}");
    }
    let published = find("Dịch vụ công trực tuyến", "Công bố trên Cổng Dịch vụ công quốc gia");
    assert_eq!(
        (published.0, published.1),
        (stats["publishedNational"].as_i64().unwrap(), stats["offeredOnline"].as_i64().unwrap())
    );
    let fields: Vec<(String, i64)> = csv
        .iter()
        .filter(|l| l[1] == "Lĩnh vực")
        .map(|l| (l[2].rsplit_once(" (").unwrap().1.trim_end_matches(')').to_owned(), l[3].parse().unwrap()))
        .collect();
    let expected: Vec<(String, i64)> = stats["byField"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"]["code"].as_str().unwrap().to_owned(), f["procedures"].as_i64().unwrap()))
        .collect();
    assert_eq!(fields, expected);
}

#[tokio::test]
async fn an_export_covers_only_what_the_caller_may_report_on() {
    // A district's supervisor: on the demo as it stood before 2025, over
    // the year before the reorganisation.
    let app = TestApp::spawn_before_2025().await;
    hold_the_clock(&app);
    let (from, to) = (NaiveDate::from_ymd_opt(2024, 7, 1).unwrap(), NaiveDate::from_ymd_opt(2025, 6, 30).unwrap());
    let path = |report: &str, agency: &str| format!("/reports/{report}?agencyCode={agency}&from={from}&to={to}");
    let message = |body: &[u8], code: &str| {
        let body: Value = serde_json::from_slice(body).expect("a JSON error body");
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");
        body["errors"][0]["message"].as_str().unwrap().replace(code, "<code>")
    };
    for report in ["dossier-report.csv", "dossier-report.xlsx", "service-index.csv", "service-index.xlsx"] {
        let (status, _, missing) = export(&app, Some("rachgia.giamsat"), &path(report, "00000")).await;
        assert_eq!(status, 404);
        let missing = message(&missing, "00000");
        // A district's supervisor: not the province, not another district or
        // its commune; a commune's leader: not another commune, not its
        // district; the desk: no reporting right.
        for (user, agency) in [
            ("rachgia.giamsat", "91"),
            ("rachgia.giamsat", "900"),
            ("rachgia.giamsat", "30766"),
            ("vinhthanh.lanhdao", "30766"),
            ("vinhthanh.lanhdao", "899"),
            ("vinhthanh.motcua", "30733"),
        ] {
            let (status, content_type, body) = export(&app, Some(user), &path(report, agency)).await;
            assert_eq!((status, content_type.as_str()), (404, "application/json"), "{user} on {agency} {report}");
            assert_eq!(message(&body, agency), missing, "{user} on {agency} {report}");
        }
        let (status, _, body) = export(&app, None, &path(report, "30733")).await;
        assert_eq!(status, 401, "{report}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    let forged = app
        .client
        .get(app.url("/reports/catalog-stats.csv?agencyCode=91"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401, "a bad token is refused even where none is needed");

    // The district's supervisor gets its communes: its total is the
    // province's row for the district, and no row is outside it.
    let (status, _, district) = export(&app, Some("rachgia.giamsat"), &path("dossier-report.csv", "899")).await;
    assert_eq!(status, 200);
    let district = csv_rows(&district);
    let (_, _, province) = export(&app, Some(SUPERVISOR), &path("dossier-report.csv", "91")).await;
    let province = csv_rows(&province);
    let row = province.iter().find(|line| line[2] == "899").expect("the district's row");
    // The figures; each file's own cell (the district's total; the province's row of it).
    assert_eq!(district.last().unwrap()[3..21], row[3..21]);
    assert!(row[5].parse::<i64>().unwrap() > 0, "the district received dossiers: {row:?}");
    let communes =
        app.data(None, "{ agencies(filter: {parentCode: \"899\"}, first: 100) { nodes { code } } }", json!({})).await;
    let communes: Vec<&str> =
        communes["agencies"]["nodes"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    for line in &district[1..district.len() - 1] {
        assert!(line[2] == "899" || communes.contains(&line[2].as_str()), "{line:?}");
    }
}

#[tokio::test]
async fn a_bad_export_request_gets_a_clear_error_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "/reports/dossier-report.csv?agencyCode=91&from=2026-13-01&to=2026-12-31",
            400,
            "BAD_USER_INPUT",
            "YYYY-MM-DD",
        ),
        (
            "/reports/dossier-report.csv?agencyCode=91&from=2026-02-01&to=2026-01-31",
            400,
            "BAD_USER_INPUT",
            "before it begins",
        ),
        (
            "/reports/dossier-report.xlsx?agencyCode=91&from=1990-01-01&to=2026-01-31",
            400,
            "BAD_USER_INPUT",
            "twenty years",
        ),
        ("/reports/dossier-report.csv?agencyCode=91&from=2026-01-01", 400, "BAD_USER_INPUT", "`to`"),
        ("/reports/dossier-report.csv?from=2026-01-01&to=2026-01-31", 400, "BAD_USER_INPUT", "`agencyCode`"),
        (
            "/reports/dossier-report.csv?agencyCode=91&from=2026-01-01&to=2026-01-31&groupBy=WEEK",
            400,
            "BAD_USER_INPUT",
            "AGENCY, MONTH",
        ),
        (
            "/reports/dossier-report.csv?agencyCode=91&form=2026-01-01&to=2026-01-31",
            400,
            "BAD_USER_INPUT",
            "unknown field `form`",
        ),
        (
            "/reports/service-index.csv?agencyCode=91&from=2026-01-01&to=2026-01-31&groupBy=MONTH",
            400,
            "BAD_USER_INPUT",
            "groupBy",
        ),
        ("/reports/catalog-stats.xlsx?agencyCode=91&from=2026-01-01", 400, "BAD_USER_INPUT", "`from`"),
        (
            "/reports/dossier-report.pdf?agencyCode=91&from=2026-01-01&to=2026-01-31",
            404,
            "NOT_FOUND",
            "as .csv or .xlsx",
        ),
        ("/reports/dossiers.csv?agencyCode=91&from=2026-01-01&to=2026-01-31", 404, "NOT_FOUND", "dossier-report"),
    ];
    for (path, status, code, words) in cases {
        let (got, content_type, body) = app.download(Some(SUPERVISOR), path).await;
        let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| panic!("{path}: a JSON body"));
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(content_type["content-type"], "application/json", "{path}");
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{path}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains(words), "{path}: {body}");
    }
    let (status, _, body) = app
        .download(
            Some(SUPERVISOR),
            "/reports/dossier-report.csv?agencyCode=91&from=2026-01-01&to=2026-01-31&groupBy=month",
        )
        .await;
    assert_eq!(status, 200, "lower-case groupBy is taken, and the server still serves");
    assert_eq!(csv_rows(&body)[0][1], "Tháng");
}
