//! Drill-down: `dossiers(filter: { reportCell })` lists exactly the dossiers
//! one figure of a report counts (docs/REPORTS.md, "Drill-down"): as many as
//! the figure, on today's demo whose reorganisation moved dossiers in flight
//! on 2025-07-01; the same dossiers as a plain query over the definitions on
//! the demo before it; `NOT_FOUND` where the report is.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use motcua_tests::TestApp;
use sea_orm::{ConnectionTrait, Statement, Value as SqlValue};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

const SUPERVISOR: &str = "tinh.giamsat";

/// Each column of the report: its `ReportColumn` and its field.
const COLUMNS: [(&str, &str); 18] = [
    ("CARRIED_OVER", "carriedOver"),
    ("RECEIVED_ONLINE", "receivedOnline"),
    ("RECEIVED_DIRECT", "receivedDirect"),
    ("RECEIVED_POSTAL", "receivedPostal"),
    ("RECEIVED", "received"),
    ("MOVED_IN", "movedIn"),
    ("TOTAL_TO_RESOLVE", "totalToResolve"),
    ("RESOLVED_EARLY", "resolvedEarly"),
    ("RESOLVED_ON_TIME", "resolvedOnTime"),
    ("RESOLVED_LATE", "resolvedLate"),
    ("RESOLVED", "resolved"),
    ("WITHDRAWN", "withdrawn"),
    ("REFUSED", "refused"),
    ("STOPPED", "stopped"),
    ("MOVED_OUT", "movedOut"),
    ("PENDING", "pending"),
    ("PENDING_OVERDUE", "pendingOverdue"),
    ("PENDING_WITHIN_DEADLINE", "pendingWithinDeadline"),
];

fn report_query() -> String {
    let fields: Vec<&str> = COLUMNS.iter().map(|(_, field)| *field).collect();
    let fields = fields.join(" ");
    let cell = "cell { agencyId rowAgencyId from to own procedureId fieldCode }";
    format!(
        "query($agency: String!, $from: Date!, $to: Date!, $by: ReportGrouping) {{
           dossierReport(agencyCode: $agency, from: $from, to: $to, groupBy: $by) {{
             rows {{ own month agency {{ id code }} procedure {{ id }} field {{ code }} {fields} {cell} }}
             total {{ {fields} {cell} }}
           }} }}"
    )
}

async fn report(app: &TestApp, agency: &str, (from, to): (NaiveDate, NaiveDate), by: &str) -> Value {
    let variables = json!({ "agency": agency, "from": from.to_string(), "to": to.to_string(), "by": by });
    app.data(Some(SUPERVISOR), &report_query(), variables).await["dossierReport"].clone()
}

/// `totalCount` of every column's drill-down of `cell` (a `ReportCellInput`
/// without its column), in one request.
async fn drilled(app: &TestApp, user: &str, cell: &Value) -> Map<String, Value> {
    let mut declarations = Vec::new();
    let mut selections = Vec::new();
    let mut variables = Map::new();
    for (index, (column, field)) in COLUMNS.iter().enumerate() {
        declarations.push(format!("$c{index}: DossierFilter"));
        selections.push(format!("{field}: dossiers(filter: $c{index}, first: 1) {{ totalCount }}"));
        let mut filter = cell.clone();
        filter["column"] = json!(column);
        variables.insert(format!("c{index}"), json!({ "reportCell": filter }));
    }
    let query = format!("query({}) {{ {} }}", declarations.join(", "), selections.join(" "));
    let data = app.data(Some(user), &query, Value::Object(variables)).await;
    data.as_object().unwrap().iter().map(|(field, list)| (field.clone(), list["totalCount"].clone())).collect()
}

/// Every column of `row` against its drill-down; the row's moves in and out.
async fn check(app: &TestApp, row: &Value, cell: Value, context: &str) -> i64 {
    let counts = drilled(app, SUPERVISOR, &cell).await;
    for (_, field) in COLUMNS {
        assert_eq!(counts[field], row[field], "{field} of {context} ({cell})");
    }
    row["movedIn"].as_i64().unwrap() + row["movedOut"].as_i64().unwrap()
}

