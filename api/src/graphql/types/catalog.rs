//! `CatalogStats`: the catalogue that applies in an agency's subtree, counted.

use crate::graphql::context::load_required;
use crate::graphql::enums::{OnlineMode, Tier};
use crate::graphql::loaders::FieldId;
use crate::graphql::types::procedure::Field;
use crate::graphql::types::Agency;
use crate::services::procedures::CatalogCounts;
use async_graphql::{Context, Object, SimpleObject};
use uuid::Uuid;

/// Catalogue statistics (*thống kê thủ tục hành chính*) of an agency's
/// subtree: the procedures in force that apply there — published by an
/// agency of the subtree, or by an ancestor for a tier the subtree has (a
/// district counts the province's district and commune procedures).
pub(crate) struct CatalogStats {
    pub agency: entity::agency::Model,
    pub counts: CatalogCounts,
}

/// Procedures of one tier.
#[derive(SimpleObject)]
pub(crate) struct TierCount {
    pub tier: Tier,
    pub procedures: i64,
}

/// Procedures of one online mode.
#[derive(SimpleObject)]
pub(crate) struct OnlineModeCount {
    pub mode: OnlineMode,
    pub procedures: i64,
}

/// Procedures of one field.
pub(crate) struct FieldCount {
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

#[Object]
impl CatalogStats {
    /// The agency counted, with its subtree.
    async fn agency(&self) -> Agency {
        Agency(self.agency.clone().into())
    }

    /// Procedures in force that apply in the subtree.
    async fn procedures(&self) -> i64 {
        self.counts.total()
    }

    /// Per tier that resolves them (*cấp thực hiện*), every tier listed.
    async fn by_tier(&self) -> Vec<TierCount> {
        [entity::Tier::Province, entity::Tier::District, entity::Tier::Commune]
            .into_iter()
            .map(|tier| TierCount { tier: tier.into(), procedures: self.counts.of_tier(tier) })
            .collect()
    }

    /// Per online service mode (Decree 42/2022), every mode listed.
    async fn by_online_mode(&self) -> Vec<OnlineModeCount> {
        [entity::OnlineMode::Full, entity::OnlineMode::Partial, entity::OnlineMode::None]
            .into_iter()
            .map(|mode| OnlineModeCount { mode: mode.into(), procedures: self.counts.of_mode(mode) })
            .collect()
    }

    /// Per field, the fields that have any, most procedures first.
    async fn by_field(&self) -> Vec<FieldCount> {
        self.counts.by_field().into_iter().map(|(field_id, procedures)| FieldCount { field_id, procedures }).collect()
    }

    /// Offered online, fully or partly.
    async fn offered_online(&self) -> i64 {
        self.counts.offered_online()
    }

    /// Of those offered online, published on the National Public Service
    /// Portal (*Cổng Dịch vụ công quốc gia*).
    async fn published_national(&self) -> i64 {
        self.counts.published_national()
    }

    /// `publishedNational` / `offeredOnline`; null when none is offered online.
    async fn published_national_share(&self) -> Option<f64> {
        let online = self.counts.offered_online();
        (online > 0).then(|| self.counts.published_national() as f64 / online as f64)
    }
}
