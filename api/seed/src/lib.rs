//! The demo data: Kiên Giang (`91`) as it stood before the 2025 reorganisation —
//! its 15 districts and 144 communes with their GSO codes, 20 departments and
//! the service centre, a sample catalogue, the demo officials, Vietnam's
//! holidays for 2024–2027, and generated dossiers.
//!
//! A crate of its own, beside the server's library: the server knows no data
//! of its own; the `motcua` command hands it [`Demo`] to fill an empty database
//! on first start, and the test suite does the same.

mod catalogue;
pub mod dossiers;
mod holidays;
mod people;

pub use dossiers::DEFAULT_SPAN_DAYS;

use anyhow::Context;
use api::domain::paths::child_path;
use chrono::NaiveDate;
use entity::{
    agency, field, holiday, official, procedure, procedure_document, procedure_step, AgencyKind, HolidayKind,
    OfficialKind,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

/// The GSO list of Kiên Giang's units before 2025-07-01 (copied from the shared data).
const KIEN_GIANG: &str = include_str!("../../assets/kien-giang-2024.json");

/// The departments, the service centre and the demo officials (api/assets).
const AGENCIES_AND_OFFICIALS: &str = include_str!("../../assets/demo-agencies-and-officials.json");

/// An agency of the province that the GSO list does not hold.
#[derive(Debug, Deserialize)]
struct ProvincialAgency {
    abbreviation: String,
    name: String,
}

/// A demo official: login, name, role and the casbin domain of the role.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoOfficial {
    pub username: String,
    pub display_name: String,
    #[serde(deserialize_with = "official_kind")]
    pub kind: OfficialKind,
    pub role: String,
    /// Where the role applies: an agency path, or a subtree (`/91/*`).
    pub domain: String,
}

fn official_kind<'de, D: serde::Deserializer<'de>>(d: D) -> Result<OfficialKind, D::Error> {
    match String::deserialize(d)?.as_str() {
        "PERSON" => Ok(OfficialKind::Person),
        "SERVICE" => Ok(OfficialKind::Service),
        other => Err(serde::de::Error::custom(format!("unknown official kind {other}"))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgenciesAndOfficials {
    departments: Vec<ProvincialAgency>,
    service_center: ProvincialAgency,
    officials: Vec<DemoOfficial>,
}

fn agencies_and_officials() -> &'static AgenciesAndOfficials {
    static FILE: std::sync::OnceLock<AgenciesAndOfficials> = std::sync::OnceLock::new();
    FILE.get_or_init(|| serde_json::from_str(AGENCIES_AND_OFFICIALS).expect("the demo's agencies and officials"))
}

/// The demo officials of docs/design (API.md), plus the portal's service account.
pub fn demo_officials() -> &'static [DemoOfficial] {
    &agencies_and_officials().officials
}

#[derive(Deserialize)]
struct UnitFile {
    province: Province,
}

#[derive(Deserialize)]
struct Province {
    code: String,
    name: String,
    districts: Vec<District>,
}

#[derive(Deserialize)]
struct District {
    code: String,
    name: String,
    communes: Vec<Unit>,
}

#[derive(Deserialize)]
struct Unit {
    code: String,
    name: String,
}

/// The demo data, as the server's [`api::Demo`]: what fills an empty database on first start.
#[derive(Debug, Clone, Copy, Default)]
pub struct Demo;

impl api::Demo for Demo {
    fn load<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        dossiers: u64,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>> {
        Box::pin(load_demo(db, dossiers, false))
    }

    fn officials(&self) -> Vec<(&str, &str)> {
        demo_officials().iter().map(|o| (o.username.as_str(), o.role.as_str())).collect()
    }
}

/// Whether the database holds no agency yet.
pub async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(agency::Entity::find().count(db).await? == 0)
}

/// Whether an active official has this login.
pub async fn official_exists(db: &DatabaseConnection, username: &str) -> anyhow::Result<bool> {
    Ok(official::Entity::find()
        .filter(official::Column::Username.eq(username))
        .filter(official::Column::Active.eq(true))
        .count(db)
        .await?
        > 0)
}

fn new_agency(
    code: String,
    name: String,
    kind: AgencyKind,
    parent: Option<&agency::ActiveModel>,
    path: String,
) -> agency::ActiveModel {
    agency::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code),
        name: Set(name),
        kind: Set(kind),
        parent_id: Set(parent.map(|p| *p.id.as_ref())),
        path: Set(path),
        province_code: Set("91".into()),
        // Sample: the demo shows the units as they stood before 2025-07-01 and keeps them open.
        valid_from: Set(NaiveDate::from_ymd_opt(2020, 1, 1).expect("a valid date")),
        valid_to: Set(None),
        phone: Set(None),
        email: Set(None),
        address: Set(None),
        created_at: Set(api::now()),
    }
}

