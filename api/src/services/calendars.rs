//! Each province's working-day calendar — the holiday table (nationwide
//! entries and the province's own) and its office hours — loaded once and
//! kept until an admin edits it, or for a minute at most, so that an edit on
//! another server instance is seen soon.

use super::announcements::Announcement;
use super::remembered::Remembered;
use super::writes::{self, Unit, Write};
use crate::domain::calendar::{OfficeHours, WorkingCalendar};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveTime;
use entity::{holiday, office_hours, HolidayKind};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryTrait};
use std::sync::Arc;
use std::time::Duration;

/// How long a loaded calendar is trusted without an edit seen here.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// The loaded calendars, by province code.
#[derive(Debug)]
pub struct Calendars(Remembered<String, WorkingCalendar>);

impl Default for Calendars {
    fn default() -> Self {
        Self(Remembered::new(FRESH_FOR, 1_000))
    }
}

impl Calendars {
    /// The calendar of `province`.
    pub async fn of(&self, db: &DatabaseConnection, province: &str) -> ApiResult<Arc<WorkingCalendar>> {
        let calendar = self.0.get(&province.to_owned(), || async { load(db, province).await.map(Some) }).await?;
        calendar.ok_or_else(|| ApiError::internal("a calendar loaded as nothing"))
    }

    /// Forgets every loaded calendar (after an edit).
    pub async fn forget(&self) {
        self.0.forget().await;
    }
}

async fn load(db: &DatabaseConnection, province: &str) -> ApiResult<WorkingCalendar> {
    let entries = holiday::Entity::find()
        .filter(
            Condition::any()
                .add(holiday::Column::ProvinceCode.is_null())
                .add(holiday::Column::ProvinceCode.eq(province)),
        )
        .all(db)
        .await?;
    let hours = office_hours(db, province).await?;
    let days = effective_days(entries);
    Ok(WorkingCalendar::new(
        days.iter().filter(|e| e.kind == HolidayKind::Holiday).map(|e| e.date),
        days.iter().filter(|e| e.kind == HolidayKind::CompensatoryWorkday).map(|e| e.date),
        hours,
    ))
}

/// One entry per date: a province's own entry replaces the nationwide one.
fn effective_days(entries: Vec<holiday::Model>) -> Vec<holiday::Model> {
    let mut by_date: std::collections::BTreeMap<chrono::NaiveDate, holiday::Model> = Default::default();
    for entry in entries {
        match by_date.get(&entry.date) {
            Some(existing) if existing.province_code.is_some() && entry.province_code.is_none() => {}
            _ => {
                by_date.insert(entry.date, entry);
            }
        }
    }
    by_date.into_values().collect()
}

/// The calendar entries in force in `province` during `year`, by date.
pub(crate) async fn days_of_year(db: &DatabaseConnection, province: &str, year: i32) -> ApiResult<Vec<holiday::Model>> {
    let start = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| ApiError::BadUserInput(format!("{year} is not a year of the calendar")))?;
    let end = chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .ok_or_else(|| ApiError::BadUserInput(format!("{year} is not a year of the calendar")))?;
    let entries = holiday::Entity::find()
        .filter(
            Condition::any()
                .add(holiday::Column::ProvinceCode.is_null())
                .add(holiday::Column::ProvinceCode.eq(province)),
        )
        .filter(holiday::Column::Date.gte(start))
        .filter(holiday::Column::Date.lt(end))
        .all(db)
        .await?;
    Ok(effective_days(entries))
}

/// The office hours of `province` (the defaults when it set none).
pub(crate) async fn office_hours(db: &DatabaseConnection, province: &str) -> ApiResult<OfficeHours> {
    match office_hours::Entity::find_by_id(province.to_owned()).one(db).await? {
        Some(row) => office_hours_of(&row),
        None => Ok(OfficeHours::default()),
    }
}

/// Sets `province`'s own entry for `date`, replacing the nationwide one:
/// its statements (the old entry out, the new one in).
fn set_day(province: &str, date: chrono::NaiveDate, kind: HolidayKind, name: &str) -> (Write, Write) {
    let old = holiday::Entity::delete_many()
        .filter(holiday::Column::ProvinceCode.eq(province))
        .filter(holiday::Column::Date.eq(date))
        .into_query();
    let row = holiday::ActiveModel {
        id: sea_orm::Set(uuid::Uuid::now_v7()),
        province_code: sea_orm::Set(Some(province.to_owned())),
        date: sea_orm::Set(date),
        kind: sea_orm::Set(kind),
        name: sea_orm::Set(name.to_owned()),
    };
    (Write::Delete(old), Write::Insert(holiday::Entity::insert(row).into_query()))
}

/// Removes `province`'s own entry for `date` (the nationwide one, if any,
/// applies again): the statement, which changes no row when there is none.
fn clear_day(province: &str, date: chrono::NaiveDate) -> Write {
    Write::Delete(
        holiday::Entity::delete_many()
            .filter(holiday::Column::ProvinceCode.eq(province))
            .filter(holiday::Column::Date.eq(date))
            .into_query(),
    )
}

