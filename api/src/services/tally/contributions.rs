//! A dossier's contributions to the counters, and the difference a write makes.

use super::*;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{dossier, Channel, DossierStatus, Outcome};
use sea_orm::FromQueryResult;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What the counters need of a dossier.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Facts {
    pub agency_id: Uuid,
    pub procedure_id: Uuid,
    pub agency_path: String,
    pub status: DossierStatus,
    pub channel: Channel,
    pub outcome: Option<Outcome>,
    pub received_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub documents_digitized: bool,
    pub result_digitized: bool,
    pub fee_amount: i64,
    pub payment_method: Option<entity::PaymentMethod>,
    pub moves: Option<String>,
}

impl From<&dossier::Model> for Facts {
    fn from(dossier: &dossier::Model) -> Self {
        Self {
            agency_id: dossier.agency_id,
            procedure_id: dossier.procedure_id,
            agency_path: dossier.agency_path.clone(),
            status: dossier.status,
            channel: dossier.channel,
            outcome: dossier.outcome,
            received_at: dossier.received_at,
            finished_at: dossier.finished_at,
            due_at: dossier.due_at,
            documents_digitized: dossier.documents_digitized,
            result_digitized: dossier.result_digitized,
            fee_amount: dossier.fee_amount,
            payment_method: dossier.payment_method,
            moves: dossier.moves.clone(),
        }
    }
}

/// When the report counts `dossier` as taken in: its receipt, or — refused
/// at intake, never received — its refusal. `None`: it counts nowhere.
pub fn entered_at(dossier: &Facts) -> Option<DateTime<Utc>> {
    match (dossier.received_at, dossier.status) {
        (Some(received), _) => Some(received),
        (None, DossierStatus::Refused) => dossier.finished_at,
        (None, _) => None,
    }
}

/// How a finished dossier ended, as its counter.
fn ending(dossier: &Facts) -> Option<Counter> {
    match dossier.status {
        DossierStatus::Resolved | DossierStatus::Returned => match dossier.outcome? {
            Outcome::Early => Some(Counter::ResolvedEarly),
            Outcome::OnTime => Some(Counter::ResolvedOnTime),
            Outcome::Late => Some(Counter::ResolvedLate),
        },
        DossierStatus::Withdrawn => Some(Counter::Withdrawn),
        DossierStatus::Refused => Some(Counter::Refused),
        DossierStatus::Stopped => Some(Counter::Stopped),
        _ => None,
    }
}

/// One move of a dossier to a successor agency, at the start of `day` (the
/// effective date): the snapshot that begins the day still finds it at
/// `from`, everything that happens on the day happens at `to`
/// (`services::reorganization`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Move {
    pub day: NaiveDate,
    pub from_id: Uuid,
    pub from_path: String,
    pub to_id: Uuid,
    pub to_path: String,
    /// The decision that ordered it.
    pub decision: String,
}

/// The moves recorded in a dossier's `moves`, oldest first.
pub fn moves_of(moves: Option<&str>) -> Vec<Move> {
    let mut moves: Vec<Move> = moves.and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default();
    moves.sort_by_key(|m| m.day);
    moves
}

/// The days and counters `dossier` adds one to, each at its agency (see
/// the module's comment): where it was on that day, for a dossier moved to
/// a successor.
pub fn placed(dossier: &Facts) -> Vec<(Uuid, NaiveDate, Counter)> {
    let Some(entered) = entered_at(dossier) else {
        return Vec::new();
    };
    let entered_day = vietnam_day(entered);
    let finished = dossier.finished_at.and_then(|at| Some((vietnam_day(at), ending(dossier)?)));
    // The moves it made once taken in and before it ended: each hands its
    // counting on to the next agency as its day begins.
    let moves: Vec<Move> = moves_of(dossier.moves.as_deref())
        .into_iter()
        .filter(|m| m.day > entered_day && finished.is_none_or(|(day, _)| day >= m.day))
        .collect();
    let at = |day: NaiveDate| moves.iter().find(|m| m.day > day).map_or(dossier.agency_id, |m| m.from_id);
    let first = at(entered_day);
    let channel = match dossier.channel {
        Channel::Online => Counter::EnteredOnline,
        Channel::Direct => Counter::EnteredDirect,
        Channel::Postal => Counter::EnteredPostal,
    };
    let mut counted = vec![(first, entered_day, channel)];
    if dossier.documents_digitized {
        counted.push((first, entered_day, Counter::EnteredDigitized));
    }
    if dossier.fee_amount > 0 {
        counted.push((first, entered_day, Counter::EnteredFeeBearing));
        if dossier.payment_method == Some(entity::PaymentMethod::Online) {
            counted.push((first, entered_day, Counter::EnteredPaidOnline));
        }
    }
    for m in &moves {
        counted.push((m.from_id, m.day, Counter::MovedOut));
        counted.push((m.to_id, m.day, Counter::MovedIn));
    }
    if let Some((day, counter)) = finished {
        let last = at(day);
        counted.push((last, day, counter));
        let resolved = matches!(counter, Counter::ResolvedEarly | Counter::ResolvedOnTime | Counter::ResolvedLate);
        if resolved && dossier.result_digitized {
            counted.push((last, day, Counter::ResolvedResultDigitized));
        }
    }
    if let Some(due) = dossier.due_at {
        let from = vietnam_day(due).max(entered_day);
        let until = finished.map(|(day, _)| day.max(from));
        overdue_spans(&moves, dossier.agency_id, from, until, &mut counted);
        if let Some((day, _)) = finished.filter(|(day, _)| from < *day) {
            counted.push((at(day), day, Counter::EndedOverdue));
        }
    }
    counted
}

