//! What a report holds: its rows' figures.

use chrono::{DateTime, NaiveDate, Utc};
use entity::agency;

/// The columns of one row of the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Figures {
    pub carried_over: i64,
    pub received_online: i64,
    pub received_direct: i64,
    pub received_postal: i64,
    pub resolved_early: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    pub withdrawn: i64,
    pub refused: i64,
    pub stopped: i64,
    pub pending_overdue: i64,
    pub pending: i64,
}

impl Figures {
    pub(crate) fn received(&self) -> i64 {
        self.received_online + self.received_direct + self.received_postal
    }

    pub(crate) fn total_to_resolve(&self) -> i64 {
        self.carried_over + self.received()
    }

    pub(crate) fn resolved(&self) -> i64 {
        self.resolved_early + self.resolved_on_time + self.resolved_late
    }

    pub(crate) fn pending_within_deadline(&self) -> i64 {
        self.pending - self.pending_overdue
    }

    pub(super) fn add(&mut self, other: &Self) {
        self.carried_over += other.carried_over;
        self.received_online += other.received_online;
        self.received_direct += other.received_direct;
        self.received_postal += other.received_postal;
        self.resolved_early += other.resolved_early;
        self.resolved_on_time += other.resolved_on_time;
        self.resolved_late += other.resolved_late;
        self.withdrawn += other.withdrawn;
        self.refused += other.refused;
        self.stopped += other.stopped;
        self.pending_overdue += other.pending_overdue;
        self.pending += other.pending;
    }

    /// Whether the row balances: everything to resolve was resolved, is
    /// pending, or ended another way.
    #[cfg(test)]
    pub(crate) fn balances(&self) -> bool {
        self.total_to_resolve() == self.resolved() + self.pending + self.withdrawn + self.refused + self.stopped
    }
}

/// What a row is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowKey {
    /// A direct child agency, with its subtree.
    Agency(agency::Model),
    /// The reported agency's own dossiers (not its children's).
    Own(agency::Model),
    /// A calendar month (its first day), cut to the period.
    Month(NaiveDate),
    /// A procedure version.
    Procedure(entity::procedure::Model),
    /// A field of administration.
    Field(entity::field::Model),
}

/// The report: its rows and the total over the whole period and scope.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub rows: Vec<(RowKey, Figures)>,
    pub total: Figures,
    /// The moment the report describes: the pending dossiers of a period that
    /// has not ended are those pending now.
    pub as_of: DateTime<Utc>,
}
