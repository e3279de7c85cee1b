//! The server in a process of its own, which a test can kill (`SIGKILL`: no
//! shutdown, no flush) and start again on the same database. The process
//! is this test binary run again for one test, [`serve_if_asked`], which
//! serves when the environment asks it to and otherwise returns at once.

use crate::{fresh_postgres_database, Reply, DEMO_DOSSIERS, TEST_SECRET};
use api::config::{Secret, Settings};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

const DATA_DIR: &str = "MOTCUA_TEST_SERVE_DATA_DIR";
const DATABASE: &str = "MOTCUA_TEST_SERVE_DATABASE";
/// What the serving process prints once it listens.
const LISTENING: &str = "MOTCUA_TEST_LISTENING ";

/// Where a server process keeps its data: a folder, and a PostgreSQL
/// database when `TEST_DATABASE_URL` is set. Every process started on it
/// serves the same data.
pub struct Place {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
}

impl Place {
    /// A fresh place.
    pub async fn new() -> Self {
        let data_dir = std::env::temp_dir().join(format!("motcua-process-{}", uuid::Uuid::now_v7().simple()));
        let database_url = match std::env::var("TEST_DATABASE_URL") {
            Ok(server) => Some(fresh_postgres_database(&server).await.expect("PostgreSQL for TEST_DATABASE_URL")),
            Err(_) => None,
        };
        Self { data_dir, database_url }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The settings of a server process at `data_dir` (with `database_url`),
/// adjusted by `adjust`.
fn settings(data_dir: PathBuf, database_url: Option<String>) -> Settings {
    let mut settings = Settings::for_data_dir(data_dir);
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.jwt_secret = Some(Secret::new(TEST_SECRET));
    settings.demo_dossiers = DEMO_DOSSIERS;
    settings.db_pool = 5;
    settings.database_url = database_url.map(Secret::new);
    settings
}

/// A server process.
pub struct ServerProcess {
    child: tokio::process::Child,
    pub address: SocketAddr,
    tokens: api::Authenticator,
    client: reqwest::Client,
}

impl ServerProcess {
    /// Starts a server process on `place` (loading the demo into an empty
    /// one), as the test `test` of this binary, whose body calls
    /// [`serve_if_asked`] with the same `adjust`.
    pub async fn start(place: &Place, test: &str) -> Self {
        Self::start_with_env(place, test, &[]).await
    }

    /// The same, with `env` set in the process (for the test's `adjust` to read).
    pub async fn start_with_env(place: &Place, test: &str, env: &[(&str, &str)]) -> Self {
        let mut command = tokio::process::Command::new(std::env::current_exe().expect("this test binary"));
        command.envs(env.iter().copied());
        command.args([test, "--exact", "--nocapture", "--test-threads", "1"]);
        command.env(DATA_DIR, &place.data_dir).env_remove("TEST_DATABASE_URL");
        if let Some(url) = &place.database_url {
            command.env(DATABASE, url);
        }
        command.stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true);
        let mut child = command.spawn().expect("the server process starts");
        let mut lines = BufReader::new(child.stdout.take().expect("its output")).lines();
        let address = tokio::time::timeout(Duration::from_secs(300), async {
            while let Some(line) = lines.next_line().await.expect("its output reads") {
                // After the harness's `test … ...` on the same line.
                if let Some((_, address)) = line.split_once(LISTENING) {
                    return address.trim().parse::<SocketAddr>().expect("an address");
                }
            }
            panic!("the server process ended before it listened")
        })
        .await
        .expect("the server process listens within five minutes");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let tokens =
            api::Authenticator::from_settings(&settings(place.data_dir.clone(), None)).await.expect("an authenticator");
        Self { child, address, tokens, client: reqwest::Client::new() }
    }

    /// Kills the process at once (`SIGKILL`).
    pub async fn kill(mut self) {
        self.child.kill().await.expect("the server process is killed");
    }

    /// Runs a GraphQL query as `user`.
    pub async fn graphql(&self, user: &str, query: &str, variables: Value) -> Reply {
        let token = self.tokens.mint(user, Duration::from_secs(3600)).expect("a token");
        let response = self
            .client
            .post(format!("http://{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        Reply { status, body: response.json().await.unwrap_or(Value::Null) }
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn data(&self, user: &str, query: &str, variables: Value) -> Value {
        let reply = self.graphql(user, query, variables).await;
        assert!(reply.body.get("errors").is_none(), "unexpected errors: {}", reply.body);
        reply.body["data"].clone()
    }
}

/// In a process [`ServerProcess::start`] started: serves, with the
/// settings `adjust` makes, until killed. Anywhere else: returns at once.
pub async fn serve_if_asked(adjust: impl FnOnce(&mut Settings)) {
    let Ok(data_dir) = std::env::var(DATA_DIR) else { return };
    let mut settings = settings(PathBuf::from(data_dir), std::env::var(DATABASE).ok());
    adjust(&mut settings);
    let _telemetry = api::telemetry::init(&settings).expect("the process's logs and traces");
    let application =
        api::Application::build(&settings, &motcua_seed::Demo::Today).await.expect("the server process builds");
    println!("{LISTENING}{}", application.address());
    application.run_until(std::future::pending()).await.expect("the server process serves");
}
