//! The report's counters (`dossier_tally`): per agency and calendar day in
//! Vietnam time, how many dossiers entered (by channel), ended (by way), and
//! began or ended their overdue span. Every write of a dossier changes them
//! in the same transaction by the difference between the dossier's
//! contributions before and after ([`changes`]); the report adds them up
//! instead of reading every dossier (`services::reports`).
//!
//! A dossier's contributions, at its current agency:
//! - **entered** (its channel) on the day it was taken in: received, or — an
//!   online submission refused at intake — refused. A submission still
//!   waiting, or withdrawn before anyone received it, was never taken in and
//!   counts nowhere.
//! - **ended** on the day it finished: resolved early / on time / late (its
//!   outcome), withdrawn, refused or stopped.
//! - **overdue from** day `D1 = max(due day, entered day)`: at the start of
//!   any later day it is overdue unless finished before that day; **overdue
//!   until** day `max(finished day, D1)` once finished. So the dossiers
//!   pending and overdue at the start of day `d` number
//!   `Σ_{day<d} (overdue_from − overdue_until)`. And **ended overdue** on
//!   the day it finished, if that was after D1 (it was overdue when the day
//!   began).
//!
//! - **moved out** / **moved in**, a dossier a reorganisation carried to a
//!   successor (its `moves`): on the effective date, out at the old agency
//!   and in at the successor, as the day begins (the day's first snapshot
//!   still finds it at the old agency, so a period that ends the day before
//!   is as it was). Each agency counts what happened
//!   while it held the dossier — entered where it was taken in, ended where
//!   it ended, and the overdue span cut at the move — so a closed agency's
//!   periods stay as they were and pending = entered + moved in − ended −
//!   moved out at every agency.
//!
//! For the service index, on the day it was taken in: **entered digitized**
//! (its documents digitised), **entered fee-bearing** (a fee to pay) and
//! **entered paid online** (that fee paid online); on the day it was
//! resolved: **resolved result digitized**. Each as the dossier is now.
//!
//! The same counters are kept per agency **and procedure version**
//! (`dossier_tally_procedure`, `_procedure_month`, `_procedure_total`), for
//! the report by procedure or by field.
//!
//! `dossier_tally_total` holds each agency's sums over all days: the
//! dossiers pending now are `entered − ended` there, those with a due date
//! `overdue_from − overdue_until`.
//!
//! A command appends its change to `dossier_tally_change` (no key, no
//! index): on PostgreSQL concurrent commands at one agency never queue on
//! one counter row, on SQLite it is one cheap insert instead of several
//! upserts. A background task ([`fold`]) moves the changes into the day,
//! month and total counters (per agency, and per agency and procedure)
//! every second, and a report adds up both.

mod contributions;
mod fold;
mod rebuild;
#[cfg(test)]
mod tests;

#[cfg(test)]
pub use contributions::contributions;
pub(crate) use contributions::paths_of;
pub use contributions::{changes, entered_at, moves_of, placed, Delta, Facts, Move};
pub use fold::{fold, fold_postgres, fold_sqlite, insert_changes, spawn_folding, CHANGES, LAST_FOLDED};
pub use rebuild::rebuild;

use crate::domain::calendar::vietnam;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// Declares the counters once: the enum, how many there are and their
/// columns (migration m20261126_000004 creates the columns; a migration does
/// not depend on the code, so it spells them out itself).
macro_rules! counters {
    ($($(#[$doc:meta])* $counter:ident => $column:literal,)*) => {
        /// One of the counters, in the order of [`COLUMNS`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Counter {
            $($(#[$doc])* $counter,)*
        }

        /// How many counters a row has.
        pub const COUNTERS: usize = [$($column),*].len();

        /// The counters' columns, in the order of [`Counter`].
        pub const COLUMNS: [&str; COUNTERS] = [$($column),*];
    };
}

counters! {
    /// Dossiers received online on the day.
    EnteredOnline => "entered_online",
    /// Received at the desk.
    EnteredDirect => "entered_direct",
    /// Received by post.
    EnteredPostal => "entered_postal",
    /// Resolved before their due day.
    ResolvedEarly => "resolved_early",
    /// Resolved on their due day.
    ResolvedOnTime => "resolved_on_time",
    /// Resolved after it.
    ResolvedLate => "resolved_late",
    /// Withdrawn by the applicant.
    Withdrawn => "withdrawn",
    /// Refused at intake.
    Refused => "refused",
    /// Stopped while being handled.
    Stopped => "stopped",
    /// Dossiers with a due moment, on their due day (or the day they entered, if later).
    OverdueFrom => "overdue_from",
    /// The same dossiers again on the day they ended (not before that day):
    /// `OverdueFrom − OverdueUntil` up to a day is how many are overdue then.
    OverdueUntil => "overdue_until",
    /// Dossiers that ended on the day, later than their due day.
    EndedOverdue => "ended_overdue",
    /// Received with digitized documents.
    EnteredDigitized => "entered_digitized",
    /// Received for a procedure with a fee.
    EnteredFeeBearing => "entered_fee_bearing",
    /// Received with the fee paid online.
    EnteredPaidOnline => "entered_paid_online",
    /// Resolved with a digitized result.
    ResolvedResultDigitized => "resolved_result_digitized",
    /// Pending dossiers that came from a predecessor as the day began
    /// (a reorganisation, migration m20261203_000007).
    MovedIn => "moved_in",
    /// Pending dossiers that went to a successor as the day began.
    MovedOut => "moved_out",
}

/// The counters of one row, indexed by `Counter as usize`.
pub type Counts = [i32; COUNTERS];

/// The calendar day of `at` in Vietnam.
pub fn vietnam_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}
/// The table of each agency's sums over all days.
pub const TOTALS: &str = "dossier_tally_total";

/// The table of each agency's sums per calendar month (keyed by its first day).
pub const MONTHS: &str = "dossier_tally_month";

/// The table of each agency's sums per day.
pub const DAYS: &str = "dossier_tally";

/// The same three per agency and procedure version: per day, per month, all days.
pub const PROCEDURE_DAYS: &str = "dossier_tally_procedure";
pub const PROCEDURE_MONTHS: &str = "dossier_tally_procedure_month";
pub const PROCEDURE_TOTALS: &str = "dossier_tally_procedure_total";

/// A counter table's columns: `key`, then `agency_path`, then the counters
/// (`N` = `K` + 1 + [`COUNTERS`]).
pub(crate) const fn keyed<const K: usize, const N: usize>(key: [&'static str; K]) -> [&'static str; N] {
    assert!(N == K + 1 + COUNTERS);
    let mut columns = [""; N];
    let mut index = 0;
    while index < K {
        columns[index] = key[index];
        index += 1;
    }
    columns[K] = "agency_path";
    let mut counter = 0;
    while counter < COUNTERS {
        columns[K + 1 + counter] = COLUMNS[counter];
        counter += 1;
    }
    columns
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("day 1 exists")
}
