//! The dossier report (form II.06a): equal to a plain count over the
//! dossiers, balanced, and only over what the caller may report on. On the
//! demo as it stood before the 2025 reorganisation, whose dossiers run until
//! 2025-06-30 (and a few received today): no dossier has moved, so each
//! counts where it is. Reports across the date: `reorganization.rs`.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use motcua_tests::TestApp;
use sea_orm::{ConnectionTrait, Statement, Value as SqlValue};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SUPERVISOR: &str = "tinh.giamsat";

/// The last day of the demo's dossiers before 2025-07-01.
fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

const COLUMNS: [&str; 12] = [
    "carriedOver",
    "receivedOnline",
    "receivedDirect",
    "receivedPostal",
    "resolvedEarly",
    "resolvedOnTime",
    "resolvedLate",
    "withdrawn",
    "refused",
    "stopped",
    "pending",
    "pendingOverdue",
];

const REPORT: &str = "query($agency: String!, $from: Date!, $to: Date!, $by: ReportGrouping) {
  dossierReport(agencyCode: $agency, from: $from, to: $to, groupBy: $by) {
    asOf
    rows { label own month agency { path } procedure { id } field { code } carriedOver receivedOnline receivedDirect receivedPostal received
           totalToResolve resolvedEarly resolvedOnTime resolvedLate resolved pendingWithinDeadline pendingOverdue
           pending withdrawn refused stopped }
    total { carriedOver receivedOnline receivedDirect receivedPostal received totalToResolve resolvedEarly
            resolvedOnTime resolvedLate resolved pendingWithinDeadline pendingOverdue pending withdrawn refused
            stopped }
  }
}";

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    let vietnam = FixedOffset::east_opt(7 * 3600).unwrap();
    vietnam.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap()).unwrap().with_timezone(&Utc)
}

