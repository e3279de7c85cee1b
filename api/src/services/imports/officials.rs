//! `import officials`: who works where, and the roles each holds there.

use super::rows::{Column, Row};
use super::Report;
use crate::auth::Viewer;
use crate::domain::paths::PathPattern;
use crate::error::ApiResult;
use crate::services::administration::officials::{check_email, check_username};
use crate::services::announcements::Announcement;
use crate::services::writes::Write;
use crate::state::AppState;
use entity::{agency, official, OfficialKind};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use sea_orm_adapter::entity as casbin_rule;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The columns, with the Vietnamese headings accepted.
pub(crate) const COLUMNS: &[Column] = &[
    Column { name: "username", aliases: &["tên đăng nhập", "tài khoản"] },
    Column { name: "displayName", aliases: &["họ và tên", "họ tên", "tên hiển thị"] },
    Column { name: "agency", aliases: &["agencyCode", "mã đơn vị", "đơn vị", "mã cơ quan"] },
    Column { name: "kind", aliases: &["loại tài khoản"] },
    Column { name: "email", aliases: &["thư điện tử"] },
    Column { name: "roles", aliases: &["vai trò", "quyền"] },
];

/// A kind of account, in English or in Vietnamese; a person when not given.
fn kind_of(text: Option<&str>) -> Option<OfficialKind> {
    match text.map(|t| t.trim().to_lowercase()).as_deref() {
        None | Some("person" | "cán bộ" | "công chức" | "cán bộ, công chức") => Some(OfficialKind::Person),
        Some("service" | "tài khoản dịch vụ" | "dịch vụ") => Some(OfficialKind::Service),
        Some(_) => None,
    }
}

/// The roles a row grants at its agency: `receiver; specialist`, a role
/// with `*` over the agency's whole subtree (`supervisor*`).
fn roles_of(text: Option<&str>, agency: &agency::Model) -> Vec<(String, PathPattern)> {
    let Some(text) = text else { return Vec::new() };
    text.split([';', ',', '|'])
        .map(str::trim)
        .filter(|role| !role.is_empty())
        .map(|role| match role.strip_suffix('*') {
            Some(role) => (role.trim().to_owned(), PathPattern::Subtree(agency.path.clone())),
            None => (role.to_owned(), PathPattern::Agency(agency.path.clone())),
        })
        .fold(Vec::new(), |mut roles, role| {
            if !roles.contains(&role) {
                roles.push(role);
            }
            roles
        })
}

/// What one row says.
struct Checked {
    official: official::Model,
    agency: agency::Model,
    roles: Vec<(String, PathPattern)>,
}

/// Checks `text` and, unless `dry_run`, writes the officials it creates or
/// changes and the roles they lack. `actor` (none from the command line)
/// needs `official manage` at each official's agency, and over a role's
/// whole subtree. An import never revokes a role.
pub(crate) async fn import(
    state: &AppState,
    actor: Option<&Viewer>,
    file_name: &str,
    text: &[u8],
    dry_run: bool,
) -> ApiResult<Report> {
    let (rows, scope, mut report) = super::start(state, actor, (file_name, text, dry_run), COLUMNS, "official").await?;
    let held: HashSet<(String, String, String)> = casbin_rule::Entity::find()
        .filter(casbin_rule::Column::Ptype.eq("g"))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| (r.v0, r.v1, r.v2))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let (mut before, mut changed_officials) = (Vec::new(), false);
    for row in &rows {
        let Some(checked) = check(state, row, &mut report).await? else { continue };
        if let Some(first) = seen.insert(checked.official.username.clone(), row.number) {
            report.reject(
                row.number,
                Some("username"),
                format!("`{}` is on line {first} already", checked.official.username),
            );
            continue;
        }
        if let Err((column, reason)) = reachable(scope.as_ref(), &checked) {
            report.reject(row.number, Some(column), reason);
            continue;
        }
        let existing = official::Entity::find()
            .filter(official::Column::Username.eq(&checked.official.username))
            .one(&state.db)
            .await?;
        let missing: Vec<&(String, PathPattern)> = checked
            .roles
            .iter()
            .filter(|(role, pattern)| {
                !held.contains(&(checked.official.username.clone(), role.clone(), pattern.domain()))
            })
            .collect();
        for (role, pattern) in &missing {
            let rule = crate::auth::authz::rule("g", [&checked.official.username, role, &pattern.domain()]);
            before.push(Write::Insert(casbin_rule::Entity::insert(rule).into_query()));
        }
        match existing {
            None => {
                before.push(Write::Insert(
                    official::Entity::insert(official::ActiveModel::from(checked.official)).into_query(),
                ));
                report.created += 1;
            }
            Some(existing) if same(&existing, &checked.official) && missing.is_empty() => report.unchanged += 1,
            Some(existing) if same(&existing, &checked.official) => report.updated += 1,
            Some(existing) => {
                before.push(Write::Update(update(&existing, &checked.official)));
                changed_officials = true;
                report.updated += 1;
            }
        }
    }
    if !dry_run && !before.is_empty() {
        // A changed official's sessions are checked again; new roles read by every instance.
        let announced = match changed_officials {
            true => Announcement::Everything,
            false => Announcement::Grants,
        };
        super::write(state, actor, &report, ("importOfficials", "User"), before, Some(announced)).await?;
    }
    Ok(report)
}

