//! The slip entries a batch of deliveries carries, with their dossiers and
//! the procedure versions those were received under: read once, in three
//! statements, for whatever body the consumer needs (the portal's exchange,
//! a notice).

use crate::error::ApiResult;
use entity::{dossier, dossier_event, procedure};
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// Slip entries and what they are about.
pub(crate) struct Entries {
    pub events: Vec<dossier_event::Model>,
    pub dossiers: HashMap<Uuid, dossier::Model>,
    pub procedures: HashMap<Uuid, procedure::Model>,
}

impl Entries {
    /// The entries `ids` (those that exist), their dossiers and procedures.
    pub(crate) async fn load(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Self> {
        let events =
            dossier_event::Entity::find().filter(dossier_event::Column::Id.is_in(ids.iter().copied())).all(db).await?;
        let dossier_ids: Vec<Uuid> = events.iter().map(|e| e.dossier_id).collect();
        let dossiers: HashMap<Uuid, dossier::Model> =
            by_id(dossier::Entity::find().filter(dossier::Column::Id.is_in(dossier_ids)).all(db).await?, |d| d.id);
        let procedure_ids: Vec<Uuid> = dossiers.values().map(|d| d.procedure_id).collect();
        let procedures = procedure::Entity::find().filter(procedure::Column::Id.is_in(procedure_ids)).all(db).await?;
        Ok(Self { events, dossiers, procedures: by_id(procedures, |p| p.id) })
    }

    /// Each entry with its dossier and procedure (an entry whose dossier is gone is left out).
    pub(crate) fn each(
        &self,
    ) -> impl Iterator<Item = (&dossier_event::Model, &dossier::Model, Option<&procedure::Model>)> {
        self.events.iter().filter_map(|event| {
            let dossier = self.dossiers.get(&event.dossier_id)?;
            Some((event, dossier, self.procedures.get(&dossier.procedure_id)))
        })
    }
}

fn by_id<V>(rows: Vec<V>, id: impl Fn(&V) -> Uuid) -> HashMap<Uuid, V> {
    rows.into_iter().map(|row| (id(&row), row)).collect()
}

/// `n` placeholders for an `IN (…)` list in `backend`'s syntax.
pub(crate) fn placeholders(backend: DbBackend, n: usize) -> String {
    let marks: Vec<String> = (1..=n)
        .map(|n| match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".into(),
        })
        .collect();
    marks.join(", ")
}
