//! The caller and any object by its global ID.

use crate::error::ApiError;
use crate::graphql::context::{load, scope, ContextExt};
use crate::graphql::ids::{parse_global_id, NodeType};
use crate::graphql::loaders::{AgencyId, OfficialId, ProcedureId};
use crate::graphql::types::{Agency, Dossier, DossierDocument, DossierEvent, Procedure, User, Viewer};
use crate::services::{documents, dossiers};
use async_graphql::{Context, Interface, Object, ID};
use entity::dossier_event;
use sea_orm::EntityTrait;

/// An object with a global ID (Relay).
// The variants are the object types themselves, as async-graphql requires.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global ID."))]
pub(crate) enum Node {
    Agency(Agency),
    Procedure(Procedure),
    Dossier(Dossier),
    DossierEvent(DossierEvent),
    DossierDocument(DossierDocument),
    User(User),
}

/// The caller and any object by its global ID.
#[derive(Default)]
pub(super) struct RootQuery;

#[Object]
impl RootQuery {
    /// Any object by its global ID; null when it does not exist or the caller may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let (node_type, uuid) = parse_global_id(&id)?;
        Ok(match node_type {
            NodeType::Agency => load(ctx, AgencyId(uuid)).await?.map(|a| Node::Agency(Agency(a))),
            NodeType::Procedure => {
                let Some(version) = load(ctx, ProcedureId(uuid)).await? else { return Ok(None) };
                let viewer = ctx.identity().viewer();
                let visible = crate::services::administration::catalogue::may_see(ctx.state(), viewer, &version).await;
                visible.then_some(Node::Procedure(Procedure(version)))
            }
            NodeType::Dossier => {
                let scope = scope(ctx, "dossier", "read").await;
                dossiers::find_by_id(ctx.db(), &scope, uuid).await?.map(|d| Node::Dossier(Dossier(d)))
            }
            NodeType::DossierEvent => {
                let Some(event) =
                    dossier_event::Entity::find_by_id(uuid).one(ctx.db()).await.map_err(ApiError::from)?
                else {
                    return Ok(None);
                };
                let scope = scope(ctx, "dossier", "read").await;
                dossiers::find_by_id(ctx.db(), &scope, event.dossier_id)
                    .await?
                    .map(|_| Node::DossierEvent(DossierEvent(event)))
            }
            NodeType::DossierDocument => {
                let scope = scope(ctx, "dossier", "read").await;
                documents::find_visible(ctx.db(), &scope, uuid)
                    .await?
                    .map(|d| Node::DossierDocument(DossierDocument(d)))
            }
            NodeType::User => {
                let Some(viewer) = ctx.identity().viewer() else { return Ok(None) };
                let Some(user) = load(ctx, OfficialId(uuid)).await? else { return Ok(None) };
                let visible = if user.id == viewer.id {
                    true
                } else {
                    let agency = load(ctx, AgencyId(user.agency_id)).await?;
                    let scope = scope(ctx, "dossier", "read").await;
                    agency.is_some_and(|a| scope.contains(&a.path))
                };
                visible.then_some(Node::User(User(user)))
            }
            // Listed under its service account; not a node.
            NodeType::ClientSecret | NodeType::Webhook | NodeType::WebhookDelivery => None,
        })
    }

    /// The caller: user, agency and roles; null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> Option<Viewer> {
        ctx.identity().viewer().cloned().map(Viewer)
    }
}