/// The report's columns counted straight from the dossiers, per agency path,
/// for the days `from..=to` as seen at `now` — the definitions of
/// docs/REPORTS.md written as one plain query.
async fn brute_force(
    app: &TestApp,
    subtree: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> BTreeMap<String, [i64; 12]> {
    brute_force_by(app, "agency_path", subtree, from, to, now).await
}

/// The same per `group`: `agency_path`, or `procedure_id` (its UUID as text).
async fn brute_force_by(
    app: &TestApp,
    group: &str,
    subtree: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> BTreeMap<String, [i64; 12]> {
    let backend = app.db.get_database_backend();
    let (a, b) = (start_of(from), start_of(to + Duration::days(1)));
    let c = b.min(now);
    let postgres = backend == sea_orm::DbBackend::Postgres;
    // Numbered placeholders on both: `$n`, and SQLite's `?n`.
    let p = |n: usize| if postgres { format!("${n}") } else { format!("?{n}") };
    let pending = format!("(finished_at IS NULL OR finished_at >= {})", p(3));
    let ended =
        |n: usize, condition: &str| format!("SUM(CASE WHEN finished_at < {} AND {condition} THEN 1 ELSE 0 END)", p(n));
    let sql = format!(
        "SELECT {group},
           SUM(CASE WHEN entered < {a1} THEN 1 ELSE 0 END),
           SUM(CASE WHEN entered >= {a2} AND channel = 'ONLINE' THEN 1 ELSE 0 END),
           SUM(CASE WHEN entered >= {a2} AND channel = 'DIRECT' THEN 1 ELSE 0 END),
           SUM(CASE WHEN entered >= {a2} AND channel = 'POSTAL' THEN 1 ELSE 0 END),
           {early}, {on_time}, {late}, {withdrawn}, {refused}, {stopped},
           SUM(CASE WHEN {pending} THEN 1 ELSE 0 END),
           SUM(CASE WHEN {pending} AND due_at < {c} THEN 1 ELSE 0 END)
         FROM (SELECT *, CASE WHEN received_at IS NOT NULL THEN received_at
                              WHEN status = 3 THEN finished_at END AS entered
               FROM dossier WHERE agency_path LIKE {subtree}) d
         WHERE entered IS NOT NULL AND entered < {b} AND (finished_at IS NULL OR finished_at >= {a3})
         GROUP BY {group}",
        a1 = p(1),
        a2 = p(2),
        early = ended(4, "status IN (9, 10) AND outcome = 'EARLY'"),
        on_time = ended(5, "status IN (9, 10) AND outcome = 'ON_TIME'"),
        late = ended(6, "status IN (9, 10) AND outcome = 'LATE'"),
        withdrawn = ended(7, "status = 7"),
        refused = ended(8, "status = 3"),
        stopped = ended(9, "status = 8"),
        c = p(10),
        subtree = p(11),
        b = p(12),
        a3 = p(13),
    );
    let mut values: Vec<SqlValue> = vec![a.into(), a.into(), b.into()];
    values.extend((4..=9).map(|_| SqlValue::from(b)));
    values.extend([c.into(), format!("{subtree}%").into(), b.into(), a.into()]);
    let rows = app.db.query_all(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
    rows.iter()
        .map(|row| {
            let path: String = match group {
                "procedure_id" => row.try_get_by_index::<uuid::Uuid>(0).unwrap().to_string(),
                _ => row.try_get_by_index(0).unwrap(),
            };
            let mut counts = [0i64; 12];
            for (i, count) in counts.iter_mut().enumerate() {
                *count = row.try_get_by_index::<Option<i64>>(i + 1).unwrap().unwrap_or(0);
            }
            (path, counts)
        })
        .collect()
}

/// Each procedure version's field code, by the procedure's UUID as text.
async fn field_codes(app: &TestApp) -> BTreeMap<String, String> {
    use sea_orm::EntityTrait;
    let fields: BTreeMap<uuid::Uuid, String> =
        entity::field::Entity::find().all(&app.db).await.unwrap().into_iter().map(|f| (f.id, f.code)).collect();
    entity::procedure::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id.to_string(), fields[&p.field_id].clone()))
        .collect()
}

fn columns_of(row: &Value) -> [i64; 12] {
    let mut counts = [0; 12];
    for (i, column) in COLUMNS.iter().enumerate() {
        counts[i] = row[column].as_i64().unwrap_or_else(|| panic!("{column} in {row}"));
    }
    counts
}

fn sum<'a>(rows: impl Iterator<Item = &'a [i64; 12]>) -> [i64; 12] {
    rows.fold([0; 12], |mut total, row| {
        for (t, n) in total.iter_mut().zip(row) {
            *t += n;
        }
        total
    })
}

fn assert_balanced(row: &Value) {
    let n = |c: &str| row[c].as_i64().unwrap();
    assert_eq!(n("received"), n("receivedOnline") + n("receivedDirect") + n("receivedPostal"), "{row}");
    assert_eq!(n("totalToResolve"), n("carriedOver") + n("received"), "{row}");
    assert_eq!(n("resolved"), n("resolvedEarly") + n("resolvedOnTime") + n("resolvedLate"), "{row}");
    assert_eq!(n("pending"), n("pendingWithinDeadline") + n("pendingOverdue"), "{row}");
    assert_eq!(
        n("totalToResolve"),
        n("resolved") + n("pending") + n("withdrawn") + n("refused") + n("stopped"),
        "{row}"
    );
    assert!(n("pendingWithinDeadline") >= 0 && n("pendingOverdue") >= 0, "{row}");
}

async fn report(app: &TestApp, user: &str, agency: &str, from: NaiveDate, to: NaiveDate, by: &str) -> Value {
    let variables = json!({ "agency": agency, "from": from.to_string(), "to": to.to_string(), "by": by });
    app.data(Some(user), REPORT, variables).await["dossierReport"].clone()
}

