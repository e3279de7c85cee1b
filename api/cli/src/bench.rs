//! `motcua bench`: runs the real server against the configured database and
//! measures the dossier list: SQL statements per request (for several page
//! sizes, to show the count is constant), and p50/p99 latency and requests/s
//! under concurrent clients. Figures go to docs/PERFORMANCE.md.

use anyhow::Context;
use api::config::Settings;
use api::Application;
use sea_orm::ConnectionTrait;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The measured request: a page of dossiers with procedure, agency and assignee.
pub(crate) fn dossier_page_query(first: usize) -> String {
    format!(
        "{{ dossiers(first: {first}) {{ edges {{ node {{ code status receivedAt dueAt overdue \
         procedure {{ code name }} agency {{ code name }} assignee {{ username displayName }} }} }} \
         pageInfo {{ hasNextPage endCursor }} }} }}"
    )
}

/// Whether a GraphQL response body holds errors, found without parsing it:
/// the clients share the machine's two cores with the server, and parsing
/// is their main cost.
fn reports_errors(body: &[u8]) -> bool {
    body.windows(9).any(|w| w == b"\"errors\":")
}

/// The `data` of a GraphQL response body.
pub(crate) fn data_of(body: &[u8]) -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::from_slice::<serde_json::Value>(body)?["data"].take())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The measured report request: the dossier report of `agency` over the
/// days `from..=to`, grouped by `group_by`, every column of every row.
pub(crate) fn report_query(agency: &str, from: &str, to: &str, group_by: &str) -> String {
    format!(
        "{{ dossierReport(agencyCode: \"{agency}\", from: \"{from}\", to: \"{to}\", groupBy: {group_by}) {{ \
         rows {{ label carriedOver received receivedOnline receivedDirect receivedPostal totalToResolve \
         resolvedEarly resolvedOnTime resolvedLate resolved pendingWithinDeadline pendingOverdue pending \
         withdrawn refused stopped }} total {{ totalToResolve resolved pending }} }} }}"
    )
}

/// A request measured on its own.
#[derive(Debug, Clone)]
pub(crate) enum Measured {
    /// A GraphQL query.
    Query(String),
    /// A `GET` of this path (a report as a file).
    Get(String),
}

/// Runs the benchmark and prints the figures: of `measured` when given,
/// else of a page of dossiers (with the statements a page sends).
pub(crate) async fn run(
    settings: &Settings,
    concurrency: usize,
    requests: usize,
    first: usize,
    user: &str,
    measured: Option<Measured>,
) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let application = Application::build(&settings, &motcua_seed::Demo::Today).await?;
    let address = application.address();
    let token = application.mint_token(user, Duration::from_secs(3600))?;
    let statements = application.statements();
    let dossier_count: u64 = {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::dossier::Entity::find().count(application.db()).await?
    };
    let backend = format!("{:?}", application.db().get_database_backend());
    tokio::spawn(application.run_until(std::future::pending()));

    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let measured = match measured {
        Some(Measured::Get(path)) => {
            let url = format!("http://{address}{path}");
            return get(client, url, token, concurrency, requests, &backend, dossier_count).await;
        }
        Some(Measured::Query(query)) => Some(query),
        None => None,
    };
    let graphql = Graphql { client, url: format!("http://{address}/graphql"), token };
    println!("database: {backend}, {dossier_count} dossiers; user {user}");
    match measured {
        Some(query) => measure_query(&graphql, query, concurrency, requests).await,
        None => {
            print_statements_per_page(&graphql, &statements, first).await?;
            let query = Arc::new(dossier_page_query(first));
            let timing = warmed_and_timed(concurrency, requests, concurrency.max(50), move || {
                let (query, graphql) = (query.clone(), graphql.clone());
                async move { graphql.send(query.to_string()).await.map(drop) }
            })
            .await?;
            println!("dossiers(first: {first}) at {concurrency} concurrent clients: {timing}");
            Ok(())
        }
    }
}

