//! `DossierDocument`: a document attached to a dossier.

use crate::graphql::context::official_by_id;
use crate::graphql::enums::DocumentKind;
use crate::graphql::ids::{global_id, NodeType};
use crate::graphql::types::User;
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::dossier_document;

/// A document attached to a dossier: part of the application, a supplement
/// or the result. The content is downloaded from `downloadPath` with the same
/// `Authorization` header as GraphQL requests.
pub(crate) struct DossierDocument(pub dossier_document::Model);

#[Object]
impl DossierDocument {
    /// Global ID.
    pub async fn id(&self) -> ID {
        global_id(NodeType::DossierDocument, self.0.id)
    }

    /// Part of the application, a supplement or the result.
    async fn kind(&self) -> DocumentKind {
        self.0.kind.into()
    }

    /// What it is, e.g. *Tờ khai đăng ký khai sinh*, or the uploaded file's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Media type, e.g. `application/pdf`.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }

    /// Size of the content in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }

    /// SHA-256 of the content, 64 hex digits: the content is stored under it.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }

    /// Whether it is a digitised copy (*bản số hóa*) with the value of the paper.
    async fn digitized(&self) -> bool {
        self.0.digitized
    }

    /// Who attached it.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.uploaded_by {
            Some(id) => Ok(official_by_id(ctx, id).await?.map(User)),
            None => Ok(None),
        }
    }

    /// When it was attached.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Where the content is downloaded: `GET` this path with your token.
    async fn download_path(&self) -> String {
        format!("/documents/{}", self.0.id)
    }
}