#[tokio::test]
async fn every_figure_drills_down_to_as_many_dossiers_across_the_reorganisation() {
    let app = TestApp::spawn().await;
    let day = |text: &str| text.parse::<NaiveDate>().unwrap();
    let today = (Utc::now() + Duration::hours(7)).date_naive();
    let mut periods = vec![
        (day("2025-01-01"), day("2025-12-31")),
        (day("2025-06-01"), day("2025-07-31")),
        (day("2025-07-01"), day("2025-07-01")),
        (day("2025-05-15"), today),
    ];
    // The province; a commune made of several; a commune closed into it
    // (its code kept by none); the district closed with it; and two of
    // today's communes and two periods drawn at random, the same on every run.
    let mut agencies = vec!["91".to_owned(), "30742".into(), "30733".into(), "899".into()];
    let mut seed: u64 = 20_261_206;
    let mut next = |bound: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % bound
    };
    let communes =
        app.data(None, "{ agencies(filter: { parentCode: \"91\" }, first: 100) { nodes { code } } }", json!({})).await;
    let communes = communes["agencies"]["nodes"].as_array().unwrap().clone();
    for _ in 0..2 {
        agencies.push(communes[next(communes.len() as u64) as usize]["code"].as_str().unwrap().to_owned());
        let from = day("2024-10-01") + Duration::days(next(500) as i64);
        periods.push((from, from + Duration::days(next(120) as i64)));
    }
    let mut moved = 0;
    for (index, period) in periods.into_iter().enumerate() {
        for agency in agencies.iter().map(String::as_str) {
            let context = format!("{agency} {}..{}", period.0, period.1);
            let cell = json!({ "agencyCode": agency, "from": period.0.to_string(), "to": period.1.to_string() });
            let by_agency = report(&app, agency, period, "AGENCY").await;
            check(&app, &by_agency["total"], cell, &context).await;
            moved += check(&app, &by_agency["total"], by_agency["total"]["cell"].clone(), &context).await;
            // A few rows by agency, through the cell each row gives (by id: a
            // closed unit's code may name a new one now); the own row.
            let rows = by_agency["rows"].as_array().unwrap();
            let step = rows.len().div_ceil(3).max(1);
            let some = rows.iter().enumerate().filter(|(i, row)| row["own"] == true || i % step == index % step);
            for (_, row) in some {
                let key = format!("row {} (own: {}) of {context}", row["agency"]["code"], row["own"]);
                moved += check(&app, row, row["cell"].clone(), &key).await;
            }
            if agency != "91" && index != 0 {
                continue;
            }
            // A month, procedures and fields.
            let by_month = report(&app, agency, period, "MONTH").await;
            for month in by_month["rows"].as_array().unwrap().iter().take(2) {
                check(&app, month, month["cell"].clone(), &format!("month {} of {context}", month["month"])).await;
            }
            for by in ["PROCEDURE", "FIELD"] {
                let rows = report(&app, agency, period, by).await["rows"].clone();
                for row in rows.as_array().unwrap().iter().take(2) {
                    check(&app, row, row["cell"].clone(), &format!("{by} {} of {context}", cell_key(row))).await;
                }
            }
        }
    }
    // Not a comparison of zeros: the periods cross the reorganisation.
    assert!(moved > 0, "no dossier moved in or out in any of the periods");
}

fn cell_key(row: &Value) -> String {
    format!("{}{}", row["procedure"]["id"], row["field"]["code"])
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    let vietnam = FixedOffset::east_opt(7 * 3600).unwrap();
    vietnam.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap()).unwrap().with_timezone(&Utc)
}

