//! The agency tree as the admins above each unit manage it.

use super::change;
use crate::graphql::context::ContextExt;
use crate::graphql::enums::AgencyKind;
use crate::graphql::scalars::Date;
use crate::graphql::types::Agency;
use crate::services::administration::{self, agencies};
use async_graphql::{Context, InputObject, MaybeUndefined, Object};

/// The agency mutations.
#[derive(Default)]
pub(super) struct AgencyMutation;

/// `createAgency`: a new unit under a parent.
#[derive(InputObject)]
pub(super) struct CreateAgencyInput {
    /// The parent's code (`91`, `899`).
    pub parent_code: String,
    /// The new unit's code: its GSO code for a district or commune
    /// (`30733`), `{province}.{abbreviation}` for a department or the
    /// service centre (`91.SCT`). It and the path it gives never change.
    pub code: String,
    /// Official name, e.g. *Phường Vĩnh Thanh*.
    pub name: String,
    /// Kind of unit: under a province a department, the service centre, a
    /// district or a commune; under a district a commune.
    pub kind: AgencyKind,
    /// The day it comes into being.
    pub valid_from: Date,
}

/// `updateAgency`: an agency's name and contact details; what is left out
/// stays as it is, `null` removes a contact detail.
#[derive(InputObject)]
pub(super) struct UpdateAgencyInput {
    /// The agency's code.
    pub code: String,
    /// Official name.
    pub name: Option<String>,
    /// Telephone of its one-stop desk.
    pub phone: MaybeUndefined<String>,
    /// Public e-mail address.
    pub email: MaybeUndefined<String>,
    /// Street address.
    pub address: MaybeUndefined<String>,
}

/// `closeAgency`: the last day a unit exists, and who takes over.
#[derive(InputObject)]
pub(super) struct CloseAgencyInput {
    /// The agency's code.
    pub code: String,
    /// Its last day (e.g. `2025-06-30` for the districts abolished on 2025-07-01).
    pub valid_to: Date,
    /// The agency that takes over its seat, if any.
    pub successor_code: Option<String>,
}

#[Object]
impl AgencyMutation {
    /// Creates a unit under a parent where the caller holds `agency manage`
    /// (the admin of the province for its departments and districts, of a
    /// district for its communes). `CONFLICT` when the code is taken.
    async fn create_agency(&self, ctx: &Context<'_>, input: CreateAgencyInput) -> async_graphql::Result<Agency> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let new = agencies::NewAgency {
            parent_code: input.parent_code,
            code: input.code,
            name: input.name,
            kind: input.kind.into(),
            valid_from: input.valid_from.0,
        };
        let prepared = agencies::create(state, actor, new).await;
        Ok(Agency(administration::run(state, actor, agencies::CREATE, prepared).await?.into()))
    }

    /// Changes an agency's name or contact details (needs `agency manage`
    /// there). A new name holds from today; the former one is kept with its
    /// days (`Agency.names`, `agency(code:, asOf:)`).
    async fn update_agency(&self, ctx: &Context<'_>, input: UpdateAgencyInput) -> async_graphql::Result<Agency> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let changes = agencies::AgencyChanges {
            name: input.name,
            phone: change(input.phone),
            email: change(input.email),
            address: change(input.address),
        };
        let prepared = agencies::update(state, actor, &input.code, changes).await;
        Ok(Agency(administration::run(state, actor, agencies::UPDATE, prepared).await?.into()))
    }

    /// Closes a unit on its last day, naming the successor that takes over
    /// its seat (needs `agency manage` at the agency above it). Its open
    /// units below must be closed first, and it must hold no dossier in
    /// flight (a reorganisation plan moves them: `applyReorganization`).
    /// `agencies(asOf:)` then answers the tree without it from the next day on.
    async fn close_agency(&self, ctx: &Context<'_>, input: CloseAgencyInput) -> async_graphql::Result<Agency> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let successor = input.successor_code.as_deref();
        let prepared = agencies::close(state, actor, &input.code, input.valid_to.0, successor).await;
        Ok(Agency(administration::run(state, actor, agencies::CLOSE, prepared).await?.into()))
    }
}
