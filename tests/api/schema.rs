#[test]
fn the_schema_file_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema.graphql");
    let file = std::fs::read_to_string(&path).expect("docs/schema.graphql exists");
    assert!(
        file == api::sdl(),
        "docs/schema.graphql is stale: run `cargo run -p motcua -- schema > docs/schema.graphql`"
    );
}
