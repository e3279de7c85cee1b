//! The cost's unit tests, over the real schema.

use super::*;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::SchemaEnv;
use std::sync::{Arc, OnceLock};

/// The schema's registry, caught by an extension on a first request.
async fn schema_env() -> SchemaEnv {
    static ENV: OnceLock<SchemaEnv> = OnceLock::new();
    if let Some(env) = ENV.get() {
        return env.clone();
    }
    struct Catch;
    impl ExtensionFactory for Catch {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(Catch)
        }
    }
    #[async_graphql::async_trait::async_trait]
    impl Extension for Catch {
        async fn parse_query(
            &self,
            ctx: &ExtensionContext<'_>,
            query: &str,
            variables: &Variables,
            next: NextParseQuery<'_>,
        ) -> async_graphql::ServerResult<ExecutableDocument> {
            let _ = ENV.set(ctx.schema_env.clone());
            next.run(ctx, query, variables).await
        }
    }
    let schema = async_graphql::Schema::build(
        crate::graphql::query::Query::default(),
        crate::graphql::mutation::Mutation::default(),
        crate::graphql::subscription::SubscriptionRoot,
    )
    .extension(Catch)
    .finish();
    schema.execute("{ __typename }").await;
    ENV.get().expect("the schema was caught").clone()
}

fn caps() -> Caps {
    Caps {
        selections: u64::MAX,
        depth: u32::MAX,
        aliases: u64::MAX,
        complexity: u64::MAX,
        introspection: 1_000_000,
        introspection_allowed: true,
    }
}

async fn cost_of(query: &str, variables: serde_json::Value) -> Cost {
    let env = schema_env().await;
    let document = async_graphql::parser::parse_query(query).expect("the test query parses");
    let variables = Variables::from_json(variables);
    measure(&document, None, &variables, &env.registry, &ListBounds::default(), &caps())
        .unwrap_or_else(|refused| panic!("{query}: {:?}", refused.error))
}

