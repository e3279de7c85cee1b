//! Notices to applicants (*thông báo cho tổ chức, cá nhân*): an e-mail and
//! an SMS when the desk receives a dossier (with the appointment), asks for
//! a supplement (what is missing), asks for payment, has the result ready,
//! apologises with a new appointment, or refuses it. Their text is data:
//! built-in Vietnamese templates (`defaults.rs`) that a province's admin may
//! replace with its own (`notice_template`). The outbox sends them
//! (`outbox::notices`); docs/NOTICES.md.

mod defaults;
mod render;

pub(crate) use render::{check, render, VARIABLES};

use crate::error::ApiResult;
use chrono::{DateTime, FixedOffset, Utc};
use entity::{agency, dossier, dossier_event, notice_template};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

/// A notice, named for what happened to the dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Notice {
    /// Received, with the appointment (*giấy tiếp nhận hồ sơ và hẹn trả kết quả*).
    Receipt,
    /// A supplement asked for: what is missing, by when.
    Supplement,
    /// A fee or tax to pay.
    Payment,
    /// The result is ready to collect.
    ResultReady,
    /// Late: an apology and a new appointment.
    Apology,
    /// Refused at intake, with the reason.
    Refusal,
}

impl Notice {
    /// Every notice, in the order of a dossier's life.
    pub(crate) const ALL: [Self; 6] =
        [Self::Receipt, Self::Supplement, Self::Payment, Self::ResultReady, Self::Apology, Self::Refusal];

    /// The stored name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Receipt => "RECEIPT",
            Self::Supplement => "SUPPLEMENT",
            Self::Payment => "PAYMENT",
            Self::ResultReady => "RESULT_READY",
            Self::Apology => "APOLOGY",
            Self::Refusal => "REFUSAL",
        }
    }

    /// The slip's action that sends it.
    pub(crate) fn action(self) -> &'static str {
        match self {
            Self::Receipt => "RECEIVE",
            Self::Supplement => "REQUEST_SUPPLEMENT",
            Self::Payment => "REQUEST_PAYMENT",
            Self::ResultReady => "RESOLVE",
            Self::Apology => "APOLOGIZE",
            Self::Refusal => "REFUSE",
        }
    }

    /// The notice a slip action sends, if any.
    pub(crate) fn of_action(action: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|notice| notice.action() == action)
    }
}

/// How a notice reaches the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub(crate) const ALL: [Self; 2] = [Self::Email, Self::Sms];

    /// The stored name, also the kind of its outbox consumer.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
        }
    }

    pub(crate) fn of_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|channel| channel.name() == name)
    }
}

/// A notice's text: a subject (e-mail only) and a body, with `{{name}}`
/// placeholders (`render::VARIABLES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub subject: Option<String>,
    pub body: String,
}

/// A province's template of `notice` on `channel`: its own, or the built-in one.
#[derive(Debug, Clone)]
pub(crate) struct Effective {
    pub notice: Notice,
    pub channel: Channel,
    pub template: Template,
    /// The province's own version, when it wrote one.
    pub custom: Option<notice_template::Model>,
}

/// Every template of `province`, in the order of [`Notice::ALL`] and [`Channel::ALL`].
pub(crate) async fn of_province(db: &DatabaseConnection, province: &str) -> ApiResult<Vec<Effective>> {
    let own =
        notice_template::Entity::find().filter(notice_template::Column::ProvinceCode.eq(province)).all(db).await?;
    let mut all = Vec::with_capacity(Notice::ALL.len() * Channel::ALL.len());
    for notice in Notice::ALL {
        for channel in Channel::ALL {
            let custom = own.iter().find(|t| t.notice == notice.name() && t.channel == channel.name()).cloned();
            let template = match &custom {
                Some(custom) => Template { subject: custom.subject.clone(), body: custom.body.clone() },
                None => built_in(notice, channel),
            };
            all.push(Effective { notice, channel, template, custom });
        }
    }
    Ok(all)
}

/// The built-in text of `notice` on `channel`.
pub(crate) fn built_in(notice: Notice, channel: Channel) -> Template {
    defaults::template(notice, channel)
}

