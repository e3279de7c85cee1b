//! One row of a dossiers file checked: the dossier as its old system left
//! it — its unit on the day it was filed, the procedure version it was
//! handled under, its dates in the order its status implies — and the slip
//! entries the file gives.

use super::known::Known;
use super::values;
use crate::domain::calendar::outcome_of;
use crate::domain::lifecycle::status_name;
use crate::domain::steps::{return_step, step_after_receipt};
use crate::services::imports::rows::{self, Refusal, Row};
use crate::services::tally::vietnam_day;
use chrono::{DateTime, Utc};
use entity::{agency, dossier, dossier_event, procedure, Channel, DossierStatus};
use uuid::Uuid;

/// The details of a slip entry the file gives: it happened in the old system.
pub(crate) const IMPORTED_DETAILS: &str = r#"{"imported":true}"#;

/// The most slip entries a row may give.
const MOST_ENTRIES: usize = 200;

/// A dossier the file gives, ready to write.
pub(super) struct Imported {
    pub dossier: dossier::Model,
    pub slip: Vec<dossier_event::Model>,
}

/// When the dossier's life happened, as the file gives it.
struct Dates {
    filed: DateTime<Utc>,
    received: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    paused: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    returned: Option<DateTime<Utc>>,
}

fn moment(row: &Row, column: &'static str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Refusal> {
    let Some(text) = row.get(column) else { return Ok(None) };
    match values::moment(text) {
        Some(at) if column != "dueAt" && at > now => Err((column, format!("`{text}` is in the future"))),
        Some(at) => Ok(Some(at)),
        None => Err((column, format!("`{text}` is not a moment: write 2025-03-04 08:15 (Vietnam time) or RFC 3339"))),
    }
}

/// The dossier `row` gives, with its slip (its given entries and the import's own).
pub(super) fn check(row: &Row, known: &Known, file_name: &str) -> Result<Imported, Refusal> {
    let code = rows::required(row, "code")?;
    if code.chars().count() > 64 || code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(("code", "a dossier's code is 1 to 64 characters without spaces".into()));
    }
    let status = rows::required(row, "status")?;
    let status = values::status(status).ok_or(("status", format!("`{status}` is not a status")))?;
    let channel = rows::required(row, "channel")?;
    let channel = values::channel(channel).ok_or(("channel", "the channel is ONLINE, DIRECT or POSTAL".into()))?;
    let received = moment(row, "receivedAt", known.now)?;
    let filed = match (moment(row, "filedAt", known.now)?, received) {
        (Some(filed), _) => filed,
        (None, Some(received)) if channel != Channel::Online => received,
        (None, _) => return Err(("filedAt", "`filedAt` is required (or, at the desk, `receivedAt`)".into())),
    };
    let unit = unit(row, known, filed, status)?;
    let version = match row.get("version") {
        None => None,
        Some(text) => Some(text.parse().map_err(|_| ("version", format!("`{text}` is not a version number")))?),
    };
    let procedure = rows::required(row, "procedure")?;
    let procedure = known.procedure(unit, procedure, version, vietnam_day(filed)).map_err(|e| ("procedure", e))?;
    let mut dates = Dates {
        filed,
        received,
        due: moment(row, "dueAt", known.now)?,
        paused: moment(row, "pausedAt", known.now)?,
        finished: moment(row, "finishedAt", known.now)?,
        returned: moment(row, "returnedAt", known.now)?,
    };
    check_life(status, channel, &dates)?;
    if let (None, Some(received)) = (dates.due, dates.received) {
        let calendar = known.calendar(&unit.province_code).ok_or(("agency", "its province has no calendar".into()))?;
        let amount = procedure.resolution_time.max(0) as u32;
        dates.due = Some(calendar.due_at(received, amount, procedure.resolution_unit));
    }
    let dossier = dossier(row, known, (code, status, channel), (unit, procedure), &dates)?;
    let slip = slip(row, known, &dossier, file_name)?;
    Ok(Imported { dossier, slip })
}

/// The unit that bore the row's `agency` code on the day the dossier was
/// filed; a dossier still in flight is refused at a unit closed since.
fn unit<'a>(
    row: &Row,
    known: &'a Known,
    filed: DateTime<Utc>,
    status: DossierStatus,
) -> Result<&'a agency::Model, Refusal> {
    let code = rows::required(row, "agency")?;
    let day = vietnam_day(filed);
    let unit = known.agency(code, day).ok_or(("agency", format!("no unit bore the code `{code}` on {day}")))?;
    let in_flight = status.is_pending() || status == DossierStatus::Submitted;
    match unit.valid_to {
        Some(last) if in_flight && last < known.today => Err((
            "agency",
            format!("{} closed on {last}: a dossier still in flight is imported at its successor", unit.name),
        )),
        _ => Ok(unit),
    }
}

