//! The working-day calendar and due dates.
//!
//! Rules (also in docs/ARCHITECTURE.md):
//! - Times are stored in UTC; the calendar runs in Vietnam time
//!   (Asia/Ho_Chi_Minh, UTC+7 all year: Vietnam has no daylight saving time).
//! - A working day is Monday to Friday, except public holidays, plus the
//!   compensatory working Saturdays; both lists are data (the `holiday` table).
//! - A dossier received on a non-working day or after the afternoon cut-off
//!   counts as received on the next working day (its *counting day*).
//! - `n` working days: due at the end of office hours on the n-th working day
//!   after the counting day.
//! - `n` calendar days: due at the end of office hours on the counting day plus
//!   n days, moved forward to the next working day when that is not one.
//! - `n` working hours: counted inside office hours from the receipt (or from
//!   the opening of the counting day when received outside office hours).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use entity::TimeUnit;
use std::collections::HashSet;

/// Vietnam time, UTC+7.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("a valid offset")
}

/// Office hours of a province: a morning and an afternoon session and the
/// afternoon cut-off after which a receipt counts from the next working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeHours {
    pub morning_start: NaiveTime,
    pub morning_end: NaiveTime,
    pub afternoon_start: NaiveTime,
    pub afternoon_end: NaiveTime,
    pub cutoff: NaiveTime,
}

impl OfficeHours {
    /// Whether the sessions are in order and the cut-off inside the day:
    /// morning start < morning end <= afternoon start < afternoon end, and
    /// morning start < cut-off <= afternoon end.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.morning_start < self.morning_end
            && self.morning_end <= self.afternoon_start
            && self.afternoon_start < self.afternoon_end)
        {
            return Err(
                "office sessions must be in order: morning start < morning end <= afternoon start < afternoon end"
                    .into(),
            );
        }
        if !(self.morning_start < self.cutoff && self.cutoff <= self.afternoon_end) {
            return Err("the cut-off must fall inside the working day".into());
        }
        Ok(())
    }
}

impl Default for OfficeHours {
    /// 07:00–11:30 and 13:30–17:00, cut-off 15:00.
    fn default() -> Self {
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("a valid time");
        Self {
            morning_start: at(7, 0),
            morning_end: at(11, 30),
            afternoon_start: at(13, 30),
            afternoon_end: at(17, 0),
            cutoff: at(15, 0),
        }
    }
}

/// Weekends, holidays and compensatory working days, with office hours.
#[derive(Debug, Clone, Default)]
pub struct WorkingCalendar {
    holidays: HashSet<NaiveDate>,
    compensatory_workdays: HashSet<NaiveDate>,
    hours: OfficeHours,
}