/// A notice ready to send.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    /// The applicant's e-mail address or phone number.
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The messages on `channel` of the slip entries `ids`, by entry (an entry
/// that sends no notice, or whose applicant has no address, has none).
pub(crate) async fn messages(
    db: &DatabaseConnection,
    ids: &[Uuid],
    channel: Channel,
) -> ApiResult<HashMap<Uuid, Message>> {
    let entries = crate::services::outbox::entries::Entries::load(db, ids).await?;
    let dossiers = &entries.dossiers;
    let agency_ids: Vec<Uuid> = dossiers.values().map(|d| d.receiving_agency_id).collect();
    let agencies: HashMap<Uuid, String> = agency::Entity::find()
        .filter(agency::Column::Id.is_in(agency_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut provinces: Vec<&str> = dossiers.values().map(|d| d.province_code.as_str()).collect();
    provinces.sort_unstable();
    provinces.dedup();
    let mut templates: HashMap<(String, Notice), Template> = HashMap::new();
    for province in provinces {
        for effective in of_province(db, province).await?.into_iter().filter(|e| e.channel == channel) {
            templates.insert((province.to_owned(), effective.notice), effective.template);
        }
    }
    let mut messages = HashMap::with_capacity(entries.events.len());
    for (event, dossier, procedure) in entries.each() {
        let Some(notice) = Notice::of_action(&event.action) else { continue };
        let to = match channel {
            Channel::Email => dossier.applicant_email.clone().filter(|email| !email.trim().is_empty()),
            Channel::Sms => Some(dossier.applicant_phone.clone()).filter(|phone| !phone.trim().is_empty()),
        };
        let (Some(to), Some(template)) = (to, templates.get(&(dossier.province_code.clone(), notice))) else {
            continue;
        };
        let values = Values {
            event,
            dossier,
            procedure: procedure.map(|p| p.name.as_str()).unwrap_or_default(),
            agency: agencies.get(&dossier.receiving_agency_id).map(String::as_str).unwrap_or_default(),
        }
        .all();
        messages.insert(
            event.id,
            Message {
                to,
                subject: render(template.subject.as_deref().unwrap_or_default(), &values),
                body: render(&template.body, &values),
            },
        );
    }
    Ok(messages)
}

/// What a notice's placeholders stand for, for one slip entry.
struct Values<'a> {
    event: &'a dossier_event::Model,
    dossier: &'a dossier::Model,
    procedure: &'a str,
    agency: &'a str,
}

impl Values<'_> {
    fn all(&self) -> HashMap<&'static str, String> {
        let details: Value =
            self.event.details.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or(Value::Null);
        let appointment = self.dossier.appointment_at.or(self.dossier.due_at);
        let missing = details["missingDocuments"]
            .as_array()
            .map(|documents| documents.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "))
            .unwrap_or_default();
        let supply_by = details["supplyBy"]
            .as_str()
            .and_then(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
            .map(|day| day.format("%d/%m/%Y").to_string())
            .unwrap_or_default();
        let new_appointment = details["newAppointment"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| vietnamese_time(at.with_timezone(&Utc)))
            .unwrap_or_default();
        let reason = self.event.note.clone().or_else(|| details["reason"].as_str().map(str::to_owned));
        HashMap::from([
            ("ho_ten", self.dossier.applicant_name.clone()),
            ("ma_ho_so", self.dossier.code.clone()),
            ("thu_tuc", self.procedure.to_owned()),
            ("co_quan", self.agency.to_owned()),
            ("ngay_hen_tra", appointment.map(vietnamese_time).unwrap_or_default()),
            ("giay_to_thieu", missing),
            ("han_bo_sung", supply_by),
            ("so_tien", details["amount"].as_i64().map(dong).unwrap_or_default()),
            ("ly_do", reason.unwrap_or_default()),
            ("ngay_hen_moi", new_appointment),
        ])
    }
}

/// A time as a Vietnamese notice writes it: `16:30 ngày 09/12/2026`, Vietnam time.
fn vietnamese_time(at: DateTime<Utc>) -> String {
    let vietnam = FixedOffset::east_opt(7 * 3600).expect("a valid offset");
    at.with_timezone(&vietnam).format("%H:%M ngày %d/%m/%Y").to_string()
}

/// An amount in đồng with dots between thousands: `1.500.000`.
fn dong(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    if amount < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_times_are_written_the_vietnamese_way() {
        assert_eq!(dong(1_500_000), "1.500.000");
        assert_eq!(dong(500), "500");
        assert_eq!(dong(0), "0");
        let at = DateTime::parse_from_rfc3339("2026-12-09T09:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(vietnamese_time(at), "16:30 ngày 09/12/2026");
    }

    #[test]
    fn every_action_that_notifies_has_its_notice() {
        for notice in Notice::ALL {
            assert_eq!(Notice::of_action(notice.action()), Some(notice));
            assert!(crate::domain::lifecycle::COMMANDS.iter().any(|c| c.event == notice.action()), "{notice:?}");
        }
        assert_eq!(Notice::of_action("ASSIGN"), None);
    }
}

/// One notice sent (or being sent) about a dossier.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub(crate) struct Sent {
    pub dossier_id: Uuid,
    /// The channel's consumer kind: `EMAIL` or `SMS`.
    pub kind: String,
    /// The slip's action that sent it.
    pub action: String,
    /// The delivery's status: `PENDING`, `DELIVERED` or `DEAD`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The notices of these dossiers (already authorised), in the slip's order.
pub(crate) async fn of_dossiers(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<Sent>> {
    use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT d.dossier_id, k.kind, e.action, d.status, d.attempts, d.last_error, d.created_at, \
         d.finished_at FROM outbox_delivery d JOIN outbox_consumer k ON k.id = d.consumer_id \
         JOIN dossier_event e ON e.id = d.event_id \
         WHERE k.kind IN ('EMAIL', 'SMS') AND d.dossier_id IN ({}) ORDER BY d.position, d.event_id, k.kind",
        crate::services::outbox::entries::placeholders(backend, ids.len())
    );
    let values = ids.iter().map(|id| (*id).into());
    Ok(Sent::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).all(db).await?)
}