/// The codes of the dossiers of `subtree` that a column counts over
/// `from..=to` at `now`, by a plain query over docs/REPORTS.md's definitions
/// — for a demo where no dossier moved, so each counts where it is.
async fn plainly(
    app: &TestApp,
    column: &str,
    subtree: &str,
    (from, to): (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> BTreeSet<String> {
    let ended = |statuses: &str| format!("finished_at >= {{A}} AND finished_at < {{B}} AND status IN ({statuses})");
    let resolved = |outcomes: &str| format!("{} AND outcome IN ({outcomes})", ended("9, 10"));
    let pending = "entered < {B} AND (finished_at IS NULL OR finished_at >= {B})";
    let taken_in = "entered >= {A} AND entered < {B}";
    let condition = match column {
        "CARRIED_OVER" => "entered < {A} AND (finished_at IS NULL OR finished_at >= {A})".to_owned(),
        "RECEIVED_ONLINE" => format!("{taken_in} AND channel = 'ONLINE'"),
        "RECEIVED_DIRECT" => format!("{taken_in} AND channel = 'DIRECT'"),
        "RECEIVED_POSTAL" => format!("{taken_in} AND channel = 'POSTAL'"),
        "RECEIVED" => taken_in.to_owned(),
        "MOVED_IN" | "MOVED_OUT" => "1 = 0".to_owned(),
        "TOTAL_TO_RESOLVE" => "entered < {B} AND (finished_at IS NULL OR finished_at >= {A})".to_owned(),
        "RESOLVED_EARLY" => resolved("'EARLY'"),
        "RESOLVED_ON_TIME" => resolved("'ON_TIME'"),
        "RESOLVED_LATE" => resolved("'LATE'"),
        "RESOLVED" => resolved("'EARLY', 'ON_TIME', 'LATE'"),
        "WITHDRAWN" => ended("7"),
        "REFUSED" => ended("3"),
        "STOPPED" => ended("8"),
        "PENDING" => pending.to_owned(),
        "PENDING_OVERDUE" => format!("{pending} AND due_at < {{C}}"),
        "PENDING_WITHIN_DEADLINE" => format!("{pending} AND (due_at IS NULL OR due_at >= {{C}})"),
        other => panic!("no plain definition of {other}"),
    };
    let backend = app.db.get_database_backend();
    let postgres = backend == sea_orm::DbBackend::Postgres;
    let (a, b) = (start_of(from), start_of(to + Duration::days(1)));
    let mut values: Vec<SqlValue> = vec![format!("{subtree}%").into()];
    let mut sql = String::from(
        "SELECT code FROM (SELECT *, CASE WHEN received_at IS NOT NULL THEN received_at
                                          WHEN status = 3 THEN finished_at END AS entered
                           FROM dossier WHERE agency_path LIKE {P}) d
         WHERE entered IS NOT NULL AND ",
    );
    sql.push_str(&condition);
    let mut numbered = String::new();
    let mut rest = sql.as_str();
    while let Some(at) = rest.find('{') {
        numbered.push_str(&rest[..at]);
        let name = &rest[at + 1..at + 2];
        match name {
            "A" => values.push(a.into()),
            "B" => values.push(b.into()),
            "C" => values.push(b.min(now).into()),
            _ => {}
        }
        let n = if name == "P" { 1 } else { values.len() };
        numbered.push_str(&if postgres { format!("${n}") } else { format!("?{n}") });
        rest = &rest[at + 3..];
    }
    numbered.push_str(rest);
    let rows = app.db.query_all(Statement::from_sql_and_values(backend, numbered, values)).await.unwrap();
    rows.iter().map(|row| row.try_get_by_index::<String>(0).unwrap()).collect()
}

#[tokio::test]
async fn the_dossiers_listed_are_those_a_plain_query_over_the_definitions_selects() {
    let app = TestApp::spawn_before_2025().await;
    let last = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let periods = [(last - Duration::days(365), last), (last - Duration::days(45), last - Duration::days(20))];
    for (agency, path) in [("30733", "/91/899/30733/"), ("899", "/91/899/")] {
        for period in periods {
            let cell = json!({ "agencyCode": agency, "from": period.0.to_string(), "to": period.1.to_string() });
            // The period has ended: its pending are those pending at its end, whatever now.
            let now = Utc::now();
            let mut listed_any = 0;
            for (column, _) in COLUMNS {
                let mut filter = cell.clone();
                filter["column"] = json!(column);
                let listed: BTreeSet<String> = app
                    .all_dossiers(SUPERVISOR, json!({ "reportCell": filter }), "RECEIVED_AT_DESC")
                    .await
                    .iter()
                    .map(|d| d["code"].as_str().unwrap().to_owned())
                    .collect();
                let expected = plainly(&app, column, path, period, now).await;
                assert_eq!(listed, expected, "{column} of {agency} {}..{}", period.0, period.1);
                listed_any += listed.len();
            }
            assert!(listed_any > 0, "{agency} {period:?}: nothing to compare");
        }
    }
}

#[tokio::test]
async fn a_cell_of_an_agency_the_caller_may_not_report_on_is_not_found_like_the_report() {
    let app = TestApp::spawn().await;
    let cell = |agency: &str| json!({ "reportCell": { "agencyCode": agency, "from": "2025-01-01", "to": "2025-12-31", "column": "RECEIVED" } });
    let list = "query($f: DossierFilter) { dossiers(filter: $f, first: 5) { totalCount edges { node { code } } } }";
    let report = "query($a: String!) { dossierReport(agencyCode: $a, from: \"2025-01-01\", to: \"2025-12-31\") { total { received } } }";
    // A commune's leader: the province, another commune, a code that names nothing.
    for agency in ["91", "30292", "00000"] {
        let listed = app.graphql(Some("vinhthanh.lanhdao"), list, json!({ "f": cell(agency) })).await;
        let reported = app.graphql(Some("vinhthanh.lanhdao"), report, json!({ "a": agency })).await;
        assert_eq!(listed.error_codes(), ["NOT_FOUND"], "{agency}: {:?}", listed.body);
        assert_eq!(
            listed.body["errors"][0]["message"], reported.body["errors"][0]["message"],
            "{agency}: the same words as the report"
        );
    }
    // A desk official reports on nothing, not even its own commune.
    let listed = app.graphql(Some("vinhthanh.motcua"), list, json!({ "f": cell("30742") })).await;
    let reported = app.graphql(Some("vinhthanh.motcua"), report, json!({ "a": "30742" })).await;
    assert_eq!(listed.error_codes(), reported.error_codes());
    // Its own commune, for its leader: the figure.
    let figure = app.data(Some("vinhthanh.lanhdao"), report, json!({ "a": "30742" })).await;
    let listed = app.data(Some("vinhthanh.lanhdao"), list, json!({ "f": cell("30742") })).await;
    assert_eq!(listed["dossiers"]["totalCount"], figure["dossierReport"]["total"]["received"]);
    assert!(figure["dossierReport"]["total"]["received"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn the_service_index_s_dossier_shares_drill_down_to_their_counts_and_bases() {
    let app = TestApp::spawn().await;
    let shares = ["receivedOnline", "resolvedOnTime", "digitizedDocuments", "digitizedResults", "paidOnline"];
    let selection: Vec<String> =
        shares.iter().map(|s| format!("{s} {{ count base countColumn baseColumn }}")).collect();
    let query = format!(
        "query($a: String!, $f: Date!, $t: Date!) {{ serviceIndex(agencyCode: $a, from: $f, to: $t) {{ {} \
         proceduresFullyOnline {{ countColumn baseColumn }} }} }}",
        selection.join(" ")
    );
    let list = "query($f: DossierFilter) { dossiers(filter: $f, first: 1) { totalCount } }";
    let mut counted = 0;
    for (agency, from, to) in [
        ("91", "2025-01-01", "2025-12-31"),
        ("30742", "2025-06-01", "2025-07-31"),
        ("30733", "2025-01-01", "2025-06-30"),
    ] {
        let index = app.data(Some(SUPERVISOR), &query, json!({ "a": agency, "f": from, "t": to })).await;
        let index = &index["serviceIndex"];
        assert_eq!(index["proceduresFullyOnline"], json!({ "countColumn": null, "baseColumn": null }));
        for share in shares {
            for (figure, column) in [("count", "countColumn"), ("base", "baseColumn")] {
                let cell = json!({ "agencyCode": agency, "from": from, "to": to, "column": index[share][column] });
                let drilled = app.data(Some(SUPERVISOR), list, json!({ "f": { "reportCell": cell } })).await;
                assert_eq!(
                    drilled["dossiers"]["totalCount"], index[share][figure],
                    "{share} {figure} of {agency} {from}..{to}"
                );
                counted += index[share][figure].as_i64().unwrap();
            }
        }
    }
    assert!(counted > 0);
}
