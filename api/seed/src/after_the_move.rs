//! The weeks after the 2025 reorganisation: most dossiers the plan moved
//! while in flight are finished at their new units, as their officials
//! would have done, so that today's lists hold what a commune really has in
//! hand and not a year and a half of dossiers overdue since the move. Some
//! stay in flight (one in ten, and the online submissions nobody received).
//! One that waited for a supplement or a payment gets it first, its due date
//! moved by the working time it waited, as `supplyDocuments` and
//! `confirmPayment` do.

use api::domain::calendar::{outcome_of, WorkingCalendar};
use api::AppState;
use chrono::{DateTime, Duration, Utc};
use entity::{agency, dossier, dossier_event, official, DossierStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Share of the moved dossiers being handled that are finished after the move.
const FINISHED_SHARE: f64 = 0.9;
/// The longest a finished one took after the move.
const LONGEST: Duration = Duration::days(30);

/// Finishes most of the dossiers still in flight that a reorganisation
/// moved, between `moved_at` and `now`: the specialist of the new unit
/// completes the step, the leader resolves, the desk returns the result.
/// Returns how many were finished; the counters are rebuilt by the caller.
pub(crate) async fn finish_moved(state: &AppState, moved_at: DateTime<Utc>, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let db = &state.db;
    let moved: Vec<dossier::Model> = dossier::Entity::find()
        .filter(dossier::Column::Moves.is_not_null())
        .filter(dossier::Column::FinishedAt.is_null())
        .filter(dossier::Column::Status.is_in([
            DossierStatus::Received,
            DossierStatus::Processing,
            DossierStatus::SupplementRequested,
            DossierStatus::AwaitingPayment,
        ]))
        .order_by_asc(dossier::Column::Code)
        .all(db)
        .await?;
    let agencies: HashMap<Uuid, agency::Model> =
        agency::Entity::find().all(db).await?.into_iter().map(|a| (a.id, a)).collect();
    let officials = official::Entity::find().order_by_asc(official::Column::Username).all(db).await?;
    let specialists = super::dossiers::specialists_by_agency(&officials);
    let mut rng = StdRng::seed_from_u64(20_250_701);
    let transaction = db.begin().await?;
    let mut events = Vec::new();
    let mut finished = 0;
    for dossier in moved {
        let Some(unit) = agencies.get(&dossier.agency_id) else { continue };
        if dossier.due_at.is_none() || !rng.random_bool(FINISHED_SHARE) {
            continue;
        }
        // The province's calendar, as `supplyDocuments` and `confirmPayment` read it.
        let calendar = (state.calendars.of(db, &unit.province_code).await)
            .map_err(|error| anyhow::anyhow!("reading the calendar: {error:?}"))?;
        let specialist = dossier.assignee_id.or_else(|| specialists.get(&unit.id).copied());
        let work = Work { dossier: &dossier, unit, specialist, start: dossier.updated_at.max(moved_at), now };
        let (slip, update) = work.finish(&mut rng, &calendar);
        update.update(&transaction).await?;
        events.extend(slip);
        finished += 1;
    }
    for chunk in events.chunks(500) {
        dossier_event::Entity::insert_many(chunk.to_vec()).exec(&transaction).await?;
    }
    transaction.commit().await?;
    Ok(finished)
}

/// One moved dossier finished at its new unit.
struct Work<'a> {
    dossier: &'a dossier::Model,
    unit: &'a agency::Model,
    specialist: Option<Uuid>,
    /// When the new unit takes it up.
    start: DateTime<Utc>,
    now: DateTime<Utc>,
}

