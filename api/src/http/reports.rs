//! `GET /reports/{report}.{csv|xlsx}`: the reports as files, with the
//! arguments of the GraphQL query of the same name — `dossier-report`
//! (`agencyCode`, `from`, `to`, `groupBy`), `service-index` (`agencyCode`,
//! `from`, `to`) and `catalog-stats` (`agencyCode`). The same token, the
//! same rights and the same figures as GraphQL (one entry point in
//! `services::reports`): the file is the GraphQL answer laid out by
//! `crate::export`; an agency the caller may not report on gets the
//! `NOT_FOUND` of a missing one. Errors are JSON bodies with
//! `errors[].extensions.code`, as on `/graphql`.

use super::{percent_encode, with_headers, Caller, HttpState};
use crate::auth::Identity;
use crate::domain::scope::Scope;
use crate::error::ApiError;
use crate::export::{catalog_table, dossier_table, service_index_table, to_csv, to_xlsx, FileFormat, Table};
use crate::services::procedures;
use crate::services::reports::{self, Grouping, Subject};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;

/// The query string: the GraphQL arguments' names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Params {
    agency_code: Option<String>,
    from: Option<String>,
    to: Option<String>,
    group_by: Option<String>,
}

impl Params {
    fn agency_code(&self) -> Result<&str, ApiError> {
        self.agency_code.as_deref().ok_or_else(|| missing("agencyCode"))
    }

    fn period(&self) -> Result<(NaiveDate, NaiveDate), ApiError> {
        Ok((date(self.from.as_deref(), "from")?, date(self.to.as_deref(), "to")?))
    }

    /// The NUL character cannot be stored or looked up on PostgreSQL: refused alike on both databases.
    fn refuse_unstorable_text(&self) -> Result<(), ApiError> {
        let values = [&self.agency_code, &self.from, &self.to, &self.group_by];
        if values.iter().any(|value| value.as_deref().is_some_and(|v| v.contains('\0'))) {
            return Err(ApiError::BadUserInput("an argument holds the NUL character (U+0000): remove it".into()));
        }
        Ok(())
    }
}

impl Subject {
    /// The agency and the period as a file name says them.
    fn file_name(&self) -> String {
        format!("{}_{}_{}", self.agency.code, self.period.from, self.period.to)
    }
}

/// A report made into a file.
struct File {
    name: String,
    format: FileFormat,
    content: Vec<u8>,
}

/// `GET /reports/{file}`.
pub(super) async fn download(
    State(state): State<Arc<HttpState>>,
    Caller(identity): Caller,
    Path(file): Path<String>,
    params: Result<Query<Params>, QueryRejection>,
) -> Response {
    let started = Instant::now();
    let produced = tokio::time::timeout(state.limits.request_timeout, produce(&state, identity, &file, params)).await;
    metrics::histogram!("motcua_export_request_seconds").record(started.elapsed().as_secs_f64());
    match produced {
        Ok(Ok(file)) => file_response(file),
        Ok(Err(error)) => error.into_response(),
        Err(_) => ApiError::timed_out(format!(
            "the export took longer than {}",
            humantime::format_duration(state.limits.request_timeout)
        ))
        .into_response(),
    }
}

fn file_response(file: File) -> Response {
    // `filename` for tools that read only it (curl -J), `filename*` for browsers.
    let name = format!("{}.{}", percent_encode(&file.name), file.format.extension());
    with_headers(
        file.content.into_response(),
        [
            (header::CONTENT_TYPE, file.format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"; filename*=UTF-8''{name}")),
            (header::CACHE_CONTROL, "private, no-store".into()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        ],
    )
}

const REPORTS: &str = "dossier-report, service-index or catalog-stats, as .csv or .xlsx";

