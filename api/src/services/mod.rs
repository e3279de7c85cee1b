//! Domain services over sea-orm. They take a connection and domain inputs
//! (a [`scope::Scope`], filters, pages) and return domain results; they know
//! nothing of GraphQL or HTTP.

pub(crate) mod administration;
pub(crate) mod agencies;
pub(crate) mod announcements;
pub(crate) mod audit;
pub(crate) mod calendars;
pub(crate) mod clock;
pub(crate) mod combined;
pub(crate) mod commands;
pub(crate) mod cursor;
pub(crate) mod documents;
pub(crate) mod dossier_columns;
pub(crate) mod dossiers;
pub(crate) mod events;
pub(crate) mod gauges;
pub(crate) mod imports;
pub(crate) mod lineage;
pub(crate) mod list_bounds;
pub(crate) mod notices;
pub(crate) mod numbers;
pub(crate) mod oauth;
pub(crate) mod officials;
pub(crate) mod outbox;
pub(crate) mod persisted;
pub(crate) mod portal_sync;
pub(crate) mod procedures;
pub(crate) mod quotas;
pub(crate) mod recent;
pub(crate) mod remembered;
pub(crate) mod reorganization;
pub(crate) mod reports;
pub(crate) mod scope;
pub(crate) mod sqlite_writer;
pub mod tally;
pub(crate) mod tracking;
pub(crate) mod webhooks;
pub(crate) mod writes;

/// A page of a list, in order, and whether more follow.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Splits the extra row fetched to learn whether another page follows.
    pub(crate) fn from_rows(mut rows: Vec<T>, first: u64) -> Self {
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Self { items: rows, has_next_page }
    }

    /// An empty page.
    pub(crate) fn empty() -> Self {
        Self { items: Vec::new(), has_next_page: false }
    }
}

/// The current time at the database's precision (microseconds), so that a
/// value read back equals the value written and cursors compare exactly.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    chrono::Utc::now().duration_trunc(TimeDelta::microseconds(1)).expect("the present is representable")
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
