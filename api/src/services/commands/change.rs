//! The change a command makes to an existing dossier: one type per command,
//! each in its own file with what it takes and what it changes, and the one
//! dispatcher from the command to its file.

use super::context::Context;
use super::plan::Plan;
use crate::domain::lifecycle::Command;
use crate::error::ApiResult;

pub(crate) use super::apologize::Apologize;
pub(crate) use super::assign::Assign;
pub(crate) use super::attach_document::AttachDocument;
pub(crate) use super::complete_step::CompleteStep;
pub(crate) use super::confirm_payment::ConfirmPayment;
pub(crate) use super::receive::Receive;
pub(crate) use super::refuse::Refuse;
pub(crate) use super::request_payment::RequestPayment;
pub(crate) use super::request_supplement::RequestSupplement;
pub(crate) use super::resolve::Resolve;
pub(crate) use super::return_result::ReturnResult;
pub(crate) use super::stop::Stop;
pub(crate) use super::supply_documents::SupplyDocuments;
pub(crate) use super::transfer::Transfer;
pub(crate) use super::withdraw::Withdraw;

/// `Change`, a variant per command named as its `Command`, with the
/// dispatch; the changes listed `once` (a document's upload, which can be
/// read only once) cannot be run a second time.
macro_rules! changes {
    (replayable: $($replayable:ident),* ; once: $($once:ident),* $(;)?) => {
        changes!(@ [$($replayable),*] [$($once),*] [$($replayable,)* $($once),*]);
    };
    (@ [$($replayable:ident),*] [$($once:ident),*] [$($command:ident),*]) => {
        /// A command on an existing dossier, with what it needs.
        #[derive(Debug)]
        pub(crate) enum Change {
            $($command($command)),*
        }

        impl Change {
            /// The command this change runs.
            pub(crate) fn command(&self) -> Command {
                match self {
                    $(Self::$command(_) => Command::$command),*
                }
            }

            /// Works out the change on the dossier `context` holds.
            pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
                match self {
                    $(Self::$command(change) => change.apply(context, plan).await),*
                }
            }

            /// A copy, to run the change a second time — on the dossier read
            /// afresh when a remembered copy turned out to be out of date.
            pub(super) fn replayable(&self) -> Option<Self> {
                match self {
                    $(Self::$replayable(change) => Some(Self::$replayable(change.clone())),)*
                    $(Self::$once(_) => None,)*
                }
            }
        }
    };
}

changes! {
    replayable: Receive, Refuse, Assign, CompleteStep, RequestSupplement, SupplyDocuments, RequestPayment,
        ConfirmPayment, Stop, Withdraw, Resolve, ReturnResult, Apologize, Transfer;
    once: AttachDocument;
}
