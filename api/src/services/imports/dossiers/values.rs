//! The values of a dossier's row as its old system writes them: moments,
//! statuses, channels, outcomes, kinds of applicant and ways of paying, in
//! English or in Vietnamese.

use crate::domain::calendar::vietnam;
use crate::domain::lifecycle::status_name;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use entity::{ApplicantKind, Channel, DossierStatus, Outcome, PaymentMethod};
use sea_orm::Iterable;

/// A moment: RFC 3339 (`2025-03-04T08:15:00+07:00`), or a time of day in
/// Vietnam (`2025-03-04 08:15[:00]`, `04/03/2025 08:15[:00]`), or a day
/// alone, its first moment in Vietnam.
pub(super) fn moment(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    const LOCAL: [&str; 6] = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    let local = LOCAL.iter().find_map(|format| NaiveDateTime::parse_from_str(text, format).ok()).or_else(|| {
        let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"));
        day.ok().and_then(|day| day.and_hms_opt(0, 0, 0))
    })?;
    vietnam().from_local_datetime(&local).single().map(|at| at.with_timezone(&Utc))
}

/// A status: its name, its national code (1–10) or its Vietnamese words.
pub(super) fn status(text: &str) -> Option<DossierStatus> {
    use DossierStatus::*;
    let wanted = text.trim().to_lowercase().replace(['-', ' '], "_");
    let named = DossierStatus::iter()
        .find(|s| status_name(*s).eq_ignore_ascii_case(&wanted) || s.national_code().to_string() == wanted);
    if named.is_some() {
        return named;
    }
    Some(match wanted.as_str() {
        "mới_đăng_ký" | "chờ_tiếp_nhận" => Submitted,
        "được_tiếp_nhận" | "đã_tiếp_nhận" => Received,
        "không_được_tiếp_nhận" | "từ_chối" => Refused,
        "đang_xử_lý" | "đang_giải_quyết" => Processing,
        "yêu_cầu_bổ_sung" | "yêu_cầu_bổ_sung_giấy_tờ" | "chờ_bổ_sung" => SupplementRequested,
        "chờ_thanh_toán" | "yêu_cầu_thực_hiện_nghĩa_vụ_tài_chính" => AwaitingPayment,
        "rút_hồ_sơ" | "công_dân_yêu_cầu_rút_hồ_sơ" | "đã_rút" => Withdrawn,
        "dừng_xử_lý" => Stopped,
        "đã_xử_lý_xong" | "đã_giải_quyết" | "có_kết_quả" => Resolved,
        "đã_trả_kết_quả" => Returned,
        _ => return None,
    })
}

pub(super) fn channel(text: &str) -> Option<Channel> {
    Some(match text.trim().to_lowercase().as_str() {
        "online" | "trực tuyến" => Channel::Online,
        "direct" | "trực tiếp" | "một cửa" => Channel::Direct,
        "postal" | "bưu chính" | "bưu chính công ích" => Channel::Postal,
        _ => return None,
    })
}

pub(super) fn outcome(text: &str) -> Option<Outcome> {
    Some(match text.trim().to_lowercase().replace(['-', ' '], "_").as_str() {
        "early" | "trước_hạn" => Outcome::Early,
        "on_time" | "đúng_hạn" => Outcome::OnTime,
        "late" | "quá_hạn" | "trễ_hạn" => Outcome::Late,
        _ => return None,
    })
}

pub(super) fn applicant_kind(text: Option<&str>) -> Option<ApplicantKind> {
    Some(match text.map(|t| t.trim().to_lowercase()).as_deref() {
        None | Some("citizen" | "công dân" | "cá nhân") => ApplicantKind::Citizen,
        Some("organization" | "organisation" | "tổ chức" | "doanh nghiệp") => ApplicantKind::Organization,
        Some(_) => return None,
    })
}

pub(super) fn payment_method(text: &str) -> Option<PaymentMethod> {
    Some(match text.trim().to_lowercase().as_str() {
        "online" | "trực tuyến" => PaymentMethod::Online,
        "direct" | "trực tiếp" | "tiền mặt" => PaymentMethod::Direct,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_read_in_vietnam_time_unless_it_says_its_offset() {
        let expected = Utc.with_ymd_and_hms(2025, 3, 4, 1, 15, 0).unwrap();
        for text in ["2025-03-04T08:15:00+07:00", "2025-03-04 08:15", "04/03/2025 08:15:00", "2025-03-04T01:15:00Z"] {
            assert_eq!(moment(text), Some(expected), "{text}");
        }
        assert_eq!(moment("04/03/2025"), Some(Utc.with_ymd_and_hms(2025, 3, 3, 17, 0, 0).unwrap()));
        assert_eq!(moment("2025-02-30"), None);
        assert_eq!(moment("hôm qua"), None);
    }

    #[test]
    fn statuses_are_read_by_name_code_or_vietnamese_words() {
        assert_eq!(status("RETURNED"), Some(DossierStatus::Returned));
        assert_eq!(status("10"), Some(DossierStatus::Returned));
        assert_eq!(status("Đã trả kết quả"), Some(DossierStatus::Returned));
        assert_eq!(status("supplement-requested"), Some(DossierStatus::SupplementRequested));
        assert_eq!(status("11"), None);
    }
}