/// The agency tree of the demo, parents first.
fn demo_agencies() -> anyhow::Result<Vec<agency::ActiveModel>> {
    let file: UnitFile = serde_json::from_str(KIEN_GIANG).context("reading the embedded unit list")?;
    let province_path = format!("/{}/", file.province.code);
    let province =
        new_agency(file.province.code.clone(), file.province.name, AgencyKind::Province, None, province_path.clone());
    let mut agencies = Vec::new();
    let provincial = agencies_and_officials();
    let kinds = provincial.departments.iter().map(|d| (d, AgencyKind::Department));
    for (unit, kind) in kinds.chain([(&provincial.service_center, AgencyKind::ServiceCenter)]) {
        let code = format!("{}.{}", file.province.code, unit.abbreviation);
        let path = child_path(&province_path, &unit.abbreviation);
        agencies.push(new_agency(code, unit.name.clone(), kind, Some(&province), path));
    }
    for district in file.province.districts {
        let district_path = child_path(&province_path, &district.code);
        let district_model =
            new_agency(district.code, district.name, AgencyKind::District, Some(&province), district_path.clone());
        let communes: Vec<_> = district
            .communes
            .into_iter()
            .map(|commune| {
                let path = child_path(&district_path, &commune.code);
                new_agency(commune.code, commune.name, AgencyKind::Commune, Some(&district_model), path)
            })
            .collect();
        agencies.push(district_model);
        agencies.extend(communes);
    }
    agencies.insert(0, province);
    Ok(agencies)
}

fn casbin_grouping(user: &str, role: &str, domain: &str) -> sea_orm_adapter::entity::ActiveModel {
    sea_orm_adapter::entity::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        ptype: Set("g".into()),
        v0: Set(user.into()),
        v1: Set(role.into()),
        v2: Set(domain.into()),
        v3: Set(String::new()),
        v4: Set(String::new()),
        v5: Set(String::new()),
    }
}

fn new_official(username: String, display_name: String, kind: OfficialKind, agency_id: Uuid) -> official::ActiveModel {
    official::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username),
        display_name: Set(display_name),
        kind: Set(kind),
        agency_id: Set(agency_id),
        email: Set(None),
        active: Set(true),
        created_at: Set(api::now()),
    }
}