/// Whether the caller manages officials where the row's official works, and
/// over each of its roles' domains.
fn reachable(scope: Option<&crate::domain::scope::Scope>, checked: &Checked) -> Result<(), (&'static str, String)> {
    let covered = |pattern: &PathPattern| scope.is_none_or(|scope| scope.covers(pattern));
    if !covered(&PathPattern::Agency(checked.agency.path.clone())) {
        return Err(("agency", "you do not manage officials there".into()));
    }
    match checked.roles.iter().find(|(_, pattern)| !covered(pattern)) {
        Some((role, _)) => Err(("roles", format!("`{role}*` needs `official manage` over the whole subtree"))),
        None => Ok(()),
    }
}

/// The official a row describes; `None` (and the row rejected) when it is not valid.
async fn check(state: &AppState, row: &Row, report: &mut Report) -> ApiResult<Option<Checked>> {
    let mut reject = |column: &str, reason: String| report.reject(row.number, Some(column), reason);
    let Some(username) = row.get("username") else {
        reject("username", "`username` is required".into());
        return Ok(None);
    };
    if let Err(error) = check_username(username) {
        reject("username", error.client_message("-"));
        return Ok(None);
    }
    let Some(display_name) = row.get("displayName").filter(|n| n.chars().count() <= 200) else {
        reject("displayName", "`displayName` is required (at most 200 characters)".into());
        return Ok(None);
    };
    let Some(kind) = kind_of(row.get("kind")) else {
        reject("kind", "PERSON or SERVICE (or cán bộ, tài khoản dịch vụ)".into());
        return Ok(None);
    };
    let email = match row.get("email").map(check_email).transpose() {
        Ok(email) => email,
        Err(error) => {
            reject("email", error.client_message("-"));
            return Ok(None);
        }
    };
    let today = crate::services::tally::vietnam_day(state.clock.now());
    let code = row.get("agency").unwrap_or_default();
    let Some(agency) = crate::services::agencies::find_on(&state.db, code, today).await? else {
        reject("agency", format!("no unit has the code `{code}` today"));
        return Ok(None);
    };
    let roles = roles_of(row.get("roles"), &agency);
    for (role, _) in &roles {
        if !state.authz.is_role(role).await {
            reject("roles", format!("there is no role `{role}`; `roles` lists them"));
            return Ok(None);
        }
    }
    let official = official::Model {
        id: Uuid::now_v7(),
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        kind,
        agency_id: agency.id,
        email,
        active: true,
        created_at: state.clock.now(),
        requests_per_minute: None,
        trusted_documents_only: false,
    };
    Ok(Some(Checked { official, agency, roles }))
}

/// Whether the row says what the database holds (an import reactivates no one).
fn same(existing: &official::Model, row: &official::Model) -> bool {
    (&existing.display_name, existing.kind, existing.agency_id, &existing.email)
        == (&row.display_name, row.kind, row.agency_id, &row.email)
}

fn update(existing: &official::Model, row: &official::Model) -> sea_orm::sea_query::UpdateStatement {
    official::Entity::update_many()
        .col_expr(official::Column::DisplayName, Expr::value(row.display_name.clone()))
        .col_expr(official::Column::Kind, Expr::value(row.kind))
        .col_expr(official::Column::AgencyId, Expr::value(row.agency_id))
        .col_expr(official::Column::Email, Expr::value(row.email.clone()))
        .filter(official::Column::Id.eq(existing.id))
        .into_query()
}
