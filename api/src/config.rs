//! Settings of every command, by flag or environment variable. This is the only
//! module that reads the environment; every setting has a default that works on
//! a laptop and is listed in the README's settings table.

use clap::Args;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Settings shared by every command.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Folder for the SQLite database, the token secret and document contents.
    #[arg(long, env = "MOTCUA_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://…` or `postgres://…`; the SQLite file in the data folder when unset.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<Secret>,
    /// Largest number of database connections [default: four per processor core, 4 to 32].
    #[arg(long, env = "MOTCUA_DB_POOL", default_value_t = default_db_pool(), hide_default_value = true, global = true)]
    pub db_pool: u32,
    /// Address to listen on.
    #[arg(long, env = "MOTCUA_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: SocketAddr,
    /// HS256 secret for tokens; generated and kept in the data folder when unset.
    #[arg(long, env = "MOTCUA_JWT_SECRET", global = true)]
    pub jwt_secret: Option<Secret>,
    /// JWKS URL of an OIDC issuer (e.g. Keycloak) whose RS256/ES256 tokens are accepted.
    #[arg(long, env = "MOTCUA_JWKS_URL", global = true)]
    pub jwks_url: Option<String>,
    /// Expected `iss` of tokens from the OIDC issuer.
    #[arg(long, env = "MOTCUA_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// Expected `aud` of tokens from the OIDC issuer.
    #[arg(long, env = "MOTCUA_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// Generated dossiers loaded with the demo data into an empty database.
    #[arg(long, env = "MOTCUA_DEMO_DOSSIERS", default_value_t = 5000, global = true)]
    pub demo_dossiers: u64,
    /// Do not load demo data into an empty database.
    #[arg(long, env = "MOTCUA_NO_DEMO", global = true)]
    pub no_demo: bool,
    /// Log filter, e.g. `info`, `motcua=debug,sqlx=warn`.
    #[arg(long, env = "MOTCUA_LOG", default_value = "info,sqlx::postgres::notice=warn", global = true)]
    pub log: String,
    /// Where to export traces over OTLP/HTTP (protobuf), e.g.
    /// `http://collector:4318/v1/traces`; none, no traces (docs/OBSERVABILITY.md).
    #[arg(long, env = "MOTCUA_OTLP_ENDPOINT", global = true)]
    pub otlp_endpoint: Option<String>,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub outbox: OutboxSettings,
}

/// How the outbox delivers the slip's entries to webhooks (docs/WEBHOOKS.md).
#[derive(Debug, Clone, Args)]
pub struct OutboxSettings {
    /// Hosts a webhook may name although they are this machine, link-local or
    /// a cloud metadata address, e.g. `127.0.0.1,hooks.internal` (comma-separated).
    #[arg(long, env = "MOTCUA_WEBHOOK_ALLOWED_HOSTS", value_delimiter = ',', global = true)]
    pub webhook_allowed_hosts: Vec<String>,
    /// Longest time one delivery attempt may take.
    #[arg(long, env = "MOTCUA_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, global = true)]
    pub webhook_timeout: Duration,
    /// Attempts at one delivery before it becomes a dead letter.
    #[arg(long, env = "MOTCUA_DELIVERY_ATTEMPTS", default_value_t = 12, global = true)]
    pub delivery_attempts: u32,
    /// The wait after a first failed attempt; it doubles after each (with jitter).
    #[arg(long, env = "MOTCUA_DELIVERY_RETRY_BASE", default_value = "5s", value_parser = humantime::parse_duration, global = true)]
    pub delivery_retry_base: Duration,
    /// The longest wait between two attempts.
    #[arg(long, env = "MOTCUA_DELIVERY_RETRY_CAP", default_value = "1h", value_parser = humantime::parse_duration, global = true)]
    pub delivery_retry_cap: Duration,
    /// The national portal's exchange address: each dossier's status changes
    /// are sent there (docs/PORTAL.md); none, no synchronisation.
    #[arg(long, env = "MOTCUA_PORTAL_URL", global = true)]
    pub portal_url: Option<String>,
    /// The token the portal gave this system, sent as `Authorization: Bearer`.
    #[arg(long, env = "MOTCUA_PORTAL_TOKEN", global = true, hide_env_values = true)]
    pub portal_token: Option<String>,
    /// The mail server notices to applicants go through: `smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://host:465`;
    /// none, no e-mail (docs/NOTICES.md).
    #[arg(long, env = "MOTCUA_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of notices by e-mail.
    #[arg(long, env = "MOTCUA_MAIL_FROM", default_value = "Bo phan Mot cua <motcua@localhost>", global = true)]
    pub mail_from: String,
    /// The SMS gateway notices are posted to as `{"to", "message", "reference"}`; none, no SMS.
    #[arg(long, env = "MOTCUA_SMS_GATEWAY_URL", global = true)]
    pub sms_gateway_url: Option<String>,
    /// Sent to the SMS gateway as `Authorization: Bearer …`.
    #[arg(long, env = "MOTCUA_SMS_GATEWAY_TOKEN", global = true, hide_env_values = true)]
    pub sms_gateway_token: Option<String>,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            webhook_allowed_hosts: Vec::new(),
            webhook_timeout: Duration::from_secs(10),
            delivery_attempts: 12,
            delivery_retry_base: Duration::from_secs(5),
            delivery_retry_cap: Duration::from_secs(3600),
            portal_url: None,
            portal_token: None,
            smtp_url: None,
            mail_from: "Bo phan Mot cua <motcua@localhost>".into(),
            sms_gateway_url: None,
            sms_gateway_token: None,
        }
    }
}

