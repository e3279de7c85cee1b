//! What a command changes: the dossier's new values and its slip entry.

use crate::auth::Viewer;
use crate::domain::lifecycle::Command;
use chrono::{DateTime, Utc};
use entity::{dossier, dossier_document, dossier_event, DossierStatus};
use sea_orm::{IntoActiveModel, Set};
use uuid::Uuid;

/// The slip entry a command writes.
#[derive(Debug, Clone)]
pub(super) struct Slip {
    pub(super) action: &'static str,
    pub(super) status_from: Option<DossierStatus>,
    pub(super) status_to: DossierStatus,
    pub(super) from_agency_id: Option<Uuid>,
    pub(super) from_official_id: Option<Uuid>,
    pub(super) to_agency_id: Option<Uuid>,
    pub(super) to_official_id: Option<Uuid>,
    pub(super) to_role: Option<String>,
    pub(super) step: Option<i16>,
    pub(super) step_due_at: Option<DateTime<Utc>>,
    pub(super) note: Option<String>,
    pub(super) details: Option<serde_json::Value>,
}

impl Slip {
    /// The slip entry of `dossier`, written at `at`.
    pub(super) fn into_model(self, dossier: &dossier::Model, at: DateTime<Utc>) -> dossier_event::Model {
        self.into_row(dossier.id, &dossier.agency_path, &dossier.province_code, at)
    }

    /// The first slip entry of a dossier filed at `agency`.
    pub(super) fn into_model_for(
        self,
        dossier: Uuid,
        agency: &entity::agency::Model,
        at: DateTime<Utc>,
    ) -> dossier_event::Model {
        self.into_row(dossier, &agency.path, &agency.province_code, at)
    }

    fn into_row(
        self,
        dossier: Uuid,
        agency_path: &str,
        province_code: &str,
        at: DateTime<Utc>,
    ) -> dossier_event::Model {
        dossier_event::Model {
            id: Uuid::now_v7(),
            dossier_id: dossier,
            agency_path: agency_path.to_owned(),
            province_code: province_code.to_owned(),
            action: self.action.into(),
            status_from: self.status_from,
            status_to: self.status_to,
            from_agency_id: self.from_agency_id,
            from_official_id: self.from_official_id,
            to_agency_id: self.to_agency_id,
            to_official_id: self.to_official_id,
            to_role: self.to_role,
            step: self.step,
            step_due_at: self.step_due_at,
            note: self.note,
            details: self.details.map(|d| d.to_string()),
            created_at: at,
        }
    }
}

/// What a command changes: the dossier's new values and its slip entry.
pub(super) struct Plan {
    pub(super) dossier: dossier::ActiveModel,
    pub(super) slip: Slip,
    /// Documents to insert with the change.
    pub(super) documents: Vec<dossier_document::Model>,
    /// When the command runs: the dossier's `updated_at`, the slip entry's and the audit row's time.
    pub(super) at: DateTime<Utc>,
}

impl Plan {
    pub(super) fn new(
        before: &dossier::Model,
        command: Command,
        status: DossierStatus,
        actor: &Viewer,
        now: DateTime<Utc>,
    ) -> Self {
        let mut dossier = before.clone().into_active_model();
        if status != before.status {
            dossier.status = Set(status);
        }
        dossier.lock_version = Set(before.lock_version + 1);
        dossier.updated_at = Set(now);
        let slip = Slip {
            action: command.event_action(),
            status_from: Some(before.status),
            status_to: status,
            from_agency_id: Some(before.agency_id),
            from_official_id: Some(actor.id),
            to_agency_id: Some(before.agency_id),
            to_official_id: None,
            to_role: None,
            step: before.current_step,
            step_due_at: None,
            note: None,
            details: None,
        };
        Self { dossier, slip, documents: Vec::new(), at: now }
    }
}

impl Plan {
    /// The dossier ends here (refused, stopped, withdrawn) for `reason`,
    /// which the slip keeps.
    pub(super) fn finish(&mut self, reason: String) -> crate::error::ApiResult<()> {
        self.dossier.finished_at = Set(Some(self.at));
        self.slip.note = Some(super::context::required("reason", reason)?);
        Ok(())
    }
}