/// The dates a status needs and those it forbids, and their order.
fn check_life(status: DossierStatus, channel: Channel, dates: &Dates) -> Result<(), Refusal> {
    use DossierStatus::*;
    let name = status_name(status);
    let needs = |column: &'static str, at: Option<DateTime<Utc>>| match at {
        Some(_) => Ok(()),
        None => Err((column, format!("a dossier {name} has its `{column}`"))),
    };
    let forbids = |column: &'static str, at: Option<DateTime<Utc>>| match at {
        Some(_) => Err((column, format!("a dossier {name} has no `{column}`"))),
        None => Ok(()),
    };
    if status == Submitted && channel != Channel::Online {
        return Err(("status", "only an online submission waits SUBMITTED".into()));
    }
    if status == Submitted || status == Refused && channel == Channel::Online {
        forbids("receivedAt", dates.received)?;
    } else if status != Withdrawn && status != Refused {
        needs("receivedAt", dates.received)?;
    }
    if status.pauses_clock() { needs("pausedAt", dates.paused) } else { forbids("pausedAt", dates.paused) }?;
    if status.is_pending() || status == Submitted {
        forbids("finishedAt", dates.finished)?;
    } else {
        needs("finishedAt", dates.finished)?;
    }
    if status == Returned { needs("returnedAt", dates.returned) } else { forbids("returnedAt", dates.returned) }?;
    let order = [
        ("receivedAt", dates.received),
        ("pausedAt", dates.paused),
        ("finishedAt", dates.finished),
        ("returnedAt", dates.returned),
    ];
    let mut last = ("filedAt", dates.filed);
    for (column, at) in order {
        let Some(at) = at else { continue };
        if at < last.1 {
            return Err((column, format!("`{column}` is before `{}`", last.0)));
        }
        last = (column, at);
    }
    Ok(())
}

/// The dossier's row.
fn dossier(
    row: &Row,
    known: &Known,
    (code, status, channel): (&str, DossierStatus, Channel),
    (unit, procedure): (&agency::Model, &procedure::Model),
    dates: &Dates,
) -> Result<dossier::Model, Refusal> {
    let resolved = matches!(status, DossierStatus::Resolved | DossierStatus::Returned);
    let outcome = outcome(row, resolved, dates)?;
    let kind = values::applicant_kind(row.get("applicantKind"))
        .ok_or(("applicantKind", "the applicant is a CITIZEN or an ORGANIZATION".into()))?;
    let (fee, fee_paid_at, payment_method) = payment(row, known, procedure)?;
    let digitized =
        |column: &'static str| rows::flag(row.get(column)).ok_or((column, "true or false (or có, không)".to_owned()));
    let assignee = match row.get("assignee") {
        None => None,
        Some(_) if !status.is_pending() => return Err(("assignee", "only a dossier in flight has an assignee".into())),
        Some(name) => Some(*known.officials.get(name).ok_or(("assignee", format!("no official is `{name}`")))?),
    };
    let steps = known.steps(procedure.id);
    let current_step = match status {
        _ if status.is_pending() => step_after_receipt(steps).map(|s| s.position),
        DossierStatus::Submitted => steps.first().map(|s| s.position),
        DossierStatus::Resolved | DossierStatus::Returned => return_step(steps).map(|s| s.position),
        _ => None,
    };
    let id = Uuid::now_v7();
    Ok(dossier::Model {
        id,
        code: code.to_owned(),
        procedure_id: procedure.id,
        status,
        channel,
        applicant_kind: kind,
        applicant_name: rows::text(row, "applicantName", 300)?.ok_or(("applicantName", "required".to_owned()))?,
        applicant_id_number: rows::text(row, "applicantIdNumber", 32)?.unwrap_or_default(),
        applicant_phone: rows::text(row, "applicantPhone", 32)?.unwrap_or_default(),
        applicant_email: rows::text(row, "applicantEmail", 254)?,
        applicant_address: rows::text(row, "applicantAddress", 500)?.unwrap_or_default(),
        receiving_agency_id: unit.id,
        receiving_agency_path: unit.path.clone(),
        transferred: false,
        moves: None,
        competent_agency_id: unit.id,
        agency_id: unit.id,
        agency_path: unit.path.clone(),
        province_code: unit.province_code.clone(),
        current_step,
        assignee_id: assignee,
        filed_at: dates.filed,
        submitted_at: (channel == Channel::Online).then_some(dates.filed),
        received_at: dates.received,
        due_at: dates.due,
        paused_at: dates.paused,
        finished_at: dates.finished,
        appointment_at: None,
        returned_at: dates.returned,
        outcome,
        fee_amount: fee,
        fee_paid_at,
        payment_method,
        documents_digitized: digitized("documentsDigitized")?,
        result_digitized: digitized("resultDigitized")?,
        result_number: rows::text(row, "resultNumber", 100)?.filter(|_| resolved),
        signer_id: None,
        idempotency_key: None,
        lock_version: 1,
        created_at: dates.filed,
        updated_at: known.now,
    })
}

