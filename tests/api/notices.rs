//! Notices to applicants: a real SMTP conversation with a mail server on a
//! local port carries the Vietnamese receipt with its appointment, an SMS
//! gateway gets its text, a province's own template is used once written,
//! and a mail server that refuses for a while gets the notice once it takes it.

use motcua_tests::smtp::{Mail, MailServer};
use motcua_tests::webhooks::Receiver;
use motcua_tests::{applicant, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

const DESK: &str = "vinhthanh.motcua";
const SPECIALIST: &str = "vinhthanh.chuyenvien";
const LEADER: &str = "vinhthanh.lanhdao";
const COMMUNE: &str = "30742";
const PROVINCE: &str = "91";
const PROVINCE_ADMIN: &str = "tinh.quantri";
const COMMUNE_ADMIN: &str = "vinhthanh.quantri";
const EMAIL: &str = "thutrang.nguyen@example.vn";
/// Long enough on a busy machine (on PostgreSQL the slip is read up to the
/// oldest running transaction of the whole cluster).
const WITHIN: Duration = Duration::from_secs(60);

/// A server sending notices through `mail` and the SMS gateway `sms`, retrying after 50–200 ms.
async fn spawn(mail: &MailServer, sms: Option<&Receiver>) -> TestApp {
    let (smtp, gateway) = (mail.url.clone(), sms.map(|r| r.url.clone()));
    TestApp::spawn_with(move |settings| {
        settings.outbox.smtp_url = Some(smtp);
        settings.outbox.mail_from = "Một cửa Vĩnh Thạnh <motcua@vinhthanh.example.vn>".into();
        settings.outbox.sms_gateway_url = gateway;
        settings.outbox.sms_gateway_token = Some("sms-token".into());
        settings.outbox.delivery_retry_base = Duration::from_millis(50);
        settings.outbox.delivery_retry_cap = Duration::from_millis(200);
        settings.outbox.webhook_timeout = Duration::from_secs(5);
        settings.outbox.delivery_attempts = 10;
    })
    .await
}

/// Receives a dossier for an applicant who gave `email`.
async fn receive(app: &TestApp, email: Option<&str>) -> Value {
    let procedure = app.procedure_id(COMMUNE, None).await;
    let mut applicant = applicant();
    if let Some(email) = email {
        applicant["email"] = json!(email);
    }
    let input = json!({ "procedureId": procedure, "agencyCode": COMMUNE, "applicant": applicant });
    app.ok(DESK, "receiveDossier", input).await["dossier"].clone()
}

/// `16:30 ngày 09/12/2026` of an RFC 3339 time, in Vietnam time.
fn vietnamese(at: &Value) -> String {
    let at = chrono::DateTime::parse_from_rfc3339(at.as_str().unwrap()).unwrap();
    let vietnam = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    at.with_timezone(&vietnam).format("%H:%M ngày %d/%m/%Y").to_string()
}

async fn notices_of(app: &TestApp, code: &str) -> Vec<Value> {
    let query = "query($code: String!) { dossier(code: $code) {
        notices { notice channel status attemptCount lastError finishedAt } } }";
    let data = app.data(Some(DESK), query, json!({ "code": code })).await;
    data["dossier"]["notices"].as_array().unwrap().clone()
}

/// The notices of `code` once `until` holds of them.
async fn wait_for_notices(app: &TestApp, code: &str, until: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        let notices = notices_of(app, code).await;
        if until(&notices) {
            return notices;
        }
        assert!(tokio::time::Instant::now() < deadline, "never: {notices:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn mails_about<'a>(mails: &'a [Mail], code: &str) -> Vec<&'a Mail> {
    mails.iter().filter(|mail| mail.header("Subject").is_some_and(|s| s.contains(code))).collect()
}

#[tokio::test]
async fn the_receipt_reaches_the_applicant_by_email_in_vietnamese_with_the_appointment_and_by_sms() {
    let (mail, sms) = (MailServer::start().await, Receiver::start().await);
    let app = spawn(&mail, Some(&sms)).await;
    let dossier = receive(&app, Some(EMAIL)).await;
    let code = dossier["code"].as_str().unwrap();
    let appointment = vietnamese(&dossier["dueAt"]);

    let mails = mail.wait_until(WITHIN, |mails| !mails_about(mails, code).is_empty()).await;
    let receipt = mails_about(&mails, code)[0];
    assert_eq!(receipt.to, [format!("<{EMAIL}>")]);
    assert_eq!(receipt.from, "<motcua@vinhthanh.example.vn>");
    assert_eq!(receipt.header("Subject").unwrap(), format!("Hồ sơ {code} đã được tiếp nhận"));
    assert!(receipt.header("From").unwrap().contains("Một cửa Vĩnh Thạnh"), "{:?}", receipt.header("From"));
    let body = receipt.body();
    assert!(body.starts_with("Kính gửi ông/bà Nguyễn Thị Thu Trang,"), "{body}");
    assert!(body.contains(&format!("Thời gian hẹn trả kết quả: {appointment}.")), "{appointment} in {body}");
    assert!(body.contains("Bộ phận Tiếp nhận và Trả kết quả"), "{body}");

    let texts = sms.wait_until(WITHIN, |taken| !taken.is_empty()).await;
    let text = texts[0].json();
    assert!(text["to"].as_str().unwrap().contains("345"), "{text}");
    let message = text["message"].as_str().unwrap();
    assert!(message.contains(code) && message.contains(&appointment), "{message}");
    assert!(text["reference"].as_str().unwrap().starts_with("msg_"));

    let notices = wait_for_notices(&app, code, |n| n.len() == 2 && n.iter().all(|n| n["status"] == "SENT")).await;
    let mut channels: Vec<&str> = notices.iter().map(|n| n["channel"].as_str().unwrap()).collect();
    channels.sort();
    assert_eq!(channels, ["EMAIL", "SMS"]);
    assert!(notices.iter().all(|n| n["notice"] == "RECEIPT" && n["attemptCount"] == 1));

    // Assigning sends nothing; a dossier without an e-mail address gets its SMS only.
    let specialist = app.user_id(SPECIALIST).await;
    app.ok(LEADER, "assignDossier", json!({ "dossierId": dossier["id"], "assigneeId": specialist })).await;
    let without = receive(&app, None).await;
    let without = without["code"].as_str().unwrap();
    let only_sms = wait_for_notices(&app, without, |n| n.iter().any(|n| n["status"] == "SENT")).await;
    assert_eq!(only_sms.len(), 1, "{only_sms:?}");
    assert_eq!(only_sms[0]["channel"], "SMS");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(notices_of(&app, code).await.len(), 2, "assigning sends no notice");
}

const SET: &str = "mutation($input: SetNoticeTemplateInput!) { setNoticeTemplate(input: $input) {
    notice channel subject body custom updatedBy } }";

