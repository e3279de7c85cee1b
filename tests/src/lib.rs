//! The test harness: [`TestApp::spawn`] starts the real server on a random port
//! against a fresh database — a SQLite file in a temporary folder, or, when
//! `TEST_DATABASE_URL` names a PostgreSQL server, a new database created on it —
//! and talks to it over HTTP only.

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
    tokens: api::auth::Authenticator,
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

async fn fresh_postgres_database(server_url: &str) -> anyhow::Result<String> {
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

    /// Starts a server after `adjust` changes its settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let data_dir = std::env::temp_dir().join(format!("motcua-test-{}", uuid::Uuid::now_v7().simple()));
        let mut settings = Settings::for_data_dir(data_dir.clone());
        settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        settings.jwt_secret = Some(Secret::new(TEST_SECRET));
        settings.demo_dossiers = DEMO_DOSSIERS;
        settings.db_pool = 5;
        if let Ok(server_url) = std::env::var("TEST_DATABASE_URL") {
            let url = fresh_postgres_database(&server_url)
                .await
                .expect("TEST_DATABASE_URL is set but PostgreSQL cannot be reached");
            settings.database_url = Some(Secret::new(url));
        }
        adjust(&mut settings);
        let application = Application::build(&settings).await.expect("the server builds");
        let address = application.address();
        let statements = application.statements();
        let db = application.db().clone();
        // Tokens are minted exactly as `motcua token` mints them.
        let tokens = api::auth::Authenticator::from_settings(&settings).await.expect("an authenticator");
        tokio::spawn(application.run_until(std::future::pending()));
        Self { address, client: reqwest::Client::new(), statements, db, tokens, data_dir }
    }

    /// A 30-day token for `user`.
    pub fn token(&self, user: &str) -> String {
        self.tokens.mint(user, Duration::from_secs(30 * 86_400)).expect("a token")
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

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
