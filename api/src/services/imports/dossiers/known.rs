//! What an import of dossiers reads once, before its first row: every unit
//! (a code names different units on different days), every published
//! procedure version with its steps, the officials by username, and each
//! province's working-day calendar as it is needed.

use crate::domain::calendar::WorkingCalendar;
use crate::error::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{agency, procedure, procedure_step, ProcedureStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

pub(super) struct Known {
    agencies: HashMap<String, Vec<agency::Model>>,
    /// Published versions by province and procedure code.
    procedures: HashMap<(String, String), Vec<procedure::Model>>,
    steps: HashMap<Uuid, Vec<procedure_step::Model>>,
    /// Each official's id, by username.
    pub officials: HashMap<String, Uuid>,
    calendars: HashMap<String, Arc<WorkingCalendar>>,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

impl Known {
    pub(super) async fn load(state: &AppState) -> ApiResult<Self> {
        let db = &state.db;
        let mut agencies: HashMap<String, Vec<agency::Model>> = HashMap::new();
        for unit in agency::Entity::find().all(db).await? {
            agencies.entry(unit.code.clone()).or_default().push(unit);
        }
        let mut procedures: HashMap<(String, String), Vec<procedure::Model>> = HashMap::new();
        let published = procedure::Entity::find()
            .filter(procedure::Column::Status.eq(ProcedureStatus::Published))
            .order_by_desc(procedure::Column::Version)
            .all(db)
            .await?;
        for version in published {
            procedures.entry((version.province_code.clone(), version.code.clone())).or_default().push(version);
        }
        let mut steps: HashMap<Uuid, Vec<procedure_step::Model>> = HashMap::new();
        for step in procedure_step::Entity::find().order_by_asc(procedure_step::Column::Position).all(db).await? {
            steps.entry(step.procedure_id).or_default().push(step);
        }
        let officials = entity::official::Entity::find().all(db).await?;
        let mut calendars = HashMap::new();
        for province in agencies.values().flatten().map(|unit| &unit.province_code) {
            if !calendars.contains_key(province) {
                calendars.insert(province.clone(), state.calendars.of(db, province).await?);
            }
        }
        let now = state.clock.now();
        Ok(Self {
            agencies,
            procedures,
            steps,
            officials: officials.into_iter().map(|o| (o.username, o.id)).collect(),
            calendars,
            now,
            today: crate::services::tally::vietnam_day(now),
        })
    }

    /// The unit that bore `code` on `day`.
    pub(super) fn agency(&self, code: &str, day: NaiveDate) -> Option<&agency::Model> {
        self.agencies
            .get(code)?
            .iter()
            .find(|unit| unit.valid_from <= day && unit.valid_to.is_none_or(|last| last >= day))
    }

    /// The version of `code` a dossier at `unit` filed on `day` was handled
    /// under: `version` when given, else the one in force that day — of the
    /// unit's province, and of its tier when several publishers have one.
    pub(super) fn procedure(
        &self,
        unit: &agency::Model,
        code: &str,
        version: Option<i32>,
        day: NaiveDate,
    ) -> Result<&procedure::Model, String> {
        let province = &unit.province_code;
        let versions = self.procedures.get(&(province.clone(), code.to_owned()));
        let versions = versions.map(Vec::as_slice).unwrap_or_default();
        if versions.is_empty() {
            return Err(format!("no procedure {code} is published in province {province}"));
        }
        let tier = unit.kind.tier();
        fn best(candidates: Vec<&procedure::Model>, tier: entity::Tier) -> Option<&procedure::Model> {
            candidates.iter().find(|p| p.tier == tier).or(candidates.first()).copied()
        }
        match version {
            Some(wanted) => best(versions.iter().filter(|p| p.version == wanted).collect(), tier)
                .ok_or_else(|| format!("procedure {code} has no published version {wanted} in province {province}")),
            None => best(versions.iter().filter(|p| crate::services::procedures::in_force(p, day)).collect(), tier)
                .ok_or_else(|| format!("no version of {code} was in force on {day}: give its `version`")),
        }
    }

    pub(super) fn steps(&self, procedure: Uuid) -> &[procedure_step::Model] {
        self.steps.get(&procedure).map(Vec::as_slice).unwrap_or_default()
    }

    /// The working-day calendar of `province`.
    pub(super) fn calendar(&self, province: &str) -> Option<&WorkingCalendar> {
        self.calendars.get(province).map(Arc::as_ref)
    }
}
