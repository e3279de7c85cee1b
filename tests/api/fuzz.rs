//! A bounded fuzz run: random documents built from the schema the server
//! introspects (right and wrong fields, arguments of every type with hostile
//! values, variables, fragments, aliases, directives), and the same
//! documents cut and spliced at random, sent as anonymous callers and as
//! officials. No answer may be `INTERNAL`, a 5xx, or an error without one of
//! the documented codes, and the server must keep serving. The cases are
//! drawn from a fixed seed (`MOTCUA_FUZZ_SEED`), `MOTCUA_FUZZ_CASES` of them
//! (400 by default; run more by hand).

use motcua_tests::TestApp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Every code docs/LIMITS.md lists but `INTERNAL`.
const CODES: &[&str] = &[
    "BAD_REQUEST",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "OPERATION_RESOLUTION_FAILURE",
    "BAD_USER_INPUT",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "CONFLICT",
    "INVALID_TRANSITION",
    "LIMIT_EXCEEDED",
];

/// A type reference of the introspection: `NON_NULL` / `LIST` wrappers around a name.
#[derive(Debug, Clone)]
enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    fn from_json(value: &Value) -> Self {
        match value["kind"].as_str() {
            Some("NON_NULL") => Self::NonNull(Box::new(Self::from_json(&value["ofType"]))),
            Some("LIST") => Self::List(Box::new(Self::from_json(&value["ofType"]))),
            _ => Self::Named(value["name"].as_str().unwrap_or_default().to_owned()),
        }
    }

    fn name(&self) -> &str {
        match self {
            Self::Named(name) => name,
            Self::List(inner) | Self::NonNull(inner) => inner.name(),
        }
    }

    fn sdl(&self) -> String {
        match self {
            Self::Named(name) => name.clone(),
            Self::List(inner) => format!("[{}]", inner.sdl()),
            Self::NonNull(inner) => format!("{}!", inner.sdl()),
        }
    }
}

struct Argument {
    name: String,
    ty: TypeRef,
}

struct Field {
    name: String,
    args: Vec<Argument>,
    ty: TypeRef,
}

/// What the generator knows of the schema.
struct Schema {
    kinds: HashMap<String, String>,
    fields: HashMap<String, Vec<Field>>,
    input_fields: HashMap<String, Vec<Argument>>,
    enum_values: HashMap<String, Vec<String>>,
    possible: HashMap<String, Vec<String>>,
}

