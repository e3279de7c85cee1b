//! The published procedure catalogue: public, read by anyone.

use super::cursor::Cursor;
use super::{escape_like, Page};
use crate::error::ApiResult;
use entity::{
    agency, field, procedure, procedure_document, procedure_step, AgencyKind, OnlineMode, ProcedureStatus, Tier,
};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

const ORDER: &str = "CODE";

/// Narrows the catalogue.
#[derive(Debug, Default)]
pub(crate) struct ProcedureFilter {
    /// Procedures this agency resolves: those it publishes, and those its
    /// ancestors publish for its tier (the province publishes the commune tier).
    pub agency_code: Option<String>,
    pub tier: Option<Tier>,
    pub field_code: Option<String>,
    pub online_mode: Option<OnlineMode>,
    /// Part of the name or the start of the national code, case-insensitive.
    pub search: Option<String>,
}

/// The ancestors' paths of `path`, the root first: `/91/899/30733/` → `/91/`, `/91/899/`.
fn ancestor_paths(path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    (1..segments.len()).map(|n| format!("/{}/", segments[..n].join("/"))).collect()
}

/// A procedure version by id, current or not.
pub(crate) async fn find_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<procedure::Model>> {
    Ok(procedure::Entity::find().filter(procedure::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// Fields by id.
pub(crate) async fn fields_by_ids(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<field::Model>> {
    Ok(field::Entity::find().filter(field::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// The internal-process steps of these procedure versions, in order.
pub(crate) async fn steps_of(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<procedure_step::Model>> {
    Ok(procedure_step::Entity::find()
        .filter(procedure_step::Column::ProcedureId.is_in(ids.iter().copied()))
        .order_by_asc(procedure_step::Column::Position)
        .all(db)
        .await?)
}

/// The required documents of these procedure versions, in order.
pub(crate) async fn documents_of(db: &DatabaseConnection, ids: &[Uuid]) -> ApiResult<Vec<procedure_document::Model>> {
    Ok(procedure_document::Entity::find()
        .filter(procedure_document::Column::ProcedureId.is_in(ids.iter().copied()))
        .order_by_asc(procedure_document::Column::Position)
        .all(db)
        .await?)
}

/// Whether `procedure` is in force on `day`: published, effective from a
/// day not after it, and not ended before it.
pub(crate) fn in_force(procedure: &procedure::Model, day: chrono::NaiveDate) -> bool {
    procedure.status == ProcedureStatus::Published
        && procedure.effective_from <= day
        && procedure.effective_to.is_none_or(|last| last >= day)
}

/// The versions in force on `day`, as a condition.
pub(crate) fn in_force_on(day: chrono::NaiveDate) -> Condition {
    Condition::all()
        .add(procedure::Column::Status.eq(ProcedureStatus::Published))
        .add(procedure::Column::EffectiveFrom.lte(day))
        .add(procedure::Column::EffectiveTo.is_null().or(procedure::Column::EffectiveTo.gte(day)))
}

/// The version of `procedure`'s code (from the same publishing agency) in force on `day`.
pub(crate) async fn version_in_force(
    db: &DatabaseConnection,
    procedure: &procedure::Model,
    day: chrono::NaiveDate,
) -> ApiResult<Option<procedure::Model>> {
    Ok(procedure::Entity::find()
        .filter(procedure::Column::Code.eq(procedure.code.as_str()))
        .filter(procedure::Column::AgencyId.eq(procedure.agency_id))
        .filter(in_force_on(day))
        .order_by_desc(procedure::Column::Version)
        .one(db)
        .await?)
}

/// Every field, by code.
pub(crate) async fn all_fields(db: &DatabaseConnection) -> ApiResult<Vec<field::Model>> {
    Ok(field::Entity::find().order_by_asc(field::Column::Code).all(db).await?)
}

/// Every version of each procedure (a code from a publishing agency), in
/// one query, ordered by version.
pub(crate) async fn versions_of(
    db: &DatabaseConnection,
    procedures: &[(String, Uuid)],
) -> ApiResult<Vec<procedure::Model>> {
    let any = procedures.iter().fold(Condition::any(), |any, (code, agency)| {
        any.add(procedure::Column::Code.eq(code.as_str()).and(procedure::Column::AgencyId.eq(*agency)))
    });
    Ok(procedure::Entity::find().filter(any).order_by_asc(procedure::Column::Version).all(db).await?)
}

/// A page of the catalogue in force on `today`, by national code.
pub(crate) async fn list(
    db: &DatabaseConnection,
    filter: &ProcedureFilter,
    today: chrono::NaiveDate,
    first: u64,
    after: Option<&str>,
) -> ApiResult<Page<procedure::Model>> {
    let mut condition = in_force_on(today);
    if let Some(code) = &filter.agency_code {
        let Some(agency) = super::agencies::find_by_code(db, code).await? else {
            return Ok(Page::empty());
        };
        condition = condition.add(applies_in(&agency));
    }
    if let Some(tier) = filter.tier {
        condition = condition.add(procedure::Column::Tier.eq(tier));
    }
    if let Some(code) = &filter.field_code {
        let Some(field) = field::Entity::find().filter(field::Column::Code.eq(code)).one(db).await? else {
            return Ok(Page::empty());
        };
        condition = condition.add(procedure::Column::FieldId.eq(field.id));
    }
    if let Some(mode) = filter.online_mode {
        condition = condition.add(procedure::Column::OnlineMode.eq(mode));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = escape_like(&search.to_lowercase());
        condition = condition.add(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(procedure::Column::Name)))
                        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
                )
                .add(Expr::col(procedure::Column::Code).like(LikeExpr::new(format!("{escaped}%")).escape('\\'))),
        );
    }
    if let Some(after) = after {
        let cursor = Cursor::decode(after, ORDER)?;
        let code = cursor.key.unwrap_or_default();
        condition = condition.add(
            Condition::any()
                .add(procedure::Column::Code.gt(code.clone()))
                .add(procedure::Column::Code.eq(code).and(procedure::Column::Id.gt(cursor.id))),
        );
    }
    let rows = procedure::Entity::find()
        .filter(condition)
        .order_by_asc(procedure::Column::Code)
        .order_by_asc(procedure::Column::Id)
        .limit(first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, first))
}

/// The procedures `agency` resolves.
fn applies_in(agency: &agency::Model) -> Condition {
    Condition::any().add(procedure::Column::AgencyPath.eq(agency.path.as_str())).add(
        procedure::Column::AgencyPath
            .is_in(ancestor_paths(&agency.path))
            .and(procedure::Column::Tier.eq(agency.kind.tier())),
    )
}

/// The cursor after `procedure` in the catalogue.
pub(crate) fn cursor_of(procedure: &procedure::Model) -> String {
    Cursor { order: ORDER.into(), at: None, key: Some(procedure.code.clone()), id: procedure.id }.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_run_from_the_root_down_excluding_the_agency() {
        assert_eq!(ancestor_paths("/91/899/30733/"), vec!["/91/".to_owned(), "/91/899/".to_owned()]);
        assert!(ancestor_paths("/91/").is_empty());
    }
}

/// A procedure version with its internal process, as commands read it.
#[derive(Debug)]
pub struct Version {
    pub procedure: procedure::Model,
    /// The steps, in order.
    pub steps: Vec<procedure_step::Model>,
}

/// How long a loaded version is trusted: a version's content never changes,
/// only whether it is the current one, which a new decision may end.
const VERSION_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Procedure versions the commands read, kept for a minute.
#[derive(Debug)]
pub struct Versions {
    with_steps: super::remembered::Remembered<Uuid, Version>,
    /// The versions the API shows (without their steps).
    rows: super::remembered::Remembered<Uuid, procedure::Model>,
}

impl Default for Versions {
    fn default() -> Self {
        Self {
            with_steps: super::remembered::Remembered::new(VERSION_FRESH_FOR, 50_000),
            rows: super::remembered::Remembered::new(VERSION_FRESH_FOR, 50_000),
        }
    }
}

impl Versions {
    /// The version `id` with its steps, or `None` when there is none.
    pub async fn get(&self, db: &DatabaseConnection, id: Uuid) -> ApiResult<Option<std::sync::Arc<Version>>> {
        self.with_steps
            .get(&id, || async move {
                let Some(procedure) = procedure::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
                Ok(Some(Version { procedure, steps: steps_of(db, &[id]).await? }))
            })
            .await
    }

    /// The version `id` (without its steps), if remembered and fresh.
    pub(crate) fn fresh(&self, id: Uuid) -> Option<std::sync::Arc<procedure::Model>> {
        self.rows.fresh(&id)
    }

    /// Reads the versions `ids` and remembers them.
    pub(crate) async fn read(
        &self,
        db: &DatabaseConnection,
        ids: &[Uuid],
    ) -> ApiResult<Vec<std::sync::Arc<procedure::Model>>> {
        self.rows.read(find_by_ids(db, ids), |row| row.id).await
    }

    /// Forgets every version read so far (the catalogue changed).
    pub(crate) async fn forget(&self) {
        self.with_steps.forget().await;
        self.rows.forget().await;
    }
}

/// Counts of the current catalogue that applies in an agency's subtree, per
/// tier, online mode, field and publication on the national portal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CatalogCounts {
    /// `(tier, online mode, field, published nationally)` → procedures.
    pub groups: Vec<(Tier, OnlineMode, Uuid, bool, i64)>,
}

impl CatalogCounts {
    fn sum(&self, keep: impl Fn(&(Tier, OnlineMode, Uuid, bool, i64)) -> bool) -> i64 {
        self.groups.iter().filter(|g| keep(g)).map(|g| g.4).sum()
    }

    /// Every procedure counted.
    pub(crate) fn total(&self) -> i64 {
        self.sum(|_| true)
    }

    /// Those resolved at `tier`.
    pub(crate) fn of_tier(&self, tier: Tier) -> i64 {
        self.sum(|g| g.0 == tier)
    }

    /// Those offered in `mode`.
    pub(crate) fn of_mode(&self, mode: OnlineMode) -> i64 {
        self.sum(|g| g.1 == mode)
    }

    /// Per field, most procedures first (then by id).
    pub(crate) fn by_field(&self) -> Vec<(Uuid, i64)> {
        let mut fields: std::collections::BTreeMap<Uuid, i64> = std::collections::BTreeMap::new();
        for group in &self.groups {
            *fields.entry(group.2).or_default() += group.4;
        }
        let mut counts: Vec<(Uuid, i64)> = fields.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }

    /// Offered online, fully or partly.
    pub(crate) fn offered_online(&self) -> i64 {
        self.sum(|g| g.1 != OnlineMode::None)
    }

    /// Offered online and published on the National Public Service Portal.
    pub(crate) fn published_national(&self) -> i64 {
        self.sum(|g| g.1 != OnlineMode::None && g.3)
    }
}

/// The current procedures that apply somewhere in `agency`'s subtree —
/// those published in the subtree, and those an ancestor publishes for a
/// tier the subtree has (a district's: district and commune) — counted.
pub(crate) async fn catalog_counts(
    db: &DatabaseConnection,
    agency: &agency::Model,
    today: chrono::NaiveDate,
) -> ApiResult<CatalogCounts> {
    use sea_orm::FromQueryResult;
    let tiers = match agency.kind {
        AgencyKind::Commune => vec![Tier::Commune],
        AgencyKind::District => vec![Tier::District, Tier::Commune],
        AgencyKind::Department | AgencyKind::ServiceCenter => vec![Tier::Province],
        AgencyKind::Province => vec![Tier::Province, Tier::District, Tier::Commune],
    };
    let subtree = super::scope::pattern_expr(
        procedure::Column::AgencyPath,
        &crate::domain::paths::PathPattern::Subtree(agency.path.clone()),
    );
    let inherited =
        procedure::Column::AgencyPath.is_in(ancestor_paths(&agency.path)).and(procedure::Column::Tier.is_in(tiers));
    #[derive(FromQueryResult)]
    struct Group {
        tier: Tier,
        online_mode: OnlineMode,
        field_id: Uuid,
        published_national: bool,
        procedures: i64,
    }
    let groups = procedure::Entity::find()
        .select_only()
        .columns([
            procedure::Column::Tier,
            procedure::Column::OnlineMode,
            procedure::Column::FieldId,
            procedure::Column::PublishedNational,
        ])
        .column_as(procedure::Column::Id.count(), "procedures")
        .filter(in_force_on(today))
        .filter(Condition::any().add(subtree).add(inherited))
        .group_by(procedure::Column::Tier)
        .group_by(procedure::Column::OnlineMode)
        .group_by(procedure::Column::FieldId)
        .group_by(procedure::Column::PublishedNational)
        .into_model::<Group>()
        .all(db)
        .await?;
    Ok(CatalogCounts {
        groups: groups
            .into_iter()
            .map(|g| (g.tier, g.online_mode, g.field_id, g.published_national, g.procedures))
            .collect(),
    })
}
