//! Each province's working-day calendar — the holiday table (nationwide
//! entries and the province's own) and its office hours — loaded once and
//! kept until an admin edits it, or for a minute at most, so that an edit on
//! another server instance is seen soon.

use crate::domain::calendar::{OfficeHours, WorkingCalendar};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveTime;
use entity::{holiday, office_hours, HolidayKind};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How long a loaded calendar is trusted without an edit seen here.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// The loaded calendars, by province code.
#[derive(Debug, Default)]
pub struct Calendars {
    loaded: RwLock<HashMap<String, (Instant, Arc<WorkingCalendar>)>>,
}

impl Calendars {
    /// The calendar of `province`.
    pub async fn of(&self, db: &DatabaseConnection, province: &str) -> ApiResult<Arc<WorkingCalendar>> {
        if let Some((at, calendar)) = self.loaded.read().await.get(province) {
            if at.elapsed() < FRESH_FOR {
                return Ok(calendar.clone());
            }
        }
        let calendar = Arc::new(load(db, province).await?);
        self.loaded.write().await.insert(province.to_owned(), (Instant::now(), calendar.clone()));
        Ok(calendar)
    }

    /// Forgets every loaded calendar (after an edit).
    pub async fn forget(&self) {
        self.loaded.write().await.clear();
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
    let hours = match office_hours::Entity::find_by_id(province.to_owned()).one(db).await? {
        Some(row) => office_hours_of(&row)?,
        None => OfficeHours::default(),
    };
    Ok(WorkingCalendar::new(
        entries.iter().filter(|e| e.kind == HolidayKind::Holiday).map(|e| e.date),
        entries.iter().filter(|e| e.kind == HolidayKind::CompensatoryWorkday).map(|e| e.date),
        hours,
    ))
}

/// Parses a stored `HH:MM`.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
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
