//! Generated dossiers over every channel and status, received over the past
//! 18 months, with deadlines from the working-day calendar and the slip
//! entries each status implies. Written in bulk (see [`super::bulk`]).

use super::bulk::{self, Cell, Rows};
use super::people;
use crate::domain::calendar::{outcome_of, vietnam, OfficeHours, WorkingCalendar};
use crate::domain::codes::format_dossier_code;
use crate::services::procedures::tier_of;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::{
    agency, dossier_code_sequence, holiday, official, procedure, AgencyKind, Channel, DossierStatus, HolidayKind,
    OnlineMode, Outcome, Tier,
};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, Mutex};
use uuid::Uuid;

/// Dossiers written per transaction.
const BATCH: usize = 5_000;

const DOSSIER_COLUMNS: &[&str] = &[
    "id",
    "code",
    "procedure_id",
    "status",
    "channel",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "receiving_agency_id",
    "receiving_agency_path",
    "transferred",
    "competent_agency_id",
    "agency_id",
    "agency_path",
    "province_code",
    "current_step",
    "assignee_id",
    "filed_at",
    "submitted_at",
    "received_at",
    "due_at",
    "paused_at",
    "finished_at",
    "returned_at",
    "outcome",
    "fee_amount",
    "fee_paid_at",
    "payment_method",
    "documents_digitized",
    "result_digitized",
    "result_number",
    "signer_id",
    "idempotency_key",
    "lock_version",
    "created_at",
    "updated_at",
];

const EVENT_COLUMNS: &[&str] = &[
    "id",
    "dossier_id",
    "agency_path",
    "province_code",
    "action",
    "status_from",
    "status_to",
    "from_agency_id",
    "from_official_id",
    "to_agency_id",
    "to_official_id",
    "to_role",
    "step",
    "step_due_at",
    "note",
    "created_at",
];

/// What a seeding run did.
#[derive(Debug)]
pub struct SeedReport {
    pub dossiers: u64,
    pub events: u64,
    pub seconds: f64,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seeded {} dossiers and {} slip entries in {:.1} s ({:.0} dossiers/s)",
            self.dossiers,
            self.events,
            self.seconds,
            self.dossiers as f64 / self.seconds.max(1e-9)
        )
    }
}

struct Place {
    agency: agency::Model,
    procedures: Vec<usize>,
    specialist: Option<Uuid>,
    weight: u32,
}

/// Time-ordered (v7) ids without a system call each: the start time of the
/// run, then a counter, so that every id sorts after the one before.
struct Ids {
    millis: u64,
    next: u64,
}

impl Ids {
    fn new() -> Self {
        Self { millis: crate::services::now().timestamp_millis() as u64, next: 0 }
    }

    fn next(&mut self) -> Uuid {
        self.next += 1;
        let mut tail = [0u8; 10];
        tail[2..].copy_from_slice(&self.next.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(self.millis, &tail).into_uuid()
    }
}

struct World {
    ids: Ids,
    places: Vec<Place>,
    cumulative: Vec<u32>,
    procedures: Vec<procedure::Model>,
    portal: Option<Uuid>,
    calendar: WorkingCalendar,
    sequences: HashMap<(Uuid, NaiveDate), i32>,
}

async fn load_world(db: &DatabaseConnection) -> anyhow::Result<World> {
    let agencies = agency::Entity::find().all(db).await?;
    let procedures: Vec<procedure::Model> =
        procedure::Entity::find().all(db).await?.into_iter().filter(|p| p.is_current).collect();
    let officials = official::Entity::find().all(db).await?;
    let portal = officials.iter().find(|o| o.kind == entity::OfficialKind::Service).map(|o| o.id);
    let holidays = holiday::Entity::find().all(db).await?;
    let calendar = WorkingCalendar::new(
        holidays.iter().filter(|h| h.kind == HolidayKind::Holiday).map(|h| h.date),
        holidays.iter().filter(|h| h.kind == HolidayKind::CompensatoryWorkday).map(|h| h.date),
        OfficeHours::default(),
    );
    let sequences = dossier_code_sequence::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| ((s.agency_id, s.day), s.last_seq))
        .collect();
    let mut places = Vec::new();
    for agency in agencies {
        let tier = tier_of(agency.kind);
        let applicable: Vec<usize> = procedures
            .iter()
            .enumerate()
            .filter(|(_, p)| match agency.kind {
                AgencyKind::Department => p.agency_id == agency.id,
                AgencyKind::Commune | AgencyKind::District => p.tier == tier && agency.path.starts_with(&p.agency_path),
                AgencyKind::Province | AgencyKind::ServiceCenter => false,
            })
            .map(|(i, _)| i)
            .collect();
        if applicable.is_empty() {
            continue;
        }
        // The demo officials' agencies get a larger share so that their lists are long.
        let weight = match (agency.kind, agency.code.as_str()) {
            (_, "30733" | "899" | "91.STP") => 60,
            (AgencyKind::Commune, _) => 10,
            (AgencyKind::District, _) => 25,
            _ => 20,
        };
        let specialist = officials
            .iter()
            .find(|o| o.agency_id == agency.id && (o.username.contains("chuyenvien") || o.username.starts_with("cv.")))
            .map(|o| o.id);
        places.push(Place { agency, procedures: applicable, specialist, weight });
    }
    anyhow::ensure!(!places.is_empty(), "no agency with procedures: load the demo data first");
    let cumulative = places
        .iter()
        .scan(0, |sum, p| {
            *sum += p.weight;
            Some(*sum)
        })
        .collect();
    Ok(World { ids: Ids::new(), places, cumulative, procedures, portal, calendar, sequences })
}

