//! Vietnam's public holidays for 2024–2027 as data for the `holiday` table:
//! days off on weekdays and compensatory working Saturdays. 2024 and 2025 follow
//! the government's decisions; 2026 and 2027 follow the Labour Code's rule
//! (Lunar New Year dates computed ahead) and are to be corrected by an admin
//! when the year's decision is published.

/// (date, name) of a weekday off.
pub(crate) const HOLIDAYS: &[(&str, &str)] = &[
    ("2024-01-01", "Tết Dương lịch"),
    ("2024-02-08", "Tết Nguyên đán"),
    ("2024-02-09", "Tết Nguyên đán"),
    ("2024-02-12", "Tết Nguyên đán"),
    ("2024-02-13", "Tết Nguyên đán"),
    ("2024-02-14", "Tết Nguyên đán"),
    ("2024-04-18", "Giỗ Tổ Hùng Vương"),
    ("2024-04-29", "Nghỉ hoán đổi (làm bù thứ Bảy 04/5)"),
    ("2024-04-30", "Ngày Chiến thắng"),
    ("2024-05-01", "Quốc tế Lao động"),
    ("2024-09-02", "Quốc khánh"),
    ("2024-09-03", "Quốc khánh"),
    ("2025-01-01", "Tết Dương lịch"),
    ("2025-01-27", "Tết Nguyên đán"),
    ("2025-01-28", "Tết Nguyên đán"),
    ("2025-01-29", "Tết Nguyên đán"),
    ("2025-01-30", "Tết Nguyên đán"),
    ("2025-01-31", "Tết Nguyên đán"),
    ("2025-04-07", "Giỗ Tổ Hùng Vương"),
    ("2025-04-30", "Ngày Chiến thắng"),
    ("2025-05-01", "Quốc tế Lao động"),
    ("2025-05-02", "Nghỉ hoán đổi (làm bù thứ Bảy 26/4)"),
    ("2025-09-01", "Quốc khánh"),
    ("2025-09-02", "Quốc khánh"),
    ("2026-01-01", "Tết Dương lịch"),
    ("2026-02-16", "Tết Nguyên đán"),
    ("2026-02-17", "Tết Nguyên đán"),
    ("2026-02-18", "Tết Nguyên đán"),
    ("2026-02-19", "Tết Nguyên đán"),
    ("2026-02-20", "Tết Nguyên đán"),
    ("2026-04-27", "Giỗ Tổ Hùng Vương (nghỉ bù)"),
    ("2026-04-30", "Ngày Chiến thắng"),
    ("2026-05-01", "Quốc tế Lao động"),
    ("2026-09-01", "Quốc khánh"),
    ("2026-09-02", "Quốc khánh"),
    ("2027-01-01", "Tết Dương lịch"),
    ("2027-02-04", "Tết Nguyên đán"),
    ("2027-02-05", "Tết Nguyên đán"),
    ("2027-02-08", "Tết Nguyên đán"),
    ("2027-02-09", "Tết Nguyên đán"),
    ("2027-02-10", "Tết Nguyên đán"),
    ("2027-04-16", "Giỗ Tổ Hùng Vương"),
    ("2027-04-30", "Ngày Chiến thắng"),
    ("2027-05-03", "Quốc tế Lao động (nghỉ bù)"),
    ("2027-09-02", "Quốc khánh"),
    ("2027-09-03", "Quốc khánh"),
];

/// (date, name) of a compensatory working Saturday.
pub(crate) const COMPENSATORY_WORKDAYS: &[(&str, &str)] =
    &[("2024-05-04", "Làm bù cho ngày 29/4/2024"), ("2025-04-26", "Làm bù cho ngày 02/5/2025")];
