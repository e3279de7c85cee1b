//! Requests an attacker would send, each with the refusal it must get:
//! shared by the attack tests (`tests/api/attacks.rs`) and the memory test
//! (`tests/memory/main.rs`).

use serde_json::{json, Value};

/// One hostile request and the code of its refusal.
#[derive(Debug, Clone)]
pub struct Attack {
    pub name: &'static str,
    /// The body of `POST /graphql`.
    pub body: Vec<u8>,
    /// The user whose token it carries (anonymous when `None`).
    pub user: Option<&'static str>,
    /// The `extensions.code` of every error of the refusal.
    pub code: &'static str,
}

fn attack(name: &'static str, user: Option<&'static str>, code: &'static str, body: Value) -> Attack {
    Attack { name, body: serde_json::to_vec(&body).unwrap(), user, code }
}

/// `children { parent { … } }` pairs around `{ code }`.
pub fn children_and_parents(pairs: usize) -> String {
    let inner =
        (0..pairs).fold("children { code }".to_owned(), |inner, _| format!("children {{ parent {{ {inner} }} }}"));
    format!(r#"{{ agency(code: "91") {{ {inner} }} }}"#)
}

/// Fragments `F0 … Fk`, each spreading the next twice, the last `{ __typename }`.
pub fn doubling_fragments(k: usize) -> String {
    let mut document = String::from("{ ...F0 }\n");
    for i in 0..k {
        document.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
    }
    document.push_str(&format!("fragment F{k} on Query {{ __typename }}\n"));
    document
}

/// Every attack of the hardening issue, and a few more of the same families.
pub fn all() -> Vec<Attack> {
    let guesses: String = (0..30)
        .map(|i| format!(r#"g{i}: trackDossier(code: "30742-260101-{i:04}", phone: "0900000000") {{ status }} "#))
        .collect();
    let a_megabyte_of_fields = format!("{{ {} }}", "__typename ".repeat(100_000));
    let deep_nesting = format!("{{ {}code{} }}", "agency(code: \"91\") { ".repeat(5_000), " }".repeat(5_000));
    let deep_list = format!("{{ agency(code: {}\"91\"{}) {{ code }} }}", "[".repeat(20_000), "]".repeat(20_000));
    let wide_fragments = {
        let spreads: String = (0..30).map(|_| "...F1 ").collect();
        let mut document = format!("{{ ...F0 }}\nfragment F0 on Query {{ {spreads} }}\n");
        for i in 1..6 {
            let spreads: String = (0..30).map(|_| format!("...F{} ", i + 1)).collect();
            document.push_str(&format!("fragment F{i} on Query {{ {spreads} }}\n"));
        }
        document.push_str("fragment F6 on Query { __typename }\n");
        document
    };
    let nested_types =
        (0..3).fold("name".to_owned(), |inner, _| format!("fields {{ type {{ ofType {{ {inner} }} }} }}"));
    let introspection_lists: String = (0..10)
        .map(|i| format!("s{i}: __schema {{ types {{ fields {{ type {{ ofType {{ {nested_types} }} }} }} }} }} "))
        .collect();
    let introspection_lists = format!("{{ {introspection_lists} }}");
    let introspection_aliases: String = (0..30)
        .map(|i| {
            format!(
                "s{i}: __schema {{ types {{ name description fields {{ name description args {{ name type {{ name }} }}
                 type {{ name kind ofType {{ name kind }} }} }} }} }} "
            )
        })
        .collect();
    let cyclic = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { ...A }";
    let deep_variables = {
        let mut value = json!("x");
        for _ in 0..1_000 {
            value = json!({ "search": value });
        }
        value
    };
    vec![
        attack("children and parents, depth 9", None, "LIMIT_EXCEEDED", json!({ "query": children_and_parents(3) })),
        attack("children and parents, depth 11", None, "LIMIT_EXCEEDED", json!({ "query": children_and_parents(4) })),
        attack("doubling fragments, k = 22", None, "LIMIT_EXCEEDED", json!({ "query": doubling_fragments(22) })),
        attack("doubling fragments, k = 24", None, "LIMIT_EXCEEDED", json!({ "query": doubling_fragments(24) })),
        attack("thirty spreads six deep", None, "LIMIT_EXCEEDED", json!({ "query": wide_fragments })),
        attack(
            "thirty trackDossier guesses as aliases",
            None,
            "LIMIT_EXCEEDED",
            json!({ "query": format!("{{ {guesses} }}") }),
        ),
        attack("a megabyte of fields", None, "LIMIT_EXCEEDED", json!({ "query": a_megabyte_of_fields })),
        attack("selections nested 5,000 deep", None, "LIMIT_EXCEEDED", json!({ "query": deep_nesting })),
        attack("a list nested 20,000 deep", None, "LIMIT_EXCEEDED", json!({ "query": deep_list })),
        attack("introspection lists in lists", None, "LIMIT_EXCEEDED", json!({ "query": introspection_lists })),
        attack(
            "thirty introspections",
            None,
            "LIMIT_EXCEEDED",
            json!({ "query": format!("{{ {introspection_aliases} }}") }),
        ),
        attack("fragments that spread each other", None, "GRAPHQL_VALIDATION_FAILED", json!({ "query": cyclic })),
        attack(
            "a page of a million",
            Some("tinh.giamsat"),
            "LIMIT_EXCEEDED",
            json!({ "query": "{ dossiers(first: 1000000) { edges { node { code events(first: 100) { edges { node { action } } } } } } }" }),
        ),
        attack(
            "variables nested 1,000 deep",
            Some("tinh.giamsat"),
            "BAD_REQUEST",
            json!({ "query": "query($f: DossierFilter) { dossiers(filter: $f) { totalCount } }", "variables": { "f": deep_variables } }),
        ),
        attack(
            "a batch of eleven",
            None,
            "LIMIT_EXCEEDED",
            Value::Array((0..11).map(|_| json!({ "query": "{ __typename }" })).collect()),
        ),
        attack(
            "a NUL in a string",
            None,
            "BAD_USER_INPUT",
            json!({ "query": "{ agency(code: \"a\\u0000b\") { code } }" }),
        ),
    ]
}
