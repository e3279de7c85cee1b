use motcua_tests::TestApp;
use serde_json::json;
use std::collections::HashSet;

#[tokio::test]
async fn paging_over_more_than_a_hundred_rows_returns_every_row_once_in_every_order() {
    let app = TestApp::spawn().await;
    let total =
        app.data(Some("tinh.giamsat"), r#"{ dossiers(filter: { agencyCode: "91" }) { totalCount } }"#, json!({})).await;
    let total = total["dossiers"]["totalCount"].as_u64().unwrap() as usize;
    assert!(total > 100, "the province's subtree has {total} dossiers");
    for order in ["RECEIVED_AT_DESC", "RECEIVED_AT_ASC", "DUE_AT_ASC"] {
        let rows = app.all_dossiers("tinh.giamsat", json!({ "agencyCode": "91" }), order).await;
        let ids: HashSet<_> = rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(rows.len(), total, "{order}");
        assert_eq!(ids.len(), total, "{order}: a row came twice");
        if order == "DUE_AT_ASC" {
            let due: Vec<_> = rows.iter().map(|r| r["dueAt"].as_str().map(str::to_owned)).collect();
            let first_null = due.iter().position(Option::is_none).unwrap_or(due.len());
            assert!(due[first_null..].iter().all(Option::is_none), "dossiers without a due date come last");
        }
    }
}

#[tokio::test]
async fn a_page_sends_the_same_few_statements_whatever_its_size() {
    let app = TestApp::spawn().await;
    let query = |first: usize| {
        format!("{{ dossiers(first: {first}) {{ edges {{ node {{ code procedure {{ name }} agency {{ name }} assignee {{ username }} }} }} }} }}")
    };
    let mut counts = Vec::new();
    for first in [5, 50, 100] {
        app.data(Some("tinh.giamsat"), &query(first), json!({})).await;
        // The server's background tasks send statements too: the fewest of three counts.
        let mut fewest = u64::MAX;
        for _ in 0..3 {
            let before = app.statements.get();
            app.data(Some("tinh.giamsat"), &query(first), json!({})).await;
            fewest = fewest.min(app.statements.get() - before);
        }
        counts.push(fewest);
    }
    // The page alone: its procedures, agencies and assignees are remembered.
    assert_eq!(counts, [1, 1, 1]);
}
