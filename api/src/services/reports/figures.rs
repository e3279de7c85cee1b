//! What a report holds: its rows' figures.

use chrono::{DateTime, NaiveDate, Utc};
use entity::agency;

/// Declares the figures of a row once: the struct and their sum.
macro_rules! figures {
    ($($(#[$doc:meta])* $figure:ident,)*) => {
        /// The figures of one row of the report, from which the form's other
        /// columns follow (the totals, the pending within their deadline).
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub(crate) struct Figures {
            $($(#[$doc])* pub $figure: i64,)*
        }

        impl Figures {
            pub(super) fn add(&mut self, other: &Self) {
                $(self.$figure += other.$figure;)*
            }
        }
    };
}

figures! {
    /// Pending at the period's start.
    carried_over,
    /// Received in the period, online.
    received_online,
    /// At the desk.
    received_direct,
    /// By post.
    received_postal,
    /// Resolved in the period before their due day.
    resolved_early,
    /// On it.
    resolved_on_time,
    /// After it.
    resolved_late,
    /// Withdrawn in the period.
    withdrawn,
    /// Refused in the period.
    refused,
    /// Stopped in the period.
    stopped,
    /// Pending dossiers a reorganisation brought from a predecessor in the period.
    moved_in,
    /// Pending dossiers a reorganisation carried to a successor in the period.
    moved_out,
    /// Pending at the period's end and overdue then.
    pending_overdue,
    /// Pending at the period's end.
    pending,
}

impl Figures {
    pub(crate) fn received(&self) -> i64 {
        self.received_online + self.received_direct + self.received_postal
    }

    /// Carried over, received, and moved in from a predecessor.
    pub(crate) fn total_to_resolve(&self) -> i64 {
        self.carried_over + self.received() + self.moved_in
    }

    pub(crate) fn resolved(&self) -> i64 {
        self.resolved_early + self.resolved_on_time + self.resolved_late
    }

    pub(crate) fn pending_within_deadline(&self) -> i64 {
        self.pending - self.pending_overdue
    }

    /// Whether the row balances: everything to resolve was resolved, is
    /// pending, or ended another way.
    #[cfg(test)]
    pub(crate) fn balances(&self) -> bool {
        self.total_to_resolve()
            == self.resolved() + self.pending + self.withdrawn + self.refused + self.stopped + self.moved_out
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
