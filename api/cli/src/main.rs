//! The `motcua` command: parses the command line and hands over to the library.

use api::{app, db, Application};
use cli::{Cli, Command};
use motcua_seed as seed;

mod bench;
mod bench_webhooks;
mod cli;
use clap::Parser;
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = cli.settings;
    let _telemetry = api::telemetry::init(&settings)?;
    match cli.command {
        Command::Serve => serve(&settings).await,
        Command::Migrate => {
            let (connection, _) = db::connect(&settings).await?;
            db::migrate(&connection).await?;
            println!("migrated");
            Ok(())
        }
        Command::Seed { dossiers, days } => {
            // The demo without dossiers when the database is empty, then `dossiers` over the last `days`.
            let state =
                Application::offline(&api::config::Settings { demo_dossiers: 0, ..settings }, &seed::Demo::Today)
                    .await?;
            if dossiers > 0 {
                let report =
                    seed::dossiers::generate(&state.db, dossiers, seed::Stretch::last_days(days), true).await?;
                println!("{report}");
            }
            Ok(())
        }
        Command::Token { user, ttl } => {
            let authenticator = api::Authenticator::from_settings(&settings).await?;
            let (connection, _) = db::connect(&settings).await?;
            if !seed::official_exists(&connection, &user).await? {
                eprintln!(
                    "warning: `{user}` is not an official in this database; the token will be refused until it is"
                );
            }
            println!("token for {user}, valid for {}:", humantime::format_duration(ttl));
            println!("{}", authenticator.mint(&user, ttl)?);
            Ok(())
        }
        Command::Schema => {
            print!("{}", api::sdl());
            Ok(())
        }
        Command::Import { kind, file, dry_run } if kind == "dossiers" => {
            print_json(&import_dossiers(&settings, &file, dry_run).await?)
        }
        Command::Import { kind, file, dry_run } => {
            let (state, name, text) = offline_with(&settings, &file).await?;
            print_json(&api::import(&state, &kind, &name, &text, dry_run).await?)
        }
        Command::Reorganize { action, file } => {
            let (state, _, text) = offline_with(&settings, &file).await?;
            print_json(&api::reorganize(&state, &text, action == "apply").await?)
        }
        Command::Bench { concurrency, requests, first, user, scenario, agency, from, to, group_by, webhooks } => {
            match scenario.as_str() {
                "list" => bench::run(&settings, concurrency, requests, first, &user, None).await,
                "report" | "csv" | "xlsx" => {
                    let to = to.unwrap_or_else(|| api::tally::vietnam_day(chrono::Utc::now()));
                    let from = from.unwrap_or_else(|| to - chrono::Days::new(364));
                    let measured = match scenario.as_str() {
                        "report" => bench::Measured::Query(bench::report_query(
                            &agency,
                            &from.to_string(),
                            &to.to_string(),
                            &group_by,
                        )),
                        extension => bench::Measured::Get(format!(
                            "/reports/dossier-report.{extension}?agencyCode={agency}&from={from}&to={to}&groupBy={group_by}"
                        )),
                    };
                    bench::run(&settings, concurrency, requests, first, &user, Some(measured)).await
                }
                "intake" | "lives" => bench::commands(&settings, concurrency, requests, scenario == "lives").await,
                "webhooks" => bench_webhooks::run(&settings, concurrency, requests, webhooks).await,
                other => {
                    anyhow::bail!("unknown scenario `{other}`: list, intake, lives, report, csv, xlsx or webhooks")
                }
            }
        }
    }
}

/// The state over the configured database, and the file's name and bytes: what a tool works on.
async fn offline_with(
    settings: &api::config::Settings,
    file: &std::path::Path,
) -> anyhow::Result<(std::sync::Arc<api::AppState>, String, Vec<u8>)> {
    let text = std::fs::read(file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok((Application::offline(settings, &seed::Demo::Today).await?, name, text))
}

/// `motcua import dossiers FILE`: the file streamed, a progress bar on
/// standard error (bytes read, dossiers, rate).
async fn import_dossiers(
    settings: &api::config::Settings,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<serde_json::Value> {
    let opened = std::fs::File::open(file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let state = Application::offline(settings, &seed::Demo::Today).await?;
    let size = opened.metadata()?.len();
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg} eta {eta}")
            .expect("a valid template"),
    );
    let started = std::time::Instant::now();
    let reader = std::io::BufReader::with_capacity(1 << 20, bar.wrap_read(opened));
    let progress = |rows: usize| {
        let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!("{rows} rows, {rate:.0}/s"));
    };
    let report = api::import_dossiers(&state, (&name, reader, size), dry_run, &progress).await;
    bar.finish_and_clear();
    eprintln!("read in {:.1} s", started.elapsed().as_secs_f64());
    report
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `motcua serve`: the server, and the demo officials' tokens to paste.
async fn serve(settings: &api::config::Settings) -> anyhow::Result<()> {
    let application = Application::build(settings, &seed::Demo::Today).await?;
    let base = format!("http://{}", application.address());
    println!("motcua is serving {base}/graphql — playground: {base}/");
    println!("Tokens of the demo officials (valid 30 days; paste as `Authorization: Bearer <token>`):");
    for user in seed::demo_officials().iter().map(|o| o.username.as_str()) {
        if seed::official_exists(application.db(), user).await? {
            println!("  {user:<22} {}", application.mint_token(user, Duration::from_secs(30 * 86_400))?);
        }
    }
    application.run_until(app::shutdown_signal()).await
}
