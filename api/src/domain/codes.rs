//! Dossier codes: `{agency code}-{yyMMdd}-{4-digit daily sequence}`.

use chrono::NaiveDate;

/// Formats a dossier code; the sequence has at least four digits.
pub fn format_dossier_code(agency_code: &str, day: NaiveDate, sequence: u32) -> String {
    format!("{agency_code}-{}-{sequence:04}", day.format("%y%m%d"))
}

/// The parts of a well-formed dossier code: agency code, day and sequence.
pub(crate) fn parse_dossier_code(code: &str) -> Option<(&str, NaiveDate, u32)> {
    let mut parts = code.rsplitn(3, '-');
    let sequence = parts.next()?;
    let day = parts.next()?;
    let agency = parts.next()?;
    if agency.is_empty() || sequence.len() < 4 || !sequence.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if day.len() != 6 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day = NaiveDate::parse_from_str(&format!("20{day}"), "%Y%m%d").ok()?;
    Some((agency, day, sequence.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_code_names_agency_day_and_a_four_digit_sequence() {
        assert_eq!(format_dossier_code("30733", day(2026, 11, 23), 7), "30733-261123-0007");
        assert_eq!(format_dossier_code("91.STP", day(2025, 1, 2), 12345), "91.STP-250102-12345");
    }

    #[test]
    fn a_formatted_code_parses_back() {
        let code = format_dossier_code("91.STP", day(2024, 2, 29), 42);
        assert_eq!(parse_dossier_code(&code), Some(("91.STP", day(2024, 2, 29), 42)));
    }

    #[test]
    fn malformed_codes_do_not_parse() {
        for bad in
            ["", "30733", "30733-261123", "30733-261323-0001", "-261123-0001", "30733-261123-01", "30733-26112x-0001"]
        {
            assert_eq!(parse_dossier_code(bad), None, "{bad}");
        }
    }
}
