//! Notices to applicants through the outbox: two consumers of the
//! installation, one per channel (`EMAIL` through the SMTP server, `SMS`
//! through the gateway), each active while its setting is given, hearing
//! of the slip's actions that send a notice (`services::notices`) — the
//! e-mail one only for dossiers whose applicant gave an address.

use super::{describe, ensure_consumer, Outbox};
use crate::services::notices::{Channel, Message, Notice};
use crate::state::AppState;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};
use uuid::Uuid;

/// The kind (and channel name) of the e-mail consumer.
pub(crate) const EMAIL: &str = "EMAIL";
/// The kind (and channel name) of the SMS consumer.
pub(crate) const SMS: &str = "SMS";
/// The e-mail consumer: the same on every instance.
pub(crate) const EMAIL_CONSUMER: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_6d61_696c);
/// The SMS consumer.
pub(crate) const SMS_CONSUMER: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0073_6d73);

/// The slip's actions that send a notice.
pub(super) fn actions() -> Vec<String> {
    Notice::ALL.iter().map(|notice| notice.action().to_owned()).collect()
}

/// The channel a consumer kind sends on.
pub(super) fn channel_of(kind: &str) -> Option<Channel> {
    Channel::of_name(kind)
}

/// At start: each channel's consumer hears of the slip while its setting is given.
pub(super) async fn configure(state: &AppState) -> crate::error::ApiResult<()> {
    let settings = &state.outbox.settings;
    ensure_consumer(state, EMAIL_CONSUMER, EMAIL, "notices by e-mail", settings.smtp_url.is_some()).await?;
    ensure_consumer(state, SMS_CONSUMER, SMS, "notices by SMS", settings.sms_gateway_url.is_some()).await
}

/// The mail transport of `--smtp-url`, waiting at most `timeout` for the server.
pub(super) fn mailer(url: Option<&str>, timeout: std::time::Duration) -> anyhow::Result<Option<Mailer>> {
    let Some(url) = url else { return Ok(None) };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(timeout)).build();
    Ok(Some(transport))
}

/// How e-mail leaves the server.
pub(super) type Mailer = AsyncSmtpTransport<Tokio1Executor>;

/// What sending a notice came to: the answer's code (SMTP's or HTTP's) and, if it failed, why.
pub(super) type Sent = (Option<u16>, Option<String>);

/// Sends `message` by e-mail.
pub(super) async fn send_email(outbox: &Outbox, message: &Message) -> Sent {
    let Some(mailer) = outbox.mailer.as_ref() else { return (None, Some("no mail server is configured".into())) };
    let from: Mailbox = match outbox.settings.mail_from.parse() {
        Ok(from) => from,
        Err(error) => return (None, Some(format!("`--mail-from` is not an address: {error}"))),
    };
    let to: Mailbox = match message.to.trim().parse() {
        Ok(to) => to,
        Err(_) => return (None, Some("the applicant's e-mail address is not valid".into())),
    };
    let body = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(message.body.clone());
    let email = match lettre::Message::builder().from(from).to(to).subject(&message.subject).singlepart(body) {
        Ok(email) => email,
        Err(error) => return (None, Some(format!("the message cannot be built: {error}"))),
    };
    match mailer.send(email).await {
        Ok(response) => (Some(u16::from(response.code())), None),
        Err(error) => {
            let code = error.status().map(u16::from);
            (code, Some(format!("the mail server: {error}").chars().take(500).collect()))
        }
    }
}

/// Sends `message` by SMS: posted to the gateway, a 2xx answer taking it.
pub(super) async fn send_sms(outbox: &Outbox, message: &Message, reference: &str) -> Sent {
    let Some(url) = outbox.settings.sms_gateway_url.as_deref() else {
        return (None, Some("no SMS gateway is configured".into()));
    };
    let body = serde_json::json!({ "to": message.to, "message": message.body, "reference": reference });
    let mut request = outbox.client().post(url).json(&body);
    if let Some(token) = outbox.settings.sms_gateway_token.as_deref() {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => (Some(response.status().as_u16()), None),
        Ok(response) => {
            let status = response.status();
            (Some(status.as_u16()), Some(format!("the SMS gateway answered {status}")))
        }
        Err(error) if error.is_timeout() => (None, Some("the SMS gateway did not answer in time".into())),
        Err(error) => (None, Some(describe(&error))),
    }
}