/// Limits on every GraphQL request (docs/LIMITS.md).
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Deepest nesting of fields (introspection's `ofType` chains excepted).
    #[arg(long, env = "MOTCUA_MAX_DEPTH", default_value_t = 12, global = true)]
    pub max_depth: usize,
    /// Largest query cost: an object costs 1, a list multiplies its selection
    /// by its page size or by how long it can be.
    #[arg(long, env = "MOTCUA_MAX_COMPLEXITY", default_value_t = 10_000, global = true)]
    pub max_complexity: usize,
    /// Most selections in a document once its fragments are expanded.
    #[arg(long, env = "MOTCUA_MAX_SELECTIONS", default_value_t = 2_000, global = true)]
    pub max_selections: usize,
    /// Most values an operation's introspection (`__schema`, `__type`) may produce.
    #[arg(long, env = "MOTCUA_MAX_INTROSPECTION_VALUES", default_value_t = 50_000, global = true)]
    pub max_introspection_values: usize,
    /// Largest response body in bytes.
    #[arg(long, env = "MOTCUA_MAX_RESPONSE_BYTES", default_value_t = 8 << 20, global = true)]
    pub max_response_bytes: usize,
    /// Refuse introspection (`__schema`, `__type`): the playground and code generators then cannot read the schema.
    #[arg(long, env = "MOTCUA_NO_INTROSPECTION", global = true)]
    pub no_introspection: bool,
    /// Most aliased fields in one operation.
    #[arg(long, env = "MOTCUA_MAX_ALIASES", default_value_t = 30, global = true)]
    pub max_aliases: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "MOTCUA_MAX_BATCH", default_value_t = 10, global = true)]
    pub max_batch: usize,
    /// Requests a minute one anonymous address may make (an IPv6 address:
    /// its /64); 0: no limit. Each operation of a batch counts.
    #[arg(long, env = "MOTCUA_REQUESTS_PER_MINUTE_ANONYMOUS", default_value_t = 600, global = true)]
    pub requests_per_minute_anonymous: u32,
    /// Requests a minute one service account may make, unless it has its
    /// own (`setClientLimits`); 0: no limit.
    #[arg(long, env = "MOTCUA_REQUESTS_PER_MINUTE_SERVICE", default_value_t = 1_200, global = true)]
    pub requests_per_minute_service: u32,
    /// Requests a minute one official may make; 0 (the default): no limit.
    #[arg(long, env = "MOTCUA_REQUESTS_PER_MINUTE_OFFICIAL", default_value_t = 0, global = true)]
    pub requests_per_minute_official: u32,
    /// Largest request body in bytes (a multipart request may add its documents to it).
    #[arg(long, env = "MOTCUA_MAX_BODY_BYTES", default_value_t = 1 << 20, global = true)]
    pub max_body_bytes: usize,
    /// Largest document a multipart request may upload, in bytes.
    #[arg(long, env = "MOTCUA_MAX_DOCUMENT_BYTES", default_value_t = 20 << 20, global = true)]
    pub max_document_bytes: usize,
    /// Most documents in one multipart request.
    #[arg(long, env = "MOTCUA_MAX_DOCUMENTS", default_value_t = 20, global = true)]
    pub max_documents: usize,
    /// Longest time a request may take.
    #[arg(long, env = "MOTCUA_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration, global = true)]
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 10_000,
            max_selections: 2_000,
            max_introspection_values: 50_000,
            max_response_bytes: 8 << 20,
            no_introspection: false,
            max_aliases: 30,
            max_batch: 10,
            requests_per_minute_anonymous: 600,
            requests_per_minute_service: 1_200,
            requests_per_minute_official: 0,
            max_body_bytes: 1 << 20,
            max_document_bytes: 20 << 20,
            max_documents: 20,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Four database connections per processor core of this machine, 4 to 32.
/// More connections than the database can run at once only make its
/// processes take turns: on two cores, 8 connections served the commands and
/// the lists faster than 16 (docs/PERFORMANCE.md). A database on a larger
/// machine of its own may want more.
pub fn default_db_pool() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) as u32;
    (4 * cores).clamp(4, 32)
}

impl Settings {
    /// Settings for a server on `data_dir` with every other value at its default;
    /// the test suite starts from here.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            database_url: None,
            db_pool: default_db_pool(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: None,
            jwks_url: None,
            jwt_issuer: None,
            jwt_audience: None,
            demo_dossiers: 5000,
            no_demo: false,
            log: "info,sqlx::postgres::notice=warn".into(),
            otlp_endpoint: None,
            limits: Limits::default(),
            outbox: OutboxSettings::default(),
        }
    }

    /// The database URL in force: the configured one, or the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("motcua.db").display()),
        }
    }
}

/// A setting that must not be printed (a password inside a URL, a signing key).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}