/// Compares the report on `agency` (at `path`) with the plain count, by agency and by month.
async fn compare(app: &TestApp, agency: &str, path: &str, from: NaiveDate, to: NaiveDate) {
    let by_agency = report(app, SUPERVISOR, agency, from, to, "AGENCY").await;
    let now: DateTime<Utc> = by_agency["asOf"].as_str().unwrap().parse().unwrap();
    let counted = brute_force(app, path, from, to, now).await;
    let context = format!("{agency} {from}..{to}");
    assert_balanced(&by_agency["total"]);
    assert_eq!(columns_of(&by_agency["total"]), sum(counted.values()), "total of {context}");
    let mut expected: BTreeMap<String, [i64; 12]> = BTreeMap::new();
    for (dossier_path, counts) in &counted {
        let rest = &dossier_path[path.len()..];
        let key = match rest.split('/').next().filter(|s| !s.is_empty()) {
            Some(segment) => format!("{path}{segment}/"),
            None => format!("{path} own"),
        };
        let row = expected.entry(key).or_insert([0; 12]);
        *row = sum([*row, *counts].iter());
    }
    for row in by_agency["rows"].as_array().unwrap() {
        assert_balanced(row);
        let agency_path = row["agency"]["path"].as_str().unwrap();
        let key = if row["own"].as_bool().unwrap() { format!("{agency_path} own") } else { agency_path.to_owned() };
        let want = expected.remove(&key).unwrap_or([0; 12]);
        assert_eq!(columns_of(row), want, "row {key} of {context}");
    }
    assert!(expected.values().all(|counts| counts == &[0; 12]), "rows missing in {context}: {expected:?}");

    // By procedure and by field: each row against the count per procedure.
    let by_procedure = report(app, SUPERVISOR, agency, from, to, "PROCEDURE").await;
    assert_eq!(columns_of(&by_procedure["total"]), columns_of(&by_agency["total"]), "total by procedure of {context}");
    let per_procedure = brute_force_by(app, "procedure_id", path, from, to, now).await;
    let mut per_field: BTreeMap<String, [i64; 12]> = BTreeMap::new();
    let fields = field_codes(app).await;
    for (procedure, counts) in &per_procedure {
        let row = per_field.entry(fields[procedure].clone()).or_insert([0; 12]);
        *row = sum([*row, *counts].iter());
    }
    let rows = by_procedure["rows"].as_array().unwrap();
    assert_eq!(rows.len(), per_procedure.len(), "procedures of {context}");
    for (procedure, counts) in &per_procedure {
        let id = api::global_id(api::NodeType::Procedure, procedure.parse().unwrap());
        let row = rows.iter().find(|row| row["procedure"]["id"] == id.as_str()).expect("a row per procedure");
        assert_balanced(row);
        assert_eq!(&columns_of(row), counts, "procedure {procedure} of {context}");
    }
    let by_field = report(app, SUPERVISOR, agency, from, to, "FIELD").await;
    let rows = by_field["rows"].as_array().unwrap();
    assert_eq!(rows.len(), per_field.len(), "fields of {context}");
    for row in rows {
        let code = row["field"]["code"].as_str().unwrap();
        assert_eq!(columns_of(row), per_field[code], "field {code} of {context}");
    }

    let by_month = report(app, SUPERVISOR, agency, from, to, "MONTH").await;
    assert_eq!(columns_of(&by_month["total"]), columns_of(&by_agency["total"]), "total by month of {context}");
    for row in by_month["rows"].as_array().unwrap() {
        assert_balanced(row);
        let first: NaiveDate = format!("{}-01", row["month"].as_str().unwrap()).parse().unwrap();
        let last = (first + chrono::Months::new(1)) - Duration::days(1);
        let counted = brute_force(app, path, first.max(from), last.min(to), now).await;
        assert_eq!(columns_of(row), sum(counted.values()), "month {} of {context}", row["month"]);
    }
}

