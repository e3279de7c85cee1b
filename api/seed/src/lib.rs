//! The demo data: the province of An Giang (`91`) as the country is today,
//! and as it was before the 2025 reorganisation — old Kiên Giang (`91`) and
//! old An Giang (`89`) until 2025-06-30, their districts, communes,
//! departments and service centres, officials and a sample catalogue; the
//! real 2025 plan that made them the new An Giang of 102 communes; Vietnam's
//! holidays for 2024–2027; and generated dossiers before and after the date.
//!
//! A crate of its own, beside the server's library: the server knows no data
//! of its own; the `motcua` command hands it [`Demo`] to fill an empty database
//! on first start, and the test suite does the same. The demo goes in as a
//! province's data would — through the server's importers, from the files of
//! `api/assets/` (written by `api/assets/make-demo.py` from the shared lists
//! of units), and through the reorganisation of `motcua reorganize apply`.

mod after_the_move;
pub mod dossiers;
mod holidays;
mod people;

pub use dossiers::{Stretch, DEFAULT_SPAN_DAYS};

use anyhow::Context;
use api::AppState;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use entity::{holiday, official, HolidayKind};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

/// The units of old Kiên Giang and old An Giang as they stood until 2025-06-30.
const AGENCIES: &str = include_str!("../../assets/demo-agencies.csv");
/// The demo officials with their roles, and a specialist for every other unit.
const OFFICIALS: &str = include_str!("../../assets/demo-officials.csv");
/// Officials of units that exist from 2025-07-01, and the grant of the
/// province's admin over all its communes once the districts were gone.
const OFFICIALS_2025: &str = include_str!("../../assets/demo-officials-2025.csv");
/// The sample catalogue, published in both old provinces.
const CATALOGUE: &str = include_str!("../../assets/demo-catalogue.csv");
/// The real 2025 plan for An Giang.
pub const REORGANIZATION_2025: &str = include_str!("../../assets/reorganization-2025.json");

/// The day the plan takes effect.
pub fn reorganization_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).expect("a valid date")
}

/// A demo official: login, name and the role the playground shows.
#[derive(Debug)]
pub struct DemoOfficial {
    pub username: String,
    pub display_name: String,
    pub role: String,
}

/// The named demo officials (docs/design API.md, the README; the generated
/// `cv.*` specialists left out), those of the old units and of today's.
pub fn demo_officials() -> &'static [DemoOfficial] {
    static OFFICIALS_READ: std::sync::OnceLock<Vec<DemoOfficial>> = std::sync::OnceLock::new();
    OFFICIALS_READ.get_or_init(|| {
        [OFFICIALS, OFFICIALS_2025]
            .iter()
            .flat_map(|file| file.lines().skip(1))
            .filter(|line| !line.starts_with("cv."))
            .filter({
                // An official named in both files (a grant added after 2025) once.
                let mut seen = std::collections::HashSet::new();
                move |line| seen.insert(line.split(',').next().unwrap_or_default().to_owned())
            })
            .map(|line| {
                let fields: Vec<&str> = line.split(',').collect();
                let role = fields[4].split(';').next().unwrap_or_default().trim().trim_end_matches('*');
                DemoOfficial { username: fields[0].into(), display_name: fields[1].into(), role: role.into() }
            })
            .collect()
    })
}

/// How far the demo goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Demo {
    /// The country as it is today: the 2025 plan applied, dossiers on both sides of it.
    #[default]
    Today,
    /// The two old provinces only, with their dossiers until 2025-06-30: the
    /// plan not yet applied (the tests of the reorganisation start there).
    Before2025,
}

impl api::Demo for Demo {
    fn load<'a>(
        &'a self,
        state: &'a AppState,
        dossiers: u64,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>> {
        Box::pin(load_demo(state, dossiers, *self, false))
    }

    fn officials(&self) -> Vec<(&str, &str)> {
        demo_officials().iter().map(|o| (o.username.as_str(), o.role.as_str())).collect()
    }
}

/// Whether an active official has this login.
pub async fn official_exists(db: &DatabaseConnection, username: &str) -> anyhow::Result<bool> {
    Ok(official::Entity::find()
        .filter(official::Column::Username.eq(username))
        .filter(official::Column::Active.eq(true))
        .count(db)
        .await?
        > 0)
}

/// The two stretches of generated dossiers: from two years back (and at
/// least from the start of 2025) to the eve of the reorganisation, at the
/// old units; and from its day to `now`, at today's.
fn stretches(now: DateTime<Utc>) -> (Stretch, Stretch) {
    let vietnam = api::domain::calendar::vietnam();
    let at = |day: NaiveDate, hour| {
        vietnam.from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("an hour")).unwrap().with_timezone(&Utc)
    };
    let day = reorganization_day();
    let today = now.with_timezone(&vietnam).date_naive();
    let first = (today - Days::new(730)).min(NaiveDate::from_ymd_opt(2025, 1, 1).expect("a valid date"));
    let before = Stretch { from: at(first, 0), until: at(day - Days::new(1), 17) };
    (before, Stretch { from: at(day, 0), until: now.max(at(day, 17)) })
}

