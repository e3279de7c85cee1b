//! The dossier's life as a state machine on the national statuses 1–10: which
//! command may run from which status, and where it leads. Who may run it is
//! casbin's business (the command's [`Command::action`] on the dossier's
//! agency); this module only knows the order of things.

use crate::error::{ApiError, ApiResult};
use entity::DossierStatus;

/// A command of the dossier's life, one per GraphQL mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Command {
    /// An online portal submits a new dossier (`submitDossier`).
    Submit,
    /// The desk receives a dossier: a new one at the desk or by post, or a submitted one.
    Receive,
    /// The desk refuses a submitted dossier at intake.
    Refuse,
    /// A leader assigns (or reassigns) the dossier to a specialist.
    Assign,
    /// The current step is done; the next step of the procedure's process begins.
    CompleteStep,
    /// The specialist asks the applicant for missing documents (the clock pauses).
    RequestSupplement,
    /// The applicant supplies them (the clock resumes).
    SupplyDocuments,
    /// The applicant must pay a fee or tax first (the clock pauses).
    RequestPayment,
    /// The payment arrived (the clock resumes).
    ConfirmPayment,
    /// Processing stops for good (*dừng xử lý*).
    Stop,
    /// The applicant withdraws the dossier.
    Withdraw,
    /// The leader signs the result.
    Resolve,
    /// The desk hands the result to the applicant.
    ReturnResult,
    /// A late dossier: an apology letter and a new appointment.
    Apologize,
    /// The dossier goes to another agency (*liên thông*).
    Transfer,
    /// A document (part of the application, a supplement or the result) is
    /// attached; the status does not change.
    AttachDocument,
}

/// What the rest of the system names a command by.
#[derive(Debug)]
pub(crate) struct Facts {
    pub command: Command,
    /// The GraphQL mutation that runs it.
    pub mutation: &'static str,
    /// The casbin action (`policies/policy.csv`) that allows it.
    pub action: &'static str,
    /// The slip's name for it (`dossier_event.action`).
    pub event: &'static str,
    /// A command the applicant comes to the desk for: the desk of the
    /// receiving agency may run it on a dossier it transferred, as well as
    /// the agency holding it.
    pub at_the_desk: bool,
}

const fn facts(command: Command, mutation: &'static str, action: &'static str, event: &'static str) -> Facts {
    Facts { command, mutation, action, event, at_the_desk: false }
}

const fn at_the_desk(facts: Facts) -> Facts {
    Facts { at_the_desk: true, ..facts }
}

/// Every command, in the order of a dossier's life (and of [`Command`]'s variants).
pub(crate) const COMMANDS: [Facts; 16] = [
    facts(Command::Submit, "submitDossier", "submit", "SUBMIT"),
    facts(Command::Receive, "receiveDossier", "receive", "RECEIVE"),
    facts(Command::Refuse, "refuseDossier", "refuse", "REFUSE"),
    facts(Command::Assign, "assignDossier", "assign", "ASSIGN"),
    facts(Command::CompleteStep, "completeStep", "complete_step", "COMPLETE_STEP"),
    facts(Command::RequestSupplement, "requestSupplement", "request_supplement", "REQUEST_SUPPLEMENT"),
    at_the_desk(facts(Command::SupplyDocuments, "supplyDocuments", "supply_documents", "SUPPLY_DOCUMENTS")),
    facts(Command::RequestPayment, "requestPayment", "request_payment", "REQUEST_PAYMENT"),
    at_the_desk(facts(Command::ConfirmPayment, "confirmPayment", "confirm_payment", "CONFIRM_PAYMENT")),
    facts(Command::Stop, "stopDossier", "stop", "STOP"),
    at_the_desk(facts(Command::Withdraw, "withdrawDossier", "withdraw", "WITHDRAW")),
    facts(Command::Resolve, "resolveDossier", "resolve", "RESOLVE"),
    at_the_desk(facts(Command::ReturnResult, "returnResult", "return_result", "RETURN_RESULT")),
    facts(Command::Apologize, "apologize", "apologize", "APOLOGIZE"),
    facts(Command::Transfer, "transferDossier", "transfer", "TRANSFER"),
    at_the_desk(facts(Command::AttachDocument, "attachDocument", "attach_document", "ATTACH_DOCUMENT")),
];

