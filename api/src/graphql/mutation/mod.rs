//! The mutation root: the commands of a dossier's life (`dossier.rs`, their
//! inputs in `inputs.rs`), the calendar's edits (`calendar.rs`) and the
//! administration of officials (`administration.rs`), roles and grants
//! (`grants.rs`), service accounts (`service_accounts.rs`) and of
//! the agency tree (`agencies.rs`) and of the procedure catalogue
//! (`catalogue.rs`), reorganisation plans (`reorganization.rs`), imports (`imports.rs`)
//! webhooks (`webhooks.rs`) and the notices to applicants' templates
//! (`notices.rs`), joined.
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
mod notices;
mod reorganization;
mod service_accounts;
mod webhooks;

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
    webhooks::WebhookMutation,
    notices::NoticeMutation,
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

/// An uploaded file's name and bytes, at most `most` of them (one more tells
/// the reader it is too long).
fn upload_bytes(
    ctx: &async_graphql::Context<'_>,
    upload: &async_graphql::Upload,
    most: usize,
) -> Result<(String, Vec<u8>), crate::error::ApiError> {
    use crate::error::ApiError;
    use std::io::Read;
    let value = upload.value(ctx).map_err(|error| {
        ApiError::BadUserInput(format!("the file cannot be read ({error}): send it as a multipart part"))
    })?;
    let mut bytes = Vec::new();
    value
        .content
        .take(most as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| ApiError::BadUserInput(format!("the file cannot be read: {error}")))?;
    Ok((value.filename, bytes))
}
