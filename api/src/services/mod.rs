//! Domain services over sea-orm. They take a connection and domain inputs
//! (a [`scope::Scope`], filters, pages) and return domain results; they know
//! nothing of GraphQL or HTTP.

pub mod agencies;
pub mod audit;
pub mod calendars;
pub mod clock;
pub mod combined;
pub mod commands;
pub mod cursor;
pub mod documents;
pub mod dossiers;
pub mod events;
pub mod list_bounds;
pub mod numbers;
pub mod officials;
pub mod procedures;
pub mod recent;
pub mod remembered;
pub mod reports;
pub mod scope;
pub mod sqlite_writer;
pub mod tally;
pub mod tracking;

/// A page of a list, in order, and whether more follow.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Splits the extra row fetched to learn whether another page follows.
    pub fn from_rows(mut rows: Vec<T>, first: u64) -> Self {
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Self { items: rows, has_next_page }
    }

    /// An empty page.
    pub fn empty() -> Self {
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
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