/// The outcome the file gives a resolved dossier, or its own: when it
/// finished against when it was due.
fn outcome(row: &Row, resolved: bool, dates: &Dates) -> Result<Option<entity::Outcome>, Refusal> {
    Ok(match row.get("outcome") {
        Some(_) if !resolved => return Err(("outcome", "only a resolved dossier has an outcome".into())),
        Some(text) => Some(values::outcome(text).ok_or(("outcome", "the outcome is EARLY, ON_TIME or LATE".into()))?),
        None if resolved => dates.finished.zip(dates.due).map(|(finished, due)| outcome_of(finished, due)),
        None => None,
    })
}

/// A fee, and when and how it was paid.
type Payment = (i64, Option<DateTime<Utc>>, Option<entity::PaymentMethod>);

/// The fee (blank: the version's), and when and how it was paid (both or neither).
fn payment(row: &Row, known: &Known, procedure: &procedure::Model) -> Result<Payment, Refusal> {
    let fee = match row.get("fee") {
        None => procedure.fee_amount,
        text => rows::amount(text).ok_or(("fee", "the fee is a whole number of đồng, not negative".into()))?,
    };
    let method = match row.get("paymentMethod") {
        None => None,
        Some(text) => Some(values::payment_method(text).ok_or(("paymentMethod", "ONLINE or DIRECT".into()))?),
    };
    let paid_at = moment(row, "feePaidAt", known.now)?;
    if paid_at.is_some() != method.is_some() {
        return Err(("paymentMethod", "a fee paid has both `feePaidAt` and `paymentMethod`".into()));
    }
    Ok((fee, paid_at, method))
}

/// One entry of the `slip` column, as the file gives it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GivenEntry {
    action: String,
    at: String,
    #[serde(default)]
    from: Option<String>,
    to: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    official: Option<String>,
    #[serde(default)]
    step: Option<i16>,
}

/// The slip: the entries the file gives (the `slip` column, a JSON list),
/// then the import's own entry `IMPORT`.
fn slip(
    row: &Row,
    known: &Known,
    dossier: &dossier::Model,
    file_name: &str,
) -> Result<Vec<dossier_event::Model>, Refusal> {
    let bad = |reason: String| ("slip", reason);
    let given: Vec<GivenEntry> = match row.get("slip") {
        None => Vec::new(),
        Some(text) => serde_json::from_str(text).map_err(|e| bad(format!("not a JSON list of entries: {e}")))?,
    };
    if given.len() > MOST_ENTRIES {
        return Err(bad(format!("at most {MOST_ENTRIES} entries")));
    }
    let entry = |action: String, from, to, at| dossier_event::Model {
        id: Uuid::now_v7(),
        dossier_id: dossier.id,
        agency_path: dossier.agency_path.clone(),
        province_code: dossier.province_code.clone(),
        action,
        status_from: from,
        status_to: to,
        from_agency_id: Some(dossier.agency_id),
        from_official_id: None,
        to_agency_id: Some(dossier.agency_id),
        to_official_id: None,
        to_role: None,
        step: None,
        step_due_at: None,
        note: None,
        details: None,
        created_at: at,
    };
    let mut slip = Vec::with_capacity(given.len() + 1);
    for (index, given) in given.into_iter().enumerate() {
        let number = index + 1;
        let action = given.action.trim().to_uppercase();
        if action.is_empty() || action.len() > 40 || !action.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
            return Err(bad(format!("entry {number}: an action is a word like RECEIVE or RESOLVE")));
        }
        let status_of = |text: &str| values::status(text).ok_or(bad(format!("entry {number}: `{text}` is no status")));
        let from = given.from.as_deref().map(status_of).transpose()?;
        let to = status_of(&given.to)?;
        let at = values::moment(given.at.trim())
            .filter(|at| *at <= known.now)
            .ok_or(bad(format!("entry {number}: `{}` is not a moment in the past", given.at)))?;
        let mut made = entry(action, from, to, at);
        // What happened in the old system: told to no one again (`outbox::fan_out`).
        made.details = Some(IMPORTED_DETAILS.into());
        made.note = given.note.filter(|n| !n.trim().is_empty()).map(|n| n.chars().take(2000).collect());
        made.from_official_id = match given.official {
            None => None,
            Some(name) => {
                Some(*known.officials.get(&name).ok_or(bad(format!("entry {number}: no official is `{name}`")))?)
            }
        };
        made.step = given.step;
        slip.push(made);
    }
    let mut imported = entry("IMPORT".into(), None, dossier.status, known.now);
    imported.note = Some(format!("Nhập từ hệ thống cũ ({file_name})"));
    imported.details = Some(serde_json::json!({ "file": file_name, "row": row.number }).to_string());
    imported.to_official_id = dossier.assignee_id;
    imported.step = dossier.current_step;
    slip.push(imported);
    Ok(slip)
}
