//! The mutation root: the commands of a dossier's life (`dossier.rs`, their
//! inputs in `inputs.rs`), the calendar's edits (`calendar.rs`) and the
//! administration of officials (`administration.rs`), roles and grants
//! (`grants.rs`), service accounts (`service_accounts.rs`) and of
//! the agency tree (`agencies.rs`) and of the procedure catalogue
//! (`catalogue.rs`), reorganisation plans (`reorganization.rs`) and imports (`imports.rs`), joined.
//! Each takes one `input`; a dossier command returns the dossier with the
//! slip entry it wrote.

mod administration;
mod agencies;
mod calendar;
mod catalogue;
mod dossier;
mod fields;
mod grants;
mod imports;
mod inputs;
mod reorganization;
mod service_accounts;

use async_graphql::MergedObject;

// The mutation root (no description: the schema keeps the one it had).
#[derive(MergedObject, Default)]
pub(crate) struct Mutation(
    calendar::CalendarMutation,
    dossier::DossierMutation,
    administration::OfficialMutation,
    grants::GrantMutation,
    service_accounts::ServiceAccountMutation,
    agencies::AgencyMutation,
    catalogue::CatalogueMutation,
    fields::FieldMutation,
    reorganization::ReorganizationMutation,
    imports::ImportMutation,
);

/// What an optional input field asks of a value: `None` when left out (keep
/// it), `Some(None)` for `null` (remove it), `Some(Some(…))` to set it.
fn change<T: async_graphql::InputType>(value: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(value) => Some(Some(value)),
    }
}
