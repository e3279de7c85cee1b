//! Service accounts of third-party systems and their client secrets.

use crate::error::ApiError;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{id_of, user_id, NodeType};
use crate::graphql::types::user::TrustedDocument;
use crate::graphql::types::{ClientSecret, User};
use crate::services::administration::{self, client_limits, officials, service_accounts};
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

/// The service accounts' mutations.
#[derive(Default)]
pub(super) struct ServiceAccountMutation;

/// A role a new service account holds from the start.
#[derive(InputObject)]
pub(super) struct InitialRoleInput {
    /// The role (`roles` lists them).
    pub role: String,
    /// The agency where it applies.
    pub agency_code: String,
    /// True: over the agency's whole subtree.
    #[graphql(default)]
    pub subtree: bool,
}

/// `createServiceAccount`: a login for a third-party system.
#[derive(InputObject)]
pub(super) struct CreateServiceAccountInput {
    /// The login and OAuth `client_id`, e.g. `cong.thanhtoan` (rules as for an official's username).
    pub username: String,
    /// What system it is, e.g. *Cổng thanh toán tỉnh*.
    pub display_name: String,
    /// The agency it belongs to, where the caller manages officials.
    pub agency_code: String,
    /// Its roles, granted with the same rights as `grantRole`.
    #[graphql(default)]
    pub roles: Vec<InitialRoleInput>,
}

/// `issueClientSecret` and `revokeClientSecret`.
#[derive(InputObject)]
pub(super) struct ServiceAccountInput {
    /// The service account's ID.
    pub service_account: ID,
}

/// `revokeClientSecret`.
#[derive(InputObject)]
pub(super) struct RevokeClientSecretInput {
    /// The secret's ID.
    pub id: ID,
}

/// A client secret just issued: shown this once, never again.
#[derive(SimpleObject)]
pub(super) struct IssuedClientSecret {
    /// The OAuth `client_id`: the service account's username.
    pub client_id: String,
    /// The OAuth `client_secret`. Store it now: only its hash is kept.
    pub client_secret: String,
    /// The secret as listed later (without the secret).
    pub secret: ClientSecret,
}

/// `setClientLimits`.
#[derive(InputObject)]
pub(super) struct SetClientLimitsInput {
    /// The service account's ID.
    pub service_account: ID,
    /// Its own requests a minute; null: the server's setting for service
    /// accounts (`--requests-per-minute-service`); 0: no limit.
    pub requests_per_minute: Option<i32>,
    /// True: it may run only the documents registered for it.
    #[graphql(default)]
    pub trusted_documents_only: bool,
}

/// `registerTrustedDocument`.
#[derive(InputObject)]
pub(super) struct RegisterTrustedDocumentInput {
    /// The service account's ID.
    pub service_account: ID,
    /// The GraphQL document, exactly as the client will send it (its hash is of this text).
    pub document: String,
    /// What it is for.
    pub name: Option<String>,
}

/// `removeTrustedDocument`.
#[derive(InputObject)]
pub(super) struct RemoveTrustedDocumentInput {
    /// The service account's ID.
    pub service_account: ID,
    /// The document's SHA-256, in hex.
    pub hash: String,
}

#[Object]
impl ServiceAccountMutation {
    /// Sets a service account's own limits: its requests a minute and
    /// whether it runs only the documents registered for it (trusted
    /// documents). Needs `official manage` where it works. Applies from its
    /// next request on, on every instance.
    async fn set_client_limits(&self, ctx: &Context<'_>, input: SetClientLimitsInput) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id = user_id(&input.service_account)?;
        let prepared =
            client_limits::set(state, actor, id, input.requests_per_minute, input.trusted_documents_only).await;
        Ok(User(administration::run(state, actor, client_limits::SET, prepared).await?.into()))
    }

    /// Registers a document a service account may run in trusted-documents
    /// mode; it is known by the SHA-256 of its text, which a client may send
    /// alone (`extensions.persistedQuery`). At most 500 per account.
    async fn register_trusted_document(
        &self,
        ctx: &Context<'_>,
        input: RegisterTrustedDocumentInput,
    ) -> async_graphql::Result<TrustedDocument> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id = user_id(&input.service_account)?;
        if let Err(error) = async_graphql::parser::parse_query(&input.document) {
            return Err(ApiError::BadUserInput(format!("the `document` is not GraphQL: {error}")).into());
        }
        let prepared = client_limits::register(state, actor, id, input.document, input.name).await;
        Ok(TrustedDocument(administration::run(state, actor, client_limits::REGISTER, prepared).await?))
    }

    /// Removes a registered document: refused from the next request on.
    async fn remove_trusted_document(
        &self,
        ctx: &Context<'_>,
        input: RemoveTrustedDocumentInput,
    ) -> async_graphql::Result<TrustedDocument> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id = user_id(&input.service_account)?;
        let prepared = client_limits::remove(state, actor, id, &input.hash).await;
        Ok(TrustedDocument(administration::run(state, actor, client_limits::REMOVE, prepared).await?))
    }

    /// Creates a service account for a third-party system in an agency
    /// where the caller manages officials, with its roles (each granted as
    /// `grantRole` would). It gets tokens with `issueClientSecret` and the
    /// OAuth 2.0 client-credentials grant at `POST /oauth/token`.
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceAccountInput,
    ) -> async_graphql::Result<User> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let account = officials::NewOfficial {
            username: input.username,
            display_name: input.display_name,
            kind: entity::OfficialKind::Service,
            agency_code: input.agency_code,
            email: None,
        };
        let roles = input
            .roles
            .into_iter()
            .map(|r| service_accounts::InitialRole { role: r.role, agency_code: r.agency_code, subtree: r.subtree })
            .collect();
        let prepared = service_accounts::create(state, actor, account, roles).await;
        Ok(User(administration::run(state, actor, service_accounts::CREATE, prepared).await?.into()))
    }

    /// Issues a client secret to a service account the caller manages. The
    /// secret is in this answer only; the server keeps its SHA-256. Trade it
    /// at `POST /oauth/token` (`grant_type=client_credentials`, HTTP Basic
    /// `clientId:clientSecret`) for a token valid for an hour.
    async fn issue_client_secret(
        &self,
        ctx: &Context<'_>,
        input: ServiceAccountInput,
    ) -> async_graphql::Result<IssuedClientSecret> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let prepared = service_accounts::issue(state, actor, user_id(&input.service_account)?).await;
        let issued = administration::run(state, actor, service_accounts::ISSUE, prepared).await?;
        let client_id = match crate::services::officials::find_by_ids(&state.db, &[issued.row.official_id]).await?.pop()
        {
            Some(account) => account.username,
            None => return Err(ApiError::internal("a secret of no account").into()),
        };
        Ok(IssuedClientSecret { client_id, client_secret: issued.secret, secret: ClientSecret(issued.row) })
    }

    /// Revokes a client secret: the token endpoint refuses it from the next
    /// request on (tokens already issued run out within the hour).
    async fn revoke_client_secret(
        &self,
        ctx: &Context<'_>,
        input: RevokeClientSecretInput,
    ) -> async_graphql::Result<ClientSecret> {
        let (state, actor) = (ctx.state(), ctx.viewer()?);
        let id =
            id_of(&input.id, NodeType::ClientSecret, || ApiError::NotFound("no client secret with this id".into()))?;
        let prepared = service_accounts::revoke(state, actor, id).await;
        Ok(ClientSecret(administration::run(state, actor, service_accounts::REVOKE, prepared).await?))
    }
}
