//! The fields of administration (*lĩnh vực*) procedures belong to.

use crate::graphql::context::ContextExt;
use crate::graphql::types::procedure::Field;
use crate::services::administration;
use async_graphql::{Context, InputObject, Object};

/// The fields' mutations.
#[derive(Default)]
pub(super) struct FieldMutation;

/// `createField` and `renameField`.
#[derive(InputObject)]
pub(super) struct FieldInput {
    /// The field's code, e.g. `HT` (never changes).
    pub code: String,
    /// Its name, e.g. *Hộ tịch*.
    pub name: String,
}

#[Object]
impl FieldMutation {
    /// Adds a field of administration (*lĩnh vực*) procedures can belong to
    /// (needs `procedure manage` at a province).
    async fn create_field(&self, ctx: &Context<'_>, input: FieldInput) -> async_graphql::Result<Field> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = administration::fields::create(state, actor, &input.code, &input.name).await;
        Ok(administration::run(state, actor, administration::fields::CREATE, prepared).await?.into())
    }

    /// Renames a field (its code stays).
    async fn rename_field(&self, ctx: &Context<'_>, input: FieldInput) -> async_graphql::Result<Field> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = administration::fields::rename(state, actor, &input.code, &input.name).await;
        Ok(administration::run(state, actor, administration::fields::RENAME, prepared).await?.into())
    }
}
