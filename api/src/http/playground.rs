//! The playground at `/`: GraphiQL's production build, React and the
//! graphql-ws client, compiled into the binary and served from
//! `/playground/…`, so the page works on a network without internet; a
//! first query loaded; the schema's descriptions as the documentation. When
//! the database holds the demo data, a bar above offers the demo officials:
//! choosing one puts a token for them in the `Authorization` header.
//! Licences: `api/assets/playground/LICENSES.txt`.

use super::{with_headers, HttpState};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// How long a token minted for the playground stays valid.
const DEMO_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

/// The assets, by the name they are served under.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("graphiql.min.js", "text/javascript", include_bytes!("../../assets/playground/graphiql.min.js")),
    ("graphiql.min.css", "text/css", include_bytes!("../../assets/playground/graphiql.min.css")),
    ("react.production.min.js", "text/javascript", include_bytes!("../../assets/playground/react.production.min.js")),
    (
        "react-dom.production.min.js",
        "text/javascript",
        include_bytes!("../../assets/playground/react-dom.production.min.js"),
    ),
    ("graphql-ws.min.js", "text/javascript", include_bytes!("../../assets/playground/graphql-ws.min.js")),
    ("motcua.js", "text/javascript", include_bytes!("../../assets/playground/motcua.js")),
    ("LICENSES.txt", "text/plain; charset=utf-8", include_bytes!("../../assets/playground/LICENSES.txt")),
];

/// The page admits only what the binary serves.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'";

/// The query the playground opens with.
const FIRST_QUERY: &str = r#"# Welcome to motcua, the GraphQL API of the one-stop system (một cửa).
# The catalogue is public. Open "Docs" (top left) for every type and field;
# choose a demo official above (on demo data) to see their dossiers.
{
  agency(code: "91") {
    name
    children { code name kind }
  }
  procedures(first: 5, filter: { agencyCode: "30733" }) {
    edges { node { code name onlineMode resolutionTime { amount unit } } }
  }
}
"#;

/// A demo official the playground can sign in as.
#[derive(Debug, Clone)]
pub(crate) struct DemoOfficial {
    pub username: String,
    pub role: String,
    pub agency: String,
}

/// The demo officials with a token each, as JSON for a page's data block
/// (`[]` without demo data).
pub(super) fn demo_officials_json(state: &HttpState) -> String {
    let officials: Vec<serde_json::Value> = state
        .demo_officials
        .iter()
        .filter_map(|official| {
            let token = state.authenticator.mint(&official.username, DEMO_TOKEN_TTL).ok()?;
            Some(serde_json::json!({
                "username": official.username, "role": official.role, "agency": official.agency, "token": token,
            }))
        })
        .collect();
    // `</` would end the data block early; JSON allows `<\/` for it.
    serde_json::Value::Array(officials).to_string().replace("</", "<\\/")
}

pub(super) async fn page(State(state): State<Arc<HttpState>>) -> Response {
    let officials = demo_officials_json(&state);
    // A script element's text is taken as it is: the first query holds no `</`.
    let first_query = FIRST_QUERY;
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>motcua — GraphQL playground</title>
<link rel="stylesheet" href="/playground/graphiql.min.css">
<style>
  html, body {{ height: 100%; margin: 0; }}
  body {{ display: flex; flex-direction: column; font-family: system-ui, sans-serif; }}
  #demo-bar {{ padding: 6px 12px; background: #f3f0e8; border-bottom: 1px solid #ddd; font-size: 14px; }}
  #demo-bar select {{ font-size: 14px; margin-left: 6px; }}
  #graphiql {{ flex: 1; min-height: 0; }}
</style>
</head>
<body>
<div id="demo-bar" hidden>
  <label>Demo data — sign in as
    <select id="demo-official"><option value="">nobody (anonymous)</option></select>
  </label>
  <span>: the token goes in the <code>Authorization</code> header below.</span>
</div>
<div id="graphiql">Loading the playground…</div>
<script type="application/json" id="demo-officials">{officials}</script>
<script type="text/plain" id="first-query">{first_query}</script>
<script src="/playground/react.production.min.js"></script>
<script src="/playground/react-dom.production.min.js"></script>
<script src="/playground/graphql-ws.min.js"></script>
<script src="/playground/graphiql.min.js"></script>
<script src="/playground/motcua.js"></script>
</body>
</html>
"#
    );
    page_response(html)
}

/// A page of the binary's own, admitting only what the binary serves.
pub(super) fn page_response(html: String) -> Response {
    with_headers(
        Html(html).into_response(),
        [(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY.into()), (header::CACHE_CONTROL, "no-store".into())],
    )
}

/// The asset `name` of `assets` ((name, content type, content)), cached
/// for `max_age` seconds; `NOT_FOUND` naming `what` for another name.
pub(super) fn asset_response(assets: &[(&str, &str, &'static [u8])], name: &str, max_age: u32, what: &str) -> Response {
    match assets.iter().find(|(asset, _, _)| *asset == name) {
        Some((_, content_type, content)) => with_headers(
            (StatusCode::OK, *content).into_response(),
            [
                (header::CONTENT_TYPE, (*content_type).into()),
                (header::CACHE_CONTROL, format!("public, max-age={max_age}")),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            ],
        ),
        None => crate::error::ApiError::NotFound(format!("no {what} asset `{name}`")).into_response(),
    }
}

pub(super) async fn asset(Path(name): Path<String>) -> Response {
    asset_response(ASSETS, &name, 86_400, "playground")
}
