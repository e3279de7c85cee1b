//! The counters' sums of one group, and the figures worked out from them.

use super::period::day_start;
use super::Figures;
use crate::services::tally::{Counter, COUNTERS};
use chrono::{DateTime, Days, NaiveDate, Utc};
use std::collections::BTreeMap;

/// Sums of the counters.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sums(pub(super) [i64; COUNTERS]);

impl Sums {
    pub(super) fn add(&mut self, other: &Self) {
        for (sum, n) in self.0.iter_mut().zip(other.0) {
            *sum += n;
        }
    }

    pub(super) fn minus(mut self, other: &Self) -> Self {
        for (sum, n) in self.0.iter_mut().zip(other.0) {
            *sum -= n;
        }
        self
    }

    pub(super) fn get(&self, counter: Counter) -> i64 {
        self.0[counter as usize]
    }

    pub(super) fn entered(&self) -> i64 {
        self.get(Counter::EnteredOnline) + self.get(Counter::EnteredDirect) + self.get(Counter::EnteredPostal)
    }

    pub(super) fn ended(&self) -> i64 {
        [
            Counter::ResolvedEarly,
            Counter::ResolvedOnTime,
            Counter::ResolvedLate,
            Counter::Withdrawn,
            Counter::Refused,
            Counter::Stopped,
        ]
        .into_iter()
        .map(|c| self.get(c))
        .sum()
    }

    /// Taken in or moved in from a predecessor.
    pub(super) fn arrived(&self) -> i64 {
        self.entered() + self.get(Counter::MovedIn)
    }

    /// Ended or moved out to a successor.
    pub(super) fn left(&self) -> i64 {
        self.ended() + self.get(Counter::MovedOut)
    }

    pub(super) fn overdue_balance(&self) -> i64 {
        self.get(Counter::OverdueFrom) - self.get(Counter::OverdueUntil)
    }
}

/// One group's sums: of the days from the earliest day the report needs on,
/// each under its key (a day of its own, or for a report by agency the
/// boundary that begins its stretch); the sums over all days; and the
/// dossiers pending now that fell due earlier today.
#[derive(Debug, Clone, Default)]
pub(super) struct Buckets {
    pub(super) days: BTreeMap<NaiveDate, Sums>,
    pub(super) totals: Sums,
    pub(super) due_earlier_today: i64,
    /// Whether `days` holds the days before the period's end (from the
    /// first on) rather than the days from its start on.
    pub(super) before: bool,
}

impl Buckets {
    pub(super) fn add(&mut self, other: &Self) {
        for (day, sums) in &other.days {
            self.days.entry(*day).or_default().add(sums);
        }
        self.totals.add(&other.totals);
        self.due_earlier_today += other.due_earlier_today;
        self.before = other.before;
    }

    /// The sums of the days from `day` on: added up, or the totals less the
    /// days before it.
    pub(super) fn days_from(&self, day: NaiveDate) -> Sums {
        let mut sums = Sums::default();
        if self.before {
            for (_, day_sums) in self.days.range(..day) {
                sums.add(day_sums);
            }
            return self.totals.minus(&sums);
        }
        for (_, day_sums) in self.days.range(day..) {
            sums.add(day_sums);
        }
        sums
    }

    /// The figures of the days `from..=to`: each of `from`, `to + 1`, today
    /// and tomorrow must begin a stretch of the keys.
    pub(super) fn figures(&self, from: NaiveDate, to: NaiveDate, now: DateTime<Utc>) -> Figures {
        let after = to + Days::new(1);
        let (from_on, after_on) = (self.days_from(from), self.days_from(after));
        let period = from_on.minus(&after_on);
        let pending_now = self.totals.arrived() - self.totals.left();
        let pending_with_due = self.totals.overdue_balance();
        let carried_over = pending_now + from_on.left() - from_on.arrived();
        let pending_overdue = if day_start(after) <= now {
            pending_with_due - after_on.overdue_balance()
        } else {
            // Overdue since before today and not finished since, and those
            // that fell due earlier today.
            let today = crate::services::tally::vietnam_day(now);
            let today_on = self.days_from(today);
            let ended_overdue_today = today_on.minus(&self.days_from(today + Days::new(1))).get(Counter::EndedOverdue);
            pending_with_due - today_on.overdue_balance() - ended_overdue_today + self.due_earlier_today
        };
        Figures {
            carried_over,
            received_online: period.get(Counter::EnteredOnline),
            received_direct: period.get(Counter::EnteredDirect),
            received_postal: period.get(Counter::EnteredPostal),
            resolved_early: period.get(Counter::ResolvedEarly),
            resolved_on_time: period.get(Counter::ResolvedOnTime),
            resolved_late: period.get(Counter::ResolvedLate),
            withdrawn: period.get(Counter::Withdrawn),
            refused: period.get(Counter::Refused),
            stopped: period.get(Counter::Stopped),
            moved_in: period.get(Counter::MovedIn),
            moved_out: period.get(Counter::MovedOut),
            pending_overdue,
            pending: carried_over + period.arrived() - period.left(),
        }
    }
}
