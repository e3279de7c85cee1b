//! Documents a command attaches: stored by their content, described for the dossier.

use super::context::required;
use super::Attachment;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::{dossier, dossier_document};
use uuid::Uuid;

/// The dossier a document belongs to.
#[derive(Clone, Copy)]
pub(super) struct Owner<'a> {
    pub(super) id: Uuid,
    pub(super) agency_path: &'a str,
    pub(super) province_code: &'a str,
}

impl<'a> Owner<'a> {
    pub(super) fn of(dossier: &'a dossier::Model) -> Self {
        Self { id: dossier.id, agency_path: &dossier.agency_path, province_code: &dossier.province_code }
    }
}

/// Stores an attachment's content and describes it for `dossier`. Runs after
/// the caller's rights were checked, so nobody else fills the store.
pub(super) async fn attach(
    state: &AppState,
    dossier: Owner<'_>,
    actor: &Viewer,
    attachment: Attachment,
    now: DateTime<Utc>,
) -> ApiResult<dossier_document::Model> {
    let Attachment { content, file_name, content_type, kind, name, digitized } = attachment;
    let name = match name {
        Some(name) => required("name", name)?.chars().take(255).collect(),
        None => crate::services::documents::clean_name(&file_name).ok_or_else(|| {
            ApiError::BadUserInput("the uploaded file has no name: give the document a `name`".into())
        })?,
    };
    let empty = content.metadata().map(|m| m.len() == 0).unwrap_or(false);
    if empty {
        return Err(ApiError::BadUserInput(format!("the document `{name}` is empty")));
    }
    let stored = state.documents.put(content).await?;
    Ok(dossier_document::Model {
        id: Uuid::now_v7(),
        dossier_id: dossier.id,
        agency_path: dossier.agency_path.to_owned(),
        province_code: dossier.province_code.to_owned(),
        kind,
        name,
        content_type: crate::services::documents::clean_content_type(content_type.as_deref()),
        size_bytes: stored.size as i64,
        sha256: stored.sha256,
        digitized,
        uploaded_by: Some(actor.id),
        created_at: now,
    })
}