/// Loads the agencies, officials, role assignments, catalogue and calendar in
/// one transaction, then `dossiers` generated dossiers.
pub async fn load_demo(db: &DatabaseConnection, dossiers: u64, progress: bool) -> anyhow::Result<()> {
    let agencies = demo_agencies()?;
    let by_path: HashMap<String, (Uuid, String, AgencyKind)> = agencies
        .iter()
        .map(|a| (a.path.as_ref().clone(), (*a.id.as_ref(), a.name.as_ref().clone(), *a.kind.as_ref())))
        .collect();
    let txn = db.begin().await?;
    for chunk in agencies.chunks(200) {
        agency::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }

    let mut officials = Vec::new();
    let mut rules = Vec::new();
    for person in demo_officials() {
        let home = person.domain.trim_end_matches('*');
        let (agency_id, _, _) = by_path.get(home).with_context(|| format!("no agency at {home}"))?;
        officials.push(new_official(person.username.clone(), person.display_name.clone(), person.kind, *agency_id));
        rules.push(casbin_grouping(&person.username, &person.role, &person.domain));
    }
    // Every other agency gets a specialist, so that generated dossiers have assignees.
    let mut paths: Vec<_> = by_path.iter().collect();
    paths.sort_by(|a, b| a.0.cmp(b.0));
    for (path, (agency_id, name, kind)) in paths {
        let has_specialist = demo_officials().iter().any(|o| o.role == "specialist" && &o.domain == path);
        if has_specialist || matches!(kind, AgencyKind::Province) {
            continue;
        }
        let code = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_lowercase();
        let username = format!("cv.{code}");
        officials.push(new_official(username.clone(), format!("Chuyên viên {name}"), OfficialKind::Person, *agency_id));
        rules.push(casbin_grouping(&username, "specialist", path));
    }
    for chunk in officials.chunks(200) {
        official::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in rules.chunks(200) {
        sea_orm_adapter::entity::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }

    insert_catalogue(&txn, &by_path).await?;
    insert_holidays(&txn).await?;
    txn.commit().await?;

    if dossiers > 0 {
        let report = dossiers::generate(db, dossiers, dossiers::DEFAULT_SPAN_DAYS, progress).await?;
        tracing::info!("{report}");
    }
    Ok(())
}

async fn insert_catalogue(
    txn: &sea_orm::DatabaseTransaction,
    by_path: &HashMap<String, (Uuid, String, AgencyKind)>,
) -> anyhow::Result<()> {
    let fields: HashMap<&str, Uuid> = catalogue::fields().iter().map(|f| (f.code.as_str(), Uuid::now_v7())).collect();
    let field_rows: Vec<field::ActiveModel> = catalogue::fields()
        .iter()
        .map(|sample| field::ActiveModel {
            id: Set(fields[sample.code.as_str()]),
            code: Set(sample.code.clone()),
            name: Set(sample.name.clone()),
        })
        .collect();
    field::Entity::insert_many(field_rows).exec(txn).await?;

    let mut procedures = Vec::new();
    let mut steps = Vec::new();
    let mut documents = Vec::new();
    for sample in catalogue::procedures() {
        let path = match &sample.department {
            Some(abbreviation) => format!("/91/{abbreviation}/"),
            None => "/91/".to_owned(),
        };
        let (agency_id, _, _) = by_path.get(&path).with_context(|| format!("no agency at {path}"))?;
        let id = Uuid::now_v7();
        procedures.push(procedure::ActiveModel {
            id: Set(id),
            code: Set(sample.code.clone()),
            version: Set(1),
            name: Set(sample.name.clone()),
            field_id: Set(*fields.get(sample.field.as_str()).with_context(|| format!("no field {}", sample.field))?),
            agency_id: Set(*agency_id),
            agency_path: Set(path),
            province_code: Set("91".into()),
            tier: Set(sample.tier),
            online_mode: Set(sample.online_mode),
            resolution_time: Set(sample.time),
            resolution_unit: Set(sample.unit),
            fee_amount: Set(sample.fee),
            fee_note: Set(None),
            legal_basis: Set(None),
            decision_number: Set(Some("Sample/QĐ-UBND".into())),
            effective_from: Set(NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid date")),
            effective_to: Set(None),
            published_national: Set(sample.published_national),
            is_current: Set(true),
            is_sample: Set(true),
            created_at: Set(api::now()),
            status: Set(entity::ProcedureStatus::Published),
        });
        for (position, (name, role, hours)) in catalogue::sample_steps(sample.time, sample.unit).into_iter().enumerate()
        {
            steps.push(procedure_step::ActiveModel {
                id: Set(Uuid::now_v7()),
                procedure_id: Set(id),
                position: Set(position as i16 + 1),
                name: Set(name.into()),
                role: Set(role.into()),
                budget_hours: Set(hours),
            });
        }
        for (position, name) in sample.documents.iter().enumerate() {
            documents.push(procedure_document::ActiveModel {
                id: Set(Uuid::now_v7()),
                procedure_id: Set(id),
                position: Set(position as i16 + 1),
                name: Set(name.clone()),
                originals: Set(1),
                copies: Set(0),
                required: Set(true),
            });
        }
    }
    procedure::Entity::insert_many(procedures).exec(txn).await?;
    procedure_step::Entity::insert_many(steps).exec(txn).await?;
    procedure_document::Entity::insert_many(documents).exec(txn).await?;
    Ok(())
}

async fn insert_holidays(txn: &sea_orm::DatabaseTransaction) -> anyhow::Result<()> {
    let entries = holidays::HOLIDAYS
        .iter()
        .map(|entry| (entry, HolidayKind::Holiday))
        .chain(holidays::COMPENSATORY_WORKDAYS.iter().map(|entry| (entry, HolidayKind::CompensatoryWorkday)));
    let mut rows = Vec::new();
    for ((date, name), kind) in entries {
        rows.push(holiday::ActiveModel {
            id: Set(Uuid::now_v7()),
            province_code: Set(None),
            date: Set(NaiveDate::parse_from_str(date, "%Y-%m-%d").with_context(|| format!("holiday date {date}"))?),
            kind: Set(kind),
            name: Set((*name).into()),
        });
    }
    holiday::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_tree_has_kien_giang_with_15_districts_and_144_communes() {
        let agencies = demo_agencies().unwrap();
        let count = |kind| agencies.iter().filter(|a| *a.kind.as_ref() == kind).count();
        assert_eq!(count(AgencyKind::Province), 1);
        assert_eq!(count(AgencyKind::District), 15);
        assert_eq!(count(AgencyKind::Commune), 144);
        assert_eq!(count(AgencyKind::Department), 20);
        assert_eq!(count(AgencyKind::ServiceCenter), 1);
        let vinh_thanh = agencies.iter().find(|a| a.code.as_ref() == "30733").unwrap();
        assert_eq!(vinh_thanh.path.as_ref(), "/91/899/30733/");
        assert_eq!(vinh_thanh.name.as_ref(), "Phường Vĩnh Thanh");
    }

    #[test]
    fn every_demo_official_has_a_valid_domain_and_the_catalogue_has_40_procedures() {
        for official in demo_officials() {
            assert!(api::domain::paths::PathPattern::parse(&official.domain).is_some(), "{}", official.username);
        }
        assert!(catalogue::procedures().len() >= 40);
        for tier in [entity::Tier::Province, entity::Tier::District, entity::Tier::Commune] {
            assert!(catalogue::procedures().iter().filter(|p| p.tier == tier).count() >= 8);
        }
    }
}