/// A few commands, so that the counters also move through the write path
/// (on PostgreSQL: the change rows, folded or not yet).
async fn live_changes(app: &TestApp) {
    let procedure = app.procedure_id("30733", None).await;
    for _ in 0..3 {
        let received = app.receive_new("vinhthanh.motcua", "30733", &procedure).await;
        let id = received["id"].as_str().unwrap().to_owned();
        let specialist = app.user_id("vinhthanh.chuyenvien").await;
        app.ok("vinhthanh.lanhdao", "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    }
    let received = app.receive_new("vinhthanh.motcua", "30733", &procedure).await;
    let id = received["id"].as_str().unwrap();
    app.ok("vinhthanh.motcua", "withdrawDossier", json!({ "dossierId": id, "reason": "the applicant asked" })).await;
}

#[tokio::test]
async fn the_report_equals_a_plain_count_over_the_dossiers() {
    let app = TestApp::spawn_before_2025().await;
    live_changes(&app).await;
    let today = (Utc::now() + Duration::hours(7)).date_naive();
    let last = last_day();
    let mut periods = vec![
        // Before the first dossier, all of them to the future, today alone,
        // a quarter, a year.
        (last - Duration::days(900), last - Duration::days(700)),
        (last - Duration::days(900), today + Duration::days(40)),
        (today, today),
        (last - Duration::days(120), last - Duration::days(30)),
        (last - Duration::days(365), last),
    ];
    // Random periods, the same on every run.
    let mut seed: u64 = 20_261_124;
    let mut next = |bound: i64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as i64) % bound
    };
    for _ in 0..4 {
        let from = last - Duration::days(next(600));
        periods.push((from, from + Duration::days(next(200))));
    }
    let agencies = [("91", "/91/"), ("899", "/91/899/"), ("30733", "/91/899/30733/"), ("91.STP", "/91/STP/")];
    for (index, (from, to)) in periods.into_iter().enumerate() {
        let (agency, path) = agencies[index % agencies.len()];
        compare(&app, agency, path, from, to).await;
        if index == 0 {
            compare(&app, "91", "/91/", from, to).await;
        }
    }
    compare(&app, "91", "/91/", last - Duration::days(365), today).await;
    // The commands' changes, folded into the counters, then more not folded
    // yet: the same report.
    api::tally::fold(&app.state).await.unwrap();
    live_changes(&app).await;
    compare(&app, "91", "/91/", last - Duration::days(365), today).await;

    // The comparison is not one of zeros: the demo data fill every column
    // that matters over the province's last five months before the date.
    let year = report(&app, SUPERVISOR, "91", last - Duration::days(150), last, "AGENCY").await;
    for column in ["carriedOver", "receivedOnline", "receivedDirect", "resolvedEarly", "resolvedLate", "pending"] {
        assert!(year["total"][column].as_i64().unwrap() > 0, "{column}: {}", year["total"]);
    }
    assert!(year["rows"].as_array().unwrap().len() > 10, "{year}");
}

