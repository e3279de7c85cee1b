//! The report by procedure or by field.

use super::buckets::Buckets;
use super::period::{Grouping, Period};
use super::sums::sums;
use super::{Figures, Report, RowKey};
use crate::domain::scope::Scope;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;

/// The report by procedure or by field, from the counters per agency and
/// procedure version (the same sums as by agency, one group per version);
/// by field, the versions' figures added up under their field.
pub(super) async fn by_procedure(
    db: &DatabaseConnection,
    scope: &Scope,
    period: Period,
    grouping: Grouping,
    internal: &[super::moves::Internal],
    now: DateTime<Utc>,
) -> ApiResult<Report> {
    let groups = sums(db, scope, period, grouping, now).await?;
    let mut total = Buckets::default();
    let mut counted: Vec<(uuid::Uuid, Figures)> = Vec::with_capacity(groups.len());
    for (id, buckets) in &groups {
        total.add(buckets);
        let id = uuid::Uuid::parse_str(id).map_err(ApiError::internal)?;
        let mut figures = buckets.figures(period.from, period.to, now);
        figures.less_moves(internal.iter().filter(|m| m.procedure_id == id).count() as i64);
        // A version none of whose dossiers is in the period's report.
        if figures != Figures::default() {
            counted.push((id, figures));
        }
    }
    let mut total = total.figures(period.from, period.to, now);
    total.less_moves(internal.len() as i64);
    let ids: Vec<uuid::Uuid> = counted.iter().map(|(id, _)| *id).collect();
    let procedures: BTreeMap<uuid::Uuid, entity::procedure::Model> =
        crate::services::procedures::find_by_ids(db, &ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut rows: Vec<(RowKey, Figures)> = match grouping {
        Grouping::Field => {
            let mut by_field: BTreeMap<uuid::Uuid, Figures> = BTreeMap::new();
            for (id, figures) in &counted {
                let field = procedures.get(id).map(|p| p.field_id).unwrap_or_default();
                by_field.entry(field).or_default().add(figures);
            }
            let field_ids: Vec<uuid::Uuid> = by_field.keys().copied().collect();
            let fields = crate::services::procedures::fields_by_ids(db, &field_ids).await?;
            fields
                .into_iter()
                .map(|field| (by_field[&field.id], field))
                .map(|(f, field)| (RowKey::Field(field), f))
                .collect()
        }
        _ => counted
            .into_iter()
            .filter_map(|(id, figures)| Some((RowKey::Procedure(procedures.get(&id)?.clone()), figures)))
            .collect(),
    };
    rows.sort_by_key(|row| label_of(&row.0));
    Ok(Report { rows, total, as_of: now })
}

/// The sort key of a row by procedure or field: its code.
fn label_of(key: &RowKey) -> String {
    match key {
        RowKey::Procedure(procedure) => format!("{}#{:05}", procedure.code, procedure.version),
        RowKey::Field(field) => field.code.clone(),
        _ => String::new(),
    }
}