/// A client of the server's `/graphql`, as one user.
#[derive(Clone)]
struct Graphql {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Graphql {
    /// Sends `query` and returns the raw body, checked for errors without
    /// being parsed: the clients share the machine's two cores with the
    /// server, and parsing is their main cost.
    async fn send(&self, query: String) -> anyhow::Result<bytes::Bytes> {
        let body = serde_json::json!({ "query": query });
        let response = self.client.post(&self.url).bearer_auth(&self.token).json(&body).send().await?;
        anyhow::ensure!(response.status().is_success(), "the request failed: {}", response.status());
        let body = response.bytes().await?;
        anyhow::ensure!(!reports_errors(&body), "the request failed: {}", String::from_utf8_lossy(&body));
        Ok(body)
    }
}

/// Times `query` (a report) at `concurrency` clients.
async fn measure_query(graphql: &Graphql, query: String, concurrency: usize, requests: usize) -> anyhow::Result<()> {
    let sample = data_of(&graphql.send(query.clone()).await?)?;
    let rows = sample["dossierReport"]["rows"].as_array().map_or(0, Vec::len);
    println!("the measured request ({rows} rows): {query}");
    let (query, graphql) = (Arc::new(query), graphql.clone());
    let timing = warmed_and_timed(concurrency, requests, concurrency.max(20), move || {
        let (query, graphql) = (query.clone(), graphql.clone());
        async move { graphql.send(query.to_string()).await.map(drop) }
    })
    .await?;
    println!("at {concurrency} concurrent clients: {timing}");
    Ok(())
}

/// How many SQL statements a page of dossiers sends, for a few page sizes.
async fn print_statements_per_page(
    graphql: &Graphql,
    statements: &api::db::StatementCounter,
    first: usize,
) -> anyhow::Result<()> {
    println!("SQL statements per request (sent one at a time):");
    for page in [1, 20, first] {
        let query = dossier_page_query(page);
        graphql.send(query.clone()).await?;
        let before = statements.get();
        let body: serde_json::Value = serde_json::from_slice(&graphql.send(query).await?)?;
        let rows = body["data"]["dossiers"]["edges"].as_array().map_or(0, Vec::len);
        println!(
            "  dossiers(first: {page:>3}) with procedure, agency, assignee: {} statements ({rows} rows)",
            statements.get() - before
        );
    }
    Ok(())
}

/// Measures `GET url`, a file: its size, then the latencies.
async fn get(
    client: reqwest::Client,
    url: String,
    token: String,
    concurrency: usize,
    requests: usize,
    backend: &str,
    dossier_count: u64,
) -> anyhow::Result<()> {
    println!("database: {backend}, {dossier_count} dossiers; GET {url}");
    let fetch = move || {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move {
            let response = client.get(&url).bearer_auth(&token).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            anyhow::ensure!(status.is_success(), "the request failed: {status} {}", String::from_utf8_lossy(&body));
            Ok::<_, anyhow::Error>(body)
        }
    };
    println!("the measured file: {} bytes", fetch().await?.len());
    let timing = warmed_and_timed(concurrency, requests, concurrency.max(20), move || {
        let fetch = fetch.clone();
        async move { fetch().await.map(drop) }
    })
    .await?;
    println!("at {concurrency} concurrent clients: {timing}");
    Ok(())
}

/// Latencies of a timed run, how long it took and the processor time it used.
pub(crate) struct Timing {
    latencies: Vec<Duration>,
    elapsed: Duration,
    cpu: Option<CpuUse>,
}

/// Processor time (user + system) spent during a run, by this process (the
/// server and its clients) and by every PostgreSQL process on the machine.
/// On a shared machine whose other tenants take time away, throughput moves
/// from run to run; the processor time an operation costs moves much less,
/// so comparisons read it. Linux only (`/proc`).
#[derive(Debug, Clone, Copy)]
struct CpuUse {
    this_process: Duration,
    postgres: Duration,
}

impl CpuUse {
    fn now() -> Option<Self> {
        let this_process = process_cpu(std::path::Path::new("/proc/self/stat"))?;
        let mut postgres = Duration::ZERO;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let stat = entry.path().join("stat");
            if std::fs::read_to_string(entry.path().join("comm")).is_ok_and(|comm| comm.trim() == "postgres") {
                postgres += process_cpu(&stat).unwrap_or_default();
            }
        }
        Some(Self { this_process, postgres })
    }

    fn since(self, start: Self) -> Self {
        Self {
            this_process: self.this_process.saturating_sub(start.this_process),
            postgres: self.postgres.saturating_sub(start.postgres),
        }
    }
}

/// A process's user + system time from its `/proc/<pid>/stat` (clock ticks of 10 ms).
fn process_cpu(stat: &std::path::Path) -> Option<Duration> {
    let text = std::fs::read_to_string(stat).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} in {:.2} s — {:.0}/s, p50 {:.2} ms, p99 {:.2} ms",
            self.latencies.len(),
            self.elapsed.as_secs_f64(),
            self.latencies.len() as f64 / self.elapsed.as_secs_f64(),
            percentile(&self.latencies, 50.0).as_secs_f64() * 1000.0,
            percentile(&self.latencies, 99.0).as_secs_f64() * 1000.0,
        )?;
        if let Some(cpu) = self.cpu {
            let per = |time: Duration| time.as_secs_f64() * 1000.0 / self.latencies.len().max(1) as f64;
            write!(
                f,
                "; processor time per operation: motcua (server and clients) {:.2} ms, PostgreSQL {:.2} ms",
                per(cpu.this_process),
                per(cpu.postgres)
            )?;
        }
        Ok(())
    }
}

