//! Imports point down the layers: what lies below the HTTP and GraphQL
//! layers never names them. Checked over the source text.

use std::path::{Path, PathBuf};

/// The modules above, as the layers below must not name them.
const ABOVE: &[&str] =
    &["crate::http", "crate::graphql", "crate::export", "axum::", "async_graphql", "super::super::http"];

fn sources(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).expect("a source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

#[test]
fn services_domain_auth_and_the_data_layer_name_neither_http_nor_graphql() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let below = ["services", "domain", "auth", "db"].map(|folder| root.join(folder));
    let files = ["state.rs", "config.rs", "request_id.rs"].map(|file| root.join(file));
    let mut offending = Vec::new();
    for file in below.iter().flat_map(|folder| sources(folder)).chain(files) {
        let text = std::fs::read_to_string(&file).expect("a source file");
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if let Some(name) = ABOVE.iter().find(|above| code.contains(*above)) {
                offending.push(format!("{}:{}: {name}", file.strip_prefix(&root).unwrap().display(), number + 1));
            }
        }
    }
    assert!(offending.is_empty(), "imports that point up the layers: {offending:#?}");
}