impl Work<'_> {
    /// Its slip entries from the move on, and the dossier's row as they leave it.
    fn finish(
        &self,
        rng: &mut StdRng,
        calendar: &WorkingCalendar,
    ) -> (Vec<dossier_event::ActiveModel>, dossier::ActiveModel) {
        let dossier = self.dossier;
        let (mut start, mut due_at) = (self.start, dossier.due_at.unwrap_or(self.start));
        let mut slip = Vec::new();
        if let Some(paused_at) = dossier.paused_at {
            let resumed_at = (start + Duration::minutes(rng.random_range(60..10 * 24 * 60))).min(self.now);
            let action = match dossier.status {
                DossierStatus::SupplementRequested => "SUPPLY_DOCUMENTS",
                _ => "CONFIRM_PAYMENT",
            };
            slip.push(self.entry(action, dossier.status, DossierStatus::Processing, resumed_at));
            due_at = calendar.shift(due_at, calendar.working_minutes_between(paused_at, resumed_at));
            start = resumed_at;
        }
        if dossier.status == DossierStatus::Received {
            let mut assign = self.entry("ASSIGN", DossierStatus::Received, DossierStatus::Processing, start);
            assign.to_official_id = Set(self.specialist);
            assign.to_role = Set(Some("specialist".into()));
            assign.step = Set(Some(2));
            slip.push(assign);
        }
        let resolved_at = (start + Duration::minutes(rng.random_range(120..LONGEST.num_minutes()))).min(self.now);
        let returned_at = (resolved_at + Duration::hours(rng.random_range(1..72))).min(self.now);
        let completed_at = start + (resolved_at - start) * 4 / 5;
        let processing = DossierStatus::Processing;
        let mut complete = self.entry("COMPLETE_STEP", processing, processing, completed_at);
        complete.from_official_id = Set(self.specialist);
        complete.to_role = Set(Some("leader".into()));
        complete.step = Set(Some(3));
        slip.push(complete);
        let mut resolve = self.entry("RESOLVE", processing, DossierStatus::Resolved, resolved_at);
        resolve.to_role = Set(Some("receiver".into()));
        resolve.step = Set(Some(4));
        slip.push(resolve);
        slip.push(self.entry("RETURN_RESULT", DossierStatus::Resolved, DossierStatus::Returned, returned_at));
        let paid = dossier.fee_amount > 0 && dossier.fee_paid_at.is_none();
        let update = dossier::ActiveModel {
            id: Set(dossier.id),
            status: Set(DossierStatus::Returned),
            current_step: Set(Some(4)),
            assignee_id: Set(self.specialist),
            due_at: Set(Some(due_at)),
            paused_at: Set(None),
            finished_at: Set(Some(resolved_at)),
            returned_at: Set(Some(returned_at)),
            outcome: Set(Some(outcome_of(resolved_at, due_at))),
            fee_paid_at: Set(if paid { Some(resolved_at) } else { dossier.fee_paid_at }),
            payment_method: Set(if paid { Some(entity::PaymentMethod::Direct) } else { dossier.payment_method }),
            result_digitized: Set(rng.random_bool(0.5)),
            result_number: Set(Some(format!("{}/{}/KQ", rng.random_range(1..9999), resolved_at.format("%Y")))),
            lock_version: Set(dossier.lock_version + slip.len() as i32),
            updated_at: Set(returned_at),
            ..Default::default()
        };
        (slip, update)
    }

    /// A slip entry at the new unit.
    fn entry(
        &self,
        action: &str,
        from: DossierStatus,
        to: DossierStatus,
        at: DateTime<Utc>,
    ) -> dossier_event::ActiveModel {
        dossier_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            dossier_id: Set(self.dossier.id),
            agency_path: Set(self.unit.path.clone()),
            province_code: Set(self.unit.province_code.clone()),
            action: Set(action.to_owned()),
            status_from: Set(Some(from)),
            status_to: Set(to),
            from_agency_id: Set(Some(self.unit.id)),
            from_official_id: Set(None),
            to_agency_id: Set(Some(self.unit.id)),
            to_official_id: Set(None),
            to_role: Set(None),
            step: Set(None),
            step_due_at: Set(None),
            note: Set(None),
            details: Set(None),
            created_at: Set(at),
        }
    }
}