impl Command {
    /// Every command, in the order of a dossier's life.
    pub(crate) const ALL: [Self; 16] = {
        let mut all = [Self::Submit; 16];
        let mut index = 0;
        while index < COMMANDS.len() {
            all[index] = COMMANDS[index].command;
            index += 1;
        }
        all
    };

    /// The command's row of [`COMMANDS`].
    pub(crate) fn facts(self) -> &'static Facts {
        &COMMANDS[self as usize]
    }

    /// The casbin action (`policies/policy.csv`) that allows the command.
    pub(crate) fn action(self) -> &'static str {
        self.facts().action
    }

    /// The GraphQL mutation that runs the command.
    pub(crate) fn mutation(self) -> &'static str {
        self.facts().mutation
    }

    /// The slip's name for the command (`dossier_event.action`).
    pub(crate) fn event_action(self) -> &'static str {
        self.facts().event
    }

    /// Where the command leads from `from` (`None`: a dossier that does not
    /// exist yet), or `None` when it may not run from there.
    pub(crate) fn next(self, from: Option<DossierStatus>) -> Option<DossierStatus> {
        use DossierStatus::*;
        match (self, from) {
            (Self::Submit, None) => Some(Submitted),
            (Self::Receive, None | Some(Submitted)) => Some(Received),
            (Self::Refuse, Some(Submitted)) => Some(Refused),
            (Self::Assign, Some(Received | Processing)) => Some(Processing),
            (Self::CompleteStep, Some(Processing)) => Some(Processing),
            (Self::RequestSupplement, Some(Processing)) => Some(SupplementRequested),
            (Self::SupplyDocuments, Some(SupplementRequested)) => Some(Processing),
            (Self::RequestPayment, Some(Processing)) => Some(AwaitingPayment),
            (Self::ConfirmPayment, Some(AwaitingPayment)) => Some(Processing),
            (Self::Stop, Some(Processing | SupplementRequested | AwaitingPayment)) => Some(Stopped),
            (Self::Withdraw, Some(Submitted | Received | Processing | SupplementRequested | AwaitingPayment)) => {
                Some(Withdrawn)
            }
            (Self::Resolve, Some(Processing)) => Some(Resolved),
            (Self::ReturnResult, Some(Resolved)) => Some(Returned),
            (Self::Apologize, Some(status @ (Received | Processing | SupplementRequested | AwaitingPayment))) => {
                Some(status)
            }
            // At the competent agency the dossier waits to be assigned there.
            (Self::Transfer, Some(Received | Processing)) => Some(Received),
            // Documents come with the application, the supplement and the
            // result, until the result is handed out.
            (
                Self::AttachDocument,
                Some(status @ (Submitted | Received | Processing | SupplementRequested | AwaitingPayment | Resolved)),
            ) => Some(status),
            _ => None,
        }
    }

    /// The commands that may run on a dossier in `status`.
    pub(crate) fn allowed_from(status: DossierStatus) -> Vec<Self> {
        Self::ALL.into_iter().filter(|command| command.next(Some(status)).is_some()).collect()
    }
}

/// Where `command` leads from `from`, or `INVALID_TRANSITION` naming the
/// mutations that may run from there.
pub(crate) fn transition(command: Command, from: DossierStatus) -> ApiResult<DossierStatus> {
    command.next(Some(from)).ok_or_else(|| {
        let allowed: Vec<&'static str> = Command::allowed_from(from).into_iter().map(Command::mutation).collect();
        let next = if allowed.is_empty() { "none: the dossier is finished".to_owned() } else { allowed.join(", ") };
        ApiError::InvalidTransition {
            message: format!(
                "`{}` cannot run on a dossier that is {}; allowed from there: {next}",
                command.mutation(),
                status_name(from)
            ),
            status: status_name(from),
            allowed,
        }
    })
}

