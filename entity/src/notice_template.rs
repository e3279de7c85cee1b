//! A notice to applicants as a province wrote it.

use sea_orm::entity::prelude::*;

/// One notice (`RECEIPT`, `SUPPLEMENT`, …) on one channel (`EMAIL`, `SMS`) of one province.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_template")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub province_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub notice: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: String,
    /// The e-mail's subject; none for an SMS.
    pub subject: Option<String>,
    pub body: String,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
