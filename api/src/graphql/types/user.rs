//! `User` (an official or a service account) and `Viewer` (the caller).

use crate::auth::{self, Grant};
use crate::domain::paths::PathPattern;
use crate::graphql::context::{agency_by_id, load, official_by_id, required, ContextExt};
use crate::graphql::enums::UserKind;
use crate::graphql::ids::{global_id, NodeType};
use crate::graphql::types::Agency;
use crate::services::agencies;
use async_graphql::{Context, Object, SimpleObject, ID};
use entity::official;

/// An official (*cán bộ, công chức*) or a service account.
pub(crate) struct User(pub std::sync::Arc<official::Model>);

#[Object]
impl User {
    /// Global ID (Relay `Node`).
    pub async fn id(&self) -> ID {
        global_id(NodeType::User, self.0.id)
    }

    /// Login name, the `sub` of the user's tokens (e.g. `vinhthanh.motcua`).
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// Full name.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// A person or a service account.
    async fn kind(&self) -> UserKind {
        self.0.kind.into()
    }

    /// The agency the user works in.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let id = self.0.agency_id;
        Ok(Agency(required(agency_by_id(ctx, id).await?, "agency", id)?))
    }

    /// False once deactivated: its tokens are refused.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// Work e-mail address; shown to the user itself and to those who manage
    /// officials where it works, null to others.
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(match self.manageable(ctx).await? {
            true => self.0.email.as_deref(),
            false => None,
        })
    }

    /// The user's roles and where it holds them; shown to the user itself
    /// and to those who manage officials where it works, null to others.
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<RoleGrant>>> {
        if !self.manageable(ctx).await? {
            return Ok(None);
        }
        let grants = ctx.state().authz.grants(&self.0.username).await;
        Ok(Some(grants.into_iter().map(RoleGrant::from).collect()))
    }

    /// For a service account, its own requests a minute (null: the server's
    /// setting for service accounts; 0: no limit); shown to those who manage
    /// it (and to itself), null otherwise.
    async fn requests_per_minute(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        if !self.manageable(ctx).await? {
            return Ok(None);
        }
        Ok(self.0.requests_per_minute)
    }

    /// For a service account in trusted-documents mode: it runs only the
    /// documents registered for it (`trustedDocuments`).
    async fn trusted_documents_only(&self) -> bool {
        self.0.trusted_documents_only
    }

    /// For a service account, the documents registered for it, oldest
    /// first; shown to those who manage it (and to itself), null otherwise.
    async fn trusted_documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<TrustedDocument>>> {
        if self.0.kind != entity::OfficialKind::Service || !self.manageable(ctx).await? {
            return Ok(None);
        }
        let documents = crate::services::administration::client_limits::documents_of(ctx.db(), self.0.id).await?;
        Ok(Some(documents.into_iter().map(TrustedDocument).collect()))
    }

    /// For a service account, its client secrets, newest first; shown to those
    /// who manage officials where it works (and to itself), null otherwise.
    async fn client_secrets(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<ClientSecret>>> {
        if self.0.kind != entity::OfficialKind::Service || !self.manageable(ctx).await? {
            return Ok(None);
        }
        let secrets = load(ctx, crate::graphql::loaders::SecretsOf(self.0.id)).await?.unwrap_or_default();
        Ok(Some(secrets.into_iter().map(ClientSecret).collect()))
    }
}

/// A document a service account in trusted-documents mode may run; a client
/// may send its hash alone (`extensions.persistedQuery`, docs/LIMITS.md).
pub(crate) struct TrustedDocument(pub entity::trusted_document::Model);

#[Object]
impl TrustedDocument {
    /// The SHA-256 of the document's text, in lower-case hex.
    async fn hash(&self) -> &str {
        &self.0.hash
    }

    /// What it is for.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The document.
    async fn document(&self) -> &str {
        &self.0.document
    }

    /// Who registered it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }

    /// When.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
}

impl User {
    /// Whether the caller is this user or manages officials where it works.
    async fn manageable(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let Some(viewer) = ctx.identity().viewer() else { return Ok(false) };
        if viewer.id == self.0.id {
            return Ok(true);
        }
        let id = self.0.agency_id;
        let agency = required(agency_by_id(ctx, id).await?, "agency", id)?;
        let scope = ctx.state().authz.scope(&viewer.username, "official", "manage").await;
        Ok(scope.contains(&agency.path))
    }
}

/// A client secret of a service account, as listed: never the secret itself.
pub(crate) struct ClientSecret(pub entity::client_secret::Model);

#[Object]
impl ClientSecret {
    /// The secret's ID (for `revokeClientSecret`).
    async fn id(&self) -> ID {
        global_id(NodeType::ClientSecret, self.0.id)
    }

    /// Its first characters, to tell secrets apart (`mcs_…`).
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    /// When it was issued, and by whom.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }

    /// The admin who issued it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }

    /// When a token was last obtained with it.
    async fn last_used_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.last_used_at
    }

    /// When it was revoked; null while it works.
    async fn revoked_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.revoked_at
    }
}

/// A role the caller holds, and where.
#[derive(SimpleObject)]
#[graphql(complex)]
pub(crate) struct RoleGrant {
    /// The role: `receiver`, `specialist`, `leader`, `admin`, `supervisor` or `portal`.
    pub role: String,
    /// The agency's path (`/91/899/`).
    pub agency_path: String,
    /// True when the role covers the agency's whole subtree (casbin domain `/91/*`).
    pub subtree: bool,
}

#[async_graphql::ComplexObject]
impl RoleGrant {
    /// The agency at `agencyPath`.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Agency>> {
        Ok(agencies::find_by_path(ctx.db(), &self.agency_path).await?.map(|a| Agency(a.into())))
    }
}

impl From<Grant> for RoleGrant {
    fn from(grant: Grant) -> Self {
        match grant.pattern {
            PathPattern::Agency(path) => Self { role: grant.role, agency_path: path, subtree: false },
            PathPattern::Subtree(path) => Self { role: grant.role, agency_path: path, subtree: true },
        }
    }
}

/// The caller: who it is, where it works, and its roles.
pub(crate) struct Viewer(pub auth::Viewer);

#[Object]
impl Viewer {
    /// The caller as a user.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(official_by_id(ctx, self.0.id).await?.map(User))
    }

    /// The agency the caller works in.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let id = self.0.agency_id;
        Ok(Agency(required(agency_by_id(ctx, id).await?, "agency", id)?))
    }

    /// The caller's roles (from casbin, never from the token).
    async fn roles(&self, ctx: &Context<'_>) -> Vec<RoleGrant> {
        ctx.state().authz.grants(&self.0.username).await.into_iter().map(RoleGrant::from).collect()
    }
}
