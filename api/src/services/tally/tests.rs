//! The counters' unit tests.

use super::*;
use chrono::TimeZone;
use entity::{dossier, Channel, DossierStatus, Outcome};
use uuid::Uuid;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    vietnam().with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap().with_timezone(&Utc)
}

fn dossier(status: DossierStatus) -> dossier::Model {
    dossier::Model {
        id: Uuid::nil(),
        code: "X".into(),
        procedure_id: Uuid::nil(),
        status,
        channel: Channel::Direct,
        applicant_kind: entity::ApplicantKind::Citizen,
        applicant_name: String::new(),
        applicant_id_number: String::new(),
        applicant_phone: String::new(),
        applicant_email: None,
        applicant_address: String::new(),
        receiving_agency_id: Uuid::nil(),
        receiving_agency_path: "/91/".into(),
        transferred: false,
        moves: None,
        competent_agency_id: Uuid::nil(),
        agency_id: Uuid::nil(),
        agency_path: "/91/".into(),
        province_code: "91".into(),
        current_step: None,
        assignee_id: None,
        filed_at: at(2, 9),
        submitted_at: None,
        received_at: Some(at(2, 9)),
        due_at: Some(at(5, 17)),
        paused_at: None,
        finished_at: None,
        appointment_at: None,
        returned_at: None,
        outcome: None,
        fee_amount: 0,
        fee_paid_at: None,
        payment_method: None,
        documents_digitized: false,
        result_digitized: false,
        result_number: None,
        signer_id: None,
        idempotency_key: None,
        lock_version: 0,
        created_at: at(2, 9),
        updated_at: at(2, 9),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

#[test]
fn a_pending_dossier_counts_its_entry_and_its_due_day() {
    let pending = dossier(DossierStatus::Processing);
    assert_eq!(
        contributions(&Facts::from(&pending)),
        [(day(2), Counter::EnteredDirect), (day(5), Counter::OverdueFrom)]
    );
}

#[test]
fn a_late_dossier_is_overdue_from_its_due_day_until_it_finished() {
    let mut late = dossier(DossierStatus::Resolved);
    late.finished_at = Some(at(9, 10));
    late.outcome = Some(Outcome::Late);
    assert_eq!(
        contributions(&Facts::from(&late)),
        [
            (day(2), Counter::EnteredDirect),
            (day(9), Counter::ResolvedLate),
            (day(5), Counter::OverdueFrom),
            (day(9), Counter::OverdueUntil),
            (day(9), Counter::EndedOverdue)
        ]
    );
}

#[test]
fn an_early_dossier_ends_its_overdue_span_where_it_began() {
    let mut early = dossier(DossierStatus::Returned);
    early.finished_at = Some(at(3, 10));
    early.outcome = Some(Outcome::Early);
    let counted = contributions(&Facts::from(&early));
    assert!(counted.contains(&(day(5), Counter::OverdueFrom)));
    assert!(counted.contains(&(day(5), Counter::OverdueUntil)));
}

#[test]
fn a_submission_counts_only_once_taken_in_or_refused() {
    let mut submitted = dossier(DossierStatus::Submitted);
    submitted.received_at = None;
    submitted.due_at = None;
    assert!(contributions(&Facts::from(&submitted)).is_empty());
    let mut withdrawn = submitted.clone();
    withdrawn.status = DossierStatus::Withdrawn;
    withdrawn.finished_at = Some(at(3, 8));
    assert!(contributions(&Facts::from(&withdrawn)).is_empty());
    let mut refused = submitted.clone();
    refused.status = DossierStatus::Refused;
    refused.finished_at = Some(at(3, 8));
    assert_eq!(contributions(&Facts::from(&refused)), [(day(3), Counter::EnteredDirect), (day(3), Counter::Refused)]);
}

#[test]
fn the_day_is_vietnams() {
    // 23:30 UTC on the 1st is 06:30 on the 2nd in Vietnam.
    let late_utc = Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).unwrap();
    assert_eq!(vietnam_day(late_utc), day(2));
}

#[test]
fn a_change_moves_only_what_differs_and_a_transfer_moves_everything() {
    let before = dossier(DossierStatus::Processing);
    let mut paused = before.clone();
    paused.due_at = Some(at(7, 17));
    let moved = changes(Some(&before), &paused);
    assert_eq!(moved.len(), 2);
    assert_eq!(moved[0].day, day(5));
    assert_eq!(moved[0].counts[Counter::OverdueFrom as usize], -1);
    assert_eq!(moved[1].day, day(7));
    assert_eq!(moved[1].counts[Counter::OverdueFrom as usize], 1);
    assert!(changes(Some(&before), &before).is_empty());

    let mut transferred = before.clone();
    transferred.agency_id = Uuid::from_u128(7);
    transferred.agency_path = "/91/STP/".into();
    let moved = changes(Some(&before), &transferred);
    let total: i32 = moved.iter().map(|d| d.counts.iter().sum::<i32>()).sum();
    assert_eq!(total, 0);
    assert!(moved.iter().any(|d| d.agency_path == "/91/STP/" && d.counts[Counter::EnteredDirect as usize] == 1));
    assert!(moved.iter().any(|d| d.agency_path == "/91/" && d.counts[Counter::EnteredDirect as usize] == -1));
}

#[test]
fn a_move_splits_the_counting_at_its_day_and_what_follows_counts_at_the_successor() {
    let (old, new) = (Uuid::from_u128(1), Uuid::from_u128(2));
    // Received on day 2, due on day 5, moved as day 10 began.
    let mut pending = dossier(DossierStatus::Processing);
    pending.agency_id = new;
    pending.agency_path = "/91/30742/".into();
    let moved = Move {
        day: day(10),
        from_id: old,
        from_path: "/91/899/30733/".into(),
        to_id: new,
        to_path: "/91/30742/".into(),
        decision: "NQ".into(),
    };
    pending.moves = Some(serde_json::to_string(&[moved]).unwrap());
    assert_eq!(
        placed(&Facts::from(&pending)),
        [
            (old, day(2), Counter::EnteredDirect),
            (old, day(10), Counter::MovedOut),
            (new, day(10), Counter::MovedIn),
            // Overdue at the old agency from day 5 until it left, at the new one since.
            (old, day(5), Counter::OverdueFrom),
            (old, day(10), Counter::OverdueUntil),
            (new, day(10), Counter::OverdueFrom),
        ]
    );
    // Resolved late on day 12: all of it at the successor.
    let mut resolved = pending.clone();
    resolved.status = DossierStatus::Resolved;
    resolved.outcome = Some(Outcome::Late);
    resolved.finished_at = Some(at(12, 10));
    let changed = changes(Some(&pending), &resolved);
    assert!(changed.iter().all(|delta| delta.agency_id == new && delta.agency_path == "/91/30742/"), "{changed:?}");
    // Each agency balances: pending = entered + moved in − ended − moved out.
    let pending_at = |agency: Uuid| {
        let mut sum = 0;
        for (at, _, counter) in placed(&Facts::from(&resolved)) {
            if at == agency {
                sum += match counter {
                    Counter::EnteredDirect | Counter::MovedIn => 1,
                    Counter::ResolvedLate | Counter::MovedOut => -1,
                    _ => 0,
                };
            }
        }
        sum
    };
    assert_eq!((pending_at(old), pending_at(new)), (0, 0));
}
