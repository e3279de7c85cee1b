//! Unit tests of the report's periods and arithmetic.

use super::buckets::Buckets;
use super::period::{day_start, months};
use super::*;
use crate::services::tally::Counter;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_period_runs_from_midnight_to_midnight_in_vietnam() {
    let period = Period::new(date(2026, 1, 1), date(2026, 3, 31)).unwrap();
    assert_eq!(period.start().to_rfc3339(), "2025-12-31T17:00:00+00:00");
    assert_eq!(period.end().to_rfc3339(), "2026-03-31T17:00:00+00:00");
    assert!(Period::new(date(2026, 2, 1), date(2026, 1, 1)).is_err());
}

#[test]
fn months_are_cut_to_the_period() {
    let period = Period::new(date(2026, 1, 15), date(2026, 3, 10)).unwrap();
    assert_eq!(
        months(period),
        [
            (date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 31)),
            (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 28)),
            (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 10)),
        ]
    );
}

#[test]
fn counters_give_carried_over_pending_and_overdue() {
    // One dossier entered on the 2nd, due on the 5th, finished late on
    // the 9th; another entered on the 3rd, still pending, due on the 4th.
    let mut buckets = Buckets::default();
    let mut put = |d: u32, counter: Counter| {
        buckets.days.entry(date(2026, 3, d)).or_default().0[counter as usize] += 1;
    };
    put(2, Counter::EnteredDirect);
    put(9, Counter::ResolvedLate);
    put(9, Counter::EndedOverdue);
    put(5, Counter::OverdueFrom);
    put(9, Counter::OverdueUntil);
    put(3, Counter::EnteredOnline);
    put(4, Counter::OverdueFrom);
    buckets.totals = buckets.days_from(date(2026, 1, 1));
    let now = day_start(date(2026, 4, 1));
    let figures = buckets.figures(date(2026, 3, 6), date(2026, 3, 7), now);
    assert_eq!((figures.carried_over, figures.received(), figures.pending, figures.pending_overdue), (2, 0, 2, 2));
    assert!(figures.balances());
    let figures = buckets.figures(date(2026, 3, 1), date(2026, 3, 4), now);
    // Both entered; at the start of the 5th only the second is overdue.
    assert_eq!((figures.carried_over, figures.received(), figures.pending, figures.pending_overdue), (0, 2, 2, 1));
    let figures = buckets.figures(date(2026, 3, 9), date(2026, 3, 31), now);
    assert_eq!((figures.carried_over, figures.resolved_late, figures.pending, figures.pending_overdue), (2, 1, 1, 1));
    assert!(figures.balances());
    // A period not ended yet, seen at noon on the 9th: the first dossier
    // finished that morning, the second is overdue now.
    let noon = day_start(date(2026, 3, 9)) + chrono::Duration::hours(12);
    let figures = buckets.figures(date(2026, 3, 1), date(2026, 3, 31), noon);
    assert_eq!((figures.pending, figures.pending_overdue), (1, 1));
}