/// Runs `operation` `requests` times (rounded up to a multiple of
/// `concurrency`) from `concurrency` clients at once, each timed; the
/// operation gets its running number.
/// `warmups` calls of `operation` one after another, then [`timed`].
async fn warmed_and_timed<F, Fut>(
    concurrency: usize,
    requests: usize,
    warmups: usize,
    operation: F,
) -> anyhow::Result<Timing>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    for _ in 0..warmups {
        operation().await.context("warming up")?;
    }
    timed(concurrency, requests, move |_| operation()).await
}

async fn timed<F, Fut>(concurrency: usize, requests: usize, operation: F) -> anyhow::Result<Timing>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let cpu_before = CpuUse::now();
    let started = Instant::now();
    let per_client = requests.div_ceil(concurrency);
    let mut tasks = Vec::new();
    for client in 0..concurrency {
        let operation = operation.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for n in 0..per_client {
                let began = Instant::now();
                operation(client * per_client + n).await?;
                latencies.push(began.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    let cpu = cpu_before.zip(CpuUse::now()).map(|(before, after)| after.since(before));
    latencies.sort();
    Ok(Timing { latencies, elapsed, cpu })
}

/// Measures the commands: `receiveDossier` at one commune's desk (all clients
/// contend for the same daily code sequence), or whole lives — receive,
/// assign, request and supply a supplement, request and confirm a payment,
/// complete the step, resolve, return: 9 commands.
pub(crate) async fn commands(
    settings: &Settings,
    concurrency: usize,
    requests: usize,
    lives: bool,
) -> anyhow::Result<()> {
    let started = Started::serve(settings, lives).await?;
    let timing = started.time_lives(concurrency, requests).await?;
    let what = if lives { "whole lives (9 commands each)" } else { "receiveDossier at one desk" };
    println!("database: {}; {what} at {concurrency} concurrent clients: {timing}", started.backend);
    Ok(())
}

/// A server serving the demo, with what the commands' bench needs.
pub(crate) struct Started {
    pub(crate) life: Arc<Life>,
    pub(crate) backend: String,
    pub(crate) db: sea_orm::DatabaseConnection,
    /// `tinh.quantri`'s `Authorization`.
    pub(crate) admin: reqwest::header::HeaderValue,
}

impl Started {
    /// Serves the demo with `settings` on a free port.
    pub(crate) async fn serve(settings: &Settings, lives: bool) -> anyhow::Result<Self> {
        let mut settings = settings.clone();
        settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let application = Application::build(&settings, &motcua_seed::Demo::Today).await?;
        let address = application.address();
        let hour = Duration::from_secs(3600);
        let bearer = |user: &str| -> anyhow::Result<reqwest::header::HeaderValue> {
            let token = application.mint_token(user, hour)?;
            Ok(reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))?)
        };
        let (desk, specialist, leader) =
            (bearer("vinhthanh.motcua")?, bearer("vinhthanh.chuyenvien")?, bearer("vinhthanh.lanhdao")?);
        let admin = bearer("tinh.quantri")?;
        let backend = format!("{:?}", application.db().get_database_backend());
        let db = application.db().clone();
        tokio::spawn(application.run_until(std::future::pending()));

        let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
        // Parsed and formatted once: the clients share the two cores with the server.
        let caller = Caller { client, url: reqwest::Url::parse(&format!("http://{address}/graphql"))? };
        let procedures = data_of(
            &caller
                .call(
                    &desk,
                    "{ procedures(filter: { agencyCode: \"30733\" }, first: 1) { edges { node { id } } } }",
                    serde_json::json!({}),
                )
                .await?,
        )?;
        let procedure = procedures["procedures"]["edges"][0]["node"]["id"].clone();
        let me = data_of(&caller.call(&specialist, "{ me { user { id } } }", serde_json::json!({})).await?)?;
        let life = Arc::new(Life {
            caller,
            desk,
            specialist,
            leader,
            procedure,
            specialist_id: me["me"]["user"]["id"].clone(),
            lives,
        });
        Ok(Self { life, backend, db, admin })
    }

    /// Times `requests` lives (or intakes) at `concurrency` clients, after a warm-up.
    pub(crate) async fn time_lives(&self, concurrency: usize, requests: usize) -> anyhow::Result<Timing> {
        let life = self.life.clone();
        let one = move |round: usize| {
            let life = life.clone();
            async move { life.run(round).await }
        };
        for round in 0..concurrency.min(20) {
            one(round).await.context("warming up")?;
        }
        timed(concurrency, requests, one).await
    }
}

