//! Building and running the server.

use crate::auth::{Authenticator, Authz};
use crate::config::Settings;
use crate::db::{self, StatementCounter};
use crate::http::{self, HttpState};
use crate::services::documents::DocumentStore;
use crate::state::AppState;
use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What fills an empty database on first start — the demo data of the
/// `motcua-seed` crate: the server itself holds no data of its own.
pub trait Demo: Sync {
    /// Fills the empty, migrated database behind `state`, with `dossiers`
    /// generated dossiers — through the server's own importers and commands,
    /// as an operator would.
    fn load<'a>(&'a self, state: &'a AppState, dossiers: u64)
        -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;

    /// The logins and roles of the demo officials, whom the playground offers
    /// a token for while every one of them is an active official.
    fn officials(&self) -> Vec<(&str, &str)>;
}

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    state: Arc<HttpState>,
    statements: StatementCounter,
}

impl Application {
    /// Connects, migrates, loads `demo` into an empty database (unless
    /// disabled), loads the casbin rules and binds the listening socket (port 0
    /// picks a free port).
    pub async fn build(settings: &Settings, demo: &dyn Demo) -> anyhow::Result<Self> {
        // Installed first, so that the statements of the start count too.
        http::prometheus();
        let (db, statements) = db::connect(settings).await?;
        let app = Self::filled(settings, db, demo).await?;
        crate::services::outbox::spawn_delivering(&app);
        let listener =
            TcpListener::bind(settings.listen).await.with_context(|| format!("listening on {}", settings.listen))?;
        let address = listener.local_addr()?;
        let state = Self::http_state(settings, app, demo).await?;
        Ok(Self { listener, address, state, statements })
    }

    /// The shared state over the configured database, migrated (and filled
    /// with `demo` when empty), without listening: for the command line's tools.
    pub async fn offline(settings: &Settings, demo: &dyn Demo) -> anyhow::Result<Arc<AppState>> {
        let (db, _) = db::connect(settings).await?;
        Self::filled(settings, db, demo).await
    }

    /// The shared state over `db`, migrated, and filled with `demo` when it
    /// holds no agency yet (unless disabled).
    async fn filled(settings: &Settings, db: DatabaseConnection, demo: &dyn Demo) -> anyhow::Result<Arc<AppState>> {
        db::migrate(&db).await?;
        let empty = !settings.no_demo && crate::services::agencies::none_yet(&db).await?;
        let app = Self::app_state(settings, db).await?;
        if empty {
            tracing::info!(dossiers = settings.demo_dossiers, "loading the demo data into the empty database");
            demo.load(&app, settings.demo_dossiers).await?;
            // The generated dossiers were written beside the commands: read everything again.
            app.authz.reload(&app.db).await?;
            app.list_bounds
                .refresh(&app.db)
                .await
                .map_err(|error| anyhow::anyhow!("reading the list bounds: {error:?}"))?;
            app.list_bounds.note_rules(&app.authz).await;
        }
        Ok(app)
    }

    /// The shared state over an open, migrated database.
    async fn app_state(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<Arc<AppState>> {
        let authz = Authz::load(&db, crate::auth::authz::POLICY).await?;
        let authenticator = Arc::new(Authenticator::from_settings(settings).await?);
        let backend = db.get_database_backend();
        let recent = Arc::new(crate::services::recent::RecentDossiers::default());
        let events = Arc::new(crate::services::events::EventBus::new(backend, recent.clone()));
        events.start(settings.database_url(), db.clone()).await;
        let app = Arc::new(AppState {
            db,
            authz,
            clock: Default::default(),
            calendars: Default::default(),
            procedures: Default::default(),
            agencies: Default::default(),
            officials: Default::default(),
            numbers: Default::default(),
            events: events.clone(),
            recent,
            sqlite_writer: crate::db::sqlite_writer(settings).await?,
            tracking: Default::default(),
            token_failures: crate::services::oauth::failures_limiter(),
            documents: DocumentStore::new(&settings.data_dir),
            list_bounds: Default::default(),
            authenticator: authenticator.clone(),
            signed_out: Default::default(),
            outbox: crate::services::outbox::Outbox::new(settings)?,
        });
        crate::services::announcements::start_listening(&app, settings.database_url()).await;
        app.list_bounds
            .refresh(&app.db)
            .await
            .map_err(|error| anyhow::anyhow!("reading the list bounds: {error:?}"))?;
        app.list_bounds.note_rules(&app.authz).await;
        crate::services::list_bounds::spawn_refreshing(Arc::downgrade(&app));
        crate::services::tally::spawn_folding(Arc::downgrade(&app), std::time::Duration::from_secs(1));
        crate::services::gauges::spawn_sampling(Arc::downgrade(&app));
        Ok(app)
    }

    /// What the HTTP handlers share: the schema over `app`, and the demo
    /// officials the playground offers.
    async fn http_state(settings: &Settings, app: Arc<AppState>, demo: &dyn Demo) -> anyhow::Result<Arc<HttpState>> {
        let authenticator = app.authenticator.clone();
        let parsed = Arc::new(crate::graphql::parsed::ParsedOperations::default());
        let schema = crate::graphql::build_schema(Some(app.clone()), &settings.limits, parsed.clone());
        let demo_officials = match settings.no_demo {
            true => Vec::new(),
            false => crate::services::officials::all_present(&app.db, &demo.officials())
                .await
                .map_err(|error| anyhow::anyhow!("reading the demo officials: {error:?}"))?
                .into_iter()
                .map(|((username, role), agency)| http::DemoOfficial {
                    username: username.to_owned(),
                    role: role.to_owned(),
                    agency,
                })
                .collect(),
        };
        let state = Arc::new(HttpState {
            schema,
            app,
            authenticator,
            limits: settings.limits.clone(),
            parsed,
            demo_officials,
            quotas: Default::default(),
            persisted: Default::default(),
            operations: Default::default(),
        });
        // The quotas forget the clients idle for a minute (a flood of addresses lasts a minute).
        let weak = Arc::downgrade(&state);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                let Some(state) = weak.upgrade() else { return };
                state.quotas.forget_idle();
            }
        });
        Ok(state)
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.app.db
    }

    /// The shared state (tests fix its clock to receive a dossier on a given day).
    pub fn shared(&self) -> Arc<AppState> {
        self.state.app.clone()
    }

    /// SQL statements sent so far through this server's connection.
    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// A token for `user`, exactly as `motcua token` mints it.
    pub fn mint_token(&self, user: &str, ttl: Duration) -> anyhow::Result<String> {
        self.state.authenticator.mint(user, ttl)
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let router = http::router(self.state);
        axum::serve(self.listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
            .context("serving HTTP")
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(?error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(?error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
