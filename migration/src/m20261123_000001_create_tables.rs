//! The whole data model: agencies, officials, casbin rules, the catalogue,
//! dossiers with their slip and documents, the calendar and the audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// A canonical agency path. On PostgreSQL it is compared byte-wise
/// (`COLLATE "C"`) so that a prefix range (`path >= '/91/' AND path < '/910'`)
/// is served by a plain btree index; SQLite's default collation is already binary.
pub(crate) fn path_column(backend: DatabaseBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.string_len(255).not_null();
    if backend == DatabaseBackend::Postgres {
        column.extra("COLLATE \"C\"");
    }
    column
}

fn id(name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.uuid().not_null().primary_key();
    column
}

pub(crate) fn uuid(name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.uuid().not_null();
    column
}

fn uuid_null(name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.uuid().null();
    column
}

pub(crate) fn text(name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.string().not_null();
    column
}

pub(crate) fn text_null(name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.string().null();
    column
}

pub(crate) fn time(name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.timestamp_with_time_zone().not_null();
    column
}

pub(crate) fn time_null(name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.timestamp_with_time_zone().null();
    column
}

pub(crate) fn flag(name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.boolean().not_null().default(false);
    column
}

fn index(table: impl IntoIden + 'static, name: &str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(Alias::new(*column));
    }
    statement.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                Table::create()
                    .table(Agency::Table)
                    .col(id(Agency::Id))
                    .col(text(Agency::Code).unique_key())
                    .col(text(Agency::Name))
                    .col(text(Agency::Kind))
                    .col(uuid_null(Agency::ParentId))
                    .col(path_column(backend, Agency::Path).unique_key())
                    .col(text(Agency::ProvinceCode))
                    .col(ColumnDef::new(Agency::ValidFrom).date().not_null())
                    .col(ColumnDef::new(Agency::ValidTo).date().null())
                    .col(time(Agency::CreatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Agency::Table, Agency::ParentId).to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index(Agency::Table, "agency_parent_id", &["parent_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table(AgencySuccessor::Table)
                    .col(uuid(AgencySuccessor::AgencyId))
                    .col(uuid(AgencySuccessor::SuccessorId))
                    .col(flag(AgencySuccessor::IsDefault))
                    .primary_key(Index::create().col(AgencySuccessor::AgencyId).col(AgencySuccessor::SuccessorId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgencySuccessor::Table, AgencySuccessor::AgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgencySuccessor::Table, AgencySuccessor::SuccessorId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Official::Table)
                    .col(id(Official::Id))
                    .col(text(Official::Username).unique_key())
                    .col(text(Official::DisplayName))
                    .col(text(Official::Kind))
                    .col(uuid(Official::AgencyId))
                    .col(text_null(Official::Email))
                    .col(ColumnDef::new(Official::Active).boolean().not_null().default(true))
                    .col(time(Official::CreatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Official::Table, Official::AgencyId).to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index(Official::Table, "official_agency_id", &["agency_id"])).await?;

        // Role assignments and permissions, in the table casbin's sea-orm adapter reads.
        sea_orm_adapter::up(manager.get_connection()).await?;

        manager
            .create_table(
                Table::create()
                    .table(Field::Table)
                    .col(id(Field::Id))
                    .col(text(Field::Code).unique_key())
                    .col(text(Field::Name))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Procedure::Table)
                    .col(id(Procedure::Id))
                    .col(text(Procedure::Code))
                    .col(ColumnDef::new(Procedure::Version).integer().not_null())
                    .col(text(Procedure::Name))
                    .col(uuid(Procedure::FieldId))
                    .col(uuid(Procedure::AgencyId))
                    .col(path_column(backend, Procedure::AgencyPath))
                    .col(text(Procedure::ProvinceCode))
                    .col(text(Procedure::Tier))
                    .col(text(Procedure::OnlineMode))
                    .col(ColumnDef::new(Procedure::ResolutionTime).integer().not_null())
                    .col(text(Procedure::ResolutionUnit))
                    .col(ColumnDef::new(Procedure::FeeAmount).big_integer().not_null().default(0))
                    .col(text_null(Procedure::FeeNote))
                    .col(text_null(Procedure::LegalBasis))
                    .col(text_null(Procedure::DecisionNumber))
                    .col(ColumnDef::new(Procedure::EffectiveFrom).date().not_null())
                    .col(ColumnDef::new(Procedure::EffectiveTo).date().null())
                    .col(flag(Procedure::PublishedNational))
                    .col(flag(Procedure::IsCurrent))
                    .col(flag(Procedure::IsSample))
                    .col(time(Procedure::CreatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Procedure::Table, Procedure::AgencyId).to(Agency::Table, Agency::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().from(Procedure::Table, Procedure::FieldId).to(Field::Table, Field::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(Procedure::Table, "procedure_agency_code_version", &["agency_id", "code", "version"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.create_index(index(Procedure::Table, "procedure_agency_path", &["agency_path", "code"])).await?;
        manager.create_index(index(Procedure::Table, "procedure_code", &["code"])).await?;

        manager
            .create_table(
                Table::create()
                    .table(ProcedureStep::Table)
                    .col(id(ProcedureStep::Id))
                    .col(uuid(ProcedureStep::ProcedureId))
                    .col(ColumnDef::new(ProcedureStep::Position).small_integer().not_null())
                    .col(text(ProcedureStep::Name))
                    .col(text(ProcedureStep::Role))
                    .col(ColumnDef::new(ProcedureStep::BudgetHours).integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProcedureStep::Table, ProcedureStep::ProcedureId)
                            .to(Procedure::Table, Procedure::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(ProcedureStep::Table, "procedure_step_position", &["procedure_id", "position"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProcedureDocument::Table)
                    .col(id(ProcedureDocument::Id))
                    .col(uuid(ProcedureDocument::ProcedureId))
                    .col(ColumnDef::new(ProcedureDocument::Position).small_integer().not_null())
                    .col(text(ProcedureDocument::Name))
                    .col(ColumnDef::new(ProcedureDocument::Originals).small_integer().not_null())
                    .col(ColumnDef::new(ProcedureDocument::Copies).small_integer().not_null())
                    .col(ColumnDef::new(ProcedureDocument::Required).boolean().not_null().default(true))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProcedureDocument::Table, ProcedureDocument::ProcedureId)
                            .to(Procedure::Table, Procedure::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(ProcedureDocument::Table, "procedure_document_position", &["procedure_id", "position"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Dossier::Table)
                    .col(id(Dossier::Id))
                    .col(text(Dossier::Code).unique_key())
                    .col(uuid(Dossier::ProcedureId))
                    .col(ColumnDef::new(Dossier::Status).small_integer().not_null())
                    .col(text(Dossier::Channel))
                    .col(text(Dossier::ApplicantKind))
                    .col(text(Dossier::ApplicantName))
                    .col(text(Dossier::ApplicantIdNumber))
                    .col(text(Dossier::ApplicantPhone))
                    .col(text_null(Dossier::ApplicantEmail))
                    .col(text(Dossier::ApplicantAddress))
                    .col(uuid(Dossier::ReceivingAgencyId))
                    .col(path_column(backend, Dossier::ReceivingAgencyPath))
                    .col(flag(Dossier::Transferred))
                    .col(uuid(Dossier::CompetentAgencyId))
                    .col(uuid(Dossier::AgencyId))
                    .col(path_column(backend, Dossier::AgencyPath))
                    .col(text(Dossier::ProvinceCode))
                    .col(ColumnDef::new(Dossier::CurrentStep).small_integer().null())
                    .col(uuid_null(Dossier::AssigneeId))
                    .col(time(Dossier::FiledAt))
                    .col(time_null(Dossier::SubmittedAt))
                    .col(time_null(Dossier::ReceivedAt))
                    .col(time_null(Dossier::DueAt))
                    .col(time_null(Dossier::PausedAt))
                    .col(time_null(Dossier::FinishedAt))
                    .col(time_null(Dossier::ReturnedAt))
                    .col(text_null(Dossier::Outcome))
                    .col(ColumnDef::new(Dossier::FeeAmount).big_integer().not_null().default(0))
                    .col(time_null(Dossier::FeePaidAt))
                    .col(text_null(Dossier::PaymentMethod))
                    .col(flag(Dossier::DocumentsDigitized))
                    .col(flag(Dossier::ResultDigitized))
                    .col(text_null(Dossier::ResultNumber))
                    .col(uuid_null(Dossier::SignerId))
                    .col(text_null(Dossier::IdempotencyKey).unique_key())
                    .col(ColumnDef::new(Dossier::LockVersion).integer().not_null().default(0))
                    .col(time(Dossier::CreatedAt))
                    .col(time(Dossier::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Dossier::Table, Dossier::ProcedureId)
                            .to(Procedure::Table, Procedure::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().from(Dossier::Table, Dossier::AgencyId).to(Agency::Table, Agency::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Dossier::Table, Dossier::ReceivingAgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Dossier::Table, Dossier::CompetentAgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Dossier::Table, Dossier::AssigneeId)
                            .to(Official::Table, Official::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for bulk_index in crate::BULK_INDEXES.iter().filter(|index| index.table == "dossier") {
            manager.get_connection().execute_unprepared(&bulk_index.create_sql()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(DossierEvent::Table)
                    .col(id(DossierEvent::Id))
                    .col(uuid(DossierEvent::DossierId))
                    .col(path_column(backend, DossierEvent::AgencyPath))
                    .col(text(DossierEvent::ProvinceCode))
                    .col(text(DossierEvent::Action))
                    .col(ColumnDef::new(DossierEvent::StatusFrom).small_integer().null())
                    .col(ColumnDef::new(DossierEvent::StatusTo).small_integer().not_null())
                    .col(uuid_null(DossierEvent::FromAgencyId))
                    .col(uuid_null(DossierEvent::FromOfficialId))
                    .col(uuid_null(DossierEvent::ToAgencyId))
                    .col(uuid_null(DossierEvent::ToOfficialId))
                    .col(text_null(DossierEvent::ToRole))
                    .col(ColumnDef::new(DossierEvent::Step).small_integer().null())
                    .col(time_null(DossierEvent::StepDueAt))
                    .col(text_null(DossierEvent::Note))
                    .col(time(DossierEvent::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DossierEvent::Table, DossierEvent::DossierId)
                            .to(Dossier::Table, Dossier::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for bulk_index in crate::BULK_INDEXES.iter().filter(|index| index.table == "dossier_event") {
            manager.get_connection().execute_unprepared(&bulk_index.create_sql()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(DossierDocument::Table)
                    .col(id(DossierDocument::Id))
                    .col(uuid(DossierDocument::DossierId))
                    .col(path_column(backend, DossierDocument::AgencyPath))
                    .col(text(DossierDocument::ProvinceCode))
                    .col(text(DossierDocument::Kind))
                    .col(text(DossierDocument::Name))
                    .col(text(DossierDocument::ContentType))
                    .col(ColumnDef::new(DossierDocument::SizeBytes).big_integer().not_null())
                    .col(text(DossierDocument::Sha256))
                    .col(flag(DossierDocument::Digitized))
                    .col(uuid_null(DossierDocument::UploadedBy))
                    .col(time(DossierDocument::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DossierDocument::Table, DossierDocument::DossierId)
                            .to(Dossier::Table, Dossier::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index(DossierDocument::Table, "dossier_document_dossier", &["dossier_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table(DossierCodeSequence::Table)
                    .col(uuid(DossierCodeSequence::AgencyId))
                    .col(ColumnDef::new(DossierCodeSequence::Day).date().not_null())
                    .col(ColumnDef::new(DossierCodeSequence::LastSeq).integer().not_null())
                    .primary_key(Index::create().col(DossierCodeSequence::AgencyId).col(DossierCodeSequence::Day))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Holiday::Table)
                    .col(id(Holiday::Id))
                    .col(text_null(Holiday::ProvinceCode))
                    .col(ColumnDef::new(Holiday::Date).date().not_null())
                    .col(text(Holiday::Kind))
                    .col(text(Holiday::Name))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index(Holiday::Table, "holiday_date", &["date", "province_code"])).await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id(AuditLog::Id))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(text_null(AuditLog::Actor))
                    .col(ColumnDef::new(AuditLog::AgencyPath).string_len(255).null())
                    .col(text_null(AuditLog::ProvinceCode))
                    .col(text(AuditLog::Operation))
                    .col(text_null(AuditLog::TargetType))
                    .col(text_null(AuditLog::TargetId))
                    .col(text(AuditLog::Outcome))
                    .col(text(AuditLog::RequestId))
                    .col(time(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index(AuditLog::Table, "audit_log_scope", &["agency_path", "created_at"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            Holiday::Table.into_iden(),
            DossierCodeSequence::Table.into_iden(),
            DossierDocument::Table.into_iden(),
            DossierEvent::Table.into_iden(),
            Dossier::Table.into_iden(),
            ProcedureDocument::Table.into_iden(),
            ProcedureStep::Table.into_iden(),
            Procedure::Table.into_iden(),
            Field::Table.into_iden(),
            Official::Table.into_iden(),
            AgencySuccessor::Table.into_iden(),
            Agency::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        sea_orm_adapter::down(manager.get_connection()).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Agency {
    Table,
    Id,
    Code,
    Name,
    Kind,
    ParentId,
    Path,
    ProvinceCode,
    ValidFrom,
    ValidTo,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AgencySuccessor {
    Table,
    AgencyId,
    SuccessorId,
    IsDefault,
}

#[derive(DeriveIden)]
enum Official {
    Table,
    Id,
    Username,
    DisplayName,
    Kind,
    AgencyId,
    Email,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Field {
    Table,
    Id,
    Code,
    Name,
}

#[derive(DeriveIden)]
enum Procedure {
    Table,
    Id,
    Code,
    Version,
    Name,
    FieldId,
    AgencyId,
    AgencyPath,
    ProvinceCode,
    Tier,
    OnlineMode,
    ResolutionTime,
    ResolutionUnit,
    FeeAmount,
    FeeNote,
    LegalBasis,
    DecisionNumber,
    EffectiveFrom,
    EffectiveTo,
    PublishedNational,
    IsCurrent,
    IsSample,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProcedureStep {
    Table,
    Id,
    ProcedureId,
    Position,
    Name,
    Role,
    BudgetHours,
}

#[derive(DeriveIden)]
enum ProcedureDocument {
    Table,
    Id,
    ProcedureId,
    Position,
    Name,
    Originals,
    Copies,
    Required,
}

#[derive(DeriveIden)]
enum Dossier {
    Table,
    Id,
    Code,
    ProcedureId,
    Status,
    Channel,
    ApplicantKind,
    ApplicantName,
    ApplicantIdNumber,
    ApplicantPhone,
    ApplicantEmail,
    ApplicantAddress,
    ReceivingAgencyId,
    ReceivingAgencyPath,
    Transferred,
    CompetentAgencyId,
    AgencyId,
    AgencyPath,
    ProvinceCode,
    CurrentStep,
    AssigneeId,
    FiledAt,
    SubmittedAt,
    ReceivedAt,
    DueAt,
    PausedAt,
    FinishedAt,
    ReturnedAt,
    Outcome,
    FeeAmount,
    FeePaidAt,
    PaymentMethod,
    DocumentsDigitized,
    ResultDigitized,
    ResultNumber,
    SignerId,
    IdempotencyKey,
    LockVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DossierEvent {
    Table,
    Id,
    DossierId,
    AgencyPath,
    ProvinceCode,
    Action,
    StatusFrom,
    StatusTo,
    FromAgencyId,
    FromOfficialId,
    ToAgencyId,
    ToOfficialId,
    ToRole,
    Step,
    StepDueAt,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DossierDocument {
    Table,
    Id,
    DossierId,
    AgencyPath,
    ProvinceCode,
    Kind,
    Name,
    ContentType,
    SizeBytes,
    Sha256,
    Digitized,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DossierCodeSequence {
    Table,
    AgencyId,
    Day,
    LastSeq,
}

#[derive(DeriveIden)]
enum Holiday {
    Table,
    Id,
    ProvinceCode,
    Date,
    Kind,
    Name,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Actor,
    AgencyPath,
    ProvinceCode,
    Operation,
    TargetType,
    TargetId,
    Outcome,
    RequestId,
    CreatedAt,
}
