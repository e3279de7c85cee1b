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

/// The days and counters `dossier` adds one to (see the module's comment).
pub fn contributions(dossier: &Facts) -> Vec<(NaiveDate, Counter)> {
    let Some(entered) = entered_at(dossier) else {
        return Vec::new();
    };
    let entered_day = vietnam_day(entered);
    let channel = match dossier.channel {
        Channel::Online => Counter::EnteredOnline,
        Channel::Direct => Counter::EnteredDirect,
        Channel::Postal => Counter::EnteredPostal,
    };
    let mut counted = vec![(entered_day, channel)];
    if dossier.documents_digitized {
        counted.push((entered_day, Counter::EnteredDigitized));
    }
    if dossier.fee_amount > 0 {
        counted.push((entered_day, Counter::EnteredFeeBearing));
        if dossier.payment_method == Some(entity::PaymentMethod::Online) {
            counted.push((entered_day, Counter::EnteredPaidOnline));
        }
    }
    let finished = dossier.finished_at.and_then(|at| Some((vietnam_day(at), ending(dossier)?)));
    if let Some((day, counter)) = finished {
        counted.push((day, counter));
        let resolved = matches!(counter, Counter::ResolvedEarly | Counter::ResolvedOnTime | Counter::ResolvedLate);
        if resolved && dossier.result_digitized {
            counted.push((day, Counter::ResolvedResultDigitized));
        }
    }
    if let Some(due) = dossier.due_at {
        let from = vietnam_day(due).max(entered_day);
        counted.push((from, Counter::OverdueFrom));
        if let Some((day, _)) = finished {
            counted.push((day.max(from), Counter::OverdueUntil));
            if from < day {
                counted.push((day, Counter::EndedOverdue));
            }
        }
    }
    counted
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
        for (day, counter) in contributions(&dossier) {
            let key = (dossier.agency_id, dossier.procedure_id, day);
            let row = rows.entry(key).or_insert_with(|| (dossier.agency_path.clone(), [0; COUNTERS]));
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
