//! The catalogue as the database holds it, compared with a file's rows, and
//! the writes that bring it to what the file says: new fields, new
//! versions with their documents and steps (a few hundred to a statement),
//! drafts rewritten, each procedure's newest published version current and
//! the version before a new one ended the day before it.

use super::row::Entry;
use super::Known;
use crate::error::ApiResult;
use crate::services::administration::catalogue::{DocumentSpec, StepSpec};
use crate::services::writes::Write;
use chrono::Days;
use entity::{field, procedure, procedure_document, procedure_step, ProcedureStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryTrait};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A version in the database with its documents and steps.
pub(super) struct Stored {
    pub version: procedure::Model,
    documents: Vec<DocumentSpec>,
    steps: Vec<StepSpec>,
}

impl Stored {
    /// Whether the file's `entry` says what the database holds (a blank end
    /// day keeps the stored one; a draft's first day is not the file's).
    pub(super) fn same(&self, entry: &Entry) -> bool {
        let (a, b) = (&self.version, &entry.version);
        let days = match b.status {
            ProcedureStatus::Published => a.effective_from == b.effective_from,
            ProcedureStatus::Draft => true,
        };
        let ends = !entry.ends_given || a.effective_to == b.effective_to;
        let attributes = (&a.name, a.field_id, a.tier, a.online_mode, a.resolution_time, a.resolution_unit)
            == (&b.name, b.field_id, b.tier, b.online_mode, b.resolution_time, b.resolution_unit);
        let more = (a.fee_amount, &a.fee_note, &a.legal_basis, &a.decision_number, a.status)
            == (b.fee_amount, &b.fee_note, &b.legal_basis, &b.decision_number, b.status);
        let flags = (a.published_national, a.is_sample) == (b.published_national, b.is_sample);
        days && ends && attributes && more && flags && self.documents == entry.documents && self.steps == entry.steps
    }
}

/// Every version, by code, publisher and number.
pub(super) async fn load(db: &DatabaseConnection) -> ApiResult<HashMap<(String, Uuid, i32), Stored>> {
    let mut documents: HashMap<Uuid, Vec<procedure_document::Model>> = HashMap::new();
    for document in procedure_document::Entity::find().all(db).await? {
        documents.entry(document.procedure_id).or_default().push(document);
    }
    let mut steps: HashMap<Uuid, Vec<procedure_step::Model>> = HashMap::new();
    for step in procedure_step::Entity::find().all(db).await? {
        steps.entry(step.procedure_id).or_default().push(step);
    }
    let mut stored = HashMap::new();
    for version in procedure::Entity::find().all(db).await? {
        let mut own_documents = documents.remove(&version.id).unwrap_or_default();
        own_documents.sort_by_key(|d| d.position);
        let mut own_steps = steps.remove(&version.id).unwrap_or_default();
        own_steps.sort_by_key(|s| s.position);
        let documents = own_documents
            .into_iter()
            .map(|d| DocumentSpec { name: d.name, originals: d.originals, copies: d.copies, required: d.required })
            .collect();
        let steps = own_steps
            .into_iter()
            .map(|s| StepSpec { name: s.name, role: s.role, budget_hours: s.budget_hours })
            .collect();
        stored.insert((version.code.clone(), version.agency_id, version.version), Stored { version, documents, steps });
    }
    Ok(stored)
}

/// A procedure's versions by number, each with whether the file leaves its end open.
type Versions<'a> = BTreeMap<i32, (&'a procedure::Model, bool)>;

/// What the import writes.
#[derive(Default)]
pub(super) struct Writes {
    fields: Vec<field::Model>,
    created: Vec<Entry>,
    /// Drafts rewritten: the stored version's id and what it becomes.
    replaced: Vec<Entry>,
}

/// Versions to one insert statement (procedure has 23 columns; SQLite binds at most 32,766 values).
const VERSIONS_A_STATEMENT: usize = 500;
/// Documents or steps to one insert statement.
const PARTS_A_STATEMENT: usize = 2_000;

