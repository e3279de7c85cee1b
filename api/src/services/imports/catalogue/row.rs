//! One row of a catalogue file checked: the version it describes, under its
//! publisher and field.

use super::parts;
use super::Known;
use crate::services::administration::catalogue::{DocumentSpec, StepSpec};
use crate::services::imports::rows::{self, Row};
use entity::{agency, procedure, OnlineMode, ProcedureStatus, Tier, TimeUnit};
use uuid::Uuid;

pub(super) use crate::services::imports::rows::Refusal;
use crate::services::imports::rows::{amount, flag, required, text};

/// A version as the file gives it.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub version: procedure::Model,
    pub publisher: agency::Model,
    /// The field's code, and its name when the file names a field the database lacks.
    pub field: (String, Option<String>),
    pub documents: Vec<DocumentSpec>,
    pub steps: Vec<StepSpec>,
    /// Whether the file says when the version ends (blank: as the database has it).
    pub ends_given: bool,
}

fn tier_of(text: &str) -> Option<Tier> {
    Some(match text.trim().to_lowercase().trim_start_matches("cấp ") {
        "province" | "tỉnh" => Tier::Province,
        "district" | "huyện" => Tier::District,
        "commune" | "xã" => Tier::Commune,
        _ => return None,
    })
}

fn online_mode_of(text: &str) -> Option<OnlineMode> {
    Some(match text.trim().to_lowercase().as_str() {
        "full" | "toàn trình" | "trực tuyến toàn trình" => OnlineMode::Full,
        "partial" | "một phần" | "trực tuyến một phần" => OnlineMode::Partial,
        "none" | "không" | "trực tiếp" => OnlineMode::None,
        _ => return None,
    })
}

fn time_unit_of(text: Option<&str>) -> Option<TimeUnit> {
    Some(match text.map(|t| t.trim().to_lowercase()).as_deref() {
        None | Some("working_days" | "ngày làm việc") => TimeUnit::WorkingDays,
        Some("working_hours" | "giờ làm việc" | "giờ") => TimeUnit::WorkingHours,
        Some("calendar_days" | "ngày" | "ngày dương lịch") => TimeUnit::CalendarDays,
        Some(_) => return None,
    })
}

/// A yes or no: `true`/`1`/`x`/`có`, `false`/`0`/`không`; blank is no.
/// The version `row` describes; its publisher must publish its tier.
pub(super) async fn check(
    state: &crate::state::AppState,
    row: &Row,
    known: &mut Known,
) -> crate::error::ApiResult<Result<Entry, Refusal>> {
    let publisher = match row.get("publisher") {
        None => return Ok(Err(("publisher", "`publisher` is required (the publishing unit's code)".into()))),
        Some(code) => match known.agency(state, code).await? {
            Some(publisher) => publisher,
            None => return Ok(Err(("publisher", format!("no unit has the code `{code}` today")))),
        },
    };
    Ok(entry(row, publisher, known))
}

fn entry(row: &Row, publisher: agency::Model, known: &Known) -> Result<Entry, Refusal> {
    let code = required(row, "code")?;
    super::check_code(code).map_err(|e| ("code", e.client_message("-")))?;
    let version = match row.get("version") {
        None => 1,
        Some(v) => v.parse().ok().filter(|v| (1..=999).contains(v)).ok_or(("version", "a number 1 to 999".into()))?,
    };
    let name = text(row, "name", 500)?.ok_or(("name", "`name` is required".to_owned()))?;
    let tier =
        tier_of(required(row, "tier")?).ok_or(("tier", "PROVINCE, DISTRICT or COMMUNE (or cấp tỉnh…)".into()))?;
    if !super::publishes(publisher.kind, tier) {
        return Err(("tier", format!("{} does not publish procedures of the {tier:?} tier", publisher.name)));
    }
    let online_mode = online_mode_of(required(row, "onlineMode")?)
        .ok_or(("onlineMode", "FULL, PARTIAL or NONE (or toàn trình, một phần, trực tiếp)".into()))?;
    let resolution_time = required(row, "resolutionTime")?
        .parse()
        .ok()
        .filter(|t| (1..=3650).contains(t))
        .ok_or(("resolutionTime", "a number 1 to 3650".into()))?;
    let resolution_unit = time_unit_of(row.get("resolutionUnit"))
        .ok_or(("resolutionUnit", "WORKING_DAYS, WORKING_HOURS or CALENDAR_DAYS".into()))?;
    let fee_amount = amount(row.get("fee")).ok_or(("fee", "an amount of đồng, 0 or more".into()))?;
    let day = |column: &'static str| {
        row.get(column).map(|t| rows::day(t).ok_or((column, format!("`{t}` is not a day (YYYY-MM-DD or DD/MM/YYYY)"))))
    };
    let effective_from = day("effectiveFrom").transpose()?;
    let effective_to = day("effectiveTo").transpose()?;
    let decision_number = text(row, "decision", 200)?;
    if effective_from.is_some() && decision_number.is_none() {
        return Err(("decision", "a version in force needs the decision that published it".into()));
    }
    if let (Some(first), Some(last)) = (effective_from, effective_to) {
        if last < first {
            return Err(("effectiveTo", "a version ends after it begins".into()));
        }
    }
    let field_code = required(row, "field")?.to_owned();
    let field_name = text(row, "fieldName", 200)?;
    let field_id = match (known.fields.get(&field_code), &field_name) {
        (Some(id), _) => *id,
        (None, Some(_)) => Uuid::nil(),
        (None, None) => return Err(("field", format!("there is no field `{field_code}`; name it in `fieldName`"))),
    };
    let documents = parts::documents(row.get("documents")).map_err(|e| ("documents", e))?;
    let steps = parts::steps(row.get("steps"), resolution_time, resolution_unit).map_err(|e| ("steps", e))?;
    let model = procedure::Model {
        id: Uuid::now_v7(),
        code: code.to_owned(),
        version,
        name,
        field_id,
        agency_id: publisher.id,
        agency_path: publisher.path.clone(),
        province_code: publisher.province_code.clone(),
        tier,
        online_mode,
        resolution_time,
        resolution_unit,
        fee_amount,
        fee_note: text(row, "feeNote", 1000)?,
        legal_basis: text(row, "legalBasis", 4000)?,
        decision_number,
        effective_from: effective_from.unwrap_or(known.today),
        effective_to,
        published_national: flag(row.get("publishedNational")).ok_or(("publishedNational", yes_or_no()))?,
        is_current: false,
        is_sample: flag(row.get("sample")).ok_or(("sample", yes_or_no()))?,
        created_at: known.now,
        status: if effective_from.is_some() { ProcedureStatus::Published } else { ProcedureStatus::Draft },
    };
    let ends_given = row.get("effectiveTo").is_some();
    Ok(Entry { version: model, publisher, field: (field_code, field_name), documents, steps, ends_given })
}

fn yes_or_no() -> String {
    "true or false (or có, không)".into()
}
