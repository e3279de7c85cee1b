//! Tables of shares: the service index of Decision 766/QĐ-TTg and the
//! catalogue statistics.

use super::table::{header_lines, Cell, Column, Table, NUMBER};
use crate::services::procedures::CatalogCounts;
use crate::services::reports::{Period, ServiceIndex, Share};
use chrono::{DateTime, Utc};
use entity::{OnlineMode, Tier};
use std::collections::HashMap;

const SHARE_COLUMNS: [Column; 6] = [
    NUMBER,
    Column { heading: "Nhóm", groups: &["Nhóm"], width: 26.0 },
    Column { heading: "Chỉ tiêu", groups: &["Chỉ tiêu"], width: 58.0 },
    Column { heading: "Số lượng", groups: &["Số lượng"], width: 12.0 },
    Column { heading: "Trên tổng số", groups: &["Trên tổng số"], width: 12.0 },
    Column { heading: "Tỷ lệ (%)", groups: &["Tỷ lệ (%)"], width: 10.0 },
];

fn share_rows<'a>(shares: impl IntoIterator<Item = (&'a str, String, Share)>) -> Vec<Vec<Cell>> {
    shares
        .into_iter()
        .enumerate()
        .map(|(index, (group, label, share))| {
            vec![
                Cell::Count(index as i64 + 1),
                Cell::Text(group.to_owned()),
                Cell::Text(label),
                Cell::Count(share.count),
                Cell::Count(share.base),
                Cell::Percent(share.ratio()),
            ]
        })
        .collect()
}

/// The service index of Decision 766/QĐ-TTg.
pub(crate) fn service_index_table(
    agency: &entity::agency::Model,
    period: Period,
    as_of: DateTime<Utc>,
    index: &ServiceIndex,
) -> Table {
    const PROCEDURES: &str = "Thủ tục hành chính";
    const DOSSIERS: &str = "Hồ sơ";
    let shares = [
        (PROCEDURES, "Cung cấp dịch vụ công trực tuyến toàn trình", index.procedures_fully_online),
        (PROCEDURES, "Cung cấp dịch vụ công trực tuyến một phần", index.procedures_partly_online),
        (DOSSIERS, "Tiếp nhận trực tuyến", index.received_online),
        (DOSSIERS, "Giải quyết trước hạn và đúng hạn", index.resolved_on_time),
        (DOSSIERS, "Tiếp nhận có thành phần hồ sơ được số hóa", index.digitized_documents),
        (DOSSIERS, "Giải quyết có kết quả được số hóa", index.digitized_results),
        (DOSSIERS, "Có phí, lệ phí, được thanh toán trực tuyến", index.paid_online),
    ];
    let mut lines = header_lines(agency, Some(period), as_of);
    lines.push("Bộ chỉ số theo Quyết định 766/QĐ-TTg".into());
    Table {
        sheet: "Chỉ số phục vụ",
        title: "CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP".into(),
        lines,
        columns: SHARE_COLUMNS.to_vec(),
        rows: share_rows(shares.map(|(group, label, share)| (group, label.to_owned(), share))),
        total: false,
        key_columns: 3,
    }
}

/// The catalogue statistics: per tier, online mode, field, and published
/// on the national portal; each with its share.
pub(crate) fn catalog_table(
    agency: &entity::agency::Model,
    counts: &CatalogCounts,
    fields: &HashMap<uuid::Uuid, entity::field::Model>,
    as_of: DateTime<Utc>,
) -> Table {
    let all = counts.total();
    let mut shares = vec![("Tổng số", "Thủ tục đang có hiệu lực".to_owned(), Share::of(all, all))];
    for (tier, name) in [(Tier::Province, "Cấp tỉnh"), (Tier::District, "Cấp huyện"), (Tier::Commune, "Cấp xã")]
    {
        shares.push(("Cấp thực hiện", name.to_owned(), Share::of(counts.of_tier(tier), all)));
    }
    for (mode, name) in [
        (OnlineMode::Full, "Trực tuyến toàn trình"),
        (OnlineMode::Partial, "Trực tuyến một phần"),
        (OnlineMode::None, "Không cung cấp trực tuyến"),
    ] {
        shares.push(("Dịch vụ công trực tuyến", name.to_owned(), Share::of(counts.of_mode(mode), all)));
    }
    shares.push((
        "Dịch vụ công trực tuyến",
        "Công bố trên Cổng Dịch vụ công quốc gia (trên số thủ tục trực tuyến)".to_owned(),
        Share::of(counts.published_national(), counts.offered_online()),
    ));
    for (field_id, procedures) in counts.by_field() {
        let name = fields.get(&field_id).map_or_else(|| field_id.to_string(), |f| format!("{} ({})", f.name, f.code));
        shares.push(("Lĩnh vực", name, Share::of(procedures, all)));
    }
    Table {
        sheet: "Thống kê TTHC",
        title: "THỐNG KÊ THỦ TỤC HÀNH CHÍNH".into(),
        lines: header_lines(agency, None, as_of),
        columns: SHARE_COLUMNS.to_vec(),
        rows: share_rows(shares),
        total: false,
        key_columns: 3,
    }
}