impl Writes {
    pub(super) fn is_empty(&self) -> bool {
        self.created.is_empty() && self.replaced.is_empty()
    }

    /// `entry` under its field, the field created when the database lacks it.
    pub(super) fn field_of(&mut self, mut entry: Entry, known: &mut Known) -> Entry {
        let (code, name) = &entry.field;
        let id = match known.fields.get(code) {
            Some(id) => *id,
            None => {
                let id = Uuid::now_v7();
                self.fields.push(field::Model { id, code: code.clone(), name: name.clone().unwrap_or_default() });
                known.fields.insert(code.clone(), id);
                id
            }
        };
        entry.version.field_id = id;
        entry
    }

    pub(super) fn create(&mut self, entry: Entry) {
        self.created.push(entry);
    }

    /// The draft `stored` rewritten as `entry` says.
    pub(super) fn replace(&mut self, stored: &Stored, mut entry: Entry) {
        entry.version.id = stored.version.id;
        entry.version.created_at = stored.version.created_at;
        self.replaced.push(entry);
    }

    /// The statements, in order.
    pub(super) fn into_writes(mut self, stored: &HashMap<(String, Uuid, i32), Stored>) -> Vec<Write> {
        let ends = self.end_days(stored);
        let mut writes = Vec::new();
        if !self.fields.is_empty() {
            let rows = self.fields.iter().cloned().map(field::ActiveModel::from);
            writes.push(Write::Insert(field::Entity::insert_many(rows).into_query()));
        }
        for entry in &mut self.created {
            entry.version.effective_to = ends.get(&entry.version.id).copied().or(entry.version.effective_to);
        }
        for chunk in self.created.chunks(VERSIONS_A_STATEMENT) {
            let rows = chunk.iter().map(|e| procedure::ActiveModel::from(e.version.clone()));
            writes.push(Write::Insert(procedure::Entity::insert_many(rows).into_query()));
        }
        for entry in &self.replaced {
            writes.push(Write::Update(rewrite(&entry.version)));
            let id = entry.version.id;
            let documents =
                procedure_document::Entity::delete_many().filter(procedure_document::Column::ProcedureId.eq(id));
            writes.push(Write::Delete(documents.into_query()));
            let steps = procedure_step::Entity::delete_many().filter(procedure_step::Column::ProcedureId.eq(id));
            writes.push(Write::Delete(steps.into_query()));
        }
        writes.extend(parts(self.created.iter().chain(&self.replaced)));
        let stored_ids: std::collections::HashSet<Uuid> = stored.values().map(|s| s.version.id).collect();
        for (id, last) in ends.iter().filter(|(id, _)| stored_ids.contains(*id)) {
            let end = procedure::Entity::update_many()
                .col_expr(procedure::Column::EffectiveTo, Expr::value(*last))
                .filter(procedure::Column::Id.eq(*id));
            writes.push(Write::Update(end.into_query()));
        }
        writes.extend(self.current(stored));
        writes
    }

    /// The day each version ends that the file leaves open while a later
    /// published version begins: the day before that one.
    fn end_days(&self, stored: &HashMap<(String, Uuid, i32), Stored>) -> HashMap<Uuid, chrono::NaiveDate> {
        let mut groups: HashMap<(String, Uuid), Versions<'_>> = HashMap::new();
        for s in stored.values() {
            let key = (s.version.code.clone(), s.version.agency_id);
            groups.entry(key).or_default().insert(s.version.version, (&s.version, s.version.effective_to.is_none()));
        }
        for entry in self.created.iter().chain(&self.replaced) {
            let key = (entry.version.code.clone(), entry.version.agency_id);
            groups.entry(key).or_default().insert(entry.version.version, (&entry.version, !entry.ends_given));
        }
        let mut ends = HashMap::new();
        for versions in groups.values() {
            let published: Vec<&(&procedure::Model, bool)> =
                versions.values().filter(|(v, _)| v.status == ProcedureStatus::Published).collect();
            for pair in published.windows(2) {
                let ((earlier, open), (later, _)) = (pair[0], pair[1]);
                let day_before = later.effective_from.checked_sub_days(Days::new(1)).unwrap_or(later.effective_from);
                if *open && earlier.effective_to.is_none_or(|last| last >= later.effective_from) {
                    ends.insert(earlier.id, day_before);
                }
            }
        }
        ends
    }