impl WorkingCalendar {
    /// A calendar from the holiday table's entries.
    pub fn new(
        holidays: impl IntoIterator<Item = NaiveDate>,
        compensatory_workdays: impl IntoIterator<Item = NaiveDate>,
        hours: OfficeHours,
    ) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
            compensatory_workdays: compensatory_workdays.into_iter().collect(),
            hours,
        }
    }

    /// Whether officials work on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.compensatory_workdays.contains(&day) {
            return true;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The first working day strictly after `day`.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        let mut next = day + Duration::days(1);
        while !self.is_working_day(next) {
            next += Duration::days(1);
        }
        next
    }

    /// The day from which a receipt at `received` (Vietnam time) is counted.
    pub fn counting_day(&self, received: NaiveDateTime) -> NaiveDate {
        let day = received.date();
        if self.is_working_day(day) && received.time() < self.hours.cutoff {
            day
        } else {
            self.next_working_day(day)
        }
    }

    /// The n-th working day after `day`.
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> NaiveDate {
        (0..n).fold(day, |current, _| self.next_working_day(current))
    }

    /// When a dossier received at `received_at` with a resolution time of
    /// `amount` `unit` is due.
    pub fn due_at(&self, received_at: DateTime<Utc>, amount: u32, unit: TimeUnit) -> DateTime<Utc> {
        let local = received_at.with_timezone(&vietnam()).naive_local();
        let counting_day = self.counting_day(local);
        let due_local = match unit {
            TimeUnit::WorkingDays => self.add_working_days(counting_day, amount).and_time(self.hours.afternoon_end),
            TimeUnit::CalendarDays => {
                let day = counting_day + Duration::days(i64::from(amount));
                let day = if self.is_working_day(day) { day } else { self.next_working_day(day) };
                day.and_time(self.hours.afternoon_end)
            }
            TimeUnit::WorkingHours => {
                let start =
                    if counting_day == local.date() { local } else { counting_day.and_time(self.hours.morning_start) };
                self.add_working_minutes(start, i64::from(amount) * 60)
            }
        };
        vietnam().from_local_datetime(&due_local).single().expect("a fixed offset is unambiguous").with_timezone(&Utc)
    }

    /// The office hours the calendar counts in.
    pub fn hours(&self) -> &OfficeHours {
        &self.hours
    }

    /// `hours` working hours after `start` (a step's deadline): counted inside
    /// office sessions, from the next opening when `start` is outside them.
    pub fn add_working_hours(&self, start: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        self.shift(start, i64::from(hours) * 60)
    }

    /// `minutes` working minutes after `at`; `at` itself for zero.
    pub fn shift(&self, at: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        if minutes <= 0 {
            return at;
        }
        let local = self.add_working_minutes(at.with_timezone(&vietnam()).naive_local(), minutes);
        vietnam().from_local_datetime(&local).single().expect("a fixed offset is unambiguous").with_timezone(&Utc)
    }

    /// The working minutes (inside office sessions of working days) between
    /// `from` and `to`: how long a paused clock stood still.
    pub fn working_minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let from = from.with_timezone(&vietnam()).naive_local();
        let to = to.with_timezone(&vietnam()).naive_local();
        let mut total = 0;
        let mut day = from.date();
        while day <= to.date() {
            if self.is_working_day(day) {
                for (open, close) in self.sessions() {
                    let start = day.and_time(open).max(from);
                    let end = day.and_time(close).min(to);
                    if end > start {
                        total += (end - start).num_minutes();
                    }
                }
            }
            day += Duration::days(1);
        }
        total
    }

    fn sessions(&self) -> [(NaiveTime, NaiveTime); 2] {
        [(self.hours.morning_start, self.hours.morning_end), (self.hours.afternoon_start, self.hours.afternoon_end)]
    }

    /// Adds working minutes to a local time, walking through office sessions.
    fn add_working_minutes(&self, start: NaiveDateTime, mut minutes: i64) -> NaiveDateTime {
        let mut day = start.date();
        let mut at = start.time();
        loop {
            if self.is_working_day(day) {
                for (open, close) in self.sessions() {
                    let from = at.max(open);
                    if from >= close {
                        continue;
                    }
                    let available = (close - from).num_minutes();
                    if minutes <= available {
                        return day.and_time(from) + Duration::minutes(minutes);
                    }
                    minutes -= available;
                }
            }
            day = self.next_working_day(day);
            at = NaiveTime::MIN;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        vietnam().with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    fn tet_2025() -> WorkingCalendar {
        // Lunar New Year 2025: 25 January (Saturday) to 2 February (Sunday).
        let holidays = (25..=31).map(|d| day(2025, 1, d)).chain([day(2025, 2, 1), day(2025, 2, 2)]);
        WorkingCalendar::new(holidays, [day(2025, 4, 26)], OfficeHours::default())
    }

    #[test]
    fn weekends_and_holidays_are_not_working_days_but_compensatory_saturdays_are() {
        let calendar = tet_2025();
        assert!(calendar.is_working_day(day(2025, 1, 24)));
        assert!(!calendar.is_working_day(day(2025, 1, 27)));
        assert!(!calendar.is_working_day(day(2025, 3, 1)));
        assert!(calendar.is_working_day(day(2025, 4, 26)));
    }

    #[test]
    fn a_friday_receipt_after_the_cutoff_before_tet_counts_from_after_tet() {
        let calendar = tet_2025();
        // Friday 24 January 2025, 15:30: counted from Monday 3 February.
        let due = calendar.due_at(vn(2025, 1, 24, 15, 30), 3, TimeUnit::WorkingDays);
        assert_eq!(due, vn(2025, 2, 6, 17, 0));
    }

    #[test]
    fn a_friday_receipt_before_the_cutoff_counts_from_that_friday() {
        let calendar = tet_2025();
        let due = calendar.due_at(vn(2025, 1, 24, 9, 0), 1, TimeUnit::WorkingDays);
        assert_eq!(due, vn(2025, 2, 3, 17, 0));
    }

    #[test]
    fn working_days_skip_a_weekend() {
        let calendar = WorkingCalendar::default();
        // Thursday 20 November 2025 + 2 working days = Monday 24 November.
        assert_eq!(calendar.due_at(vn(2025, 11, 20, 8, 0), 2, TimeUnit::WorkingDays), vn(2025, 11, 24, 17, 0));
    }

    #[test]
    fn calendar_days_landing_on_a_weekend_move_to_monday() {
        let calendar = WorkingCalendar::default();
        // Monday 17 November 2025 + 5 days = Saturday 22nd, moved to Monday 24th.
        assert_eq!(calendar.due_at(vn(2025, 11, 17, 8, 0), 5, TimeUnit::CalendarDays), vn(2025, 11, 24, 17, 0));
    }

    #[test]
    fn a_pause_moves_the_due_date_by_the_working_time_it_lasted() {
        let calendar = tet_2025();
        // Paused Thursday 23 January 2025 at 16:00, resumed Tuesday 4 February at 08:00:
        // Thursday 16:00–17:00, Friday 8 h, Tết off, Monday 3 February 8 h, Tuesday 07:00–08:00.
        let paused = calendar.working_minutes_between(vn(2025, 1, 23, 16, 0), vn(2025, 2, 4, 8, 0));
        assert_eq!(paused, 60 + 8 * 60 + 8 * 60 + 60);
        // A due time at 17:00 moved by two working days ends at 17:00 two working days on.
        assert_eq!(calendar.shift(vn(2025, 1, 23, 17, 0), 2 * 8 * 60), vn(2025, 2, 3, 17, 0));
        assert_eq!(calendar.shift(vn(2025, 1, 23, 17, 0), 0), vn(2025, 1, 23, 17, 0));
        // The lunch break and the night do not count.
        assert_eq!(calendar.working_minutes_between(vn(2025, 2, 3, 11, 0), vn(2025, 2, 3, 14, 0)), 60);
    }

    #[test]
    fn office_hours_must_be_in_order() {
        assert!(OfficeHours::default().validate().is_ok());
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let swapped = OfficeHours { morning_end: at(14), ..OfficeHours::default() };
        assert!(swapped.validate().is_err());
        let late_cutoff = OfficeHours { cutoff: at(18), ..OfficeHours::default() };
        assert!(late_cutoff.validate().is_err());
    }

    #[test]
    fn working_hours_run_inside_office_sessions() {
        let calendar = WorkingCalendar::default();
        // 10:30 + 4 working hours: 1 h until 11:30, 3 h from 13:30 = 16:30.
        assert_eq!(calendar.due_at(vn(2025, 11, 17, 10, 30), 4, TimeUnit::WorkingHours), vn(2025, 11, 17, 16, 30));
        // 16:00 Friday (after the cut-off) + 8 hours: a whole working day from Monday 07:00.
        assert_eq!(calendar.due_at(vn(2025, 11, 21, 16, 0), 8, TimeUnit::WorkingHours), vn(2025, 11, 24, 17, 0));
    }
}

/// Whether a dossier is overdue at `now`: it is pending and its deadline
/// passed on its clock. A paused clock (supplement, payment) stopped at
/// `paused_at`, so such a dossier is overdue only if it was already due then.
pub(crate) fn is_overdue(
    status: entity::DossierStatus,
    due_at: Option<DateTime<Utc>>,
    paused_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let Some(due_at) = due_at else { return false };
    if !status.is_pending() {
        return false;
    }
    let clock = if status.pauses_clock() { paused_at.unwrap_or(now) } else { now };
    due_at < clock
}

#[cfg(test)]
mod overdue_tests {
    use super::*;
    use entity::DossierStatus::*;

    #[test]
    fn a_pending_dossier_past_its_due_time_is_overdue() {
        let now = Utc::now();
        assert!(is_overdue(Processing, Some(now - Duration::hours(1)), None, now));
        assert!(!is_overdue(Processing, Some(now + Duration::hours(1)), None, now));
        assert!(!is_overdue(Resolved, Some(now - Duration::hours(1)), None, now));
        assert!(!is_overdue(Submitted, None, None, now));
    }

    #[test]
    fn a_paused_dossier_is_judged_at_the_moment_its_clock_stopped() {
        let now = Utc::now();
        let due = now - Duration::days(2);
        assert!(!is_overdue(SupplementRequested, Some(due), Some(now - Duration::days(3)), now));
        assert!(is_overdue(SupplementRequested, Some(due), Some(now - Duration::days(1)), now));
    }
}

/// Early, on time or late: finished on an earlier day (Vietnam time) than the
/// due day and not after the due time, on the due day and not after it, or
/// after the due time.
pub fn outcome_of(finished_at: DateTime<Utc>, due_at: DateTime<Utc>) -> entity::Outcome {
    if finished_at > due_at {
        return entity::Outcome::Late;
    }
    let day = |t: DateTime<Utc>| t.with_timezone(&vietnam()).date_naive();
    if day(finished_at) < day(due_at) {
        entity::Outcome::Early
    } else {
        entity::Outcome::OnTime
    }
}

#[cfg(test)]
mod outcome_tests {
    use super::*;

    fn vn(d: u32, h: u32) -> DateTime<Utc> {
        vietnam().with_ymd_and_hms(2025, 11, d, h, 0, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn outcome_compares_the_finishing_day_with_the_due_day() {
        assert_eq!(outcome_of(vn(20, 9), vn(21, 17)), entity::Outcome::Early);
        assert_eq!(outcome_of(vn(21, 9), vn(21, 17)), entity::Outcome::OnTime);
        assert_eq!(outcome_of(vn(21, 17), vn(21, 17)), entity::Outcome::OnTime);
        assert_eq!(outcome_of(vn(21, 18), vn(21, 17)), entity::Outcome::Late);
        assert_eq!(outcome_of(vn(24, 8), vn(21, 17)), entity::Outcome::Late);
    }
}
