//! `import agencies`: the tree of units, each with its code, name, kind,
//! parent, the days it exists and its contact details.

use super::rows::{self, Column, Row};
use super::Report;
use crate::auth::Viewer;
use crate::domain::paths::child_path;
use crate::error::ApiResult;
use crate::services::administration::agencies::{allowed_children, segment_of};
use crate::services::announcements::Announcement;
use crate::services::writes::Write;
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{agency, AgencyKind};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use std::collections::HashMap;
use uuid::Uuid;

/// The columns, with the Vietnamese headings accepted.
pub(crate) const COLUMNS: &[Column] = &[
    Column { name: "code", aliases: &["mã", "mã đơn vị", "mã cơ quan", "mã định danh"] },
    Column { name: "name", aliases: &["tên", "tên đơn vị", "tên cơ quan"] },
    Column { name: "kind", aliases: &["loại", "loại đơn vị", "cấp"] },
    Column { name: "parent", aliases: &["parentCode", "mã cấp trên", "đơn vị cấp trên", "cấp trên"] },
    Column { name: "validFrom", aliases: &["hiệu lực từ", "ngày hiệu lực", "từ ngày"] },
    Column { name: "validTo", aliases: &["hiệu lực đến", "đến ngày", "ngày kết thúc"] },
    Column { name: "phone", aliases: &["điện thoại", "số điện thoại"] },
    Column { name: "email", aliases: &["thư điện tử"] },
    Column { name: "address", aliases: &["địa chỉ"] },
];

/// The day a unit exists from when the file does not say.
const SINCE: NaiveDate = match NaiveDate::from_ymd_opt(2020, 1, 1) {
    Some(day) => day,
    None => panic!("a valid day"),
};

/// A kind, in English or in Vietnamese.
fn kind_of(text: &str) -> Option<AgencyKind> {
    let lower = text.trim().to_lowercase();
    Some(match lower.replace([' ', '-'], "_").to_uppercase().as_str() {
        "PROVINCE" => AgencyKind::Province,
        "DEPARTMENT" => AgencyKind::Department,
        "SERVICE_CENTER" => AgencyKind::ServiceCenter,
        "DISTRICT" => AgencyKind::District,
        "COMMUNE" => AgencyKind::Commune,
        _ => match lower.as_str() {
            "tỉnh" | "thành phố trực thuộc trung ương" | "ubnd tỉnh" => AgencyKind::Province,
            "sở" | "ban" | "ngành" | "sở, ban, ngành" => AgencyKind::Department,
            "trung tâm" | "trung tâm phục vụ hành chính công" => AgencyKind::ServiceCenter,
            "huyện" | "quận" | "thị xã" | "thành phố thuộc tỉnh" => AgencyKind::District,
            "xã" | "phường" | "thị trấn" | "đặc khu" => AgencyKind::Commune,
            _ => return None,
        },
    })
}

/// A row checked: the unit it describes.
#[derive(Debug, Clone)]
struct Checked {
    row: usize,
    agency: agency::Model,
}

/// Checks `text` and, unless `dry_run`, writes what it creates and changes.
/// `actor` (none from the command line) needs `agency manage` at each new
/// unit's parent, or at a changed unit.
pub(crate) async fn import(
    state: &AppState,
    actor: Option<&Viewer>,
    file_name: &str,
    text: &[u8],
    dry_run: bool,
) -> ApiResult<Report> {
    let (rows, scope, mut report) = super::start(state, actor, (file_name, text, dry_run), COLUMNS, "agency").await?;
    // Below a unit this import creates, whoever created it may go on.
    let mut created_here: std::collections::HashSet<String> = std::collections::HashSet::new();
    let may = |path: &str, created_here: &std::collections::HashSet<String>| {
        scope.as_ref().is_none_or(|scope| scope.contains(path)) || created_here.contains(path)
    };
    // The file's own units by code, for the rows below them.
    let mut in_file: HashMap<String, agency::Model> = HashMap::new();
    let mut writes = Vec::new();
    for row in &rows {
        let Some(checked) = check(state, row, &in_file, &mut report).await? else { continue };
        let existing = crate::services::agencies::find_by_path(&state.db, &checked.agency.path).await?;
        let parent_path = checked.agency.path.rsplitn(3, '/').nth(2).map(|p| format!("{p}/")).unwrap_or_default();
        match existing {
            None if !may(&parent_path, &created_here) => {
                report.reject(row.number, Some("parent"), "you do not manage agencies there");
            }
            None => {
                let code_taken =
                    crate::services::agencies::find_on(&state.db, &checked.agency.code, checked.agency.valid_from)
                        .await?;
                if let Some(other) = code_taken {
                    let reason =
                        format!("{} ({}) bears the code on {}", other.name, other.path, checked.agency.valid_from);
                    report.reject(row.number, Some("code"), reason);
                    continue;
                }
                writes.push(Write::Insert(
                    agency::Entity::insert(agency::ActiveModel::from(checked.agency.clone())).into_query(),
                ));
                report.created += 1;
                created_here.insert(checked.agency.path.clone());
                in_file.insert(checked.agency.code.clone(), checked.agency);
            }
            Some(existing) if existing.kind != checked.agency.kind => {
                report.reject(
                    checked.row,
                    Some("kind"),
                    format!("{} is a {:?}: a unit's kind does not change", existing.name, existing.kind),
                );
            }
            Some(existing) if same(&existing, &checked.agency) => {
                report.unchanged += 1;
                in_file.insert(existing.code.clone(), existing);
            }
            Some(existing) if !may(&existing.path, &created_here) && !may(&parent_path, &created_here) => {
                report.reject(row.number, Some("code"), "you do not manage agencies there");
            }
            Some(existing) => {
                writes.push(Write::Update(update(&existing, &checked.agency)));
                report.updated += 1;
                in_file.insert(existing.code.clone(), existing);
            }
        }
    }
    if !dry_run && !writes.is_empty() {
        super::write(state, actor, &report, ("importAgencies", "Agency"), writes, Some(Announcement::Agencies)).await?;
    }
    Ok(report)
}

