//! The command line: every subcommand and its flags; the settings shared by
//! every command are the server's own ([`api::config::Settings`]).

use api::config::Settings;
use clap::{Parser, Subcommand};
use motcua_seed::DEFAULT_SPAN_DAYS;
use std::time::Duration;

/// motcua: the GraphQL API of Vietnam's one-stop administrative-procedure system.
#[derive(Debug, Parser)]
#[command(name = "motcua", version, about)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) settings: Settings,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve the API: create, migrate and fill the database on first start, then listen.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the demo data (if the database is empty) and add generated dossiers.
    Seed {
        /// How many generated dossiers to add.
        #[arg(long, default_value_t = 0)]
        dossiers: u64,
        /// Over how many days back they are filed (548: 18 months).
        #[arg(long, default_value_t = DEFAULT_SPAN_DAYS)]
        days: u32,
    },
    /// Mint a token for an official or a service account; the token is alone on the last line.
    Token {
        /// The user's name (the token's `sub`).
        #[arg(long)]
        user: String,
        /// How long the token stays valid, e.g. `12h`, `30d`.
        #[arg(long, default_value = "30d", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Import a file (docs/IMPORT.md): CSV, JSON Lines or XLSX; prints the report as JSON.
    Import {
        /// What the file holds: `catalogue`, `agencies`, `officials` or `dossiers`.
        #[arg(value_parser = ["catalogue", "agencies", "officials", "dossiers"])]
        kind: String,
        /// The file.
        file: std::path::PathBuf,
        /// Check everything and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A reorganisation plan (docs/REORGANIZATION.md): `plan FILE` prints its
    /// dry run as JSON, `apply FILE` carries it out and prints what it did.
    Reorganize {
        /// `plan` or `apply`.
        #[arg(value_parser = ["plan", "apply"])]
        action: String,
        /// The plan's JSON file.
        file: std::path::PathBuf,
    },
    /// Measure the read API against the configured database (see docs/PERFORMANCE.md).
    Bench {
        /// Concurrent clients.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Requests in the timed run.
        #[arg(long, default_value_t = 5000)]
        requests: usize,
        /// Page size of the measured `dossiers` query.
        #[arg(long, default_value_t = 100)]
        first: usize,
        /// The user whose token the list requests carry.
        #[arg(long, default_value = "tinh.giamsat")]
        user: String,
        /// What to measure: `list` (a page of dossiers), `intake`
        /// (`receiveDossier` at one commune's desk), `lives` (whole lives,
        /// intake to returned result, 9 commands each), `report` (the
        /// dossier report of `--agency` over `--from`..`--to`), `csv` or
        /// `xlsx` (the same report as a file, `GET /reports/dossier-report.*`),
        /// `webhooks` (intakes heard of by `--webhooks` webhooks, every
        /// delivery awaited: docs/WEBHOOKS.md).
        #[arg(long, default_value = "list")]
        scenario: String,
        /// The webhooks of the `webhooks` scenario.
        #[arg(long, default_value_t = 1000)]
        webhooks: usize,
        /// The agency of the `report`, `csv` and `xlsx` scenarios.
        #[arg(long, default_value = "91")]
        agency: String,
        /// The first day of the `report` scenario's period (default: a year before `--to`).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// The last day of the `report` scenario's period (default: today in Vietnam).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// The grouping of the report: AGENCY, MONTH, PROCEDURE or FIELD.
        #[arg(long, default_value = "AGENCY")]
        group_by: String,
    },
}
