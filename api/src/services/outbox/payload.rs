//! What a delivery carries: the slip entry as JSON, the same for every
//! attempt (docs/WEBHOOKS.md).

use crate::domain::lifecycle::status_name;
use crate::error::ApiResult;
use entity::dossier_event;
use sea_orm::{ColumnTrait, DatabaseConnection};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Statement};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// The codes an entry is known by outside: its dossier's, its procedure's
/// and its agency's.
#[derive(Debug, FromQueryResult)]
struct Codes {
    id: Uuid,
    code: String,
    procedure_code: String,
}

/// The bodies of the entries `ids`, by entry.
pub(super) async fn bodies(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<HashMap<Uuid, Vec<u8>>> {
    let events =
        dossier_event::Entity::find().filter(dossier_event::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    let mut dossiers: Vec<Uuid> = events.iter().map(|e| e.dossier_id).collect();
    dossiers.sort_unstable();
    dossiers.dedup();
    let codes = codes_of(db, &dossiers).await?;
    let mut paths: Vec<String> = events.iter().map(|e| e.agency_path.clone()).collect();
    paths.sort_unstable();
    paths.dedup();
    let agencies: HashMap<String, String> = entity::agency::Entity::find()
        .filter(entity::agency::Column::Path.is_in(paths))
        .all(db)
        .await?
        .into_iter()
        .map(|agency| (agency.path, agency.code))
        .collect();
    let mut bodies = HashMap::with_capacity(events.len());
    for event in events {
        let Some(codes) = codes.get(&event.dossier_id) else { continue };
        let agency = agencies.get(&event.agency_path).map(String::as_str);
        bodies.insert(event.id, body(&event, codes, agency));
    }
    Ok(bodies)
}

async fn codes_of(db: &DatabaseConnection, dossiers: &[Uuid]) -> ApiResult<HashMap<Uuid, Codes>> {
    if dossiers.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT d.id, d.code, p.code AS procedure_code FROM dossier d JOIN procedure p ON p.id = d.procedure_id \
         WHERE d.id IN ({})",
        super::entries::placeholders(backend, dossiers.len())
    );
    let values = dossiers.iter().map(|id| (*id).into());
    let rows = Codes::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).all(db).await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

fn body(event: &dossier_event::Model, codes: &Codes, agency_code: Option<&str>) -> Vec<u8> {
    let details = event.details.as_deref().and_then(|details| serde_json::from_str::<Value>(details).ok());
    let body = json!({
        "type": event_type(&event.action),
        "timestamp": event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": {
            "eventId": event.id,
            "dossierCode": codes.code,
            "procedureCode": codes.procedure_code,
            "agencyCode": agency_code,
            "action": event.action,
            "statusFrom": event.status_from.map(status_name),
            "statusTo": status_name(event.status_to),
            "nationalStatusCode": event.status_to.national_code(),
            "step": event.step,
            "stepDueAt": event.step_due_at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            "toRole": event.to_role,
            "note": event.note,
            "details": details,
        }
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The Standard Webhooks `type` of an entry: `dossier.` and its action in lower case.
pub(crate) fn event_type(action: &str) -> String {
    format!("dossier.{}", action.to_ascii_lowercase())
}