/// Sets `province`'s office hours: the statement.
fn set_office_hours(province: &str, hours: &OfficeHours) -> Write {
    use sea_orm::sea_query::OnConflict;
    let text = |t: NaiveTime| t.format("%H:%M").to_string();
    let row = office_hours::ActiveModel {
        province_code: sea_orm::Set(province.to_owned()),
        morning_start: sea_orm::Set(text(hours.morning_start)),
        morning_end: sea_orm::Set(text(hours.morning_end)),
        afternoon_start: sea_orm::Set(text(hours.afternoon_start)),
        afternoon_end: sea_orm::Set(text(hours.afternoon_end)),
        cutoff: sea_orm::Set(text(hours.cutoff)),
    };
    let upsert = office_hours::Entity::insert(row)
        .on_conflict(
            OnConflict::column(office_hours::Column::ProvinceCode)
                .update_columns([
                    office_hours::Column::MorningStart,
                    office_hours::Column::MorningEnd,
                    office_hours::Column::AfternoonStart,
                    office_hours::Column::AfternoonEnd,
                    office_hours::Column::Cutoff,
                ])
                .to_owned(),
        )
        .into_query();
    Write::Insert(upsert)
}

/// Parses a stored `HH:MM`.
pub(crate) fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

fn office_hours_of(row: &office_hours::Model) -> ApiResult<OfficeHours> {
    let at = |text: &str| {
        parse_time(text)
            .ok_or_else(|| ApiError::internal(format!("office_hours of {}: bad time {text}", row.province_code)))
    };
    Ok(OfficeHours {
        morning_start: at(&row.morning_start)?,
        morning_end: at(&row.morning_end)?,
        afternoon_start: at(&row.afternoon_start)?,
        afternoon_end: at(&row.afternoon_end)?,
        cutoff: at(&row.cutoff)?,
    })
}

/// An edit of a province's calendar by an admin.
#[derive(Debug, Clone)]
pub(crate) enum Edit {
    SetDay { date: chrono::NaiveDate, kind: HolidayKind, name: String },
    ClearDay { date: chrono::NaiveDate },
    SetOfficeHours(OfficeHours),
}

impl Edit {
    fn operation(&self) -> &'static str {
        match self {
            Self::SetDay { .. } => "setCalendarDay",
            Self::ClearDay { .. } => "clearCalendarDay",
            Self::SetOfficeHours(_) => "setOfficeHours",
        }
    }
}

/// Applies `edit` to the calendar of `province` as `actor`, who needs the
/// `holiday manage` permission at the province; audited either way.
pub(crate) async fn edit(
    state: &crate::state::AppState,
    actor: &crate::auth::Viewer,
    province: &str,
    edit: Edit,
) -> ApiResult<()> {
    let mut entry = super::audit::Entry::new(actor, edit.operation(), "Calendar");
    entry.province_code = Some(province.to_owned());
    entry.target_id = Some(province.to_owned());
    let result = async {
        let agency = super::agencies::find_by_code(&state.db, province)
            .await?
            .filter(|a| a.kind == entity::AgencyKind::Province)
            .ok_or_else(|| ApiError::BadUserInput(format!("`{province}` is not a province code")))?;
        entry.agency_path = Some(agency.path.clone());
        if !state.authz.allows(&actor.username, &agency.path, "holiday", "manage").await {
            return Err(ApiError::Forbidden(format!(
                "editing the calendar of {} needs the `holiday manage` permission there",
                agency.name
            )));
        }
        match &edit {
            Edit::SetDay { name, .. } if name.trim().is_empty() => {
                return Err(ApiError::BadUserInput("`name` must not be empty".into()));
            }
            Edit::SetOfficeHours(hours) => hours.validate().map_err(ApiError::BadUserInput)?,
            _ => {}
        }
        let unit = match &edit {
            Edit::SetDay { date, kind, name } => {
                let (old, new) = set_day(province, *date, *kind, name.trim());
                Unit { before: vec![old], ..Unit::of(new) }
            }
            Edit::ClearDay { date } => Unit::of(clear_day(province, *date)),
            Edit::SetOfficeHours(hours) => Unit::of(set_office_hours(province, hours)),
        };
        let audit = entity::audit_log::Entity::insert(entry.row(Ok(()), state.clock.now())).into_query();
        let unit = Unit { then: vec![audit], announced: Some(Announcement::Calendars), ..unit };
        let written = writes::run(state, unit).await?;
        match (&edit, written) {
            (_, true) => Ok(()),
            (Edit::ClearDay { date }, false) => {
                Err(ApiError::NotFound(format!("{province} has no entry of its own on {date}")))
            }
            (_, false) => Err(ApiError::internal("a calendar edit changed no row")),
        }
    }
    .await;
    if let Err(error) = &result {
        if let Err(failure) = super::audit::record(state, &entry, Err(error)).await {
            tracing::error!(error = ?failure, "cannot write the audit row of a refused calendar edit");
        }
    }
    result
}
