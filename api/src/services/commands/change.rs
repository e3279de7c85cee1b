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

/// `Change`, a variant per command named as its `Command`, with the dispatch.
macro_rules! changes {
    ($($command:ident),* $(,)?) => {
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
        }
    };
}

changes!(
    Receive,
    Refuse,
    Assign,
    CompleteStep,
    RequestSupplement,
    SupplyDocuments,
    RequestPayment,
    ConfirmPayment,
    Stop,
    Withdraw,
    Resolve,
    ReturnResult,
    Apologize,
    Transfer,
    AttachDocument,
);

impl Change {
    /// A copy, to run the change a second time — on the dossier read afresh
    /// when a remembered copy turned out to be out of date. `None` for a
    /// document, whose upload can be read only once.
    pub(super) fn replayable(&self) -> Option<Self> {
        Some(match self {
            Self::Receive(change) => Self::Receive(change.clone()),
            Self::Refuse(change) => Self::Refuse(change.clone()),
            Self::Assign(change) => Self::Assign(change.clone()),
            Self::CompleteStep(change) => Self::CompleteStep(change.clone()),
            Self::RequestSupplement(change) => Self::RequestSupplement(change.clone()),
            Self::SupplyDocuments(change) => Self::SupplyDocuments(change.clone()),
            Self::RequestPayment(change) => Self::RequestPayment(change.clone()),
            Self::ConfirmPayment(change) => Self::ConfirmPayment(change.clone()),
            Self::Stop(change) => Self::Stop(change.clone()),
            Self::Withdraw(change) => Self::Withdraw(change.clone()),
            Self::Resolve(change) => Self::Resolve(change.clone()),
            Self::ReturnResult(change) => Self::ReturnResult(change.clone()),
            Self::Apologize(change) => Self::Apologize(change.clone()),
            Self::Transfer(change) => Self::Transfer(change.clone()),
            Self::AttachDocument(_) => return None,
        })
    }
}
