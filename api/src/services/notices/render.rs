//! Placeholders: `{{name}}` (spaces inside the braces allowed) stands for
//! one of [`VARIABLES`]; a template naming another is refused when saved.

use super::Channel;
use crate::error::{ApiError, ApiResult};
use std::collections::HashMap;

/// The placeholders a template may use, and what each stands for.
pub(crate) const VARIABLES: [(&str, &str); 10] = [
    ("ho_ten", "the applicant's name"),
    ("ma_ho_so", "the dossier code"),
    ("thu_tuc", "the procedure's name"),
    ("co_quan", "the receiving agency's name (the desk the applicant deals with)"),
    ("ngay_hen_tra", "the appointment to collect the result: `16:30 ngày 09/12/2026`"),
    ("giay_to_thieu", "the documents a supplement asks for, separated by `; `"),
    ("han_bo_sung", "the day by which to supply them: `10/12/2026`"),
    ("so_tien", "the amount to pay, in đồng: `1.500.000`"),
    ("ly_do", "the reason given (supplement, apology, refusal)"),
    ("ngay_hen_moi", "an apology's new appointment"),
];

/// Longest subject.
const SUBJECT_CHARS: usize = 200;
/// Longest e-mail body.
const EMAIL_CHARS: usize = 5_000;
/// Longest SMS: three segments without diacritics.
const SMS_CHARS: usize = 459;

/// The placeholders of `text`, in order; an unclosed `{{` is an error.
fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { return Err("a `{{` is never closed by `}}`".into()) };
        names.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    Ok(names)
}

/// Whether a template may be saved: known placeholders, a subject for an
/// e-mail and none for an SMS, no empty text, nothing too long.
pub(crate) fn check(channel: Channel, subject: Option<&str>, body: &str) -> ApiResult<()> {
    let refuse = |why: String| Err(ApiError::BadUserInput(why));
    let subject = subject.map(str::trim).filter(|s| !s.is_empty());
    match (channel, subject) {
        (Channel::Email, None) => return refuse("an e-mail needs a `subject`".into()),
        (Channel::Sms, Some(_)) => return refuse("an SMS has no `subject`".into()),
        (Channel::Email, Some(subject)) if subject.chars().count() > SUBJECT_CHARS => {
            return refuse(format!("the `subject` is longer than {SUBJECT_CHARS} characters"));
        }
        _ => {}
    }
    if subject.is_some_and(|s| s.contains(['\r', '\n'])) {
        return refuse("the `subject` must be one line".into());
    }
    let most = if channel == Channel::Email { EMAIL_CHARS } else { SMS_CHARS };
    if body.trim().is_empty() {
        return refuse("the `body` is empty".into());
    }
    if body.chars().count() > most {
        return refuse(format!("the `body` is longer than {most} characters"));
    }
    for (field, text) in [("subject", subject.unwrap_or_default()), ("body", body)] {
        for name in placeholders(text).map_err(|why| ApiError::BadUserInput(format!("`{field}`: {why}")))? {
            if !VARIABLES.iter().any(|(known, _)| *known == name) {
                let known: Vec<&str> = VARIABLES.iter().map(|(name, _)| *name).collect();
                return refuse(format!(
                    "`{field}`: `{{{{{name}}}}}` is not a placeholder; one of {}",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// `text` with each placeholder replaced by its value (a checked template
/// names only known ones; another is left as it is).
pub(crate) fn render(text: &str, values: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..start]);
        match values.get(after[..end].trim()) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_and_unknown_ones_refused() {
        let values = HashMap::from([("ma_ho_so", "30742-261206-0001".to_owned()), ("ho_ten", "Lê Văn A".into())]);
        assert_eq!(
            render("Kính gửi {{ho_ten}}, hồ sơ {{ ma_ho_so }}.", &values),
            "Kính gửi Lê Văn A, hồ sơ 30742-261206-0001."
        );
        assert!(check(Channel::Email, Some("Hồ sơ {{ma_ho_so}}"), "Kính gửi {{ho_ten}}").is_ok());
        let unknown = format!("{:?}", check(Channel::Email, Some("x"), "{{ten_khac}}").unwrap_err());
        assert!(unknown.contains("ten_khac"), "{unknown}");
        assert!(check(Channel::Email, None, "x").is_err(), "an e-mail needs a subject");
        assert!(check(Channel::Sms, Some("x"), "x").is_err(), "an SMS has none");
        assert!(check(Channel::Sms, None, &"a".repeat(460)).is_err());
        assert!(check(Channel::Email, Some("x"), "{{ho_ten").is_err());
        assert!(check(Channel::Email, Some("a\r\nBcc: x@y"), "x").is_err(), "no header injection");
    }
}
