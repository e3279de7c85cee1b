//! The mutation root: the commands of a dossier's life (`dossier.rs`, their
//! inputs in `inputs.rs`), the calendar's edits (`calendar.rs`) and the
//! administration of officials and grants (`administration.rs`) and of
//! the agency tree (`agencies.rs`) and of the procedure catalogue
//! (`catalogue.rs`), joined.
//! Each takes one `input`; a dossier command returns the dossier with the
//! slip entry it wrote.

mod administration;
mod agencies;
mod calendar;
mod catalogue;
mod dossier;
mod inputs;

use async_graphql::MergedObject;

// The mutation root (no description: the schema keeps the one it had).
#[derive(MergedObject, Default)]
pub(crate) struct Mutation(
    calendar::CalendarMutation,
    dossier::DossierMutation,
    administration::AdministrationMutation,
    agencies::AgencyMutation,
    catalogue::CatalogueMutation,
);
