//! Generated dossiers over every channel and status, filed over a stretch
//! of time at the units open at its end, with deadlines from the working-day calendar and the slip
//! entries each status implies. Written in bulk (see [`api::db::bulk`]).

use super::people;
use api::db::bulk::{self, Cell, Rows, DOSSIER_COLUMNS, EVENT_COLUMNS};
use api::domain::calendar::{outcome_of, vietnam, OfficeHours, WorkingCalendar};
use api::domain::codes::format_dossier_code;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::{
    agency, dossier_code_sequence, holiday, official, procedure, AgencyKind, Channel, DossierStatus, HolidayKind,
    OnlineMode, Outcome, Tier,
};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, Mutex};
use uuid::Uuid;

/// Dossiers written per transaction.
const BATCH: usize = 5_000;

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
        Self { millis: api::now().timestamp_millis() as u64, next: 0 }
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
    sequences: Sequences,
}

/// The units open on `day`, the procedures in force then, the officials,
/// the calendar and the code sequences so far.
async fn load_world(db: &DatabaseConnection, day: NaiveDate) -> anyhow::Result<World> {
    let open = |from: NaiveDate, to: Option<NaiveDate>| from <= day && to.is_none_or(|to| to >= day);
    // Read in a fixed order, so that the same database gives the same dossiers on either backend.
    let agencies: Vec<agency::Model> = agency::Entity::find()
        .order_by_asc(agency::Column::Path)
        .all(db)
        .await?
        .into_iter()
        .filter(|a| open(a.valid_from, a.valid_to))
        .collect();
    let procedures: Vec<procedure::Model> = procedure::Entity::find()
        .order_by_asc(procedure::Column::AgencyPath)
        .order_by_asc(procedure::Column::Code)
        .order_by_asc(procedure::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .filter(|p| p.status == entity::ProcedureStatus::Published && open(p.effective_from, p.effective_to))
        .collect();
    let officials = official::Entity::find().order_by_asc(official::Column::Username).all(db).await?;
    let portal = officials.iter().find(|o| o.kind == entity::OfficialKind::Service).map(|o| o.id);
    let specialists = specialists_by_agency(&officials);
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
        let tier = agency.kind.tier();
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
        let weight = match (agency.kind, agency.path.as_str()) {
            (_, "/91/899/30733/" | "/91/899/" | "/91/30742/" | "/91/STP/") => 60,
            (AgencyKind::Commune, _) => 10,
            (AgencyKind::District, _) => 25,
            _ => 20,
        };
        let specialist = specialists.get(&agency.id).copied();
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

/// The specialist who handles a unit's generated dossiers (its `*.chuyenvien`
/// or `cv.*` official, the first by login), by agency id.
pub(crate) fn specialists_by_agency(officials: &[official::Model]) -> HashMap<Uuid, Uuid> {
    let mut specialists = HashMap::new();
    for official in officials {
        if official.username.contains("chuyenvien") || official.username.starts_with("cv.") {
            specialists.entry(official.agency_id).or_insert(official.id);
        }
    }
    specialists
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

/// How many days back `motcua seed` files dossiers, unless told otherwise: 18 months.
pub const DEFAULT_SPAN_DAYS: u32 = 548;

/// When generated dossiers are filed: from `from` until `until`, which is
/// their "now" (nothing happens to them after it: those not finished by
/// then are in flight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Stretch {
    /// The last `days` days until now.
    pub fn last_days(days: u32) -> Self {
        let until = api::now();
        Self { from: until - Duration::days(i64::from(days)), until }
    }

    /// Its length in days (at least 1).
    pub(crate) fn days(&self) -> u32 {
        (self.until - self.from).num_days().clamp(1, i64::from(u32::MAX)) as u32
    }
}

/// Generates `count` dossiers filed over `stretch`, at the units open at
/// its end; repeatable runs continue the daily code sequences. One thread generates
/// (deterministically, from one seeded random generator) while writers load
/// the previous batches.
pub async fn generate(
    db: &DatabaseConnection,
    count: u64,
    stretch: Stretch,
    progress: bool,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let world = load_world(db, stretch.until.with_timezone(&vietnam()).date_naive()).await?;
    let existing = entity::dossier::Entity::find().count(db).await?;
    let bar = if progress { ProgressBar::new(count) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} dossiers {per_sec} eta {eta}").expect("a valid template"),
    );
    let rebuild_indexes = count >= BULK_THRESHOLD;
    if rebuild_indexes {
        api::db::prepare_bulk_load(db).await?;
    }

    let (sender, receiver) = mpsc::channel::<[Rows; 2]>(4);
    let generator = spawn_generator(world, sender, existing, count, stretch);
    let writers = spawn_writers(db, receiver, &bar);
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
        api::db::finish_bulk_load(db).await?;
        if progress {
            eprintln!("rebuilt by {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    written?;
    bulk::analyze(db).await?;
    save_sequences(db, &sequences).await?;
    api::tally::rebuild(db).await?;
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

/// One generated dossier, with its slip entries, appended to the rows.
fn make_dossier(
    rng: &mut StdRng,
    world: &mut World,
    now: DateTime<Utc>,
    span_days: u32,
    dossiers: &mut Vec<Vec<Cell>>,
    events: &mut Vec<Vec<Cell>>,
) {
    let roll = rng.random_range(0..*world.cumulative.last().expect("places exist"));
    let place_index = world.cumulative.partition_point(|c| *c <= roll);
    let place = &world.places[place_index];
    let procedure_index = place.procedures[rng.random_range(0..place.procedures.len())];
    let (day, filed_at) = filing_time(rng, &world.calendar, now, span_days);
    let procedure = &world.procedures[procedure_index];
    let channel = channel_for(rng, procedure.online_mode);
    let mut status = status_for_age(rng, (now - filed_at).num_days());
    if status == DossierStatus::Submitted && channel != Channel::Online {
        status = DossierStatus::Received;
    }

    let id = world.ids.next();
    let agency_id = world.places[place_index].agency.id;
    let sequence = world.sequences.entry((agency_id, day)).or_insert(0);
    *sequence += 1;
    let sequence = *sequence;
    let (place, procedure) = (&world.places[place_index], &world.procedures[procedure_index]);
    let code = format_dossier_code(&place.agency.code, day, sequence as u32);
    let online = channel == Channel::Online;
    let received_at = match status {
        DossierStatus::Submitted => None,
        DossierStatus::Refused if online => None,
        _ if online => Some((filed_at + Duration::minutes(rng.random_range(5..240))).min(now)),
        _ => Some(filed_at),
    };
    let due_at = received_at
        .map(|r| world.calendar.due_at(r, procedure.resolution_time.max(0) as u32, procedure.resolution_unit));
    let life = Life::lived(rng, status, online, filed_at, received_at, due_at, place.specialist, world.portal, now);
    let facts = Facts { id, code, status, channel, filed_at, received_at, due_at, day };
    let row = dossier_row(rng, place, procedure, &facts, &life);
    debug_assert_eq!(row.len(), DOSSIER_COLUMNS.len());
    dossiers.push(row);
    for entry in life.slip {
        events.push(event_row(world.ids.next(), id, &world.places[place_index].agency, entry));
    }
}

/// When a generated dossier was filed: a working day within the span, during office hours, not in the future.
fn filing_time(
    rng: &mut StdRng,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
    span_days: u32,
) -> (NaiveDate, DateTime<Utc>) {
    let back = Duration::days(rng.random_range(0..i64::from(span_days.max(1))));
    let mut day = (now.with_timezone(&vietnam()) - back).date_naive();
    if !calendar.is_working_day(day) {
        day = calendar.next_working_day(day);
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
    (day, filed_at)
}

/// How a dossier of a procedure offered `mode` arrives.
fn channel_for(rng: &mut StdRng, mode: OnlineMode) -> Channel {
    match mode {
        OnlineMode::Full => weighted(rng, &[(Channel::Online, 70), (Channel::Direct, 25), (Channel::Postal, 5)]),
        OnlineMode::Partial => weighted(rng, &[(Channel::Online, 40), (Channel::Direct, 50), (Channel::Postal, 10)]),
        OnlineMode::None => weighted(rng, &[(Channel::Direct, 85), (Channel::Postal, 15)]),
    }
}

/// What a generated dossier is, before its applicant.
struct Facts {
    id: Uuid,
    code: String,
    status: DossierStatus,
    channel: Channel,
    filed_at: DateTime<Utc>,
    received_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    day: NaiveDate,
}

/// What happened to a generated dossier: its slip and where it stands.
#[derive(Default)]
struct Life {
    slip: Vec<Event>,
    finished_at: Option<DateTime<Utc>>,
    returned_at: Option<DateTime<Utc>>,
    outcome: Option<Outcome>,
    paused_at: Option<DateTime<Utc>>,
    current_step: Option<i16>,
    assignee: Option<Uuid>,
}

/// A slip entry of the generator, with only what every entry has.
fn event(
    action: &'static str,
    from: Option<DossierStatus>,
    to: DossierStatus,
    actor: Option<Uuid>,
    at: DateTime<Utc>,
) -> Event {
    Event { action, from, to, actor, to_official: None, to_role: None, step: None, step_due_at: None, note: None, at }
}

impl Life {
    /// The life that brings a dossier filed at `filed_at` to `status`, as the commands would.
    #[allow(clippy::too_many_arguments)]
    fn lived(
        rng: &mut StdRng,
        status: DossierStatus,
        online: bool,
        filed_at: DateTime<Utc>,
        received_at: Option<DateTime<Utc>>,
        due_at: Option<DateTime<Utc>>,
        specialist: Option<Uuid>,
        portal: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut life = Life::default();
        if online {
            life.slip.push(event("SUBMIT", None, DossierStatus::Submitted, portal, filed_at));
        }
        let submitted = online.then_some(DossierStatus::Submitted);
        match (status, received_at, due_at) {
            (DossierStatus::Submitted, _, _) => {}
            (DossierStatus::Refused, _, _) => {
                let at = received_at.unwrap_or_else(|| (filed_at + Duration::hours(2)).min(now));
                let mut refusal = event("REFUSE", submitted, DossierStatus::Refused, None, at);
                refusal.note = Some("Hồ sơ không thuộc thẩm quyền hoặc không đủ điều kiện tiếp nhận");
                life.slip.push(refusal);
                life.finished_at = Some(at);
            }
            (_, Some(received), Some(due)) => {
                let mut receive = event("RECEIVE", submitted, DossierStatus::Received, None, received);
                // As `receiveDossier` does: the receipt completes the desk's intake
                // step and the dossier enters the specialist's step.
                receive.to_role = Some("specialist");
                receive.step = Some(2);
                life.slip.push(receive);
                life.current_step = Some(2);
                let handling = Handling { received, allowed: (due - received).num_seconds().max(3600), now };
                if status != DossierStatus::Received {
                    let mut assign = event(
                        "ASSIGN",
                        Some(DossierStatus::Received),
                        DossierStatus::Processing,
                        None,
                        handling.until(rng, 0.1),
                    );
                    assign.to_official = specialist;
                    assign.to_role = Some("specialist");
                    assign.step = Some(2);
                    assign.step_due_at = Some(due - Duration::hours(8).min(Duration::seconds(handling.allowed / 2)));
                    life.slip.push(assign);
                    life.assignee = specialist;
                }
                life.processed(rng, status, &handling, due, specialist);
            }
            _ => {}
        }
        life
    }

    /// After the assignment: a pause, an early end, or the result.
    fn processed(
        &mut self,
        rng: &mut StdRng,
        status: DossierStatus,
        handling: &Handling,
        due: DateTime<Utc>,
        specialist: Option<Uuid>,
    ) {
        let processing = Some(DossierStatus::Processing);
        match status {
            DossierStatus::SupplementRequested | DossierStatus::AwaitingPayment => {
                let at = handling.until(rng, 0.6);
                let (action, note) = if status == DossierStatus::SupplementRequested {
                    ("REQUEST_SUPPLEMENT", "Bổ sung bản sao giấy tờ tùy thân còn thiếu")
                } else {
                    ("REQUEST_PAYMENT", "Nộp lệ phí theo quy định")
                };
                let mut pause = event(action, processing, status, specialist, at);
                pause.note = Some(note);
                self.slip.push(pause);
                self.paused_at = Some(at);
            }
            DossierStatus::Withdrawn | DossierStatus::Stopped => {
                let at = handling.until(rng, 0.7);
                let action = if status == DossierStatus::Withdrawn { "WITHDRAW" } else { "STOP" };
                self.slip.push(event(action, processing, status, specialist, at));
                self.finished_at = Some(at);
            }
            DossierStatus::Resolved | DossierStatus::Returned => {
                // Three in four finish by the due date.
                let share =
                    if rng.random_bool(0.75) { rng.random_range(0.4..1.0) } else { rng.random_range(1.05..1.6) };
                let received = handling.received;
                let finished =
                    (received + Duration::seconds((handling.allowed as f64 * share) as i64)).min(handling.now);
                let mut submit = event(
                    "COMPLETE_STEP",
                    processing,
                    DossierStatus::Processing,
                    specialist,
                    received + (finished - received) * 4 / 5,
                );
                submit.to_role = Some("leader");
                submit.step = Some(3);
                self.slip.push(submit);
                let mut resolve = event("RESOLVE", processing, DossierStatus::Resolved, None, finished);
                resolve.to_role = Some("receiver");
                resolve.step = Some(4);
                self.slip.push(resolve);
                self.finished_at = Some(finished);
                self.outcome = Some(outcome_of(finished, due));
                self.current_step = Some(4);
                if status == DossierStatus::Returned {
                    let returned = (finished + Duration::hours(rng.random_range(1..72))).min(handling.now);
                    let resolved = Some(DossierStatus::Resolved);
                    self.slip.push(event("RETURN_RESULT", resolved, DossierStatus::Returned, None, returned));
                    self.returned_at = Some(returned);
                }
            }
            _ => {}
        }
    }
}

/// How long a received dossier has to be handled, and when it was received.
struct Handling {
    received: DateTime<Utc>,
    /// Seconds from receipt to the due time (an hour at least).
    allowed: i64,
    now: DateTime<Utc>,
}

impl Handling {
    /// A moment within `share` of the time allowed (not after now).
    fn until(&self, rng: &mut StdRng, share: f64) -> DateTime<Utc> {
        let seconds = (self.allowed as f64 * share * rng.random_range(0.3..1.0)) as i64;
        (self.received + Duration::seconds(seconds)).min(self.now)
    }
}

/// The dossier's row, its applicant and payment drawn now.
fn dossier_row(rng: &mut StdRng, place: &Place, procedure: &procedure::Model, facts: &Facts, life: &Life) -> Vec<Cell> {
    let (status, online, agency) = (facts.status, facts.channel == Channel::Online, &place.agency);
    let organization = procedure.tier == Tier::Province && rng.random_bool(0.4)
        || procedure.code.starts_with("2.000") && rng.random_bool(0.3);
    let name = if organization { people::organization_name(rng) } else { people::citizen_name(rng) };
    let resolved = matches!(status, DossierStatus::Resolved | DossierStatus::Returned);
    let paid = procedure.fee_amount > 0 && (resolved || status == DossierStatus::Processing && rng.random_bool(0.5));
    let paid_online = paid && online && rng.random_bool(0.8);
    let year = facts.day.format("%Y");
    let updated_at = life.slip.last().map_or(facts.filed_at, |e| e.at);
    vec![
        Cell::Uuid(facts.id),
        Cell::Text(facts.code.clone()),
        Cell::Uuid(procedure.id),
        Cell::Small(status.national_code()),
        Cell::Text(channel_value(facts.channel).into()),
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
        life.current_step.map_or(Cell::Null, Cell::Small),
        life.assignee.into(),
        Cell::Time(facts.filed_at),
        online.then_some(facts.filed_at).into(),
        facts.received_at.into(),
        facts.due_at.into(),
        life.paused_at.into(),
        life.finished_at.into(),
        life.returned_at.into(),
        life.outcome.map_or(Cell::Null, |o| Cell::Text(outcome_value(o).into())),
        Cell::Big(procedure.fee_amount),
        if paid { Cell::Time(life.finished_at.unwrap_or(updated_at)) } else { Cell::Null },
        if paid { Cell::Text(if paid_online { "ONLINE" } else { "DIRECT" }.into()) } else { Cell::Null },
        Cell::Bool(online || rng.random_bool(0.6)),
        Cell::Bool(resolved && rng.random_bool(0.5)),
        if resolved { Cell::Text(format!("{}/{year}/KQ", rng.random_range(1..9999))) } else { Cell::Null },
        Cell::Null,
        Cell::Null,
        Cell::Int(life.slip.len() as i32),
        Cell::Time(facts.filed_at),
        Cell::Time(updated_at),
    ]
}

/// A slip entry's row.
fn event_row(id: Uuid, dossier: Uuid, agency: &agency::Model, entry: Event) -> Vec<Cell> {
    vec![
        Cell::Uuid(id),
        Cell::Uuid(dossier),
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
        Cell::Null,
        Cell::Time(entry.at),
    ]
}

/// The last number of each agency's day, as the codes took them.
type Sequences = HashMap<(Uuid, NaiveDate), i32>;

/// The thread that generates the dossiers, deterministically from one
/// seeded generator, in batches; it returns the codes' day sequences and how
/// many slip entries it made.
fn spawn_generator(
    mut world: World,
    sender: mpsc::Sender<[Rows; 2]>,
    existing: u64,
    count: u64,
    stretch: Stretch,
) -> tokio::task::JoinHandle<(Sequences, u64)> {
    tokio::task::spawn_blocking(move || {
        let mut rng = StdRng::seed_from_u64(0x6d6f_7463_7561 ^ existing);
        let (now, span_days) = (stretch.until, stretch.days());
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
    })
}

/// The writers that load the generated batches (`bulk::writers` of them).
fn spawn_writers(
    db: &DatabaseConnection,
    receiver: mpsc::Receiver<[Rows; 2]>,
    bar: &ProgressBar,
) -> Vec<tokio::task::JoinHandle<anyhow::Result<()>>> {
    let receiver = Arc::new(Mutex::new(receiver));
    (0..bulk::writers(db))
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
        .collect()
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