#[tokio::test]
async fn a_report_covers_only_what_the_caller_may_report_on() {
    let app = TestApp::spawn_before_2025().await;
    let (from, to) = (last_day() - Duration::days(365), last_day());
    let ask = |user: Option<&'static str>, agency: &'static str| {
        let variables = json!({ "agency": agency, "from": from.to_string(), "to": to.to_string() });
        let app = &app;
        async move { app.graphql(user, REPORT, variables).await }
    };
    let missing = ask(Some("rachgia.giamsat"), "00000").await;
    assert_eq!(missing.error_codes(), ["NOT_FOUND"]);
    let message = |reply: &motcua_tests::Reply, code: &str| {
        reply.body["errors"][0]["message"].as_str().unwrap().replace(code, "<code>")
    };
    // A supervisor of one district: not the province, not another district;
    // a commune's leader: not another commune; the desk: no reporting right.
    for (user, agency) in [
        ("rachgia.giamsat", "91"),
        ("rachgia.giamsat", "900"),
        ("rachgia.giamsat", "30766"),
        ("vinhthanh.lanhdao", "30766"),
        ("vinhthanh.lanhdao", "899"),
        ("vinhthanh.motcua", "30733"),
    ] {
        let reply = ask(Some(user), agency).await;
        assert_eq!(reply.error_codes(), ["NOT_FOUND"], "{user} on {agency}: {}", reply.body);
        assert_eq!(reply.body["data"], missing.body["data"], "{user} on {agency}");
        assert_eq!(message(&reply, agency), message(&missing, "00000"), "{user} on {agency}");
    }
    assert_eq!(ask(None, "30733").await.error_codes(), ["UNAUTHENTICATED"]);

    // The district's supervisor gets its communes, exactly as the province's
    // supervisor sees the district's row.
    let district = app
        .data(
            Some("rachgia.giamsat"),
            REPORT,
            json!({ "agency": "899", "from": from.to_string(),
        "to": to.to_string() }),
        )
        .await["dossierReport"]
        .clone();
    for row in district["rows"].as_array().unwrap() {
        assert!(row["agency"]["path"].as_str().unwrap().starts_with("/91/899/"), "{row}");
    }
    let province = report(&app, SUPERVISOR, "91", from, to, "AGENCY").await;
    let row = province["rows"].as_array().unwrap().iter().find(|r| r["agency"]["path"] == "/91/899/").unwrap();
    assert_eq!(columns_of(row), columns_of(&district["total"]));
    assert!(district["total"]["received"].as_i64().unwrap() > 0, "{district}");

    // A commune's leader: its own commune only.
    let commune = report(&app, "vinhthanh.lanhdao", "30733", from, to, "AGENCY").await;
    let rows = commune["rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["agency"]["path"] == "/91/899/30733/"), "{commune}");
    let counted =
        brute_force(&app, "/91/899/30733/", from, to, commune["asOf"].as_str().unwrap().parse().unwrap()).await;
    assert_eq!(columns_of(&commune["total"]), sum(counted.values()));

    // Bad periods are refused with a clear error.
    let backwards = app
        .graphql(Some(SUPERVISOR), REPORT, json!({ "agency": "91", "from": "2026-02-01", "to": "2026-01-01" }))
        .await;
    assert_eq!(backwards.error_codes(), ["BAD_USER_INPUT"]);
    let malformed = app
        .graphql(Some(SUPERVISOR), REPORT, json!({ "agency": "91", "from": "2026-13-01", "to": "2026-01-01" }))
        .await;
    assert!(malformed.body["errors"][0]["message"].as_str().unwrap().contains("YYYY-MM-DD"), "{}", malformed.body);
}

pub(crate) const SERVICE_INDEX: &str = "query($agency: String!, $from: Date!, $to: Date!) {
  serviceIndex(agencyCode: $agency, from: $from, to: $to) {
    proceduresFullyOnline { count base ratio } proceduresPartlyOnline { count base ratio }
    receivedOnline { count base ratio } resolvedOnTime { count base ratio }
    digitizedDocuments { count base ratio } digitizedResults { count base ratio } paidOnline { count base ratio }
  }
}";