#[tokio::test]
async fn an_object_costs_one_and_lists_multiply_by_their_page_or_their_bound() {
    // The default bounds: 100 children, 20 steps.
    for (query, variables, expected) in [
        (r#"{ agency(code: "91") { code name } }"#, serde_json::json!({}), 1),
        (r#"{ agency(code: "91") { parent { code } } }"#, serde_json::json!({}), 2),
        (r#"{ agency(code: "91") { children { code } } }"#, serde_json::json!({}), 1 + 100),
        (r#"{ agency(code: "91") { children { children { code } } } }"#, serde_json::json!({}), 1 + 100 * (1 + 100)),
        ("{ procedures { edges { node { code } } } }", serde_json::json!({}), 1 + 20 * 2),
        ("{ procedures(first: 5) { edges { node { steps { name } } } } }", serde_json::json!({}), 1 + 5 * (2 + 20)),
        (
            "query($n: Int) { procedures(first: $n) { edges { node { code } } } }",
            serde_json::json!({ "n": 7 }),
            1 + 7 * 2,
        ),
        ("query($n: Int = 3) { procedures(first: $n) { edges { node { code } } } }", serde_json::json!({}), 1 + 3 * 2),
        ("{ procedures(first: 1000) { edges { node { code } } } }", serde_json::json!({}), 1 + 100 * 2),
        (
            r#"{ dossierReport(agencyCode: "91", from: "2026-01-01", to: "2026-01-31") { total { received } } }"#,
            serde_json::json!({}),
            51,
        ),
        ("{ __typename }", serde_json::json!({}), 0),
        // A report figure's dossiers weigh what a report does, beside their page.
        ("{ dossiers(first: 1) { totalCount } }", serde_json::json!({}), 1 + 10),
        (
            r#"{ dossiers(first: 1, filter: { reportCell: { agencyCode: "91", from: "2026-01-01", to: "2026-01-31", column: RECEIVED } }) { totalCount } }"#,
            serde_json::json!({}),
            1 + 50 + 10,
        ),
        (
            "query($f: DossierFilter) { dossiers(first: 1, filter: $f) { totalCount } }",
            serde_json::json!({ "f": { "reportCell": { "agencyCode": "91", "from": "2026-01-01", "to": "2026-01-31", "column": "RECEIVED" } } }),
            1 + 50 + 10,
        ),
    ] {
        assert_eq!(cost_of(query, variables).await.complexity, expected, "{query}");
    }
}

#[tokio::test]
async fn fragments_count_once_each_however_often_they_are_spread() {
    // 2^60 fields once expanded: measured in an instant, figures saturating.
    let mut query = String::from("{ ...F0 }\n");
    for i in 0..60 {
        query.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
    }
    query.push_str("fragment F60 on Query { a: agency(code: \"91\") { code } }\n");
    let started = std::time::Instant::now();
    let cost = cost_of(&query, serde_json::json!({})).await;
    assert!(started.elapsed() < std::time::Duration::from_millis(100), "{:?}", started.elapsed());
    assert_eq!(cost.complexity, 1 << 60);
    assert_eq!(cost.aliases, 1 << 60);
    assert!(cost.selections > 1 << 60);
    assert_eq!(cost.depth, 2);
}

#[tokio::test]
async fn a_chain_of_fifty_thousand_fragments_is_measured_without_recursing_through_it() {
    let mut query = String::from("{ ...F0 }\n");
    for i in 0..50_000 {
        query.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
    }
    query.push_str("fragment F50000 on Query { __typename }\n");
    let env = schema_env().await;
    let document = async_graphql::parser::parse_query(&query).unwrap();
    let refused = measure(&document, None, &Variables::default(), &env.registry, &ListBounds::default(), &caps())
        .expect_err("nested too deep");
    assert!(matches!(refused.error, ApiError::LimitExceeded { .. }), "{:?}", refused.error);
}

#[tokio::test]
async fn a_cycle_of_fragments_is_named() {
    let env = schema_env().await;
    let document =
        async_graphql::parser::parse_query("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
            .unwrap();
    let refused = measure(&document, None, &Variables::default(), &env.registry, &ListBounds::default(), &caps())
        .expect_err("a cycle");
    match refused.error {
        ApiError::ValidationFailed(message) => assert!(message.contains("A → B → A"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn introspection_is_counted_as_the_values_it_produces() {
    let env = schema_env().await;
    let schema = async_graphql::Schema::build(
        crate::graphql::query::Query::default(),
        crate::graphql::mutation::Mutation::default(),
        crate::graphql::subscription::SubscriptionRoot,
    )
    .finish();
    for query in [
        "{ __schema { types { name fields { name type { name kind ofType { name } } } } } }",
        "{ __type(name: \"Dossier\") { name fields { name args { name } } interfaces { name } } }",
        "{ __schema { directives { name locations args { name } } queryType { name } } }",
        "{ __type(name: \"Nope\") { name } }",
    ] {
        let response = schema.execute(query).await;
        assert!(response.errors.is_empty(), "{query}: {:?}", response.errors);
        fn values(value: &async_graphql::Value) -> u64 {
            match value {
                async_graphql::Value::Object(fields) => fields.values().map(|v| 1 + values(v)).sum(),
                async_graphql::Value::List(items) => items
                    .iter()
                    .map(|item| values(item) + u64::from(matches!(item, async_graphql::Value::Object(_))))
                    .sum(),
                _ => 0,
            }
        }
        let produced = values(&response.data);
        let cost = cost_of(query, serde_json::json!({})).await;
        // Counted over the registry, which holds a few types and fields
        // introspection hides: never fewer, and at most a twentieth more.
        assert!(cost.introspection >= produced, "{query}: counted {} < produced {produced}", cost.introspection);
        let most = produced + produced / 20 + 8;
        assert!(cost.introspection <= most, "{query}: counted {} > {most}", cost.introspection);
    }
    let _ = env;
}

#[tokio::test]
async fn a_chain_of_children_costs_the_descendants_at_each_level_not_the_widest_level_to_a_power() {
    // Today's An Giang: 138 units under the province (communes among them),
    // at most 160 two levels below one agency, 1 three levels below.
    let bounds = ListBounds::with_tree(138, 160, 1);
    let env = schema_env().await;
    let cost = |query: &str| {
        let document = async_graphql::parser::parse_query(query).expect("the test query parses");
        measure(&document, None, &Variables::default(), &env.registry, &bounds, &caps())
            .map(|cost| cost.complexity)
            .unwrap_or_else(|refused| panic!("{query}: {:?}", refused.error))
    };
    let two_levels = r#"{ agency(code: "91") { children { code children { code } } } }"#;
    assert_eq!(cost(two_levels), 1 + 138 + 160);
    let with_parents = r#"{ agency(code: "91") { children { parent { code } children { code } } } }"#;
    assert_eq!(cost(with_parents), 1 + 138 * 2 + 160);
    // A chain begins again under any other field: `parent` is an agency with its own children.
    let restarted = r#"{ agency(code: "91") { children { parent { children { code } } } } }"#;
    assert_eq!(cost(restarted), 1 + 138 * (1 + 1 + 138));
    // Past the levels counted, each level more multiplies by the most children.
    let four = r#"{ agency(code: "91") { children { children { children { children { code } } } } } }"#;
    assert_eq!(cost(four), 1 + 138 + 160 + 1 + 138);
    let fragment = r#"{ agency(code: "91") { ...Tree } } fragment Tree on Agency { children { children { code } } }"#;
    assert_eq!(cost(fragment), 1 + 138 + 160);
    let in_a_page = r#"{ agencies(first: 10) { edges { node { children { children { code } } } } } }"#;
    assert_eq!(cost(in_a_page), 1 + 10 * (1 + 1 + 138 + 160));
}

#[tokio::test]
async fn every_list_field_of_the_schema_has_a_bound() {
    let sdl = crate::graphql::sdl();
    let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let bounds = ListBounds::default();
    let mut unnamed = Vec::new();
    for definition in &document.definitions {
        let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = definition else { continue };
        let name = ty.node.name.node.as_str();
        let fields = match &ty.node.kind {
            async_graphql::parser::types::TypeKind::Object(object) => &object.fields,
            async_graphql::parser::types::TypeKind::Interface(interface) => &interface.fields,
            _ => continue,
        };
        for field in fields {
            let field = &field.node;
            let is_list = field.ty.node.to_string().starts_with('[');
            let paged = field.arguments.iter().any(|a| a.node.name.node == "first");
            if is_list && !paged && list_bound(&bounds, name, &field.name.node).is_none() {
                unnamed.push(format!("{name}.{}", field.name.node));
            }
        }
    }
    assert!(unnamed.is_empty(), "list fields without a bound in `list_bound`: {unnamed:?}");
}