/// The overdue span — overdue at the start of the days after `from` up to
/// `until` — cut at the moves: each agency counts the days it began holding
/// the dossier. Unmoved, `from` and `until` as they are.
fn overdue_spans(
    moves: &[Move],
    current: Uuid,
    from: NaiveDate,
    until: Option<NaiveDate>,
    counted: &mut Vec<(Uuid, NaiveDate, Counter)>,
) {
    if moves.is_empty() {
        counted.push((current, from, Counter::OverdueFrom));
        counted.extend(until.map(|until| (current, until, Counter::OverdueUntil)));
        return;
    }
    // Agency k holds the starts of the days after `bounds[k]` up to `bounds[k + 1]`.
    let mut lower: Option<NaiveDate> = None;
    for (index, agency) in moves.iter().map(|m| m.from_id).chain([current]).enumerate() {
        let upper = moves.get(index).map(|m| m.day);
        let start = lower.map_or(from, |lower| lower.max(from));
        let end = match (until, upper) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if end.is_none_or(|end| start < end) {
            counted.push((agency, start, Counter::OverdueFrom));
            counted.extend(end.map(|end| (agency, end, Counter::OverdueUntil)));
        }
        lower = upper;
    }
}

/// The days and counters of an unmoved `dossier`, without their agency.
#[cfg(test)]
pub fn contributions(dossier: &Facts) -> Vec<(NaiveDate, Counter)> {
    placed(dossier).into_iter().map(|(_, day, counter)| (day, counter)).collect()
}

/// The paths of the agencies a dossier's counters may fall at: where it is
/// and where it was.
pub(crate) fn paths_of(dossier: &Facts) -> Vec<(Uuid, String)> {
    let mut paths = vec![(dossier.agency_id, dossier.agency_path.clone())];
    for m in moves_of(dossier.moves.as_deref()) {
        paths.push((m.from_id, m.from_path));
        paths.push((m.to_id, m.to_path));
    }
    paths
}

/// A change to the counters of one agency and procedure version on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub agency_id: Uuid,
    pub procedure_id: Uuid,
    pub agency_path: String,
    pub day: NaiveDate,
    pub counts: Counts,
}

/// What writing `after` over `before` (`None`: a new dossier) changes in the
/// counters: `after`'s contributions minus `before`'s, rows of zeros left out.
pub fn changes(before: Option<&dossier::Model>, after: &dossier::Model) -> Vec<Delta> {
    let mut rows: BTreeMap<(Uuid, Uuid, NaiveDate), (String, Counts)> = BTreeMap::new();
    let sides = before.map(|b| (Facts::from(b), -1)).into_iter().chain([(Facts::from(after), 1)]);
    for (dossier, sign) in sides {
        let paths = paths_of(&dossier);
        let path_of = |id: Uuid| paths.iter().find(|(known, _)| *known == id).map(|(_, path)| path.clone());
        for (agency_id, day, counter) in placed(&dossier) {
            let key = (agency_id, dossier.procedure_id, day);
            let row = rows.entry(key).or_insert_with(|| (path_of(agency_id).unwrap_or_default(), [0; COUNTERS]));
            row.1[counter as usize] += sign;
        }
    }
    rows.into_iter()
        .filter(|(_, (_, counts))| counts.iter().any(|&n| n != 0))
        .map(|((agency_id, procedure_id, day), (agency_path, counts))| Delta {
            agency_id,
            procedure_id,
            agency_path,
            day,
            counts,
        })
        .collect()
}
