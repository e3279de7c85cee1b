//! The national portal connector: a consumer of the outbox (kind `PORTAL`,
//! one per installation) that hears of every status change of every
//! dossier and sends it in the portal's exchange shape (docs/PORTAL.md);
//! and each dossier's synchronisation state (`portal_sync`), which the
//! fan-out and the sender keep: `PENDING` when a change is queued, `SYNCED`
//! once the portal took the latest, `FAILED` with the error while it does not.

use super::PENDING;
use crate::error::ApiResult;
use crate::services::writes::Write;
use crate::state::AppState;
use chrono::{DateTime, FixedOffset, Utc};
use entity::{agency, dossier, dossier_event, outbox_delivery, portal_sync, Channel, Outcome};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryTrait};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// The kind of consumer the portal connector is.
pub(crate) const PORTAL: &str = "PORTAL";
/// The connector's consumer: the same on every instance, so that they share it.
pub(crate) const CONSUMER: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_706f_7274_616c);
/// A dossier's state: the portal has its latest status.
pub(crate) const SYNCED: &str = "SYNCED";
/// A dossier's state: the last attempt to send its status failed.
pub(crate) const FAILED: &str = "FAILED";

/// At start: the connector's consumer hears of the slip while the portal is
/// configured, and waits (paused, its cursor where it was) while it is not.
pub(super) async fn configure(state: &AppState) -> ApiResult<()> {
    let configured = state.outbox.settings.portal_url.is_some();
    super::ensure_consumer(state, CONSUMER, PORTAL, "the national portal", configured).await
}

/// The dossiers whose changes were just queued for the portal are
/// `PENDING`, unless already `FAILED` (an earlier change still waits).
pub(super) fn queued(dossiers: &[Uuid], now: DateTime<Utc>) -> Option<Write> {
    if dossiers.is_empty() {
        return None;
    }
    let rows = dossiers.iter().map(|id| portal_sync::ActiveModel {
        dossier_id: sea_orm::Set(*id),
        status: sea_orm::Set(PENDING.into()),
        last_error: sea_orm::Set(None),
        updated_at: sea_orm::Set(now),
        synced_at: sea_orm::Set(None),
    });
    let mut insert = portal_sync::Entity::insert_many(rows).into_query();
    insert.on_conflict(
        OnConflict::column(portal_sync::Column::DossierId)
            .value(
                portal_sync::Column::Status,
                Expr::cust(format!("CASE WHEN portal_sync.status = '{FAILED}' THEN '{FAILED}' ELSE '{PENDING}' END")),
            )
            .value(portal_sync::Column::UpdatedAt, now)
            .to_owned(),
    );
    Some(Write::Insert(insert))
}

/// A dossier's state after an attempt at one of its changes: `SYNCED` once
/// the portal took it and no later change waits (else `PENDING`); `FAILED`
/// with the error when it did not take it.
pub(super) fn attempted(dossier: Uuid, error: Option<&str>, now: DateTime<Utc>) -> Write {
    let mut update = Query::update();
    update.table(portal_sync::Entity).value(portal_sync::Column::UpdatedAt, now);
    match error {
        None => {
            let later = Alias::new("later");
            let waiting = Query::select()
                .expr(Expr::val(1))
                .from_as(outbox_delivery::Entity, later.clone())
                .and_where(Expr::col((later.clone(), outbox_delivery::Column::ConsumerId)).eq(CONSUMER))
                .and_where(
                    Expr::col((later.clone(), outbox_delivery::Column::DossierId))
                        .equals((portal_sync::Entity, portal_sync::Column::DossierId)),
                )
                .and_where(Expr::col((later, outbox_delivery::Column::Status)).eq(PENDING))
                .to_owned();
            let status = Expr::case(Expr::exists(waiting), PENDING).finally(SYNCED);
            update
                .value(portal_sync::Column::Status, status)
                .value(portal_sync::Column::LastError, Option::<String>::None)
                .value(portal_sync::Column::SyncedAt, now);
        }
        Some(error) => {
            update.value(portal_sync::Column::Status, FAILED).value(portal_sync::Column::LastError, error);
        }
    }
    Write::Update(update.and_where(Expr::col(portal_sync::Column::DossierId).eq(dossier)).to_owned())
}

/// Vietnam's time, in which the portal reads its dates.
fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("a valid offset")
}

/// A time as the portal writes it: `yyyyMMddHHmmss`, Vietnam time.
fn portal_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam()).format("%Y%m%d%H%M%S").to_string()
}

/// The portal's channel codes: 1 at the desk, 2 online, 3 by post.
fn channel_code(channel: Channel) -> u8 {
    match channel {
        Channel::Direct => 1,
        Channel::Online => 2,
        Channel::Postal => 3,
    }
}

