//! `TrackedDossier`: what an anonymous applicant learns of a dossier from
//! its code and phone number — its progress and what is awaited from them,
//! nothing of the officials or of other applicants.

use crate::domain::calendar::is_overdue;
use crate::graphql::enums::DossierStatus;
use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{dossier, dossier_event};

/// A dossier as its applicant may follow it (*tra cứu hồ sơ*).
#[derive(SimpleObject)]
pub(crate) struct TrackedDossier {
    /// The dossier code.
    pub code: String,
    /// Status.
    pub status: DossierStatus,
    /// The national status code, 1–10.
    pub national_status_code: i32,
    /// The procedure's name.
    pub procedure_name: String,
    /// The agency handling the dossier now.
    pub agency_name: String,
    /// When it was received.
    pub received_at: Option<DateTime<Utc>>,
    /// When the result is due (*ngày hẹn trả*).
    pub due_at: Option<DateTime<Utc>>,
    /// The new appointment after an apology for lateness.
    pub appointment_at: Option<DateTime<Utc>>,
    /// True when the dossier is pending past its due time.
    pub overdue: bool,
    /// When it was resolved, refused, withdrawn or stopped.
    pub finished_at: Option<DateTime<Utc>>,
    /// When the result was handed over.
    pub returned_at: Option<DateTime<Utc>>,
    /// The steps passed so far, oldest first (at most the latest 1,000).
    pub steps: Vec<TrackedStep>,
    /// What the agency waits for from the applicant, if anything.
    pub awaiting: Option<Awaiting>,
}

/// One step a dossier passed.
#[derive(SimpleObject)]
pub(crate) struct TrackedStep {
    /// What happened: `RECEIVE`, `ASSIGN`, `REQUEST_SUPPLEMENT`, `RESOLVE`, …
    pub action: String,
    /// Status after it.
    pub status: DossierStatus,
    /// When.
    pub at: DateTime<Utc>,
}

/// What the applicant is asked for.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AwaitingKind {
    /// Documents to supplement (*bổ sung hồ sơ*).
    Supplement,
    /// A fee or financial obligation to pay.
    Payment,
    /// The result is ready at the desk.
    ResultPickup,
}

/// What the agency waits for from the applicant.
#[derive(SimpleObject)]
pub(crate) struct Awaiting {
    /// Documents, a payment, or collecting the result.
    pub kind: AwaitingKind,
    /// The reason the request gave.
    pub reason: Option<String>,
    /// The documents to supply.
    pub documents: Vec<String>,
    /// The day by which to supply them.
    pub supply_by: Option<NaiveDate>,
    /// The amount to pay, in VND.
    pub amount: Option<i64>,
}

impl TrackedDossier {
    /// The applicant's view of `dossier` and its slip.
    pub(crate) fn new(
        dossier: dossier::Model,
        events: Vec<dossier_event::Model>,
        procedure_name: String,
        agency_name: String,
        now: DateTime<Utc>,
    ) -> Self {
        let details = |action: &str| {
            events
                .iter()
                .rev()
                .find(|e| e.action == action)
                .map(|e| (e.note.clone(), e.details.as_deref().and_then(|d| serde_json::from_str(d).ok())))
        };
        let awaiting = match dossier.status {
            entity::DossierStatus::SupplementRequested => details("REQUEST_SUPPLEMENT").map(|(note, d)| {
                let d: serde_json::Value = d.unwrap_or_default();
                Awaiting {
                    kind: AwaitingKind::Supplement,
                    reason: note,
                    documents: serde_json::from_value(d["missingDocuments"].clone()).unwrap_or_default(),
                    supply_by: d["supplyBy"].as_str().and_then(|s| s.parse().ok()),
                    amount: None,
                }
            }),
            entity::DossierStatus::AwaitingPayment => Some(Awaiting {
                kind: AwaitingKind::Payment,
                reason: details("REQUEST_PAYMENT").and_then(|(note, _)| note),
                documents: Vec::new(),
                supply_by: None,
                amount: Some(dossier.fee_amount),
            }),
            entity::DossierStatus::Resolved => Some(Awaiting {
                kind: AwaitingKind::ResultPickup,
                reason: None,
                documents: Vec::new(),
                supply_by: None,
                amount: None,
            }),
            _ => None,
        };
        Self {
            code: dossier.code,
            status: dossier.status.into(),
            national_status_code: dossier.status.national_code().into(),
            procedure_name,
            agency_name,
            received_at: dossier.received_at,
            due_at: dossier.due_at,
            appointment_at: dossier.appointment_at,
            overdue: is_overdue(dossier.status, dossier.due_at, dossier.paused_at, now),
            finished_at: dossier.finished_at,
            returned_at: dossier.returned_at,
            steps: events
                .into_iter()
                .rev()
                .take(crate::services::list_bounds::TRACKED_STEPS as usize)
                .rev()
                .map(|e| TrackedStep { action: e.action, status: e.status_to.into(), at: e.created_at })
                .collect(),
            awaiting,
        }
    }
}
