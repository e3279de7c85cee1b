//! The province's working-day calendar, as its admins edit it.

use crate::domain::calendar::OfficeHours;
use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::enums::CalendarDayKind;
use crate::graphql::types::calendar::WorkingCalendar;
use crate::services::calendars;
use async_graphql::{Context, InputObject, Object};
use chrono::Datelike;

/// The calendar's mutations.
#[derive(Default)]
pub(super) struct CalendarMutation;

/// `setCalendarDay`: a province's own entry for a day, replacing the nationwide one.
#[derive(InputObject)]
pub(super) struct SetCalendarDayInput {
    /// The province's code, e.g. `91`.
    pub province_code: String,
    /// The day.
    pub date: chrono::NaiveDate,
    /// Off (a holiday on a weekday) or worked (a compensatory Saturday, or a weekday kept working).
    pub kind: CalendarDayKind,
    /// What it is, e.g. *Nghỉ Tết Nguyên đán theo Quyết định …*.
    pub name: String,
}

/// `clearCalendarDay`: removes a province's own entry for a day.
#[derive(InputObject)]
pub(super) struct ClearCalendarDayInput {
    /// The province's code.
    pub province_code: String,
    /// The day.
    pub date: chrono::NaiveDate,
}

/// `setOfficeHours`: a province's office hours and afternoon cut-off (`HH:MM`).
#[derive(InputObject)]
pub(super) struct SetOfficeHoursInput {
    /// The province's code.
    pub province_code: String,
    /// Morning session start, e.g. `07:00`.
    pub morning_start: String,
    /// Morning session end, e.g. `11:30`.
    pub morning_end: String,
    /// Afternoon session start, e.g. `13:30`.
    pub afternoon_start: String,
    /// Afternoon session end, e.g. `17:00`: a dossier due on a day is due at this time.
    pub afternoon_end: String,
    /// After this time a receipt counts from the next working day, e.g. `15:00`.
    pub cutoff: String,
}

async fn edit_calendar(
    ctx: &Context<'_>,
    province: String,
    edit: calendars::Edit,
    year: i32,
) -> async_graphql::Result<WorkingCalendar> {
    let viewer = ctx.viewer()?;
    calendars::edit(ctx.state(), viewer, &province, edit).await?;
    Ok(WorkingCalendar::load(ctx.db(), province, year).await?)
}

fn time_of(field: &str, text: &str) -> Result<chrono::NaiveTime, ApiError> {
    calendars::parse_time(text).ok_or_else(|| ApiError::BadUserInput(format!("`{field}` must be a time `HH:MM`")))
}

#[Object]
impl CalendarMutation {
    /// Sets a province's own calendar entry for a day (a holiday decided for
    /// the year, a compensatory working Saturday); it replaces a nationwide
    /// entry on that day. Deadlines counted from then on use it. Needs the
    /// `holiday manage` permission at the province. Returns the year's calendar.
    async fn set_calendar_day(
        &self,
        ctx: &Context<'_>,
        input: SetCalendarDayInput,
    ) -> async_graphql::Result<WorkingCalendar> {
        let edit = calendars::Edit::SetDay { date: input.date, kind: input.kind.into(), name: input.name };
        edit_calendar(ctx, input.province_code, edit, input.date.year()).await
    }

    /// Removes a province's own entry for a day; a nationwide entry on that
    /// day applies again. Returns the year's calendar.
    async fn clear_calendar_day(
        &self,
        ctx: &Context<'_>,
        input: ClearCalendarDayInput,
    ) -> async_graphql::Result<WorkingCalendar> {
        edit_calendar(ctx, input.province_code, calendars::Edit::ClearDay { date: input.date }, input.date.year()).await
    }

    /// Sets a province's office hours and afternoon cut-off. Returns this year's calendar.
    async fn set_office_hours(
        &self,
        ctx: &Context<'_>,
        input: SetOfficeHoursInput,
    ) -> async_graphql::Result<WorkingCalendar> {
        let hours = OfficeHours {
            morning_start: time_of("morningStart", &input.morning_start)?,
            morning_end: time_of("morningEnd", &input.morning_end)?,
            afternoon_start: time_of("afternoonStart", &input.afternoon_start)?,
            afternoon_end: time_of("afternoonEnd", &input.afternoon_end)?,
            cutoff: time_of("cutoff", &input.cutoff)?,
        };
        let year = ctx.state().clock.now().with_timezone(&crate::domain::calendar::vietnam()).year();
        edit_calendar(ctx, input.province_code, calendars::Edit::SetOfficeHours(hours), year).await
    }
}