/// The GraphQL name of a status.
pub(crate) fn status_name(status: DossierStatus) -> &'static str {
    match status {
        DossierStatus::Submitted => "SUBMITTED",
        DossierStatus::Received => "RECEIVED",
        DossierStatus::Refused => "REFUSED",
        DossierStatus::Processing => "PROCESSING",
        DossierStatus::SupplementRequested => "SUPPLEMENT_REQUESTED",
        DossierStatus::AwaitingPayment => "AWAITING_PAYMENT",
        DossierStatus::Withdrawn => "WITHDRAWN",
        DossierStatus::Stopped => "STOPPED",
        DossierStatus::Resolved => "RESOLVED",
        DossierStatus::Returned => "RETURNED",
    }
}

/// Whether a dossier in `status` is finished: nothing but reading remains.
#[cfg(test)]
fn is_final(status: DossierStatus) -> bool {
    Command::allowed_from(status).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_commands_follows_the_order_of_the_variants() {
        for (index, row) in COMMANDS.iter().enumerate() {
            assert_eq!(row.command as usize, index, "{row:?}");
        }
    }
    use DossierStatus::*;

    #[test]
    fn the_happy_path_runs_from_intake_to_the_returned_result() {
        let mut status = Command::Receive.next(None).unwrap();
        for command in [Command::Assign, Command::CompleteStep, Command::Resolve, Command::ReturnResult] {
            status = command.next(Some(status)).unwrap_or_else(|| panic!("{command:?} from {status:?}"));
        }
        assert_eq!(status, Returned);
    }

    #[test]
    fn the_clock_pauses_come_back_to_processing() {
        assert_eq!(Command::RequestSupplement.next(Some(Processing)), Some(SupplementRequested));
        assert_eq!(Command::SupplyDocuments.next(Some(SupplementRequested)), Some(Processing));
        assert_eq!(Command::RequestPayment.next(Some(Processing)), Some(AwaitingPayment));
        assert_eq!(Command::ConfirmPayment.next(Some(AwaitingPayment)), Some(Processing));
    }

    #[test]
    fn finished_dossiers_accept_no_command() {
        for status in [Refused, Withdrawn, Stopped, Returned] {
            assert!(is_final(status), "{status:?}");
        }
        for status in [Submitted, Received, Processing, SupplementRequested, AwaitingPayment, Resolved] {
            assert!(!is_final(status), "{status:?}");
        }
    }

    #[test]
    fn a_dossier_is_resolved_once_and_returned_once() {
        assert_eq!(Command::Resolve.next(Some(Resolved)), None);
        assert_eq!(Command::ReturnResult.next(Some(Returned)), None);
        assert_eq!(Command::Receive.next(Some(Received)), None);
        assert_eq!(Command::Submit.next(Some(Submitted)), None);
    }

    #[test]
    fn the_allowed_commands_name_what_can_happen_next() {
        assert_eq!(
            Command::allowed_from(Submitted),
            [Command::Receive, Command::Refuse, Command::Withdraw, Command::AttachDocument]
        );
        assert_eq!(Command::allowed_from(Resolved), [Command::ReturnResult, Command::AttachDocument]);
    }

    #[test]
    fn an_invalid_transition_names_the_status_and_what_may_run() {
        match transition(Command::Resolve, Received) {
            Err(ApiError::InvalidTransition { status, allowed, message }) => {
                assert_eq!(status, "RECEIVED");
                assert!(allowed.contains(&"assignDossier"), "{allowed:?}");
                assert!(!allowed.contains(&"resolveDossier"), "{allowed:?}");
                assert!(message.contains("resolveDossier"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(transition(Command::Resolve, Processing).unwrap(), Resolved);
    }

    #[test]
    fn every_action_is_in_the_policy() {
        let policy = include_str!("../../../policies/policy.csv");
        for command in Command::ALL {
            assert!(policy.contains(&format!("dossier, {}\n", command.action())), "{command:?}");
        }
    }
}
