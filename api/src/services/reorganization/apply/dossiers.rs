//! The apply's last step: every dossier in flight at a closing unit moved
//! to its successor, a batch at a time, each with its slip entry
//! `REORGANIZE`, its `dossier_move` row and its counters' change.

use super::*;

/// Moves every dossier in flight at a closed unit to its successor, a batch
/// per transaction; answers how many moved.
pub(super) async fn dossiers(state: &AppState, id: Uuid, dry: &DryRun) -> ApiResult<usize> {
    let closing: HashMap<Uuid, &Closing> =
        dry.closing.iter().filter(|c| c.default_successor().is_some()).map(|c| (c.agency.id, c)).collect();
    let closing_units: Vec<&Closing> = closing.values().copied().collect();
    let mut moved = 0;
    for chunk in closing_units.chunks(500) {
        // By path: the index every agency's list reads, so that only the
        // closing units' own dossiers are read.
        let paths: Vec<String> = chunk.iter().map(|c| c.agency.path.clone()).collect();
        loop {
            let batch = dossier::Entity::find()
                .filter(dossier::Column::AgencyPath.is_in(paths.iter().cloned()))
                .filter(dossier::Column::FinishedAt.is_null())
                .order_by_asc(dossier::Column::Id)
                .limit(BATCH)
                .all(&state.db)
                .await?;
            if batch.is_empty() {
                break;
            }
            let mut before = Vec::new();
            for old in &batch {
                before.extend(move_one(state, old, closing[&old.agency_id], dry));
            }
            moved += batch.len();
            writes::run(state, Unit { before, ..Unit::of(progress(id, "dossiers")) }).await?;
        }
    }
    Ok(moved)
}

/// The statements that move one dossier: the row (at its old agency still,
/// or nothing happens), its slip entry `REORGANIZE`, the counters' change.
fn move_one(state: &AppState, old: &dossier::Model, closing: &Closing, dry: &DryRun) -> Vec<Write> {
    let Some(to) = successor_for(closing, Some(&old.applicant_address)) else { return Vec::new() };
    let Some(to_id) = to.id else { return Vec::new() };
    let entered_day = tally::entered_at(&tally::Facts::from(old)).map(vietnam_day);
    // On the effective date; for one taken in at the closed agency on that
    // day or later (an apply after the date), the day after it was.
    let day = entered_day.map_or(dry.effective, |day| dry.effective.max(day + Days::new(1)));
    let mut moves = tally::moves_of(old.moves.as_deref());
    moves.push(Move {
        day,
        from_id: old.agency_id,
        from_path: old.agency_path.clone(),
        to_id,
        to_path: to.path.clone(),
        decision: dry.decision.clone(),
    });
    let now = state.clock.now();
    let after = dossier::Model {
        agency_id: to_id,
        agency_path: to.path.clone(),
        province_code: to.province_code.clone(),
        moves: Some(serde_json::to_string(&moves).unwrap_or_default()),
        lock_version: old.lock_version + 1,
        updated_at: now,
        ..old.clone()
    };
    let update = dossier::Entity::update_many()
        .col_expr(dossier::Column::AgencyId, Expr::value(to_id))
        .col_expr(dossier::Column::AgencyPath, Expr::value(after.agency_path.clone()))
        .col_expr(dossier::Column::ProvinceCode, Expr::value(after.province_code.clone()))
        .col_expr(dossier::Column::Moves, Expr::value(after.moves.clone()))
        .col_expr(dossier::Column::LockVersion, Expr::value(after.lock_version))
        .col_expr(dossier::Column::UpdatedAt, Expr::value(now))
        .filter(dossier::Column::Id.eq(old.id))
        .filter(dossier::Column::AgencyId.eq(old.agency_id))
        .into_query();
    let event = slip_entry(old, &after, closing, to, dry);
    let record = entity::dossier_move::Model {
        id: Uuid::now_v7(),
        dossier_id: old.id,
        procedure_id: old.procedure_id,
        day,
        from_path: old.agency_path.clone(),
        to_path: to.path.clone(),
    };
    let mut writes = vec![
        Write::Update(update),
        Write::Insert(dossier_event::Entity::insert(dossier_event::ActiveModel::from(event)).into_query()),
        Write::Insert(
            entity::dossier_move::Entity::insert(entity::dossier_move::ActiveModel::from(record)).into_query(),
        ),
    ];
    let deltas = tally::changes(Some(old), &after);
    if !deltas.is_empty() {
        writes.push(Write::Insert(tally::insert_changes(&deltas)));
    }
    writes
}

/// The slip entry `REORGANIZE` of a dossier moved from `old` to `after`.
fn slip_entry(
    old: &dossier::Model,
    after: &dossier::Model,
    closing: &Closing,
    to: &PlannedUnit,
    dry: &DryRun,
) -> dossier_event::Model {
    let details = json!({ "from": closing.agency.code, "fromPath": old.agency_path, "to": to.code, "toPath": to.path,
        "decision": dry.decision, "effective": dry.effective });
    dossier_event::Model {
        id: Uuid::now_v7(),
        dossier_id: old.id,
        agency_path: after.agency_path.clone(),
        province_code: after.province_code.clone(),
        action: "REORGANIZE".into(),
        status_from: Some(old.status),
        status_to: old.status,
        from_agency_id: Some(old.agency_id),
        from_official_id: None,
        to_agency_id: Some(after.agency_id),
        to_official_id: old.assignee_id,
        to_role: None,
        step: old.current_step,
        step_due_at: None,
        note: Some(dry.decision.clone()),
        details: Some(details.to_string()),
        created_at: after.updated_at,
    }
}