/// Posts GraphQL requests with a given `Authorization`.
pub(crate) struct Caller {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl Caller {
    pub(crate) async fn call(
        &self,
        authorization: &reqwest::header::HeaderValue,
        query: &str,
        variables: serde_json::Value,
    ) -> anyhow::Result<bytes::Bytes> {
        let body = serde_json::to_vec(&serde_json::json!({ "query": query, "variables": variables }))?;
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        anyhow::ensure!(response.status().is_success(), "the request failed: {}", response.status());
        let body = response.bytes().await?;
        anyhow::ensure!(!reports_errors(&body), "the request failed: {}", String::from_utf8_lossy(&body));
        Ok(body)
    }
}

/// One dossier's life at Vĩnh Thanh, as the bench runs it.
pub(crate) struct Life {
    pub(crate) caller: Caller,
    desk: reqwest::header::HeaderValue,
    specialist: reqwest::header::HeaderValue,
    leader: reqwest::header::HeaderValue,
    procedure: serde_json::Value,
    specialist_id: serde_json::Value,
    /// Whole lives, or the intake only.
    lives: bool,
}

impl Life {
    async fn run(&self, round: usize) -> anyhow::Result<()> {
        const RECEIVE: &str =
            "mutation($i: ReceiveDossierInput!) { receiveDossier(input: $i) { dossier { id code } } }";
        const ASSIGN: &str = "mutation($i: AssignDossierInput!) { assignDossier(input: $i) { dossier { version } } }";
        const SUPPLEMENT: &str =
            "mutation($i: RequestSupplementInput!) { requestSupplement(input: $i) { dossier { version } } }";
        const SUPPLY: &str =
            "mutation($i: SupplyDocumentsInput!) { supplyDocuments(input: $i) { dossier { version } } }";
        const PAYMENT: &str =
            "mutation($i: RequestPaymentInput!) { requestPayment(input: $i) { dossier { version } } }";
        const PAID: &str = "mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { dossier { version } } }";
        const STEP: &str = "mutation($i: CompleteStepInput!) { completeStep(input: $i) { dossier { version } } }";
        const RESOLVE: &str =
            "mutation($i: ResolveDossierInput!) { resolveDossier(input: $i) { dossier { version } } }";
        const RETURN: &str = "mutation($i: ReturnResultInput!) { returnResult(input: $i) { dossier { status } } }";
        let (caller, desk, specialist, leader) = (&self.caller, &self.desk, &self.specialist, &self.leader);
        let applicant = serde_json::json!({
            "name": "Nguyễn Văn Bench", "idNumber": "091200000001", "phone": "0912000001", "address": "Rạch Giá",
        });
        let input = serde_json::json!({ "i": { "procedureId": self.procedure, "applicant": applicant } });
        let received = caller.call(desk, RECEIVE, input).await?;
        if !self.lives {
            return Ok(());
        }
        let id = data_of(&received)?["receiveDossier"]["dossier"]["id"].take();
        let i = |extra: serde_json::Value| {
            let mut input = serde_json::json!({ "dossierId": id });
            if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
                input.extend(extra.clone());
            }
            serde_json::json!({ "i": input })
        };
        caller.call(leader, ASSIGN, i(serde_json::json!({ "assigneeId": self.specialist_id }))).await?;
        let missing = serde_json::json!({ "reason": "Thiếu", "missingDocuments": ["Tờ khai"], "daysAllowed": 5 });
        caller.call(specialist, SUPPLEMENT, i(missing)).await?;
        caller.call(desk, SUPPLY, i(serde_json::json!({}))).await?;
        caller.call(specialist, PAYMENT, i(serde_json::json!({ "amount": 50000 }))).await?;
        caller.call(desk, PAID, i(serde_json::json!({ "method": "DIRECT" }))).await?;
        caller.call(specialist, STEP, i(serde_json::json!({}))).await?;
        caller.call(leader, RESOLVE, i(serde_json::json!({ "resultNumber": format!("{round}/GCN") }))).await?;
        caller.call(desk, RETURN, i(serde_json::json!({}))).await?;
        Ok(())
    }
}