impl Schema {
    fn from_introspection(data: &Value) -> Self {
        let mut schema = Schema {
            kinds: HashMap::new(),
            fields: HashMap::new(),
            input_fields: HashMap::new(),
            enum_values: HashMap::new(),
            possible: HashMap::new(),
        };
        let arguments = |list: &Value| -> Vec<Argument> {
            list.as_array()
                .map(|args| {
                    args.iter()
                        .map(|a| Argument {
                            name: a["name"].as_str().unwrap().to_owned(),
                            ty: TypeRef::from_json(&a["type"]),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        for ty in data["__schema"]["types"].as_array().unwrap() {
            let name = ty["name"].as_str().unwrap().to_owned();
            schema.kinds.insert(name.clone(), ty["kind"].as_str().unwrap().to_owned());
            if let Some(fields) = ty["fields"].as_array() {
                let fields = fields
                    .iter()
                    .map(|f| Field {
                        name: f["name"].as_str().unwrap().to_owned(),
                        args: arguments(&f["args"]),
                        ty: TypeRef::from_json(&f["type"]),
                    })
                    .collect();
                schema.fields.insert(name.clone(), fields);
            }
            if ty["inputFields"].is_array() {
                schema.input_fields.insert(name.clone(), arguments(&ty["inputFields"]));
            }
            if let Some(values) = ty["enumValues"].as_array() {
                let values = values.iter().map(|v| v["name"].as_str().unwrap().to_owned()).collect();
                schema.enum_values.insert(name.clone(), values);
            }
            if let Some(types) = ty["possibleTypes"].as_array() {
                let types = types.iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
                schema.possible.insert(name, types);
            }
        }
        schema
    }
}

/// Strings an attacker tries.
const STRINGS: &[&str] = &[
    "91",
    "899",
    "30733",
    "30742",
    "91.STP",
    "",
    " ",
    "a\u{0}b",
    "\u{0}",
    "ẞ🙂 Tiếng Việt",
    "%",
    "_",
    "\\",
    "'; DROP TABLE dossier; --",
    "\u{202e}",
    "0912345678",
    "2026-01-01",
    "2026-02-30",
    "9999-12-31",
    "2026-01-01T00:00:00Z",
    "not a date",
    "RGlvc3NpZXI6MDAwMA==",
    "Dossier:00000000-0000-0000-0000-000000000000",
    "null",
    "{}",
    "$x",
    "30733-260101-0001",
];

struct Generator<'a> {
    rng: StdRng,
    schema: &'a Schema,
    variables: Map<String, Value>,
    declarations: Vec<String>,
    /// This document makes no deliberate mistake (values of the right type, known fields).
    clean: bool,
}

impl Generator<'_> {
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    /// A deliberate mistake, in documents that make them.
    fn mistake(&mut self, percent: u32) -> bool {
        !self.clean && self.chance(percent)
    }

    fn pick<'s, T>(&mut self, items: &'s [T]) -> &'s T {
        &items[self.rng.random_range(0..items.len())]
    }

    /// A random JSON value, right for `ty` most of the time.
    fn json_value(&mut self, ty: &TypeRef, depth: usize) -> Value {
        if self.mistake(6) || depth > 4 {
            return self.wild_json();
        }
        match ty {
            TypeRef::NonNull(inner) => self.json_value(inner, depth),
            TypeRef::List(inner) => {
                let n = self.rng.random_range(0..4);
                Value::Array((0..n).map(|_| self.json_value(inner, depth + 1)).collect())
            }
            TypeRef::Named(name) => match name.as_str() {
                "Int" => {
                    json!(*self.pick(&[0i64, 1, -1, 5, 20, 100, 101, 2_147_483_647, -2_147_483_648, 4_000_000_000]))
                }
                "Float" => json!(*self.pick(&[0.5f64, -1e300, 1e300])),
                "Boolean" => json!(self.chance(50)),
                "Date" if self.clean => json!(*self.pick(&["2025-01-01", "2026-06-30", "2026-12-01"])),
                "DateTime" if self.clean => json!("2026-01-01T00:00:00Z"),
                "String" | "ID" | "Date" | "DateTime" | "UUID" | "Upload" => json!(*self.pick(STRINGS)),
                other => {
                    if let Some(values) = self.schema.enum_values.get(other) {
                        let values = values.clone();
                        return json!(self.pick(&values));
                    }
                    let fields: Vec<(String, TypeRef)> = self
                        .schema
                        .input_fields
                        .get(other)
                        .map(|fields| fields.iter().map(|f| (f.name.clone(), f.ty.clone())).collect())
                        .unwrap_or_default();
                    let mut object = Map::new();
                    for (name, ty) in fields {
                        if matches!(ty, TypeRef::NonNull(_)) || self.chance(40) {
                            let value = self.json_value(&ty, depth + 1);
                            object.insert(name, value);
                        }
                    }
                    Value::Object(object)
                }
            },
        }
    }

    fn wild_json(&mut self) -> Value {
        match self.rng.random_range(0..7) {
            0 => Value::Null,
            1 => json!(*self.pick(STRINGS)),
            2 => json!(self.rng.random::<i64>()),
            3 => json!([1, "two", null]),
            4 => json!({ "nope": 1 }),
            5 => json!("x".repeat(self.rng.random_range(0..20_000))),
            _ => json!(true),
        }
    }

    /// A GraphQL literal of the JSON value.
    fn literal(&mut self, value: &Value, ty: &TypeRef) -> String {
        let enum_type = self.schema.enum_values.contains_key(ty.name());
        match value {
            Value::String(text) if enum_type && !self.mistake(10) => text.clone(),
            Value::Object(fields) => {
                let inner: Vec<(String, TypeRef)> = self
                    .schema
                    .input_fields
                    .get(ty.name())
                    .map(|f| f.iter().map(|a| (a.name.clone(), a.ty.clone())).collect())
                    .unwrap_or_default();
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| {
                        let ty = inner
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, t)| t.clone())
                            .unwrap_or(TypeRef::Named("String".into()));
                        format!("{name}: {}", self.literal(value, &ty))
                    })
                    .collect();
                format!("{{ {} }}", parts.join(", "))
            }
            Value::Array(items) => {
                let inner = match ty {
                    TypeRef::NonNull(t) => match t.as_ref() {
                        TypeRef::List(i) => i.as_ref().clone(),
                        other => other.clone(),
                    },
                    TypeRef::List(i) => i.as_ref().clone(),
                    other => other.clone(),
                };
                let parts: Vec<String> = items.iter().map(|v| self.literal(v, &inner)).collect();
                format!("[{}]", parts.join(", "))
            }
            other => other.to_string(),
        }
    }

    fn argument(&mut self, argument: &Argument) -> String {
        let value = self.json_value(&argument.ty, 0);
        if self.chance(35) {
            let name = format!("v{}", self.variables.len());
            let ty = if self.mistake(10) { "String".to_owned() } else { argument.ty.sdl() };
            self.declarations.push(format!("${name}: {ty}"));
            self.variables.insert(name.clone(), value);
            format!("{}: ${name}", argument.name)
        } else {
            format!("{}: {}", argument.name, self.literal(&value, &argument.ty))
        }
    }

    fn selection_set(&mut self, type_name: &str, depth: usize) -> String {
        let fields = match self.schema.fields.get(type_name) {
            Some(fields) if !fields.is_empty() => fields,
            _ => return "{ __typename }".into(),
        };
        let n = self.rng.random_range(1..4);
        let mut parts = Vec::new();
        for i in 0..n {
            if self.mistake(5) {
                parts.push("nonexistentField".to_owned());
                continue;
            }
            if self.chance(5) {
                parts.push("__typename".to_owned());
                continue;
            }
            if let Some(possible) = self.schema.possible.get(type_name).cloned() {
                if self.chance(30) && !possible.is_empty() {
                    let on = self.pick(&possible).clone();
                    let inner = self.selection_set(&on, depth + 1);
                    parts.push(format!("... on {on} {inner}"));
                    continue;
                }
            }
            let field = &fields[self.rng.random_range(0..fields.len())];
            let (name, ty) = (field.name.clone(), field.ty.clone());
            let args: Vec<String> = field
                .args
                .iter()
                .filter(|a| matches!(a.ty, TypeRef::NonNull(_)) || self.rng.random_range(0..100) < 50)
                .map(|a| Argument { name: a.name.clone(), ty: a.ty.clone() })
                .collect::<Vec<_>>()
                .iter()
                .map(|a| self.argument(a))
                .collect();
            let alias = if self.chance(15) { format!("a{depth}x{i}: ") } else { String::new() };
            let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
            let directive = match self.rng.random_range(0..20) {
                0 => " @skip(if: true)".to_owned(),
                1 => " @include(if: false)".to_owned(),
                2 if !self.clean => " @nope".to_owned(),
                _ => String::new(),
            };
            let composite =
                matches!(self.schema.kinds.get(ty.name()).map(String::as_str), Some("OBJECT" | "INTERFACE" | "UNION"));
            let selection = if composite {
                if depth > 3 {
                    " { __typename }".to_owned()
                } else {
                    format!(" {}", self.selection_set(ty.name(), depth + 1))
                }
            } else {
                String::new()
            };
            parts.push(format!("{alias}{name}{args}{directive}{selection}"));
        }
        format!("{{ {} }}", parts.join(" "))
    }

    /// One request body: a document for `root`, with its variables.
    fn request(&mut self, root: &str, keyword: &str) -> Value {
        self.variables = Map::new();
        self.declarations = Vec::new();
        self.clean = self.chance(50);
        let set = self.selection_set(root, 0);
        let declarations =
            if self.declarations.is_empty() { String::new() } else { format!("({})", self.declarations.join(", ")) };
        let mut document = format!("{keyword} Fuzz{declarations} {set}");
        if self.mistake(25) {
            document = self.mangle(&document);
        }
        let mut body = json!({ "query": document, "variables": Value::Object(self.variables.clone()) });
        if self.mistake(8) {
            body["operationName"] = json!(*self.pick(&["Fuzz", "Other", ""]));
        }
        body
    }

    /// The document cut, spliced or sprinkled with odd characters.
    fn mangle(&mut self, document: &str) -> String {
        let mut chars: Vec<char> = document.chars().collect();
        for _ in 0..self.rng.random_range(1..5) {
            if chars.is_empty() {
                break;
            }
            let at = self.rng.random_range(0..chars.len());
            match self.rng.random_range(0..4) {
                0 => {
                    chars.remove(at);
                }
                1 => chars.insert(at, *self.pick(&['{', '}', '(', ')', '"', '$', '@', '.', '\u{0}', '#', '\n', 'é'])),
                2 => chars.truncate(at),
                _ => {
                    let end = (at + self.rng.random_range(0..20)).min(chars.len());
                    let piece: Vec<char> = chars[at..end].to_vec();
                    let to = self.rng.random_range(0..chars.len());
                    chars.splice(to..to, piece);
                }
            }
        }
        chars.into_iter().collect()
    }
}

