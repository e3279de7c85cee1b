//! Opaque keyset cursors: base64url of the sort key of the last row seen.

use crate::error::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The sort key of a row: an optional time (absent when the row sorts on its id
/// alone, or its time is null) and the id that breaks ties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cursor {
    /// Which ordering the cursor belongs to; a cursor is rejected under another.
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// A text sort key (an agency path, a procedure code).
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    /// The opaque string clients pass back as `after`.
    pub(crate) fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a cursor serialises"))
    }

    /// Reads a cursor made for `order`.
    pub(crate) fn decode(text: &str, order: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::BadUserInput("`after` is not a cursor of this list".into());
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if cursor.order != order {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_under_its_own_order_only() {
        let cursor = Cursor {
            order: "RECEIVED_AT_DESC".into(),
            at: Some(crate::services::now()),
            key: None,
            id: Uuid::now_v7(),
        };
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text, "RECEIVED_AT_DESC").unwrap(), cursor);
        assert!(Cursor::decode(&text, "DUE_AT_ASC").is_err());
        assert!(Cursor::decode("not a cursor", "RECEIVED_AT_DESC").is_err());
    }
}