/// The portal's outcome codes: 1 before the due day, 2 on it, 3 late.
fn outcome_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Early => 1,
        Outcome::OnTime => 2,
        Outcome::Late => 3,
    }
}

/// The bodies of the entries `ids` in the portal's exchange shape, by entry.
pub(super) async fn bodies(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<HashMap<Uuid, Vec<u8>>> {
    let entries = super::entries::Entries::load(db, ids).await?;
    let paths: Vec<String> = entries.events.iter().map(|e| e.agency_path.clone()).collect();
    let receiving: Vec<Uuid> = entries.dossiers.values().map(|d| d.receiving_agency_id).collect();
    let agencies = agency::Entity::find()
        .filter(Condition::any().add(agency::Column::Path.is_in(paths)).add(agency::Column::Id.is_in(receiving)))
        .all(db)
        .await?;
    let by_path: HashMap<&str, &str> = agencies.iter().map(|a| (a.path.as_str(), a.code.as_str())).collect();
    let by_id: HashMap<Uuid, &str> = agencies.iter().map(|a| (a.id, a.code.as_str())).collect();
    let mut bodies = HashMap::with_capacity(entries.events.len());
    for (event, dossier, procedure) in entries.each() {
        let change = Change {
            event,
            dossier,
            procedure_code: procedure.map(|p| p.code.as_str()),
            agency_code: by_path.get(event.agency_path.as_str()).copied(),
            receiving_code: by_id.get(&dossier.receiving_agency_id).copied(),
        };
        bodies.insert(event.id, serde_json::to_vec(&change.body()).unwrap_or_default());
    }
    Ok(bodies)
}

/// One status change of a dossier, with what the portal knows it by.
struct Change<'a> {
    event: &'a dossier_event::Model,
    dossier: &'a dossier::Model,
    procedure_code: Option<&'a str>,
    agency_code: Option<&'a str>,
    receiving_code: Option<&'a str>,
}

impl Change<'_> {
    /// The exchange shape (docs/PORTAL.md): the dossier as it stood after
    /// this change — a time later than the change is not yet known then.
    fn body(&self) -> Value {
        let (event, dossier) = (self.event, self.dossier);
        let known = |at: Option<DateTime<Utc>>| at.filter(|at| *at <= event.created_at).map(portal_time);
        let finished = dossier.finished_at.filter(|at| *at <= event.created_at);
        json!({
            "service": "DongBoHoSo",
            "data": [{
                "MaHoSo": dossier.code,
                "MaTTHC": self.procedure_code,
                "MaCoQuan": self.agency_code,
                "MaCoQuanTiepNhan": self.receiving_code,
                "TrangThaiHoSo": event.status_to.national_code(),
                "KenhThucHien": channel_code(dossier.channel),
                "NgayNopHoSo": portal_time(dossier.filed_at),
                "NgayTiepNhan": known(dossier.received_at),
                "NgayHenTra": dossier.due_at.map(portal_time),
                "NgayKetThucXuLy": known(dossier.finished_at),
                "NgayTra": known(dossier.returned_at),
                "KetQuaXuLy": finished.and(dossier.outcome).map(outcome_code),
                "ThoiDiemThayDoi": portal_time(event.created_at),
                "MaThayDoi": event.id,
            }]
        })
    }
}

/// Whether a 2xx answer's body reports a refusal: the portal answers
/// `{"error_code": "0"}` when it took the change, another code with a
/// `message` when it did not.
pub(super) fn refusal(body: &[u8]) -> Option<String> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    let code = match answer.get("error_code")? {
        Value::String(code) => code.clone(),
        Value::Number(code) => code.to_string(),
        _ => return None,
    };
    if code == "0" {
        return None;
    }
    let message = answer.get("message").and_then(Value::as_str).unwrap_or("no message");
    Some(format!(
        "the portal refused the change (error_code {code}): {}",
        message.chars().take(300).collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_vietnam_time() {
        let at = DateTime::parse_from_rfc3339("2025-03-01T01:30:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(portal_time(at), "20250301083005");
    }

    #[test]
    fn a_refusal_is_read_from_the_answer() {
        assert_eq!(refusal(br#"{"error_code":"0","message":"OK"}"#), None);
        assert_eq!(refusal(b"not json"), None);
        let refused = refusal(br#"{"error_code":"-1","message":"MaTTHC khong ton tai"}"#).unwrap();
        assert!(refused.contains("-1") && refused.contains("MaTTHC"), "{refused}");
        assert!(refusal(br#"{"error_code":2}"#).unwrap().contains("error_code 2"));
    }
}
