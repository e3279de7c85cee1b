//! The test harness: [`TestApp::spawn`] starts the real server on a random port
//! against a fresh database — a SQLite file in a temporary folder, or, when
//! `TEST_DATABASE_URL` names a PostgreSQL server, a new database created on it —
//! and talks to it over HTTP only.

pub mod attacks;
pub mod portal;
pub mod process;
pub mod smtp;
pub mod webhooks;

use api::config::{Secret, Settings};
use api::db::StatementCounter;
use api::Application;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The HS256 secret of test servers, so tests can also forge bad tokens.
pub const TEST_SECRET: &str = "motcua-test-secret-not-for-production";
/// Generated dossiers in each test database.
pub const DEMO_DOSSIERS: u64 = 1200;

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub statements: StatementCounter,
    /// The server's database, for arranging cases and checking what changed.
    pub db: sea_orm::DatabaseConnection,
    /// The PostgreSQL database this server uses (`None` on SQLite).
    pub database_url: Option<String>,
    /// The server's shared state: tests fix its clock.
    pub state: std::sync::Arc<api::AppState>,
    tokens: api::Authenticator,
    data_dir: PathBuf,
}

/// A response: HTTP status and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// `data` of the body.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The `extensions.code` of every error.
    pub fn error_codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("<none>").to_owned()).collect()
            })
            .unwrap_or_default()
    }
}