fn weighted<T: Copy>(rng: &mut StdRng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (value, weight) in choices {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    choices[choices.len() - 1].0
}

fn status_for_age(rng: &mut StdRng, age_days: i64) -> DossierStatus {
    use DossierStatus::*;
    if age_days > 60 {
        weighted(
            rng,
            &[
                (Returned, 80),
                (Resolved, 6),
                (Refused, 3),
                (Withdrawn, 3),
                (Stopped, 2),
                (Processing, 3),
                (SupplementRequested, 2),
                (AwaitingPayment, 1),
            ],
        )
    } else if age_days > 10 {
        weighted(
            rng,
            &[
                (Returned, 45),
                (Resolved, 15),
                (Processing, 20),
                (SupplementRequested, 6),
                (AwaitingPayment, 3),
                (Refused, 3),
                (Withdrawn, 3),
                (Stopped, 2),
                (Received, 3),
            ],
        )
    } else {
        weighted(
            rng,
            &[
                (Submitted, 10),
                (Received, 25),
                (Processing, 45),
                (SupplementRequested, 5),
                (AwaitingPayment, 3),
                (Resolved, 8),
                (Returned, 4),
            ],
        )
    }
}

struct Event {
    action: &'static str,
    from: Option<DossierStatus>,
    to: DossierStatus,
    actor: Option<Uuid>,
    to_official: Option<Uuid>,
    to_role: Option<&'static str>,
    step: Option<i16>,
    step_due_at: Option<DateTime<Utc>>,
    note: Option<&'static str>,
    at: DateTime<Utc>,
}

/// Dossiers from which a run drops the big tables' secondary indexes and
/// rebuilds them at the end, rather than maintaining them row by row.
const BULK_THRESHOLD: u64 = 100_000;

pub use crate::config::DEFAULT_SPAN_DAYS;

/// Generates `count` dossiers filed over the past `span_days` days;
/// repeatable runs continue the daily code sequences. One thread generates
/// (deterministically, from one seeded random generator) while writers load
/// the previous batches.
pub async fn generate(
    db: &DatabaseConnection,
    count: u64,
    span_days: u32,
    progress: bool,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let mut world = load_world(db).await?;
    let existing = entity::dossier::Entity::find().count(db).await?;
    let bar = if progress { ProgressBar::new(count) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} dossiers {per_sec} eta {eta}").expect("a valid template"),
    );
    let rebuild_indexes = count >= BULK_THRESHOLD;
    if rebuild_indexes {
        crate::db::prepare_bulk_load(db).await?;
    }

    let (sender, receiver) = mpsc::channel::<[Rows; 2]>(4);
    let generator = tokio::task::spawn_blocking(move || {
        let mut rng = StdRng::seed_from_u64(0x6d6f_7463_7561 ^ existing);
        let now = crate::services::now();
        let mut remaining = count;
        let mut events_made = 0u64;
        while remaining > 0 {
            let size = remaining.min(BATCH as u64) as usize;
            let mut dossiers = Vec::with_capacity(size);
            let mut events = Vec::with_capacity(size * 6);
            for _ in 0..size {
                make_dossier(&mut rng, &mut world, now, span_days, &mut dossiers, &mut events);
            }
            events_made += events.len() as u64;
            let batch = [
                Rows { table: "dossier", columns: DOSSIER_COLUMNS, rows: dossiers },
                Rows { table: "dossier_event", columns: EVENT_COLUMNS, rows: events },
            ];
            if sender.blocking_send(batch).is_err() {
                break; // a writer failed; its error is reported below
            }
            remaining -= size as u64;
        }
        (world.sequences, events_made)
    });
    let receiver = Arc::new(Mutex::new(receiver));
    let writers: Vec<_> = (0..bulk::writers(db))
        .map(|_| {
            let (db, receiver, bar) = (db.clone(), receiver.clone(), bar.clone());
            tokio::spawn(async move {
                loop {
                    let Some(batch) = receiver.lock().await.recv().await else { return anyhow::Ok(()) };
                    if let Err(error) = bulk::write(&db, &batch).await {
                        receiver.lock().await.close(); // stops the generator and the other writers
                        return Err(error);
                    }
                    bar.inc(batch[0].rows.len() as u64);
                }
            })
        })
        .collect();
    let mut written = Ok(());
    for writer in writers {
        let outcome = writer.await.map_err(anyhow::Error::from).and_then(|result| result);
        if written.is_ok() {
            written = outcome;
        }
    }
    let (sequences, events) = generator.await?;
    bar.finish_and_clear();
    if rebuild_indexes {
        if progress {
            eprintln!(
                "loaded in {:.1} s; rebuilding the indexes and foreign keys of dossier and dossier_event…",
                started.elapsed().as_secs_f64()
            );
        }
        crate::db::finish_bulk_load(db).await?;
        if progress {
            eprintln!("rebuilt by {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    written?;
    bulk::analyze(db).await?;
    save_sequences(db, &sequences).await?;
    crate::services::tally::rebuild(db).await?;
    Ok(SeedReport { dossiers: count, events, seconds: started.elapsed().as_secs_f64() })
}

async fn save_sequences(db: &DatabaseConnection, sequences: &HashMap<(Uuid, NaiveDate), i32>) -> anyhow::Result<()> {
    let rows: Vec<dossier_code_sequence::ActiveModel> = sequences
        .iter()
        .map(|((agency_id, day), last)| dossier_code_sequence::ActiveModel {
            agency_id: Set(*agency_id),
            day: Set(*day),
            last_seq: Set(*last),
        })
        .collect();
    for chunk in rows.chunks(1000) {
        dossier_code_sequence::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([dossier_code_sequence::Column::AgencyId, dossier_code_sequence::Column::Day])
                    .update_column(dossier_code_sequence::Column::LastSeq)
                    .to_owned(),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_lines)]
fn make_dossier(
    rng: &mut StdRng,
    world: &mut World,
    now: DateTime<Utc>,
    span_days: u32,
    dossiers: &mut Vec<Vec<Cell>>,
    events: &mut Vec<Vec<Cell>>,
) {
    let roll = rng.random_range(0..*world.cumulative.last().expect("places exist"));
    let place = &world.places[world.cumulative.partition_point(|c| *c <= roll)];
    let procedure = &world.procedures[place.procedures[rng.random_range(0..place.procedures.len())]];
    let agency = &place.agency;

    // Filed on a working day, during office hours, within the span.
    let back = Duration::days(rng.random_range(0..i64::from(span_days.max(1))));
    let mut day = (now.with_timezone(&vietnam()) - back).date_naive();
    if !world.calendar.is_working_day(day) {
        day = world.calendar.next_working_day(day);
    }
    let minute = rng.random_range(7 * 60..17 * 60);
    let mut filed_at = vietnam()
        .from_local_datetime(&day.and_hms_opt(minute / 60, minute % 60, rng.random_range(0..60)).expect("a valid time"))
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc);
    if filed_at > now {
        filed_at = now - Duration::minutes(rng.random_range(1..600));
        day = filed_at.with_timezone(&vietnam()).date_naive();
    }
    let channel = match procedure.online_mode {
        OnlineMode::Full => weighted(rng, &[(Channel::Online, 70), (Channel::Direct, 25), (Channel::Postal, 5)]),
        OnlineMode::Partial => weighted(rng, &[(Channel::Online, 40), (Channel::Direct, 50), (Channel::Postal, 10)]),
        OnlineMode::None => weighted(rng, &[(Channel::Direct, 85), (Channel::Postal, 15)]),
    };
    let mut status = status_for_age(rng, (now - filed_at).num_days());
    if status == DossierStatus::Submitted && channel != Channel::Online {
        status = DossierStatus::Received;
    }

    let id = world.ids.next();
    let sequence = world.sequences.entry((agency.id, day)).or_insert(0);
    *sequence += 1;
    let code = format_dossier_code(&agency.code, day, *sequence as u32);

    let online = channel == Channel::Online;
    let submitted_at = online.then_some(filed_at);
    let received_at = match status {
        DossierStatus::Submitted => None,
        DossierStatus::Refused if online => None,
        _ if online => Some((filed_at + Duration::minutes(rng.random_range(5..240))).min(now)),
        _ => Some(filed_at),
    };
    let due_at = received_at
        .map(|r| world.calendar.due_at(r, procedure.resolution_time.max(0) as u32, procedure.resolution_unit));
    let specialist = place.specialist;
    let mut slip: Vec<Event> = Vec::new();
    let event = |action, from, to, actor, at| Event {
        action,
        from,
        to,
        actor,
        to_official: None,
        to_role: None,
        step: None,
        step_due_at: None,
        note: None,
        at,
    };
    if online {
        slip.push(event("SUBMIT", None, DossierStatus::Submitted, world.portal, filed_at));
    }
    let mut finished_at = None;
    let mut returned_at = None;
    let mut outcome = None;
    let mut paused_at = None;
    let mut current_step = None;
    let mut assignee = None;
    match (status, received_at, due_at) {
        (DossierStatus::Submitted, _, _) => {}
        (DossierStatus::Refused, _, _) => {
            let at = received_at.unwrap_or_else(|| (filed_at + Duration::hours(2)).min(now));
            let mut refusal =
                event("REFUSE", online.then_some(DossierStatus::Submitted), DossierStatus::Refused, None, at);
            refusal.note = Some("Hồ sơ không thuộc thẩm quyền hoặc không đủ điều kiện tiếp nhận");
            slip.push(refusal);
            finished_at = Some(at);
        }
        (_, Some(received), Some(due)) => {
            let mut receive =
                event("RECEIVE", online.then_some(DossierStatus::Submitted), DossierStatus::Received, None, received);
            // As `receiveDossier` does: the receipt completes the desk's intake
            // step and the dossier enters the specialist's step.
            receive.to_role = Some("specialist");
            receive.step = Some(2);
            slip.push(receive);
            current_step = Some(2);
            let allowed = (due - received).num_seconds().max(3600);
            let handled_until = |rng: &mut StdRng, share: f64| {
                (received + Duration::seconds((allowed as f64 * share * rng.random_range(0.3..1.0)) as i64)).min(now)
            };
            if status != DossierStatus::Received {
                let assigned_at = handled_until(rng, 0.1);
                let mut assign =
                    event("ASSIGN", Some(DossierStatus::Received), DossierStatus::Processing, None, assigned_at);
                assign.to_official = specialist;
                assign.to_role = Some("specialist");
                assign.step = Some(2);
                assign.step_due_at = Some(due - Duration::hours(8).min(Duration::seconds(allowed / 2)));
                slip.push(assign);
                assignee = specialist;
                current_step = Some(2);
            }
            match status {
                DossierStatus::SupplementRequested | DossierStatus::AwaitingPayment => {
                    let at = handled_until(rng, 0.6);
                    let (action, note) = if status == DossierStatus::SupplementRequested {
                        ("REQUEST_SUPPLEMENT", "Bổ sung bản sao giấy tờ tùy thân còn thiếu")
                    } else {
                        ("REQUEST_PAYMENT", "Nộp lệ phí theo quy định")
                    };
                    let mut pause = event(action, Some(DossierStatus::Processing), status, specialist, at);
                    pause.note = Some(note);
                    slip.push(pause);
                    paused_at = Some(at);
                }
                DossierStatus::Withdrawn | DossierStatus::Stopped => {
                    let at = handled_until(rng, 0.7);
                    let action = if status == DossierStatus::Withdrawn { "WITHDRAW" } else { "STOP" };
                    slip.push(event(action, Some(DossierStatus::Processing), status, specialist, at));
                    finished_at = Some(at);
                }
                DossierStatus::Resolved | DossierStatus::Returned => {
                    // Three in four finish by the due date.
                    let share =
                        if rng.random_bool(0.75) { rng.random_range(0.4..1.0) } else { rng.random_range(1.05..1.6) };
                    let finished = (received + Duration::seconds((allowed as f64 * share) as i64)).min(now);
                    let approved_at = received + (finished - received) * 4 / 5;
                    let mut submit = event(
                        "COMPLETE_STEP",
                        Some(DossierStatus::Processing),
                        DossierStatus::Processing,
                        specialist,
                        approved_at,
                    );
                    submit.to_role = Some("leader");
                    submit.step = Some(3);
                    slip.push(submit);
                    let mut resolve =
                        event("RESOLVE", Some(DossierStatus::Processing), DossierStatus::Resolved, None, finished);
                    resolve.to_role = Some("receiver");
                    resolve.step = Some(4);
                    slip.push(resolve);
                    finished_at = Some(finished);
                    outcome = Some(outcome_of(finished, due));
                    current_step = Some(4);
                    if status == DossierStatus::Returned {
                        let returned = (finished + Duration::hours(rng.random_range(1..72))).min(now);
                        slip.push(event(
                            "RETURN_RESULT",
                            Some(DossierStatus::Resolved),
                            DossierStatus::Returned,
                            None,
                            returned,
                        ));
                        returned_at = Some(returned);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }

    let organization = procedure.tier == Tier::Province && rng.random_bool(0.4)
        || procedure.code.starts_with("2.000") && rng.random_bool(0.3);
    let name = if organization { people::organization_name(rng) } else { people::citizen_name(rng) };
    let resolved = matches!(status, DossierStatus::Resolved | DossierStatus::Returned);
    let paid = procedure.fee_amount > 0 && (resolved || status == DossierStatus::Processing && rng.random_bool(0.5));
    let paid_online = paid && online && rng.random_bool(0.8);
    let year = day.format("%Y");
    let updated_at = slip.last().map_or(filed_at, |e| e.at);

    let row: Vec<Cell> = vec![
        Cell::Uuid(id),
        Cell::Text(code),
        Cell::Uuid(procedure.id),
        Cell::Small(status.national_code()),
        Cell::Text(channel_value(channel).into()),
        Cell::Text(if organization { "ORGANIZATION" } else { "CITIZEN" }.into()),
        Cell::Text(name),
        Cell::Text(people::id_number(rng, organization)),
        Cell::Text(people::phone(rng)),
        if rng.random_bool(0.3) {
            Cell::Text(format!("hoso{}@example.vn", rng.random_range(1000..99999)))
        } else {
            Cell::Null
        },
        Cell::Text(people::address(rng, &agency.name)),
        Cell::Uuid(agency.id),
        Cell::Text(agency.path.clone()),
        Cell::Bool(false),
        Cell::Uuid(agency.id),
        Cell::Uuid(agency.id),
        Cell::Text(agency.path.clone()),
        Cell::Text(agency.province_code.clone()),
        current_step.map_or(Cell::Null, Cell::Small),
        assignee.into(),
        Cell::Time(filed_at),
        submitted_at.into(),
        received_at.into(),
        due_at.into(),
        paused_at.into(),
        finished_at.into(),
        returned_at.into(),
        outcome.map_or(Cell::Null, |o| Cell::Text(outcome_value(o).into())),
        Cell::Big(procedure.fee_amount),
        if paid { Cell::Time(finished_at.unwrap_or(updated_at)) } else { Cell::Null },
        if paid { Cell::Text(if paid_online { "ONLINE" } else { "DIRECT" }.into()) } else { Cell::Null },
        Cell::Bool(online || rng.random_bool(0.6)),
        Cell::Bool(resolved && rng.random_bool(0.5)),
        if resolved { Cell::Text(format!("{}/{year}/KQ", rng.random_range(1..9999))) } else { Cell::Null },
        Cell::Null,
        Cell::Null,
        Cell::Int(slip.len() as i32),
        Cell::Time(filed_at),
        Cell::Time(updated_at),
    ];
    debug_assert_eq!(row.len(), DOSSIER_COLUMNS.len());
    dossiers.push(row);

    for entry in slip {
        events.push(vec![
            Cell::Uuid(world.ids.next()),
            Cell::Uuid(id),
            Cell::Text(agency.path.clone()),
            Cell::Text(agency.province_code.clone()),
            Cell::Text(entry.action.into()),
            entry.from.map_or(Cell::Null, |s| Cell::Small(s.national_code())),
            Cell::Small(entry.to.national_code()),
            Cell::Uuid(agency.id),
            entry.actor.into(),
            Cell::Uuid(agency.id),
            entry.to_official.into(),
            entry.to_role.map(str::to_owned).into(),
            entry.step.into(),
            entry.step_due_at.into(),
            entry.note.map(str::to_owned).into(),
            Cell::Time(entry.at),
        ]);
    }
}

fn channel_value(channel: Channel) -> &'static str {
    match channel {
        Channel::Online => "ONLINE",
        Channel::Direct => "DIRECT",
        Channel::Postal => "POSTAL",
    }
}

fn outcome_value(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Early => "EARLY",
        Outcome::OnTime => "ON_TIME",
        Outcome::Late => "LATE",
    }
}
