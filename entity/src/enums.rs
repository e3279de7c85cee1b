//! Enumerations of the domain, stored as short strings (or the national
//! status code) so that the database stays readable without the code.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What kind of administrative unit an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AgencyKind {
    /// The provincial People's Committee (*UBND tỉnh*).
    #[sea_orm(string_value = "PROVINCE")]
    Province,
    /// A provincial department or board (*sở, ban, ngành*).
    #[sea_orm(string_value = "DEPARTMENT")]
    Department,
    /// The public administration service centre (*Trung tâm Phục vụ hành chính công*).
    #[sea_orm(string_value = "SERVICE_CENTER")]
    ServiceCenter,
    /// A district-level People's Committee (*UBND huyện*).
    #[sea_orm(string_value = "DISTRICT")]
    District,
    /// A commune-level People's Committee (*UBND xã, phường, thị trấn*).
    #[sea_orm(string_value = "COMMUNE")]
    Commune,
}

impl AgencyKind {
    /// The tier of procedures an agency of this kind resolves.
    pub fn tier(self) -> Tier {
        match self {
            Self::Commune => Tier::Commune,
            Self::District => Tier::District,
            Self::Province | Self::Department | Self::ServiceCenter => Tier::Province,
        }
    }
}

/// The tier of government that resolves a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Tier {
    /// Resolved by the province or one of its departments (*cấp tỉnh*).
    #[sea_orm(string_value = "PROVINCE")]
    Province,
    /// Resolved by a district (*cấp huyện*).
    #[sea_orm(string_value = "DISTRICT")]
    District,
    /// Resolved by a commune (*cấp xã*).
    #[sea_orm(string_value = "COMMUNE")]
    Commune,
}

/// How far a procedure can be carried out online (Decree 42/2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OnlineMode {
    /// Fully online (*toàn trình*), formerly "level 4".
    #[sea_orm(string_value = "FULL")]
    Full,
    /// Partly online (*một phần*), formerly "level 3".
    #[sea_orm(string_value = "PARTIAL")]
    Partial,
    /// Not offered online.
    #[sea_orm(string_value = "NONE")]
    None,
}

/// Where a procedure version stands in its publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ProcedureStatus {
    /// Being written: seen only by those who manage the catalogue, takes no dossier.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// Published by a decision: in force from `effective_from` to `effective_to`.
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
}

/// The unit in which a procedure's legal resolution time is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TimeUnit {
    /// Working days (*ngày làm việc*).
    #[sea_orm(string_value = "WORKING_DAYS")]
    WorkingDays,
    /// Calendar days (*ngày*).
    #[sea_orm(string_value = "CALENDAR_DAYS")]
    CalendarDays,
    /// Working hours (*giờ làm việc*).
    #[sea_orm(string_value = "WORKING_HOURS")]
    WorkingHours,
}

/// How a dossier reached the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Channel {
    /// Online (*trực tuyến*).
    #[sea_orm(string_value = "ONLINE")]
    Online,
    /// At the one-stop desk (*trực tiếp*).
    #[sea_orm(string_value = "DIRECT")]
    Direct,
    /// By public postal service (*bưu chính công ích*).
    #[sea_orm(string_value = "POSTAL")]
    Postal,
}

/// The national dossier status codes 1–10 exchanged with the national portal.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "i16", db_type = "SmallInteger")]
pub enum DossierStatus {
    /// 1 — submitted online, not yet received (*mới đăng ký*).
    #[sea_orm(num_value = 1)]
    Submitted,
    /// 2 — received (*được tiếp nhận*).
    #[sea_orm(num_value = 2)]
    Received,
    /// 3 — refused at intake (*không được tiếp nhận*).
    #[sea_orm(num_value = 3)]
    Refused,
    /// 4 — being processed (*đang xử lý*).
    #[sea_orm(num_value = 4)]
    Processing,
    /// 5 — supplement requested (*yêu cầu bổ sung giấy tờ*).
    #[sea_orm(num_value = 5)]
    SupplementRequested,
    /// 6 — awaiting a financial obligation (*yêu cầu thực hiện nghĩa vụ tài chính*).
    #[sea_orm(num_value = 6)]
    AwaitingPayment,
    /// 7 — withdrawn at the applicant's request (*công dân yêu cầu rút hồ sơ*).
    #[sea_orm(num_value = 7)]
    Withdrawn,
    /// 8 — processing stopped (*dừng xử lý*).
    #[sea_orm(num_value = 8)]
    Stopped,
    /// 9 — resolved (*đã xử lý xong*).
    #[sea_orm(num_value = 9)]
    Resolved,
    /// 10 — result returned (*đã trả kết quả*).
    #[sea_orm(num_value = 10)]
    Returned,
}

impl DossierStatus {
    /// The national status code (1–10).
    pub fn national_code(self) -> i16 {
        match self {
            Self::Submitted => 1,
            Self::Received => 2,
            Self::Refused => 3,
            Self::Processing => 4,
            Self::SupplementRequested => 5,
            Self::AwaitingPayment => 6,
            Self::Withdrawn => 7,
            Self::Stopped => 8,
            Self::Resolved => 9,
            Self::Returned => 10,
        }
    }

    /// Whether the dossier is still waiting for the agency or the applicant,
    /// so that its deadline still runs (or is paused).
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Received | Self::Processing | Self::SupplementRequested | Self::AwaitingPayment)
    }

    /// Whether the clock is paused while the dossier is in this status.
    pub fn pauses_clock(self) -> bool {
        matches!(self, Self::SupplementRequested | Self::AwaitingPayment)
    }
}

/// How a finished dossier compares with its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Outcome {
    /// Finished before the day it was due.
    #[sea_orm(string_value = "EARLY")]
    Early,
    /// Finished on the day it was due.
    #[sea_orm(string_value = "ON_TIME")]
    OnTime,
    /// Finished after it was due.
    #[sea_orm(string_value = "LATE")]
    Late,
}

/// Who applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ApplicantKind {
    /// A citizen (*cá nhân*).
    #[sea_orm(string_value = "CITIZEN")]
    Citizen,
    /// An organisation or business (*tổ chức, doanh nghiệp*).
    #[sea_orm(string_value = "ORGANIZATION")]
    Organization,
}

/// How a fee was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum PaymentMethod {
    /// Paid online (through the national payment platform).
    #[sea_orm(string_value = "ONLINE")]
    Online,
    /// Paid at the desk.
    #[sea_orm(string_value = "DIRECT")]
    Direct,
}

/// Whether a login belongs to a person or to a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OfficialKind {
    /// A civil servant (*cán bộ, công chức*).
    #[sea_orm(string_value = "PERSON")]
    Person,
    /// A service account for a portal, kiosk or third-party integration.
    #[sea_orm(string_value = "SERVICE")]
    Service,
}

/// Whether a calendar entry removes a working day or adds one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum HolidayKind {
    /// A public holiday or day off (*ngày nghỉ lễ, Tết*).
    #[sea_orm(string_value = "HOLIDAY")]
    Holiday,
    /// A compensatory working day on a weekend (*ngày làm bù*).
    #[sea_orm(string_value = "WORKDAY")]
    CompensatoryWorkday,
}

/// The kind of a document attached to a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DocumentKind {
    /// Part of the application (*thành phần hồ sơ*).
    #[sea_orm(string_value = "APPLICATION")]
    Application,
    /// Supplied after a supplement request.
    #[sea_orm(string_value = "SUPPLEMENT")]
    Supplement,
    /// The result of the procedure (*kết quả giải quyết*).
    #[sea_orm(string_value = "RESULT")]
    Result,
}