    /// For every procedure the file touches: its newest published version current, no other.
    fn current(&self, stored: &HashMap<(String, Uuid, i32), Stored>) -> Vec<Write> {
        let mut newest: HashMap<(String, Uuid), Option<i32>> = HashMap::new();
        for entry in self.created.iter().chain(&self.replaced) {
            newest.insert((entry.version.code.clone(), entry.version.agency_id), None);
        }
        let published = stored
            .values()
            .map(|s| &s.version)
            .chain(self.created.iter().chain(&self.replaced).map(|e| &e.version))
            .filter(|v| v.status == ProcedureStatus::Published);
        for version in published {
            if let Some(best) = newest.get_mut(&(version.code.clone(), version.agency_id)) {
                *best = (*best).max(Some(version.version));
            }
        }
        let mut writes = Vec::new();
        for ((code, agency), best) in newest {
            let group = || {
                procedure::Entity::update_many()
                    .filter(procedure::Column::Code.eq(code.as_str()))
                    .filter(procedure::Column::AgencyId.eq(agency))
            };
            let others = group().col_expr(procedure::Column::IsCurrent, Expr::value(false));
            writes.push(Write::Update(others.into_query()));
            if let Some(best) = best {
                let current = group()
                    .col_expr(procedure::Column::IsCurrent, Expr::value(true))
                    .filter(procedure::Column::Version.eq(best));
                writes.push(Write::Update(current.into_query()));
            }
        }
        writes
    }
}

fn rewrite(version: &procedure::Model) -> sea_orm::sea_query::UpdateStatement {
    let mut row = procedure::ActiveModel::from(version.clone());
    row.id = sea_orm::ActiveValue::Unchanged(version.id);
    procedure::Entity::update_many().set(row).filter(procedure::Column::Id.eq(version.id)).into_query()
}

/// The documents and steps of `entries`.
fn parts<'a>(entries: impl Iterator<Item = &'a Entry> + Clone) -> Vec<Write> {
    let documents: Vec<procedure_document::ActiveModel> = entries
        .clone()
        .flat_map(|e| e.documents.iter().enumerate().map(|(i, d)| (e.version.id, i, d)))
        .map(|(procedure_id, index, d)| {
            procedure_document::ActiveModel::from(procedure_document::Model {
                id: Uuid::now_v7(),
                procedure_id,
                position: index as i16 + 1,
                name: d.name.trim().to_owned(),
                originals: d.originals,
                copies: d.copies,
                required: d.required,
            })
        })
        .collect();
    let steps: Vec<procedure_step::ActiveModel> = entries
        .flat_map(|e| e.steps.iter().enumerate().map(|(i, s)| (e.version.id, i, s)))
        .map(|(procedure_id, index, s)| {
            procedure_step::ActiveModel::from(procedure_step::Model {
                id: Uuid::now_v7(),
                procedure_id,
                position: index as i16 + 1,
                name: s.name.trim().to_owned(),
                role: s.role.clone(),
                budget_hours: s.budget_hours,
            })
        })
        .collect();
    let mut writes = Vec::new();
    for chunk in documents.chunks(PARTS_A_STATEMENT) {
        writes.push(Write::Insert(procedure_document::Entity::insert_many(chunk.to_vec()).into_query()));
    }
    for chunk in steps.chunks(PARTS_A_STATEMENT) {
        writes.push(Write::Insert(procedure_step::Entity::insert_many(chunk.to_vec()).into_query()));
    }
    writes
}
