//! A province's own notices to applicants: written (`setNoticeTemplate`)
//! or given back to the built-in text (`resetNoticeTemplate`) by an admin of
//! the province (`notice manage` at the province's agency).

use super::{Operation, Prepared};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::services::agencies;
use crate::services::notices::{self, Channel, Effective, Notice};
use crate::services::writes::{Unit, Write};
use crate::state::AppState;
use entity::notice_template;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{EntityTrait, QueryTrait};
use serde_json::json;

/// `setNoticeTemplate`.
pub(crate) const SET: Operation = Operation { name: "setNoticeTemplate", target_type: "NoticeTemplate" };
/// `resetNoticeTemplate`.
pub(crate) const RESET: Operation = Operation { name: "resetNoticeTemplate", target_type: "NoticeTemplate" };

/// The province with `code`, if `actor` may manage its notices.
async fn province(state: &AppState, actor: &Viewer, code: &str) -> ApiResult<entity::agency::Model> {
    let province = agencies::require_by_code(&state.db, code, |agency| agency.code == agency.province_code).await?;
    if !state.authz.allows(&actor.username, &province.path, "notice", "manage").await {
        return Err(ApiError::Forbidden(format!("the notices of {} need `notice manage` there", province.name)));
    }
    Ok(province)
}

/// The template of `notice` on `channel` of `province` as it stands.
async fn current(state: &AppState, province: &str, notice: Notice, channel: Channel) -> ApiResult<Effective> {
    notices::of_province(&state.db, province)
        .await?
        .into_iter()
        .find(|e| e.notice == notice && e.channel == channel)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no template of {notice:?} on {channel:?}")))
}

fn target(province: &str, notice: Notice, channel: Channel) -> String {
    format!("{province}/{}/{}", notice.name(), channel.name())
}

/// Writes the province's own text of `notice` on `channel`.
pub(crate) async fn set(
    state: &AppState,
    actor: &Viewer,
    province_code: &str,
    (notice, channel): (Notice, Channel),
    subject: Option<String>,
    body: String,
) -> ApiResult<Prepared<Effective>> {
    let province = province(state, actor, province_code).await?;
    notices::check(channel, subject.as_deref(), &body)?;
    let subject = subject.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let before = current(state, &province.province_code, notice, channel).await?;
    let now = crate::services::now();
    let row = notice_template::Model {
        province_code: province.province_code.clone(),
        notice: notice.name().into(),
        channel: channel.name().into(),
        subject: subject.clone(),
        body: body.clone(),
        updated_by: actor.username.clone(),
        updated_at: now,
    };
    let mut upsert = notice_template::Entity::insert(notice_template::ActiveModel::from(row.clone())).into_query();
    upsert.on_conflict(
        OnConflict::columns([
            notice_template::Column::ProvinceCode,
            notice_template::Column::Notice,
            notice_template::Column::Channel,
        ])
        .update_columns([
            notice_template::Column::Subject,
            notice_template::Column::Body,
            notice_template::Column::UpdatedBy,
            notice_template::Column::UpdatedAt,
        ])
        .to_owned(),
    );
    let details = json!({
        "before": { "subject": before.template.subject, "body": before.template.body },
        "after": { "subject": subject, "body": body },
    });
    Ok(Prepared {
        unit: Unit::of(Write::Insert(upsert)),
        target_id: target(&province.province_code, notice, channel),
        agency: province,
        details,
        announced: None,
        value: Effective { notice, channel, template: notices::Template { subject, body }, custom: Some(row) },
    })
}

/// Gives `notice` on `channel` back the built-in text.
pub(crate) async fn reset(
    state: &AppState,
    actor: &Viewer,
    province_code: &str,
    (notice, channel): (Notice, Channel),
) -> ApiResult<Prepared<Effective>> {
    let province = province(state, actor, province_code).await?;
    let before = current(state, &province.province_code, notice, channel).await?;
    if before.custom.is_none() {
        return Err(ApiError::BadUserInput("this notice already has the built-in text".into()));
    }
    let delete = Query::delete()
        .from_table(notice_template::Entity)
        .and_where(Expr::col(notice_template::Column::ProvinceCode).eq(province.province_code.as_str()))
        .and_where(Expr::col(notice_template::Column::Notice).eq(notice.name()))
        .and_where(Expr::col(notice_template::Column::Channel).eq(channel.name()))
        .to_owned();
    let details = json!({ "before": { "subject": before.template.subject, "body": before.template.body } });
    Ok(Prepared {
        unit: Unit::of(Write::Delete(delete)),
        target_id: target(&province.province_code, notice, channel),
        agency: province,
        details,
        announced: None,
        value: Effective { notice, channel, template: notices::built_in(notice, channel), custom: None },
    })
}
