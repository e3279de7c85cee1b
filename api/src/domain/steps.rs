//! A procedure version's internal process as the commands walk it: the
//! step a received dossier enters, the last step of processing, the desk's
//! return step, and a step's deadline.

use super::calendar::WorkingCalendar;
use chrono::{DateTime, Utc};
use entity::procedure_step;

/// The role of the one-stop desk in `policies/policy.csv`: it takes
/// dossiers in and hands results out.
pub(crate) const DESK_ROLE: &str = "receiver";

/// The step a received dossier enters: the one after the desk's intake step
/// (the receipt completes it), or the first.
pub(crate) fn step_after_receipt(steps: &[procedure_step::Model]) -> Option<&procedure_step::Model> {
    match steps {
        [intake, next, ..] if intake.role == DESK_ROLE => Some(next),
        _ => steps.first(),
    }
}

/// The last step of processing: the one before the desk returns the result,
/// if the process ends at the desk.
pub(crate) fn last_processing_step(steps: &[procedure_step::Model]) -> Option<i16> {
    match steps {
        [.., before, last] if last.role == DESK_ROLE => Some(before.position),
        [.., last] => Some(last.position),
        [] => None,
    }
}

/// The step returning the result at the desk, if the process has one.
pub(crate) fn return_step(steps: &[procedure_step::Model]) -> Option<&procedure_step::Model> {
    steps.last().filter(|step| step.role == DESK_ROLE && steps.len() > 1)
}

/// A step's deadline: its budget in working hours from `now`, never after the dossier's due time.
pub(crate) fn step_deadline(
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
    step: &procedure_step::Model,
    due_at: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let deadline = calendar.add_working_hours(now, step.budget_hours.max(0) as u32);
    due_at.map_or(deadline, |due| deadline.min(due))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn step(position: i16, role: &str) -> procedure_step::Model {
        procedure_step::Model {
            id: Uuid::now_v7(),
            procedure_id: Uuid::nil(),
            position,
            name: format!("step {position}"),
            role: role.into(),
            budget_hours: 8,
        }
    }

    #[test]
    fn the_receipt_completes_the_intake_step_and_resolution_leads_to_the_desk() {
        let steps = [step(1, "receiver"), step(2, "specialist"), step(3, "leader"), step(4, "receiver")];
        assert_eq!(step_after_receipt(&steps).map(|s| s.position), Some(2));
        assert_eq!(last_processing_step(&steps), Some(3));
        assert_eq!(return_step(&steps).map(|s| s.position), Some(4));
        let internal_only = [step(1, "specialist"), step(2, "leader")];
        assert_eq!(step_after_receipt(&internal_only).map(|s| s.position), Some(1));
        assert_eq!(last_processing_step(&internal_only), Some(2));
        assert!(return_step(&internal_only).is_none());
    }
}
