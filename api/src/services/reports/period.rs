//! The period and the grouping of a report.

use crate::domain::calendar::vietnam;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};

/// How the report's rows are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One row per direct child agency (with its subtree), and one for the
    /// agency's own dossiers when it holds any.
    Agency,
    /// One row per calendar month of the period.
    Month,
    /// One row per procedure version with dossiers in the report.
    Procedure,
    /// One row per field of administration with dossiers in the report.
    Field,
}

impl std::str::FromStr for Grouping {
    type Err = crate::error::ApiError;

    /// `AGENCY`, `MONTH`, `PROCEDURE` or `FIELD` (any case), as GraphQL names them.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_uppercase().as_str() {
            "AGENCY" => Ok(Self::Agency),
            "MONTH" => Ok(Self::Month),
            "PROCEDURE" => Ok(Self::Procedure),
            "FIELD" => Ok(Self::Field),
            _ => Err(crate::error::ApiError::BadUserInput(format!(
                "`groupBy`: `{value}` is not one of AGENCY, MONTH, PROCEDURE, FIELD"
            ))),
        }
    }
}

/// A period of whole calendar days in Vietnam, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest period a report may span (about 20 years).
const LONGEST_DAYS: i64 = 7_320;

impl Period {
    /// `from..=to`, or `BAD_USER_INPUT` when it runs backwards or spans more
    /// than twenty years.
    pub(crate) fn new(from: NaiveDate, to: NaiveDate) -> ApiResult<Self> {
        if to < from {
            return Err(ApiError::BadUserInput(format!("the period ends ({to}) before it begins ({from})")));
        }
        if (to - from).num_days() > LONGEST_DAYS {
            return Err(ApiError::BadUserInput("a report spans at most twenty years".into()));
        }
        Ok(Self { from, to })
    }

    /// The instant the period begins: `from` at 00:00 in Vietnam.
    #[cfg(test)]
    pub(crate) fn start(&self) -> DateTime<Utc> {
        day_start(self.from)
    }

    /// The instant after the period: the day after `to` at 00:00 in Vietnam.
    #[cfg(test)]
    pub(crate) fn end(&self) -> DateTime<Utc> {
        day_start(self.to + Days::new(1))
    }
}

pub(super) fn day_start(day: NaiveDate) -> DateTime<Utc> {
    vietnam().from_local_datetime(&day.and_time(chrono::NaiveTime::MIN)).unwrap().with_timezone(&Utc)
}

/// The first day of the month after `month`'s.
pub(super) fn next_month(month: NaiveDate) -> NaiveDate {
    month.with_day(1).expect("day 1 exists").checked_add_months(chrono::Months::new(1)).expect("a month after")
}

/// The months of `period`: each one's first day, and its days inside the period.
pub(super) fn months(period: Period) -> Vec<(NaiveDate, NaiveDate, NaiveDate)> {
    let mut months = Vec::new();
    let mut first = period.from.with_day(1).expect("day 1 exists");
    while first <= period.to {
        let (from, to) = period.month_within(first);
        months.push((first, from, to));
        first = next_month(first);
    }
    months
}

impl Period {
    /// The days of the month beginning on `first` inside the period.
    pub(crate) fn month_within(&self, first: NaiveDate) -> (NaiveDate, NaiveDate) {
        (first.max(self.from), (next_month(first) - Days::new(1)).min(self.to))
    }
}
