//! A version's documents and steps as a file writes them: a list separated
//! by `;` or by line breaks (`Tờ khai; Giấy chứng sinh`, a step as
//! `name | role | hours`), or a JSON array (of names or of objects).

use crate::services::administration::catalogue::{DocumentSpec, StepSpec};
use entity::TimeUnit;
use serde::Deserialize;

/// A document as JSON writes it: its name alone, or with its counts.
#[derive(Deserialize)]
#[serde(untagged)]
enum DocumentJson {
    Name(String),
    Full {
        name: String,
        #[serde(default = "one")]
        originals: i16,
        #[serde(default)]
        copies: i16,
        #[serde(default = "yes")]
        required: bool,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StepJson {
    name: String,
    role: String,
    budget_hours: i32,
}

fn one() -> i16 {
    1
}

fn yes() -> bool {
    true
}

/// The items of a list written as text.
fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '\n']).map(str::trim).filter(|item| !item.is_empty())
}

/// The documents of `text`; an original of each, required, unless JSON says otherwise.
pub(super) fn documents(text: Option<&str>) -> Result<Vec<DocumentSpec>, String> {
    let Some(text) = text else { return Ok(Vec::new()) };
    let document = |name: String| DocumentSpec { name, originals: 1, copies: 0, required: true };
    if text.starts_with('[') {
        let list: Vec<DocumentJson> =
            serde_json::from_str(text).map_err(|e| format!("not a JSON list of documents ({e})"))?;
        return Ok(list
            .into_iter()
            .map(|item| match item {
                DocumentJson::Name(name) => document(name),
                DocumentJson::Full { name, originals, copies, required } => {
                    DocumentSpec { name, originals, copies, required }
                }
            })
            .collect());
    }
    Ok(items(text).map(|name| document(name.to_owned())).collect())
}

/// The steps of `text`; without any, [`standard_steps`].
pub(super) fn steps(text: Option<&str>, time: i32, unit: TimeUnit) -> Result<Vec<StepSpec>, String> {
    let Some(text) = text else { return Ok(standard_steps(time, unit)) };
    if text.starts_with('[') {
        let list: Vec<StepJson> = serde_json::from_str(text)
            .map_err(|e| format!("not a JSON list of steps {{name, role, budgetHours}} ({e})"))?;
        return Ok(list
            .into_iter()
            .map(|s| StepSpec { name: s.name, role: s.role, budget_hours: s.budget_hours })
            .collect());
    }
    items(text)
        .map(|item| {
            let parts: Vec<&str> = item.split('|').map(str::trim).collect();
            let [name, role, hours] = parts[..] else {
                return Err(format!("`{item}` is not a step written `name | role | hours`"));
            };
            let budget_hours = hours.parse().map_err(|_| format!("`{hours}` is not a number of hours"))?;
            Ok(StepSpec { name: name.to_owned(), role: role.to_owned(), budget_hours })
        })
        .collect()
}

/// The one-stop desk's usual process: receipt at the desk, appraisal by a
/// specialist, approval by a leader, return at the desk. The appraisal gets
/// what remains of the legal time (in working hours, eight a day).
fn standard_steps(time: i32, unit: TimeUnit) -> Vec<StepSpec> {
    let total_hours = match unit {
        TimeUnit::WorkingHours => time,
        TimeUnit::WorkingDays | TimeUnit::CalendarDays => time.saturating_mul(8),
    };
    let appraisal = (total_hours - 8).max(2);
    [
        ("Tiếp nhận và chuyển hồ sơ", "receiver", 2),
        ("Thẩm định hồ sơ, trình kết quả", "specialist", appraisal),
        ("Phê duyệt, ký kết quả", "leader", 4),
        ("Trả kết quả", "receiver", 2),
    ]
    .into_iter()
    .map(|(name, role, budget_hours)| StepSpec { name: name.to_owned(), role: role.to_owned(), budget_hours })
    .collect()
}