/// Fills the empty database behind `state`: the calendar, then the agencies,
/// officials and catalogue through the importers, the dossiers before
/// 2025-07-01; then (for [`Demo::Today`]) the 2025 plan applied on its
/// day, today's officials imported, most dossiers it moved finished in the
/// weeks after, and the dossiers since. `dossiers` in all, shared
/// between the stretches by their days.
pub async fn load_demo(state: &AppState, dossiers: u64, demo: Demo, progress: bool) -> anyhow::Result<()> {
    insert_holidays(&state.db).await?;
    import(state, "agencies", "demo-agencies.csv", AGENCIES).await?;
    import(state, "officials", "demo-officials.csv", OFFICIALS).await?;
    import(state, "catalogue", "demo-catalogue.csv", CATALOGUE).await?;
    let (before, after) = stretches(api::now());
    let share = match demo {
        Demo::Before2025 => dossiers,
        Demo::Today => {
            let (before_days, after_days) = (u64::from(before.days()), u64::from(after.days()));
            dossiers * before_days / (before_days + after_days)
        }
    };
    generate(&state.db, share, before, progress).await?;
    if demo == Demo::Today {
        // Applied in the first minutes of its day, as the province did: the
        // slip entries and the audit row bear that time.
        state.clock.set(Some(after.from + chrono::Duration::minutes(5)));
        let started = std::time::Instant::now();
        let applied = api::reorganize(state, REORGANIZATION_2025.as_bytes(), true).await;
        let seconds = started.elapsed().as_secs_f64();
        let officials = import(state, "officials", "demo-officials-2025.csv", OFFICIALS_2025).await;
        state.clock.set(None);
        tracing::info!(applied = %applied?["applied"], seconds, "the 2025 reorganisation applied to the demo");
        officials?;
        let finished = after_the_move::finish_moved(state, after.from, after.until).await?;
        tracing::info!(finished, "dossiers the reorganisation moved in flight, finished at their new units");
        generate(&state.db, dossiers - share, after, progress).await?;
        if dossiers == share {
            api::tally::rebuild(&state.db).await?;
        }
    }
    Ok(())
}

async fn generate(db: &DatabaseConnection, count: u64, stretch: Stretch, progress: bool) -> anyhow::Result<()> {
    if count > 0 {
        let report = dossiers::generate(db, count, stretch, progress).await?;
        tracing::info!("{report}");
    }
    Ok(())
}

/// Imports one of the demo's files; every row must go in.
async fn import(state: &AppState, kind: &str, name: &str, text: &str) -> anyhow::Result<()> {
    let report = api::import(state, kind, name, text.as_bytes(), false).await?;
    let rejected = report["rejectedCount"].as_u64().unwrap_or_default();
    anyhow::ensure!(rejected == 0, "the demo's {name} has {rejected} refused rows: {}", report["rejected"]);
    Ok(())
}

async fn insert_holidays(db: &DatabaseConnection) -> anyhow::Result<()> {
    let entries = holidays::HOLIDAYS
        .iter()
        .map(|entry| (entry, HolidayKind::Holiday))
        .chain(holidays::COMPENSATORY_WORKDAYS.iter().map(|entry| (entry, HolidayKind::CompensatoryWorkday)));
    let mut rows = Vec::new();
    for ((date, name), kind) in entries {
        rows.push(holiday::ActiveModel {
            id: Set(Uuid::now_v7()),
            province_code: Set(None),
            date: Set(NaiveDate::parse_from_str(date, "%Y-%m-%d").with_context(|| format!("holiday date {date}"))?),
            kind: Set(kind),
            name: Set((*name).into()),
        });
    }
    holiday::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_officials_have_a_role_and_the_stretches_meet_at_the_reorganisation() {
        assert!(demo_officials().iter().any(|o| o.username == "vinhthanh.motcua" && o.role == "receiver"));
        assert!(demo_officials().iter().any(|o| o.username == "longxuyen.motcua" && o.role == "receiver"));
        assert!(demo_officials().iter().all(|o| !o.role.is_empty() && !o.username.starts_with("cv.")));
        assert_eq!(demo_officials().iter().filter(|o| o.username == "tinh.quantri").count(), 1);
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        let (before, after) = stretches(now);
        assert_eq!(before.from, Utc.with_ymd_and_hms(2024, 11, 30, 17, 0, 0).unwrap());
        assert_eq!(before.until, Utc.with_ymd_and_hms(2025, 6, 30, 10, 0, 0).unwrap());
        assert_eq!(after.from, Utc.with_ymd_and_hms(2025, 6, 30, 17, 0, 0).unwrap());
        assert_eq!(after.until, now);
    }
}