#[tokio::test]
async fn random_documents_and_variables_never_get_an_internal_error_or_one_without_a_code() {
    let app = TestApp::spawn().await;
    let introspection = app.data(None, include_str!("introspection.graphql"), json!({})).await;
    let schema = Schema::from_introspection(&introspection);
    let seed = std::env::var("MOTCUA_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261201u64);
    let cases = std::env::var("MOTCUA_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(400usize);
    let mut generator = Generator {
        rng: StdRng::seed_from_u64(seed),
        schema: &schema,
        variables: Map::new(),
        declarations: Vec::new(),
        clean: false,
    };
    let tokens: Vec<Option<String>> = vec![
        None,
        Some(app.token("tinh.giamsat")),
        Some(app.token("vinhthanh.motcua")),
        Some(app.token("tinh.quantri")),
        Some("not-a-token".into()),
    ];
    let mut answered = HashMap::<String, usize>::new();
    for case in 0..cases {
        let (root, keyword) = match generator.rng.random_range(0..10) {
            0..=6 => ("Query", "query"),
            _ => ("Mutation", "mutation"),
        };
        let body = generator.request(root, keyword);
        let token = generator.pick(&tokens).clone();
        let reply = app.post_raw(token.as_deref(), serde_json::to_vec(&body).unwrap()).await;
        let shown = || {
            let text = body.to_string();
            text.chars().take(1500).collect::<String>()
        };
        assert!(
            reply.status < 500,
            "case {case} (seed {seed}): status {} for {}: {}",
            reply.status,
            shown(),
            reply.body
        );
        let codes = reply.error_codes();
        for code in &codes {
            assert!(
                CODES.contains(&code.as_str()),
                "case {case} (seed {seed}): code {code} for {}: {}",
                shown(),
                reply.body
            );
            *answered.entry(code.clone()).or_default() += 1;
        }
        if codes.is_empty() {
            *answered.entry("data".into()).or_default() += 1;
        }
    }
    println!("{cases} cases, seed {seed}: {answered:?}");
    // The run reached far: data, and refusals of several kinds.
    assert!(answered.get("data").copied().unwrap_or(0) > cases / 20, "{answered:?}");
    assert!(answered.len() >= 5, "{answered:?}");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}