async fn produce(
    state: &HttpState,
    identity: Identity,
    file: &str,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<File, ApiError> {
    let not_found = || ApiError::NotFound(format!("no report `{file}`: the reports are {REPORTS}"));
    let (report, format) = match file.rsplit_once('.') {
        Some((report, "csv")) => (report, FileFormat::Csv),
        Some((report, "xlsx")) => (report, FileFormat::Xlsx),
        _ => return Err(not_found()),
    };
    if !matches!(report, "dossier-report" | "service-index" | "catalog-stats") {
        return Err(not_found());
    }
    let Query(params) = params.map_err(|rejection| ApiError::BadUserInput(rejection.body_text()))?;
    params.refuse_unstorable_text()?;
    let (table, name) = match report {
        "catalog-stats" => catalog_file(state, &params).await?,
        reporting => {
            let Identity::User(viewer) = identity else {
                return Err(ApiError::Unauthenticated("sign in to export reports".into()));
            };
            let scope = state.app.authz.scope(&viewer.username, "report", "read").await;
            if reporting == "service-index" {
                index_file(state, &scope, &params).await?
            } else {
                report_file(state, &scope, &params).await?
            }
        }
    };
    let content = match format {
        FileFormat::Csv => to_csv(&table)?,
        FileFormat::Xlsx => {
            tokio::task::spawn_blocking(move || to_xlsx(&table)).await.map_err(ApiError::internal)??
        }
    };
    Ok(File { name, format, content })
}

/// `catalog-stats`: public, like the catalogue.
async fn catalog_file(state: &HttpState, params: &Params) -> Result<(Table, String), ApiError> {
    for (value, name) in [(&params.from, "from"), (&params.to, "to"), (&params.group_by, "groupBy")] {
        refuse(value, name, "catalog-stats")?;
    }
    let db = &state.app.db;
    let agency = crate::services::agencies::require_by_code(db, params.agency_code()?, |_| true).await?;
    let today = crate::services::tally::vietnam_day(state.app.clock.now());
    let counts = procedures::catalog_counts(db, &agency, today).await?;
    let ids: Vec<uuid::Uuid> = counts.by_field().into_iter().map(|(id, _)| id).collect();
    let fields = procedures::fields_by_ids(db, &ids).await?.into_iter().map(|f| (f.id, f)).collect();
    let table = catalog_table(&agency, &counts, &fields, state.app.clock.now());
    Ok((table, format!("thong-ke-tthc_{}", agency.code)))
}

/// `service-index`, through the same entry point as `serviceIndex`.
async fn index_file(state: &HttpState, scope: &Scope, params: &Params) -> Result<(Table, String), ApiError> {
    refuse(&params.group_by, "groupBy", "service-index")?;
    let now = state.app.clock.now();
    let (subject, index) = reports::service_index_of(
        &state.app.db,
        (&state.app.authz.lineage(), scope),
        params.agency_code()?,
        params.period()?,
        now,
    )
    .await?;
    let name = format!("chi-so-phuc-vu_{}", subject.file_name());
    Ok((service_index_table(&subject.agency, subject.period, now, &index), name))
}

/// `dossier-report`, through the same entry point as `dossierReport`.
async fn report_file(state: &HttpState, scope: &Scope, params: &Params) -> Result<(Table, String), ApiError> {
    let grouping = params.group_by.as_deref().map(str::parse).transpose()?.unwrap_or(Grouping::Agency);
    let now = state.app.clock.now();
    let (subject, report) = reports::dossier_report_of(
        &state.app.db,
        (&state.app.authz.lineage(), scope),
        params.agency_code()?,
        params.period()?,
        grouping,
        now,
    )
    .await?;
    let by = match grouping {
        Grouping::Agency => "theo-don-vi",
        Grouping::Month => "theo-thang",
        Grouping::Procedure => "theo-thu-tuc",
        Grouping::Field => "theo-linh-vuc",
    };
    let name = format!("bao-cao-II.06a_{}_{by}", subject.file_name());
    Ok((dossier_table(&subject.agency, subject.period, grouping, &report), name))
}

fn missing(name: &str) -> ApiError {
    ApiError::BadUserInput(format!("the query string needs `{name}`"))
}

fn refuse(value: &Option<String>, name: &str, report: &str) -> Result<(), ApiError> {
    match value {
        Some(_) => Err(ApiError::BadUserInput(format!("`{name}` is not an argument of {report}"))),
        None => Ok(()),
    }
}

fn date(value: Option<&str>, name: &str) -> Result<NaiveDate, ApiError> {
    let value = value.ok_or_else(|| missing(name))?;
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ApiError::BadUserInput(format!("`{name}`: `{value}` is not a day written YYYY-MM-DD")))
}