/// A new, empty database on the PostgreSQL server of `server_url`; its URL.
pub async fn fresh_postgres_database(server_url: &str) -> anyhow::Result<String> {
    use sea_orm::{ConnectionTrait, Database};
    let name = format!("motcua_test_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(server_url).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
    admin.close().await?;
    let (base, _) =
        server_url.rsplit_once('/').ok_or_else(|| anyhow::anyhow!("TEST_DATABASE_URL has no database name"))?;
    Ok(format!("{base}/{name}"))
}

impl TestApp {
    /// Starts a server with the demo data on a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server on the demo as the country is today after `adjust`
    /// changes its settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_demo(motcua_seed::Demo::Today, adjust).await
    }

    /// Starts a server on the demo as it stood before the 2025
    /// reorganisation (old Kiên Giang and An Giang, dossiers until 2025-06-30).
    pub async fn spawn_before_2025() -> Self {
        Self::spawn_demo(motcua_seed::Demo::Before2025, |_| {}).await
    }

    /// Starts a server on `demo` after `adjust` changes its settings.
    pub async fn spawn_demo(demo: motcua_seed::Demo, adjust: impl FnOnce(&mut Settings)) -> Self {
        let data_dir = std::env::temp_dir().join(format!("motcua-test-{}", uuid::Uuid::now_v7().simple()));
        let mut settings = Settings::for_data_dir(data_dir.clone());
        settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        settings.jwt_secret = Some(Secret::new(TEST_SECRET));
        settings.demo_dossiers = DEMO_DOSSIERS;
        settings.db_pool = 5;
        // Tests send many requests from one address; tests/api/quotas.rs sets its own.
        settings.limits.requests_per_minute_anonymous = 0;
        settings.limits.requests_per_minute_service = 0;
        if let Ok(server_url) = std::env::var("TEST_DATABASE_URL") {
            let url = fresh_postgres_database(&server_url)
                .await
                .expect("TEST_DATABASE_URL is set but PostgreSQL cannot be reached");
            settings.database_url = Some(Secret::new(url));
        }
        adjust(&mut settings);
        let database_url = settings.database_url.as_ref().map(|url| url.expose().to_owned());
        let application = Application::build(&settings, &demo).await.expect("the server builds");
        let address = application.address();
        let statements = application.statements();
        let db = application.db().clone();
        let state = application.shared();
        // Tokens are minted exactly as `motcua token` mints them.
        let tokens = api::Authenticator::from_settings(&settings).await.expect("an authenticator");
        tokio::spawn(application.run_until(std::future::pending()));
        Self { address, client: reqwest::Client::new(), statements, db, database_url, state, tokens, data_dir }
    }

    /// A second server instance over the same PostgreSQL database (its own
    /// caches, its own listeners), as a load balancer would run it.
    pub async fn second_instance(&self) -> Self {
        let url = self.database_url.clone().expect("a second instance needs PostgreSQL");
        Self::spawn_with(move |settings| settings.database_url = Some(Secret::new(url))).await
    }

    /// A 30-day token for `user`.
    pub fn token(&self, user: &str) -> String {
        self.token_for(user, Duration::from_secs(30 * 86_400))
    }

    /// A token for `user` valid for `ttl`.
    pub fn token_for(&self, user: &str, ttl: Duration) -> String {
        self.tokens.mint(user, ttl).expect("a token")
    }

    /// The URL of `path` on the server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends a raw body to `POST /graphql`.
    pub async fn post_raw(&self, token: Option<&str>, body: Vec<u8>) -> Reply {
        let mut request = self.client.post(self.url("/graphql")).header("content-type", "application/json").body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Reply { status, body }
    }

    /// Runs a GraphQL query with variables, as `user` (or anonymously).
    pub async fn graphql(&self, user: Option<&str>, query: &str, variables: Value) -> Reply {
        let token = user.map(|u| self.token(u));
        self.post_raw(token.as_deref(), serde_json::to_vec(&json!({ "query": query, "variables": variables })).unwrap())
            .await
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn data(&self, user: Option<&str>, query: &str, variables: Value) -> Value {
        let reply = self.graphql(user, query, variables).await;
        assert!(reply.body.get("errors").is_none(), "unexpected errors: {}", reply.body);
        reply.body["data"].clone()
    }

    /// Every dossier `user` sees through `dossiers`, paging 100 at a time; the
    /// selection is `id code agency { code path }`.
    pub async fn all_dossiers(&self, user: &str, filter: Value, order: &str) -> Vec<Value> {
        let query = "query($filter: DossierFilter, $after: String, $order: DossierOrder) {
            dossiers(filter: $filter, first: 100, after: $after, orderBy: $order) {
                edges { node { id code receivedAt dueAt agency { code path } receivingAgency { code } } }
                pageInfo { hasNextPage endCursor }
            } }";
        let mut after = Value::Null;
        let mut all = Vec::new();
        loop {
            let data = self.data(Some(user), query, json!({ "filter": filter, "after": after, "order": order })).await;
            let page = &data["dossiers"];
            all.extend(page["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()));
            if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                return all;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
    }
}

/// A file in a GraphQL multipart request.
#[derive(Debug, Clone, Copy)]
pub struct FilePart<'a> {
    /// The variable path it fills, e.g. `variables.input.file`.
    pub variable: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
}

impl TestApp {
    /// The server's data folder.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Sends a GraphQL multipart request (operations, map, files) as `user`.
    pub async fn upload(&self, user: Option<&str>, query: &str, variables: Value, files: &[FilePart<'_>]) -> Reply {
        const BOUNDARY: &str = "motcua-test-3f9a1c";
        let mut body = Vec::new();
        let mut part = |headers: String, content: &[u8]| {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n{headers}\r\n\r\n").as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        };
        let operations = json!({ "query": query, "variables": variables });
        part(r#"Content-Disposition: form-data; name="operations""#.into(), operations.to_string().as_bytes());
        let map: serde_json::Map<String, Value> =
            files.iter().enumerate().map(|(i, f)| (i.to_string(), json!([f.variable]))).collect();
        part(r#"Content-Disposition: form-data; name="map""#.into(), Value::Object(map).to_string().as_bytes());
        for (i, file) in files.iter().enumerate() {
            let headers = format!(
                "Content-Disposition: form-data; name=\"{i}\"; filename=\"{}\"\r\nContent-Type: {}",
                file.file_name, file.content_type
            );
            part(headers, file.content);
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(body);
        if let Some(user) = user {
            request = request.bearer_auth(self.token(user));
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Reply { status, body }
    }

    /// `GET path` as `user`: the status, the headers and the body's bytes.
    pub async fn download(&self, user: Option<&str>, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut request = self.client.get(self.url(path));
        if let Some(user) = user {
            request = request.bearer_auth(self.token(user));
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.expect("a body").to_vec())
    }
}

/// The fields of a command's payload the lifecycle tests read.
pub const PAYLOAD: &str = "dossier { id code status nationalStatusCode version receivedAt dueAt finishedAt returnedAt
    outcome overdue currentStep clockPausedAt appointmentAt resultNumber resultDigitized
    agency { code } receivingAgency { code } competentAgency { code } assignee { username } signer { username }
    fee { amount paidAt method } }
  event { action statusFrom statusTo step stepDueAt toRole note missingDocuments supplyBy amount newAppointment
    fromUser { username } toUser { username } fromAgency { code } toAgency { code } createdAt }";

impl TestApp {
    /// Fixes the server's clock at `at` (Vietnam time, `YYYY-MM-DD HH:MM`), or releases it.
    pub fn set_clock(&self, at: Option<&str>) {
        let at = at.map(|text| {
            let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("YYYY-MM-DD HH:MM");
            (local - chrono::Duration::hours(7)).and_utc()
        });
        self.state.clock.set(at);
    }

    /// Runs the mutation `name(input: $input) { PAYLOAD }` as `user`.
    pub async fn command(&self, user: &str, name: &str, input: Value) -> Reply {
        let input_type = input_type_of(name);
        let query = format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}");
        self.graphql(Some(user), &query, json!({ "input": input })).await
    }

    /// Runs a mutation that must succeed and returns its payload.
    pub async fn ok(&self, user: &str, name: &str, input: Value) -> Value {
        let reply = self.command(user, name, input).await;
        assert!(reply.body.get("errors").is_none(), "{name} as {user}: {}", reply.body);
        reply.body["data"][name].clone()
    }

    /// `role /path/` (`*` after a subtree) of every role `user` holds, as it
    /// reads them itself, sorted.
    pub async fn roles_of(&self, user: &str) -> Vec<String> {
        let data = self.data(Some(user), "{ me { roles { role agencyPath subtree } } }", json!({})).await;
        let mut roles: Vec<String> = data["me"]["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .map(|g| {
                let star = if g["subtree"] == true { "*" } else { "" };
                format!(
                    "{} {}{star}",
                    g["role"].as_str().unwrap_or_default(),
                    g["agencyPath"].as_str().unwrap_or_default()
                )
            })
            .collect();
        roles.sort();
        roles
    }

    /// The global ID of the user `username`.
    pub async fn user_id(&self, username: &str) -> String {
        let data = self.data(Some(username), "{ me { user { id } } }", json!({})).await;
        data["me"]["user"]["id"].as_str().expect("a user id").to_owned()
    }

    /// The ID of the first current procedure `agency_code` resolves itself
    /// whose resolution time is counted in `unit` (any unit when `None`).
    pub async fn procedure_id(&self, agency_code: &str, unit: Option<&str>) -> String {
        let data = self
            .data(
                None,
                "query($code: String) { procedures(filter: { agencyCode: $code }, first: 20) {
                    edges { node { id resolutionTime { amount unit } } } } }",
                json!({ "code": agency_code }),
            )
            .await;
        data["procedures"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .find(|n| unit.is_none_or(|u| n["resolutionTime"]["unit"] == u))
            .unwrap_or_else(|| panic!("no procedure of {agency_code} in {unit:?}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A new dossier received at the desk of `agency_code` by `receiver`.
    pub async fn receive_new(&self, receiver: &str, agency_code: &str, procedure_id: &str) -> Value {
        let input = json!({
            "procedureId": procedure_id,
            "agencyCode": agency_code,
            "applicant": applicant(),
        });
        self.ok(receiver, "receiveDossier", input).await["dossier"].clone()
    }
}

/// A plausible applicant.
pub fn applicant() -> Value {
    json!({
        "name": "Nguyễn Thị Thu Trang",
        "idNumber": "091203004567",
        "phone": "0912 345 678",
        "address": "12 Nguyễn Trung Trực, Phường Vĩnh Thanh, Rạch Giá",
    })
}

/// `receiveDossier` → `ReceiveDossierInput`, `apologize` → `ApologizeInput`.
fn input_type_of(mutation: &str) -> String {
    let mut chars = mutation.chars();
    let first = chars.next().expect("a mutation name").to_ascii_uppercase();
    format!("{first}{}Input", chars.as_str())
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A graphql-transport-ws connection to `/graphql/ws`.
pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl TestApp {
    /// Opens a subscription as `user` (`connection_init` carries the token);
    /// the connection's first message after the init, `connection_ack` or an
    /// error, is returned with the socket.
    pub async fn subscribe(&self, token: Option<String>, query: &str) -> (Socket, Value) {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::Message;
        let mut request = format!("ws://{}/graphql/ws", self.address).into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("the socket opens");
        let payload = match token {
            Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        let init = json!({ "type": "connection_init", "payload": payload });
        socket.send(Message::text(init.to_string())).await.unwrap();
        let first = next_message(&mut socket, Duration::from_secs(5)).await.unwrap_or(Value::Null);
        if first["type"] == "connection_ack" {
            let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
            socket.send(Message::text(subscribe.to_string())).await.unwrap();
        }
        let _ = socket.flush().await;
        (socket, first)
    }
}

/// The next JSON message on the socket within `wait`, or `None` (timeout or closed).
pub async fn next_message(socket: &mut Socket, wait: Duration) -> Option<Value> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return serde_json::from_str(&text).ok(),
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Some(json!({
                    "type": "closed",
                    "code": frame.as_ref().map(|f| u16::from(f.code)),
                    "reason": frame.map(|f| f.reason.to_string()),
                }))
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// The folder of the JavaScript tools the suite drives (`tests/js`: the
/// graphql-http audits, Playwright for Chromium), their packages installed
/// from its lock file on first use (`npm ci`, one process at a time).
pub fn javascript_tools() -> PathBuf {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js");
    let lock = std::fs::File::create(folder.join(".install.lock")).expect("the install lock");
    lock.lock().expect("locking tests/js");
    if !folder.join("node_modules/.package-lock.json").exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&folder)
            .status()
            .expect("npm runs (Node.js is needed for the HTTP audits and the browser test)");
        assert!(status.success(), "npm ci in tests/js failed");
    }
    folder
}

/// Debian's Chromium, installed when missing and this process may (as root).
pub fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    if path.exists() {
        return path;
    }
    let lock = std::fs::File::create(std::env::temp_dir().join("motcua-chromium.lock")).expect("a lock file");
    lock.lock().expect("locking the Chromium install");
    if !path.exists() {
        let status = std::process::Command::new("apt-get")
            .args(["install", "-y", "-q", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
        assert!(
            status.is_ok_and(|s| s.success()) && path.exists(),
            "the browser test needs Debian's chromium: `apt-get install -y chromium` (as root)"
        );
    }
    path
}

/// Runs `node script args…` in the JavaScript tools' folder and returns what it printed.
pub async fn node(script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let script = script.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    tokio::task::spawn_blocking(move || {
        let folder = javascript_tools();
        let output = std::process::Command::new("node")
            .arg(&script)
            .args(&args)
            .envs(env)
            .current_dir(&folder)
            .output()
            .expect("node runs");
        assert!(
            output.status.success(),
            "node {script} failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("text")
    })
    .await
    .expect("node ran")
}
