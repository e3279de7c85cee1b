//! `CatalogStats`: the catalogue that applies in an agency's subtree, counted.

use crate::graphql::context::load_required;
use crate::graphql::enums::{OnlineMode, Tier};
use crate::graphql::loaders::FieldId;
use crate::graphql::types::procedure::Field;
use crate::graphql::types::Agency;
use crate::services::procedures::CatalogCounts;
use async_graphql::{Context, Object, SimpleObject};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Catalogue statistics (*thống kê thủ tục hành chính*) of an agency's
/// subtree: the procedures in force that apply there — published by an
/// agency of the subtree, or by an ancestor for a tier the subtree has (a
/// district counts the province's district and commune procedures).
pub struct CatalogStats {
    pub agency: entity::agency::Model,
    pub counts: CatalogCounts,
}

/// Procedures of one tier.
#[derive(SimpleObject)]
pub struct TierCount {
    pub tier: Tier,
    pub procedures: i64,
}

/// Procedures of one online mode.
#[derive(SimpleObject)]
pub struct OnlineModeCount {
    pub mode: OnlineMode,
    pub procedures: i64,
}

/// Procedures of one field.
pub struct FieldCount {
    field_id: Uuid,
    procedures: i64,
}

#[Object]
impl FieldCount {
    /// The field (*lĩnh vực*).
    async fn field(&self, ctx: &Context<'_>) -> async_graphql::Result<Field> {
        let field = load_required(ctx, FieldId(self.field_id)).await?;
        Ok(field.into())
    }

    /// How many procedures.
    async fn procedures(&self) -> i64 {
        self.procedures
    }
}

impl CatalogStats {
    fn sum(&self, keep: impl Fn(&(entity::Tier, entity::OnlineMode, Uuid, bool, i64)) -> bool) -> i64 {
        self.counts.groups.iter().filter(|g| keep(g)).map(|g| g.4).sum()
    }
}

#[Object]
impl CatalogStats {
    /// The agency counted, with its subtree.
    async fn agency(&self) -> Agency {
        Agency(self.agency.clone())
    }

    /// Procedures in force that apply in the subtree.
    async fn procedures(&self) -> i64 {
        self.sum(|_| true)
    }

    /// Per tier that resolves them (*cấp thực hiện*), every tier listed.
    async fn by_tier(&self) -> Vec<TierCount> {
        [entity::Tier::Province, entity::Tier::District, entity::Tier::Commune]
            .into_iter()
            .map(|tier| TierCount { tier: tier.into(), procedures: self.sum(|g| g.0 == tier) })
            .collect()
    }

    /// Per online service mode (Decree 42/2022), every mode listed.
    async fn by_online_mode(&self) -> Vec<OnlineModeCount> {
        [entity::OnlineMode::Full, entity::OnlineMode::Partial, entity::OnlineMode::None]
            .into_iter()
            .map(|mode| OnlineModeCount { mode: mode.into(), procedures: self.sum(|g| g.1 == mode) })
            .collect()
    }

    /// Per field, the fields that have any, most procedures first.
    async fn by_field(&self) -> Vec<FieldCount> {
        let mut fields: BTreeMap<Uuid, i64> = BTreeMap::new();
        for group in &self.counts.groups {
            *fields.entry(group.2).or_default() += group.4;
        }
        let mut counts: Vec<FieldCount> =
            fields.into_iter().map(|(field_id, procedures)| FieldCount { field_id, procedures }).collect();
        counts.sort_by(|a, b| b.procedures.cmp(&a.procedures).then(a.field_id.cmp(&b.field_id)));
        counts
    }

    /// Offered online, fully or partly.
    async fn offered_online(&self) -> i64 {
        self.sum(|g| g.1 != entity::OnlineMode::None)
    }

    /// Of those offered online, published on the National Public Service
    /// Portal (*Cổng Dịch vụ công quốc gia*).
    async fn published_national(&self) -> i64 {
        self.sum(|g| g.1 != entity::OnlineMode::None && g.3)
    }

    /// `publishedNational` / `offeredOnline`; null when none is offered online.
    async fn published_national_share(&self) -> Option<f64> {
        let online = self.sum(|g| g.1 != entity::OnlineMode::None);
        (online > 0).then(|| self.sum(|g| g.1 != entity::OnlineMode::None && g.3) as f64 / online as f64)
    }
}
