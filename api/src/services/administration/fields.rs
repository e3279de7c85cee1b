//! Fields of administration (*lĩnh vực*), which every procedure belongs to:
//! added and renamed by a province's catalogue admins (`procedure manage`
//! at a province). A field's code never changes; none is removed while
//! procedures name it.

use super::{province_where, required_text, Operation, Prepared};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::announcements::Announcement;
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use entity::field;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
use serde_json::json;
use uuid::Uuid;

/// `createField`.
pub(crate) const CREATE: Operation = Operation { name: "createField", target_type: "Field" };
/// `renameField`.
pub(crate) const RENAME: Operation = Operation { name: "renameField", target_type: "Field" };

fn check_code(code: &str) -> ApiResult<String> {
    let code = code.trim();
    let valid = (1..=20).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    match valid {
        true => Ok(code.to_owned()),
        false => Err(ApiError::BadUserInput("a field's code is 1 to 20 letters, digits, `.`, `_` or `-`".into())),
    }
}

/// Checks a new field and prepares it.
pub(crate) async fn create(
    state: &AppState,
    actor: &Viewer,
    code: &str,
    name: &str,
) -> ApiResult<Prepared<field::Model>> {
    let province = province_where(state, actor, "procedure", "adding a field").await?;
    let code = check_code(code)?;
    let name = required_text("name", name, 200)?;
    if field::Entity::find().filter(field::Column::Code.eq(code.as_str())).one(&state.db).await?.is_some() {
        return Err(ApiError::Conflict(format!("the field `{code}` exists")));
    }
    let row = field::Model { id: Uuid::now_v7(), code, name };
    let insert = field::Entity::insert(field::ActiveModel::from(row.clone())).into_query();
    Ok(Prepared {
        unit: Unit::of(Write::Insert(insert)),
        target_id: row.code.clone(),
        details: json!({ "after": { "code": row.code, "name": row.name } }),
        announced: Some(Announcement::Catalogue),
        agency: province,
        value: row,
    })
}

/// Checks a field's new name and prepares it.
pub(crate) async fn rename(
    state: &AppState,
    actor: &Viewer,
    code: &str,
    name: &str,
) -> ApiResult<Prepared<field::Model>> {
    let province = province_where(state, actor, "procedure", "renaming a field").await?;
    let before = field::Entity::find()
        .filter(field::Column::Code.eq(code.trim()))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no field `{code}`")))?;
    let name = required_text("name", name, 200)?;
    let statement = field::Entity::update_many()
        .col_expr(field::Column::Name, Expr::value(name.clone()))
        .filter(field::Column::Id.eq(before.id))
        .into_query();
    Ok(Prepared {
        unit: Unit::of(Write::Update(statement)),
        target_id: before.code.clone(),
        details: json!({ "before": { "name": before.name }, "after": { "name": name } }),
        announced: Some(Announcement::Catalogue),
        agency: province,
        value: field::Model { name, ..before },
    })
}
