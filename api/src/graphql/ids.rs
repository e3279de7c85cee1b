//! Opaque global IDs for the Relay `Node` interface: base64url of `Type:uuid`.

use crate::error::ApiError;
use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

/// The object types that implement `Node`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Agency,
    Procedure,
    Dossier,
    DossierEvent,
    DossierDocument,
    User,
    /// A service account's client secret (not a `Node`: `node` answers null for it).
    ClientSecret,
    /// A webhook (not a `Node`).
    Webhook,
    /// One delivery of a webhook (not a `Node`).
    WebhookDelivery,
}

impl NodeType {
    fn name(self) -> &'static str {
        match self {
            Self::Agency => "Agency",
            Self::Procedure => "Procedure",
            Self::Dossier => "Dossier",
            Self::DossierEvent => "DossierEvent",
            Self::DossierDocument => "DossierDocument",
            Self::User => "User",
            Self::ClientSecret => "ClientSecret",
            Self::Webhook => "Webhook",
            Self::WebhookDelivery => "WebhookDelivery",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Self::Agency,
            Self::Procedure,
            Self::Dossier,
            Self::DossierEvent,
            Self::DossierDocument,
            Self::User,
            Self::ClientSecret,
            Self::Webhook,
            Self::WebhookDelivery,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

/// The global ID of an object.
pub fn global_id(node_type: NodeType, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", node_type.name())))
}

/// The type and database id inside a global ID.
pub(crate) fn parse_global_id(id: &str) -> Result<(NodeType, Uuid), ApiError> {
    let invalid = || ApiError::BadUserInput(format!("`{id}` is not an ID of this API"));
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (name, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let node_type = NodeType::from_name(name).ok_or_else(invalid)?;
    Ok((node_type, Uuid::parse_str(uuid).map_err(|_| invalid())?))
}

/// The database id inside a global ID of `expected` type, or `wrong_type`
/// for an ID of another type.
pub(crate) fn id_of(id: &ID, expected: NodeType, wrong_type: impl FnOnce() -> ApiError) -> Result<Uuid, ApiError> {
    match parse_global_id(id)? {
        (node_type, uuid) if node_type == expected => Ok(uuid),
        _ => Err(wrong_type()),
    }
}

/// An official's id; an ID of another type names no user (`NOT_FOUND`, as a missing one).
pub(crate) fn user_id(id: &ID) -> Result<Uuid, ApiError> {
    id_of(id, NodeType::User, || ApiError::NotFound("no user with this id".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_global_id_round_trips() {
        let id = Uuid::now_v7();
        let global = global_id(NodeType::Dossier, id);
        assert_eq!(parse_global_id(&global).unwrap(), (NodeType::Dossier, id));
    }

    #[test]
    fn foreign_strings_are_not_ids() {
        assert!(parse_global_id("not-base64!").is_err());
        assert!(parse_global_id(&URL_SAFE_NO_PAD.encode("Spaceship:00000000-0000-0000-0000-000000000000")).is_err());
        assert!(parse_global_id(&URL_SAFE_NO_PAD.encode("Dossier:nope")).is_err());
    }
}
