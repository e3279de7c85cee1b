//! The server's memory after every attack of `motcua_tests::attacks`, sent
//! again and again, two at a time: within 50 MB of what it was before. A
//! test binary of its own, so that nothing else runs in the process whose
//! resident set it reads.

use motcua_tests::{attacks, TestApp};
use serde_json::json;

/// Resident memory of this process, in bytes (`VmRSS` of /proc/self/status).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).expect("a VmRSS line");
    let kilobytes: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a number");
    kilobytes * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_memory_after_the_attacks_is_within_50_mb_of_before() {
    let app = TestApp::spawn().await;
    // Warm up with what a client does: introspection, lists, a report.
    let introspection = include_str!("../api/introspection.graphql");
    for _ in 0..3 {
        app.data(None, introspection, json!({})).await;
        app.data(
            Some("tinh.giamsat"),
            "{ dossiers(first: 100) { edges { node { code agency { name } } } } }",
            json!({}),
        )
        .await;
        app.data(None, r#"{ agency(code: "91") { children { code children { code } } } }"#, json!({})).await;
    }
    let before = resident_bytes();
    let attacks = attacks::all();
    for _round in 0..5 {
        for attack in &attacks {
            let token = attack.user.map(|user| app.token(user));
            let (first, second) = tokio::join!(
                app.post_raw(token.as_deref(), attack.body.clone()),
                app.post_raw(token.as_deref(), attack.body.clone())
            );
            for reply in [first, second] {
                assert!(
                    reply.error_codes().iter().all(|code| code == attack.code),
                    "{}: {}",
                    attack.name,
                    reply.status
                );
            }
        }
    }
    let after = resident_bytes();
    let grown = after.saturating_sub(before);
    println!("resident before {} MB, after {} MB", before >> 20, after >> 20);
    assert!(grown < 50 << 20, "the server grew by {} MB (from {} MB to {} MB)", grown >> 20, before >> 20, after >> 20);
    // It still serves.
    let data = app.data(None, r#"{ agency(code: "91") { name } }"#, json!({})).await;
    assert_eq!(data["agency"]["name"], "Tỉnh An Giang");
}
