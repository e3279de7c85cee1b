//! `WorkingCalendar`: a province's holidays, compensatory working days and
//! office hours, which every deadline is counted in.

use crate::domain::calendar::OfficeHours as Hours;
use crate::graphql::enums::CalendarDayKind;
use crate::services::calendars;
use async_graphql::SimpleObject;
use chrono::NaiveDate;
use entity::holiday;

/// A province's working-day calendar for one year.
#[derive(SimpleObject)]
pub(crate) struct WorkingCalendar {
    /// The province's code.
    pub province_code: String,
    /// The year.
    pub year: i32,
    /// The office hours deadlines are counted in.
    pub office_hours: OfficeHours,
    /// Days off on weekdays and worked weekend days, by date; Saturdays and
    /// Sundays not listed are off, weekdays not listed are worked.
    pub days: Vec<CalendarDay>,
}

impl WorkingCalendar {
    /// The calendar of `province` for `year`, as it stands in the database.
    pub(crate) async fn load(
        db: &sea_orm::DatabaseConnection,
        province: String,
        year: i32,
    ) -> crate::error::ApiResult<Self> {
        let days = calendars::days_of_year(db, &province, year).await?;
        let hours = calendars::office_hours(db, &province).await?;
        Ok(Self {
            province_code: province,
            year,
            office_hours: hours.into(),
            days: days.into_iter().map(Into::into).collect(),
        })
    }
}

/// One entry of the calendar.
#[derive(SimpleObject)]
pub(crate) struct CalendarDay {
    /// The day.
    pub date: NaiveDate,
    /// Off or worked.
    pub kind: CalendarDayKind,
    /// What it is, e.g. *Tết Nguyên đán*.
    pub name: String,
    /// Null for a nationwide entry; the province's code for its own entry,
    /// which replaces a nationwide one on the same day.
    pub province_code: Option<String>,
}

impl From<holiday::Model> for CalendarDay {
    fn from(row: holiday::Model) -> Self {
        Self { date: row.date, kind: row.kind.into(), name: row.name, province_code: row.province_code }
    }
}

/// Office hours (`HH:MM`, Vietnam time).
#[derive(SimpleObject)]
pub(crate) struct OfficeHours {
    /// Morning session start.
    pub morning_start: String,
    /// Morning session end.
    pub morning_end: String,
    /// Afternoon session start.
    pub afternoon_start: String,
    /// Afternoon session end: the due time of a dossier due on a day.
    pub afternoon_end: String,
    /// After this time a receipt counts from the next working day.
    pub cutoff: String,
}

impl From<Hours> for OfficeHours {
    fn from(hours: Hours) -> Self {
        let text = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        Self {
            morning_start: text(hours.morning_start),
            morning_end: text(hours.morning_end),
            afternoon_start: text(hours.afternoon_start),
            afternoon_end: text(hours.afternoon_end),
            cutoff: text(hours.cutoff),
        }
    }
}
