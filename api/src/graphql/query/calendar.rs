//! The working-day calendars.

use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use async_graphql::{Context, Object};

/// The working-day calendars.
#[derive(Default)]
pub(super) struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// A province's working-day calendar for a year: its office hours and
    /// the holidays and compensatory working days deadlines are counted with.
    async fn calendar(
        &self,
        ctx: &Context<'_>,
        province_code: String,
        year: i32,
    ) -> async_graphql::Result<crate::graphql::types::calendar::WorkingCalendar> {
        if !(2000..=2100).contains(&year) {
            return Err(ApiError::BadUserInput("`year` must be between 2000 and 2100".into()).into());
        }
        Ok(crate::graphql::types::calendar::WorkingCalendar::load(ctx.db(), province_code, year).await?)
    }
}