/// A refusal: the column at fault and why.
type Refusal = (&'static str, String);

/// The unit a row describes, under a parent in the file or the database;
/// `None` (and the row rejected) when it is not valid.
async fn check(
    state: &AppState,
    row: &Row,
    in_file: &HashMap<String, agency::Model>,
    report: &mut Report,
) -> ApiResult<Option<Checked>> {
    let checked = match fields(row) {
        Ok(fields) => place(state, row, fields, in_file).await?,
        Err(refusal) => Err(refusal),
    };
    match checked {
        Ok(agency) => Ok(Some(Checked { row: row.number, agency })),
        Err((column, reason)) => {
            report.reject(row.number, Some(column), reason);
            Ok(None)
        }
    }
}

/// What a row says of itself: code, name, kind and days.
struct Fields<'a> {
    code: &'a str,
    name: &'a str,
    kind: AgencyKind,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
}

fn fields(row: &Row) -> Result<Fields<'_>, Refusal> {
    let (Some(code), Some(name)) = (row.get("code"), row.get("name")) else {
        let missing = if row.get("code").is_none() { "code" } else { "name" };
        return Err((missing, format!("`{missing}` is required")));
    };
    if name.chars().count() > 200 {
        return Err(("name", "a name is at most 200 characters".into()));
    }
    let kind = row.get("kind").and_then(kind_of).ok_or((
        "kind",
        "one of PROVINCE, DEPARTMENT, SERVICE_CENTER, DISTRICT, COMMUNE (or tỉnh, sở, trung tâm, huyện, xã)".to_owned(),
    ))?;
    let day = |column: &'static str| match row.get(column) {
        None => Ok(None),
        Some(text) => {
            rows::day(text).map(Some).ok_or((column, format!("`{text}` is not a day (YYYY-MM-DD or DD/MM/YYYY)")))
        }
    };
    let (valid_from, valid_to) = (day("validFrom")?.unwrap_or(SINCE), day("validTo")?);
    if valid_to.is_some_and(|last| last < valid_from) {
        return Err(("validTo", "a unit ends after it begins".into()));
    }
    Ok(Fields { code, name, kind, valid_from, valid_to })
}

/// The unit of `fields` at its place: under its parent (in the file, or in
/// the database on its first day), which must be able to hold it.
async fn place(
    state: &AppState,
    row: &Row,
    Fields { code, name, kind, valid_from, valid_to }: Fields<'_>,
    in_file: &HashMap<String, agency::Model>,
) -> ApiResult<Result<agency::Model, Refusal>> {
    let parent = match (kind, row.get("parent")) {
        (AgencyKind::Province, None) => None,
        (_, None) => return Ok(Err(("parent", "`parent` is required (the code of the unit above)".into()))),
        (_, Some(parent_code)) => {
            let parent = match in_file.get(parent_code) {
                Some(parent) => Some(parent.clone()),
                None => crate::services::agencies::find_on(&state.db, parent_code, valid_from).await?,
            };
            let Some(parent) = parent else {
                let reason = format!(
                    "no unit has the code `{parent_code}` on {valid_from} (in the database, or above this row in the file)"
                );
                return Ok(Err(("parent", reason)));
            };
            if !allowed_children(parent.kind).contains(&kind) {
                return Ok(Err(("kind", format!("{} cannot hold a unit of kind {kind:?}", parent.name))));
            }
            Some(parent)
        }
    };
    let path = match &parent {
        None => format!("/{code}/"),
        Some(parent) => match segment_of(code, kind, &parent.province_code) {
            Ok(segment) => child_path(&parent.path, &segment),
            Err(error) => return Ok(Err(("code", error.client_message("-")))),
        },
    };
    Ok(Ok(agency::Model {
        id: Uuid::now_v7(),
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        parent_id: parent.as_ref().map(|p| p.id),
        path,
        province_code: parent.as_ref().map_or_else(|| code.to_owned(), |p| p.province_code.clone()),
        valid_from,
        valid_to,
        phone: row.get("phone").map(str::to_owned),
        email: row.get("email").map(str::to_owned),
        address: row.get("address").map(str::to_owned),
        created_at: state.clock.now(),
    }))
}

/// Whether the row says what the database holds.
fn same(existing: &agency::Model, row: &agency::Model) -> bool {
    (&existing.name, existing.valid_from, existing.valid_to, &existing.phone, &existing.email, &existing.address)
        == (&row.name, row.valid_from, row.valid_to, &row.phone, &row.email, &row.address)
}

fn update(existing: &agency::Model, row: &agency::Model) -> sea_orm::sea_query::UpdateStatement {
    agency::Entity::update_many()
        .col_expr(agency::Column::Name, Expr::value(row.name.clone()))
        .col_expr(agency::Column::ValidFrom, Expr::value(row.valid_from))
        .col_expr(agency::Column::ValidTo, Expr::value(row.valid_to))
        .col_expr(agency::Column::Phone, Expr::value(row.phone.clone()))
        .col_expr(agency::Column::Email, Expr::value(row.email.clone()))
        .col_expr(agency::Column::Address, Expr::value(row.address.clone()))
        .filter(agency::Column::Id.eq(existing.id))
        .into_query()
}
