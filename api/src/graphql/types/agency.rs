//! `Agency`: a tenant (*cơ quan, đơn vị*) and its place in the tree.

use crate::graphql::context::{agency_by_id, load};
use crate::graphql::enums::AgencyKind;
use crate::graphql::ids::{global_id, NodeType};
use crate::graphql::loaders::{ChildrenOf, NamesOf, PredecessorsOf, SuccessorsOf};
use async_graphql::{Context, Object, ID};
use chrono::NaiveDate;
use entity::agency;

/// An agency (*cơ quan, đơn vị*): the province, a department, the service
/// centre, a district or a commune. Each is a tenant with its own procedures
/// and dossiers. The agency directory is public.
pub(crate) struct Agency(pub std::sync::Arc<agency::Model>);

#[Object]
impl Agency {
    /// Global ID (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeType::Agency, self.0.id)
    }

    /// The GSO code for the province, districts and communes (`91`, `899`,
    /// `30733`); `{province}.{abbreviation}` for departments and the service
    /// centre (`91.STP`). It names one unit on any day; a later unit may
    /// take up a closed one's code (Phường Rạch Giá took up `30742` in 2025),
    /// and the path tells them apart.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Official name, e.g. *Phường Vĩnh Thanh*: today's (its last, once
    /// closed), or the one of the day `agency(code:, asOf:)` asked for.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Kind of unit.
    async fn kind(&self) -> AgencyKind {
        self.0.kind.into()
    }

    /// Canonical path of local codes with a trailing slash (`/91/899/30733/`):
    /// the domain of role assignments.
    async fn path(&self) -> &str {
        &self.0.path
    }

    /// GSO code of the province the agency belongs to.
    async fn province_code(&self) -> &str {
        &self.0.province_code
    }

    /// The day the unit came into being (for the demo data, its state before the 2025 reorganisation).
    async fn valid_from(&self) -> NaiveDate {
        self.0.valid_from
    }

    /// The last day the unit existed, if it ceased (e.g. districts abolished on 2025-07-01).
    async fn valid_to(&self) -> Option<NaiveDate> {
        self.0.valid_to
    }

    /// Telephone of its one-stop desk.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// Public e-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Street address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// The agency above (null for a province).
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Agency>> {
        match self.0.parent_id {
            Some(parent_id) => Ok(agency_by_id(ctx, parent_id).await?.map(Agency)),
            None => Ok(None),
        }
    }

    /// The agencies directly below, in path order (those closed included:
    /// `agencies(asOf:)` gives the tree of one day).
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Agency>> {
        Ok(load(ctx, ChildrenOf(self.0.id)).await?.unwrap_or_default().into_iter().map(|a| Agency(a.into())).collect())
    }

    /// For a closed unit, the units that carry on its work (*đơn vị kế
    /// thừa*): one for a merge, several for a division, the default one
    /// taking its seat, its dossiers in flight and its history.
    async fn successors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AgencySuccessor>> {
        let rows = load(ctx, SuccessorsOf(self.0.id)).await?.unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|(agency, default)| AgencySuccessor { agency: Agency(agency.into()), default })
            .collect())
    }

    /// The closed units this one succeeded (merged into it, or divided with
    /// a part to it), in path order. Its officials read their dossiers; its
    /// reports count them for the days before.
    async fn predecessors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Agency>> {
        Ok(load(ctx, PredecessorsOf(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|a| Agency(a.into()))
            .collect())
    }

    /// The names it bore, oldest first, each with the days it was in use
    /// (empty for a unit never renamed).
    async fn names(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AgencyName>> {
        let rows = load(ctx, NamesOf(self.0.id)).await?.unwrap_or_default();
        let mut names: Vec<AgencyName> = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let next = rows.get(index + 1).map(|n| n.valid_from - chrono::Days::new(1));
            let valid_to = next.or(self.0.valid_to);
            names.push(AgencyName { name: row.name.clone(), valid_from: row.valid_from, valid_to });
        }
        Ok(names)
    }
}

/// One successor of a closed unit.
#[derive(async_graphql::SimpleObject)]
pub(crate) struct AgencySuccessor {
    pub agency: Agency,
    /// The one that took its seat, its dossiers in flight and its history.
    pub default: bool,
}

/// A name a unit bore over a stretch of days.
#[derive(async_graphql::SimpleObject)]
pub(crate) struct AgencyName {
    pub name: String,
    pub valid_from: NaiveDate,
    /// The last day of it (null: in use).
    pub valid_to: Option<NaiveDate>,
}
