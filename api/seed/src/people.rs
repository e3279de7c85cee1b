//! Generated applicants: plausible Vietnamese names, ID numbers, phones, addresses.

use rand::rngs::StdRng;
use rand::Rng;

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ", "Ngô", "Hồ",
    "Dương", "Lý", "Danh", "Thạch",
];
const MIDDLE: &[&str] =
    &["Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Quốc", "Thị Kim", "Văn Hữu", "Thị Mỹ", "Đức", "Gia"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai",
    "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trí", "Tuấn", "Vy", "Yến",
];
const COMPANY: &[&str] = &[
    "Công ty TNHH Thương mại Dịch vụ",
    "Công ty Cổ phần Đầu tư",
    "Công ty TNHH Một thành viên",
    "Hợp tác xã",
    "Doanh nghiệp tư nhân",
];
const COMPANY_NAME: &[&str] = &[
    "Biển Xanh",
    "Phú Quốc Pearl",
    "Hà Tiên",
    "Mekong Sun",
    "Rạch Giá",
    "Kiên Hải",
    "Tân Hiệp Phát",
    "Sông Cái Bé",
    "U Minh",
    "Hòn Đất",
];
const STREET: &[&str] = &[
    "Nguyễn Trung Trực",
    "Lạc Hồng",
    "Trần Phú",
    "Lâm Quang Ky",
    "Mạc Cửu",
    "Ngô Quyền",
    "Nguyễn Hùng Sơn",
    "Lê Lợi",
    "Quang Trung",
    "30 Tháng 4",
];

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// A citizen's name.
pub(super) fn citizen_name(rng: &mut StdRng) -> String {
    format!("{} {} {}", pick(rng, FAMILY), pick(rng, MIDDLE), pick(rng, GIVEN))
}

/// An organisation's name.
pub(super) fn organization_name(rng: &mut StdRng) -> String {
    format!("{} {}", pick(rng, COMPANY), pick(rng, COMPANY_NAME))
}

/// A 12-digit citizen ID number (province 091 prefix) or a 10-digit tax code.
pub(super) fn id_number(rng: &mut StdRng, organization: bool) -> String {
    if organization {
        format!("17{:08}", rng.random_range(0..100_000_000u32))
    } else {
        format!("091{:09}", rng.random_range(0..1_000_000_000u32))
    }
}

/// A mobile number.
pub(super) fn phone(rng: &mut StdRng) -> String {
    format!("09{:08}", rng.random_range(0..100_000_000u32))
}

/// A street address in the agency's area.
pub(super) fn address(rng: &mut StdRng, area: &str) -> String {
    format!("{} {}, {area}", rng.random_range(1..400), pick(rng, STREET))
}
