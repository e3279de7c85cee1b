//! The GraphQL faces of the domain enums (the entity crate knows no GraphQL).

use async_graphql::Enum;

/// What kind of administrative unit an agency is.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::AgencyKind")]
pub enum AgencyKind {
    /// The provincial People's Committee (*UBND tỉnh*).
    Province,
    /// A provincial department or board (*sở, ban, ngành*).
    Department,
    /// The public administration service centre (*Trung tâm Phục vụ hành chính công*).
    ServiceCenter,
    /// A district-level People's Committee (*UBND huyện, thị xã, thành phố thuộc tỉnh*).
    District,
    /// A commune-level People's Committee (*UBND xã, phường, thị trấn*).
    Commune,
}

/// The tier of government that resolves a procedure (*cấp thực hiện*).
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::Tier")]
pub enum Tier {
    /// Province and its departments (*cấp tỉnh*).
    Province,
    /// District (*cấp huyện*).
    District,
    /// Commune (*cấp xã*).
    Commune,
}

/// How far a procedure can be done online (Decree 42/2022/NĐ-CP).
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::OnlineMode")]
pub enum OnlineMode {
    /// Fully online (*dịch vụ công trực tuyến toàn trình*), formerly level 4.
    Full,
    /// Partly online (*dịch vụ công trực tuyến một phần*), formerly level 3.
    Partial,
    /// Not offered online.
    None,
}

/// Where a procedure version stands in its publication.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::ProcedureStatus")]
pub enum ProcedureStatus {
    /// Being written: seen only by those who manage the catalogue there; takes no dossier.
    Draft,
    /// Published by a decision: in force from `effectiveFrom` to `effectiveTo`.
    Published,
}

/// The unit of a legal resolution time.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::TimeUnit")]
pub enum TimeUnit {
    /// Working days (*ngày làm việc*): weekends and public holidays do not count.
    WorkingDays,
    /// Calendar days (*ngày*).
    CalendarDays,
    /// Working hours (*giờ làm việc*), inside office hours.
    WorkingHours,
}

/// How a dossier reached the agency.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::Channel")]
pub enum Channel {
    /// Online (*trực tuyến*).
    Online,
    /// At the one-stop desk (*trực tiếp*).
    Direct,
    /// By public postal service (*bưu chính công ích*).
    Postal,
}

/// A dossier's status: the national codes 1–10, in order.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::DossierStatus")]
pub enum DossierStatus {
    /// 1 — submitted online, not yet received (*mới đăng ký*).
    Submitted,
    /// 2 — received (*được tiếp nhận*).
    Received,
    /// 3 — refused at intake (*không được tiếp nhận*).
    Refused,
    /// 4 — being processed (*đang xử lý*).
    Processing,
    /// 5 — supplement requested (*yêu cầu bổ sung giấy tờ*).
    SupplementRequested,
    /// 6 — awaiting a financial obligation (*yêu cầu thực hiện nghĩa vụ tài chính*).
    AwaitingPayment,
    /// 7 — withdrawn at the applicant's request (*công dân yêu cầu rút hồ sơ*).
    Withdrawn,
    /// 8 — processing stopped (*dừng xử lý*).
    Stopped,
    /// 9 — resolved (*đã xử lý xong*).
    Resolved,
    /// 10 — result returned (*đã trả kết quả*).
    Returned,
}

/// How a finished dossier compares with its due date.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::Outcome")]
pub enum Outcome {
    /// Finished before the day it was due (*trước hạn*).
    Early,
    /// Finished on the day it was due (*đúng hạn*).
    OnTime,
    /// Finished after it was due (*quá hạn*).
    Late,
}

/// Who applied.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::ApplicantKind")]
pub enum ApplicantKind {
    /// A citizen (*cá nhân*).
    Citizen,
    /// An organisation or business (*tổ chức*).
    Organization,
}

/// How a fee was paid.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::PaymentMethod")]
pub enum PaymentMethod {
    /// Online, through the payment platform.
    Online,
    /// At the desk.
    Direct,
}

/// Whether a login is a person or a program.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::OfficialKind")]
pub enum UserKind {
    /// An official (*cán bộ, công chức*).
    Person,
    /// A service account of a portal, kiosk or integration.
    Service,
}

/// The orderings of a dossier list.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum DossierOrder {
    /// Newest first, by when the dossier reached the agency (received, or submitted online when not received yet).
    #[default]
    ReceivedAtDesc,
    /// Oldest first.
    ReceivedAtAsc,
    /// Soonest due first; dossiers without a due date last.
    DueAtAsc,
}

impl From<DossierOrder> for crate::services::dossiers::DossierOrder {
    fn from(order: DossierOrder) -> Self {
        match order {
            DossierOrder::ReceivedAtDesc => Self::FiledDesc,
            DossierOrder::ReceivedAtAsc => Self::FiledAsc,
            DossierOrder::DueAtAsc => Self::DueAsc,
        }
    }
}

/// What an attached document is.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::DocumentKind")]
pub enum DocumentKind {
    /// Part of the application (*thành phần hồ sơ*).
    Application,
    /// Supplied after a supplement request (*hồ sơ bổ sung*).
    Supplement,
    /// The result (*kết quả giải quyết*).
    Result,
}

/// Whether a calendar entry takes a working day away or adds one.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "entity::HolidayKind")]
pub enum CalendarDayKind {
    /// A public holiday or day off on a weekday (*ngày nghỉ lễ, Tết*).
    Holiday,
    /// A weekend day that is worked (*ngày làm bù*), or a weekday kept working.
    CompensatoryWorkday,
}
