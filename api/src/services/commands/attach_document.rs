//! `attachDocument`: a document is attached; the status does not change.

use super::context::{check_kind_fits, check_room_for_a_document, Context};
use super::documents::{attach, Owner};
use super::plan::Plan;
use super::Attachment;
use crate::error::ApiResult;
use entity::DocumentKind;
use sea_orm::Set;
use serde_json::json;

/// What the command takes.
#[derive(Debug)]
pub(crate) struct AttachDocument {
    pub attachment: Attachment,
    pub note: Option<String>,
}

impl AttachDocument {
    pub(super) async fn apply(self, context: &Context<'_>, plan: &mut Plan) -> ApiResult<()> {
        let Self { attachment, note } = self;
        let before = context.before;
        check_kind_fits(attachment.kind, before.status)?;
        check_room_for_a_document(&context.state.db, before.id).await?;
        let document = attach(context.state, Owner::of(before), context.actor, attachment, context.now).await?;
        if document.digitized {
            match document.kind {
                DocumentKind::Result => plan.dossier.result_digitized = Set(true),
                DocumentKind::Application | DocumentKind::Supplement => plan.dossier.documents_digitized = Set(true),
            }
        }
        plan.slip.to_agency_id = None;
        plan.slip.note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        plan.slip.details = Some(json!({
            "documentId": document.id,
            "kind": document.kind,
            "name": document.name,
            "sizeBytes": document.size_bytes,
            "sha256": document.sha256,
            "digitized": document.digitized,
        }));
        plan.documents.push(document);
        Ok(())
    }
}
