//! The demo catalogue, read from `api/assets/demo-catalogue.json`: real
//! procedure names of the three tiers. Codes, times, fees, steps and
//! documents are SAMPLE DATA (every row has `is_sample = true`), shaped like
//! the national catalogue but not copied from it.

use entity::{OnlineMode, Tier, TimeUnit};
use serde::Deserialize;
use std::sync::OnceLock;

/// The file, compiled in.
const FILE: &str = include_str!("../../assets/demo-catalogue.json");

/// A field of administration (*lĩnh vực*).
#[derive(Debug, Deserialize)]
pub(crate) struct SampleField {
    pub code: String,
    pub name: String,
}

/// One catalogue entry of the demo.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SampleProcedure {
    pub code: String,
    pub name: String,
    pub field: String,
    #[serde(with = "tier")]
    pub tier: Tier,
    /// The publishing department's abbreviation, or `None` for the province
    /// (which publishes the district and commune tiers).
    pub department: Option<String>,
    #[serde(with = "online_mode")]
    pub online_mode: OnlineMode,
    pub time: i32,
    #[serde(with = "time_unit")]
    pub unit: TimeUnit,
    pub fee: i64,
    pub published_national: bool,
    pub documents: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Catalogue {
    fields: Vec<SampleField>,
    procedures: Vec<SampleProcedure>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| serde_json::from_str(FILE).expect("api/assets/demo-catalogue.json is a catalogue"))
}

/// The fields of the demo.
pub(crate) fn fields() -> &'static [SampleField] {
    &catalogue().fields
}

/// The procedures of the demo.
pub(crate) fn procedures() -> &'static [SampleProcedure] {
    &catalogue().procedures
}

/// The enums as the file writes them (the GraphQL names).
macro_rules! named {
    ($module:ident, $type:ty, $($name:literal => $value:expr),+ $(,)?) => {
        mod $module {
            use super::*;
            pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<$type, D::Error> {
                let name = String::deserialize(d)?;
                match name.as_str() {
                    $($name => Ok($value),)+
                    other => Err(serde::de::Error::custom(format!("unknown {}: {other}", stringify!($module)))),
                }
            }
        }
    };
}

named!(tier, Tier, "PROVINCE" => Tier::Province, "DISTRICT" => Tier::District, "COMMUNE" => Tier::Commune);
named!(online_mode, OnlineMode, "FULL" => OnlineMode::Full, "PARTIAL" => OnlineMode::Partial, "NONE" => OnlineMode::None);
named!(
    time_unit,
    TimeUnit,
    "WORKING_DAYS" => TimeUnit::WorkingDays,
    "WORKING_HOURS" => TimeUnit::WorkingHours,
    "CALENDAR_DAYS" => TimeUnit::CalendarDays,
);

/// The demo internal process: receipt at the desk, appraisal by a specialist,
/// approval by a leader, return at the desk. The appraisal gets what remains of
/// the legal time (in working hours, eight a day).
pub(crate) fn sample_steps(time: i32, unit: TimeUnit) -> Vec<(&'static str, &'static str, i32)> {
    let total_hours = match unit {
        TimeUnit::WorkingHours => time,
        TimeUnit::WorkingDays | TimeUnit::CalendarDays => time * 8,
    };
    let appraisal = (total_hours - 8).max(2);
    vec![
        ("Tiếp nhận và chuyển hồ sơ", "receiver", 2),
        ("Thẩm định hồ sơ, trình kết quả", "specialist", appraisal),
        ("Phê duyệt, ký kết quả", "leader", 4),
        ("Trả kết quả", "receiver", 2),
    ]
}