/// The service index's dossier shares counted straight from the dossiers:
/// `[received, online, digitised, fee-bearing, paid online, resolved, in time, result digitised]`.
async fn plain_service_counts(app: &TestApp, subtree: &str, from: NaiveDate, to: NaiveDate) -> [i64; 8] {
    let backend = app.db.get_database_backend();
    let postgres = backend == sea_orm::DbBackend::Postgres;
    let p = |n: usize| if postgres { format!("${n}") } else { format!("?{n}") };
    let flag = |column: &str| format!("CASE WHEN {column} THEN 1 ELSE 0 END");
    let sql = format!(
        "SELECT
           SUM(CASE WHEN entered >= {a} AND entered < {b} THEN 1 ELSE 0 END),
           SUM(CASE WHEN entered >= {a} AND entered < {b} AND channel = 'ONLINE' THEN 1 ELSE 0 END),
           SUM(CASE WHEN entered >= {a} AND entered < {b} THEN {digitized} ELSE 0 END),
           SUM(CASE WHEN entered >= {a} AND entered < {b} AND fee_amount > 0 THEN 1 ELSE 0 END),
           SUM(CASE WHEN entered >= {a} AND entered < {b} AND fee_amount > 0 AND payment_method = 'ONLINE' THEN 1 ELSE 0 END),
           SUM(CASE WHEN finished_at >= {a} AND finished_at < {b} AND status IN (9, 10) THEN 1 ELSE 0 END),
           SUM(CASE WHEN finished_at >= {a} AND finished_at < {b} AND status IN (9, 10) AND outcome IN ('EARLY', 'ON_TIME') THEN 1 ELSE 0 END),
           SUM(CASE WHEN finished_at >= {a} AND finished_at < {b} AND status IN (9, 10) THEN {result} ELSE 0 END)
         FROM (SELECT *, CASE WHEN received_at IS NOT NULL THEN received_at
                              WHEN status = 3 THEN finished_at END AS entered
               FROM dossier WHERE agency_path LIKE {subtree}) d
         WHERE entered IS NOT NULL",
        a = p(1),
        b = p(2),
        subtree = p(3),
        digitized = flag("documents_digitized"),
        result = flag("result_digitized"),
    );
    let values: Vec<SqlValue> =
        vec![start_of(from).into(), start_of(to + Duration::days(1)).into(), format!("{subtree}%").into()];
    let row = app.db.query_one(Statement::from_sql_and_values(backend, sql, values)).await.unwrap().unwrap();
    let mut counts = [0i64; 8];
    for (i, count) in counts.iter_mut().enumerate() {
        *count = row.try_get_by_index::<Option<i64>>(i).unwrap().unwrap_or(0);
    }
    counts
}

#[tokio::test]
async fn the_service_index_equals_a_plain_count_over_the_dossiers() {
    let app = TestApp::spawn_before_2025().await;
    live_changes(&app).await;
    let today = (Utc::now() + Duration::hours(7)).date_naive();
    let last = last_day();
    let share = |index: &Value, name: &str| {
        let share = &index[name];
        let (count, base) = (share["count"].as_i64().unwrap(), share["base"].as_i64().unwrap());
        match share["ratio"].as_f64() {
            Some(ratio) => assert!((ratio - count as f64 / base as f64).abs() < 1e-9, "{name}: {share}"),
            None => assert_eq!(base, 0, "{name}: {share}"),
        }
        (count, base)
    };
    let mut seen = [0i64; 8];
    for (agency, path) in [("91", "/91/"), ("30733", "/91/899/30733/"), ("91.STP", "/91/STP/")] {
        for (from, to) in [
            (last - Duration::days(365), last),
            (last - Duration::days(200), last - Duration::days(100)),
            (last - Duration::days(900), today + Duration::days(30)),
        ] {
            let variables = json!({ "agency": agency, "from": from.to_string(), "to": to.to_string() });
            let index = app.data(Some(SUPERVISOR), SERVICE_INDEX, variables).await["serviceIndex"].clone();
            let c = plain_service_counts(&app, path, from, to).await;
            let context = format!("{agency} {from}..{to}");
            assert_eq!(share(&index, "receivedOnline"), (c[1], c[0]), "{context}");
            assert_eq!(share(&index, "digitizedDocuments"), (c[2], c[0]), "{context}");
            assert_eq!(share(&index, "paidOnline"), (c[4], c[3]), "{context}");
            assert_eq!(share(&index, "resolvedOnTime"), (c[6], c[5]), "{context}");
            assert_eq!(share(&index, "digitizedResults"), (c[7], c[5]), "{context}");
            let (full, all) = share(&index, "proceduresFullyOnline");
            let (partial, all_again) = share(&index, "proceduresPartlyOnline");
            assert_eq!(all, all_again);
            assert!(full + partial <= all && all > 0, "{context}: {index}");
            for (total, n) in seen.iter_mut().zip(c) {
                *total += n;
            }
        }
    }
    // The demo data give every share something to count.
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
    let foreign = app
        .graphql(
            Some("rachgia.giamsat"),
            SERVICE_INDEX,
            json!({ "agency": "91", "from": "2026-01-01", "to": "2026-01-31" }),
        )
        .await;
    assert_eq!(foreign.error_codes(), ["NOT_FOUND"]);
}
