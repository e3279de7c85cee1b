//! `DossierEvent`: an entry of the process-control slip.

use crate::graphql::context::{agency_by_id, load, official_by_id};
use crate::graphql::enums::DossierStatus;
use crate::graphql::ids::{global_id, NodeType};
use crate::graphql::loaders::DocumentId;
use crate::graphql::types::{Agency, DossierDocument, User};
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::dossier_event;

/// One hand-over or action on a dossier: an entry of the process-control slip
/// (*phiếu kiểm soát quá trình giải quyết hồ sơ*).
pub(crate) struct DossierEvent(pub dossier_event::Model);

// `fromAgency` and `fromUser` are the slip's words, not conversions.
impl DossierEvent {
    fn details(&self) -> Option<serde_json::Value> {
        serde_json::from_str(self.0.details.as_deref()?).ok()
    }
}

#[allow(clippy::wrong_self_convention)]
#[Object]
impl DossierEvent {
    /// Global ID (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeType::DossierEvent, self.0.id)
    }

    /// What was done: `SUBMIT`, `RECEIVE`, `ASSIGN`, `COMPLETE_STEP`, `REQUEST_SUPPLEMENT`,
    /// `SUPPLY_DOCUMENTS`, `REQUEST_PAYMENT`, `CONFIRM_PAYMENT`, `RESOLVE`, `RETURN_RESULT`,
    /// `REFUSE`, `WITHDRAW`, `STOP`, `APOLOGIZE`, `TRANSFER`, `ATTACH_DOCUMENT`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Status before the action (null for the first entry).
    async fn status_from(&self) -> Option<DossierStatus> {
        self.0.status_from.map(Into::into)
    }

    /// Status after the action.
    async fn status_to(&self) -> DossierStatus {
        self.0.status_to.into()
    }

    /// The agency that handed the dossier over (*bên giao*).
    async fn from_agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Agency>> {
        match self.0.from_agency_id {
            Some(id) => Ok(agency_by_id(ctx, id).await?.map(Agency)),
            None => Ok(None),
        }
    }

    /// The official who acted (*người giao*).
    async fn from_user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.from_official_id {
            Some(id) => Ok(official_by_id(ctx, id).await?.map(User)),
            None => Ok(None),
        }
    }

    /// The agency that took the dossier (*bên nhận*).
    async fn to_agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Agency>> {
        match self.0.to_agency_id {
            Some(id) => Ok(agency_by_id(ctx, id).await?.map(Agency)),
            None => Ok(None),
        }
    }

    /// The official who took the dossier (*người nhận*), when one was named.
    async fn to_user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.to_official_id {
            Some(id) => Ok(official_by_id(ctx, id).await?.map(User)),
            None => Ok(None),
        }
    }

    /// The role the dossier went to, when no official was named.
    async fn to_role(&self) -> Option<&str> {
        self.0.to_role.as_deref()
    }

    /// The internal-process step the dossier entered.
    async fn step(&self) -> Option<i32> {
        self.0.step.map(Into::into)
    }

    /// That step's deadline (*hạn xử lý của bước*).
    async fn step_due_at(&self) -> Option<DateTime<Utc>> {
        self.0.step_due_at
    }

    /// Note written with the action (reason, what is missing, …).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The documents a supplement request asks for.
    async fn missing_documents(&self) -> Option<Vec<String>> {
        let details = self.details()?;
        serde_json::from_value(details.get("missingDocuments")?.clone()).ok()
    }

    /// The day by which a supplement request asks the documents to be supplied.
    async fn supply_by(&self) -> Option<chrono::NaiveDate> {
        self.details()?.get("supplyBy")?.as_str()?.parse().ok()
    }

    /// The amount in VND a payment request asks for, or a confirmation confirms.
    async fn amount(&self) -> Option<i64> {
        self.details()?.get("amount")?.as_i64()
    }

    /// The new appointment an apology gives.
    async fn new_appointment(&self) -> Option<DateTime<Utc>> {
        serde_json::from_value(self.details()?.get("newAppointment")?.clone()).ok()
    }

    /// The document an `ATTACH_DOCUMENT` entry attached.
    async fn document(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DossierDocument>> {
        let Some(id) = self.details().and_then(|d| d.get("documentId")?.as_str()?.parse().ok()) else {
            return Ok(None);
        };
        Ok(load(ctx, DocumentId(id)).await?.map(DossierDocument))
    }

    /// When it happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