#[tokio::test]
async fn a_province_writes_its_own_supplement_notice_and_the_next_one_is_sent_with_it() {
    let mail = MailServer::start().await;
    let app = spawn(&mail, None).await;
    let own = json!({
        "provinceCode": PROVINCE, "notice": "SUPPLEMENT", "channel": "EMAIL",
        "subject": "[Kiên Giang] Bổ sung hồ sơ {{ma_ho_so}}",
        "body": "Thưa {{ho_ten}}: cần nộp thêm {{giay_to_thieu}} trước {{han_bo_sung}} ({{ly_do}}).",
    });
    let refused = app.graphql(Some(COMMUNE_ADMIN), SET, json!({ "input": own })).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "a commune's admin may not");
    let mut unknown = own.clone();
    unknown["body"] = json!("{{so_ho_so}}");
    let bad = app.graphql(Some(PROVINCE_ADMIN), SET, json!({ "input": unknown })).await;
    assert_eq!(bad.error_codes(), ["BAD_USER_INPUT"]);
    assert!(bad.body["errors"][0]["message"].as_str().unwrap().contains("so_ho_so"), "{}", bad.body);
    let written = app.data(Some(PROVINCE_ADMIN), SET, json!({ "input": own })).await["setNoticeTemplate"].clone();
    assert_eq!((written["custom"].clone(), written["updatedBy"].clone()), (json!(true), json!(PROVINCE_ADMIN)));

    let dossier = receive(&app, Some(EMAIL)).await;
    let (id, code) = (dossier["id"].clone(), dossier["code"].as_str().unwrap().to_owned());
    let specialist = app.user_id(SPECIALIST).await;
    app.ok(LEADER, "assignDossier", json!({ "dossierId": id, "assigneeId": specialist })).await;
    let asked =
        json!({ "dossierId": id, "reason": "Bản sao mờ", "missingDocuments": ["Tờ khai", "Bản đồ"], "daysAllowed": 5 });
    let asked = app.ok(SPECIALIST, "requestSupplement", asked).await;
    let supply_by =
        chrono::NaiveDate::parse_from_str(asked["event"]["supplyBy"].as_str().unwrap(), "%Y-%m-%d").unwrap();

    let mails = mail.wait_until(WITHIN, |mails| mails_about(mails, &code).len() >= 2).await;
    let about = mails_about(&mails, &code);
    let supplement =
        about.iter().find(|m| m.header("Subject").unwrap().starts_with("[Kiên Giang]")).expect("the own one");
    assert_eq!(supplement.header("Subject").unwrap(), format!("[Kiên Giang] Bổ sung hồ sơ {code}"));
    assert_eq!(
        supplement.body().trim_end(),
        format!(
            "Thưa Nguyễn Thị Thu Trang: cần nộp thêm Tờ khai; Bản đồ trước {} (Bản sao mờ).",
            supply_by.format("%d/%m/%Y")
        )
    );

    let templates = app
        .data(Some(DESK), "{ noticeTemplates(provinceCode: \"91\") { notice channel custom } }", json!({}))
        .await["noticeTemplates"]
        .clone();
    let templates = templates.as_array().unwrap();
    assert_eq!(templates.len(), 12);
    let custom: Vec<&Value> = templates.iter().filter(|t| t["custom"] == true).collect();
    assert_eq!(custom.len(), 1);
    assert_eq!((custom[0]["notice"].clone(), custom[0]["channel"].clone()), (json!("SUPPLEMENT"), json!("EMAIL")));
    let reset = json!({ "provinceCode": PROVINCE, "notice": "SUPPLEMENT", "channel": "EMAIL" });
    let query = "mutation($input: ResetNoticeTemplateInput!) { resetNoticeTemplate(input: $input) { custom subject } }";
    let back = app.data(Some(PROVINCE_ADMIN), query, json!({ "input": reset })).await["resetNoticeTemplate"].clone();
    assert_eq!(back["custom"], false);
    assert!(back["subject"].as_str().unwrap().contains("cần bổ sung giấy tờ"), "{back}");
}

#[tokio::test]
async fn a_mail_server_that_refuses_for_a_while_gets_the_notice_once_it_takes_it() {
    let mail = MailServer::start().await;
    mail.refuse_next(2);
    let app = spawn(&mail, None).await;
    let code = receive(&app, Some(EMAIL)).await["code"].as_str().unwrap().to_owned();
    let notices = wait_for_notices(&app, &code, |n| n.first().is_some_and(|n| n["status"] == "SENT")).await;
    assert_eq!(notices[0]["attemptCount"], 3, "two refusals, then taken: {notices:?}");
    assert_eq!(mails_about(&mail.mails(), &code).len(), 1, "sent once");
}
