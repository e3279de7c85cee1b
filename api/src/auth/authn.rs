//! Authentication: `Authorization: Bearer <JWT>`, HS256 with the configured (or
//! generated) secret, or RS256/ES256 against an OIDC issuer's JWKS. The token
//! names the user (`sub`); roles never come from the token. A verified token
//! is trusted for [`TOKEN_FRESH_FOR`] (never past its expiry). The official a
//! token names is read from the database at most every [`OFFICIAL_FRESH_FOR`]:
//! a deactivated official's tokens stop working within that time.

use crate::config::Settings;
use crate::error::ApiError;
use anyhow::Context;
use base64::Engine;
use entity::official;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::RwLock;
use uuid::Uuid;

const SECRET_FILE: &str = "jwt-secret";

/// How long an official read for a token is trusted before it is read again.
pub(crate) const OFFICIAL_FRESH_FOR: Duration = Duration::from_secs(5);
/// How long a verified token is trusted without checking its signature again
/// (it is never trusted past its expiry; an issuer's rotated key stops
/// being honoured within this time).
pub(crate) const TOKEN_FRESH_FOR: Duration = Duration::from_secs(60);
/// Most officials (and verified tokens) remembered at once; the memory is emptied when it is full.
const MAX_REMEMBERED: usize = 10_000;
const ISSUER: &str = "motcua";

/// The claims motcua reads and writes.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    #[serde(default)]
    iat: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
}

/// The authenticated caller, as found in the `official` table.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub id: Uuid,
    pub username: String,
    pub agency_id: Uuid,
}

/// Who is calling: nobody in particular, or a known user.
#[derive(Debug, Clone)]
pub(crate) enum Identity {
    Anonymous,
    User(Viewer),
}

impl Identity {
    /// The user, when there is one.
    pub(crate) fn viewer(&self) -> Option<&Viewer> {
        match self {
            Self::Anonymous => None,
            Self::User(viewer) => Some(viewer),
        }
    }
}

struct Jwks {
    url: String,
    keys: RwLock<(JwkSet, SystemTime)>,
}

/// Mints and verifies tokens.
pub struct Authenticator {
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: Option<Jwks>,
    issuer: Option<String>,
    audience: Option<String>,
    http: reqwest::Client,
    /// Officials recently read for a token, by username, with when they were read.
    officials: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Viewer)>>,
    /// Tokens recently verified: when, their user, when they expire (seconds since 1970).
    verified: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, String, u64)>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").field("jwks", &self.jwks.as_ref().map(|j| &j.url)).finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Reads the HS256 secret (generating it into the data folder on first
    /// start) and, when configured, fetches the issuer's JWKS.
    pub async fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let secret = match &settings.jwt_secret {
            Some(secret) => secret.expose().as_bytes().to_vec(),
            None => load_or_generate_secret(&settings.data_dir)?,
        };
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
        let jwks = match &settings.jwks_url {
            Some(url) => {
                let keys = fetch_jwks(&http, url).await?;
                Some(Jwks { url: url.clone(), keys: RwLock::new((keys, SystemTime::now())) })
            }
            None => None,
        };
        Ok(Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            jwks,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            http,
            officials: Default::default(),
            verified: Default::default(),
        })
    }

    /// An HS256 token for `user`, valid for `ttl`.
    pub fn mint(&self, user: &str, ttl: Duration) -> anyhow::Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let claims = Claims { sub: user.to_owned(), iat: now, exp: now + ttl.as_secs(), iss: Some(ISSUER.to_owned()) };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    /// The user a token names and when it expires (seconds since 1970), if
    /// its signature, algorithm and dates are valid.
    pub(crate) async fn verify(&self, token: &str) -> Result<(String, u64), ApiError> {
        if let Some(verified) = self.verified_before(token) {
            return Ok(verified);
        }
        let (user, expires) = self.verify_signature_and_dates(token).await?;
        self.remember_verified(token, &user, expires);
        Ok((user, expires))
    }

    /// The user of a token verified within [`TOKEN_FRESH_FOR`] that has not expired since.
    fn verified_before(&self, token: &str) -> Option<(String, u64)> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        let verified = self.verified.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (at, user, expires) = verified.get(token)?;
        (at.elapsed() < TOKEN_FRESH_FOR && now < *expires).then(|| (user.clone(), *expires))
    }

    fn remember_verified(&self, token: &str, user: &str, expires: u64) {
        let mut verified = self.verified.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if verified.len() >= MAX_REMEMBERED {
            verified.clear();
        }
        verified.insert(token.to_owned(), (std::time::Instant::now(), user.to_owned(), expires));
    }

    /// Checks a token's signature, algorithm and dates: its user and when it expires.
    async fn verify_signature_and_dates(&self, token: &str) -> Result<(String, u64), ApiError> {
        let invalid = |why: &str| ApiError::Unauthenticated(format!("invalid token: {why}"));
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed"))?;
        let claims = match header.alg {
            Algorithm::HS256 => {
                let mut validation = Validation::new(Algorithm::HS256);
                validation.validate_aud = false;
                validation.leeway = 0;
                jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
                    .map_err(|e| invalid(&e.to_string()))?
                    .claims
            }
            Algorithm::RS256 | Algorithm::ES256 => {
                let key = self
                    .jwks_key(header.kid.as_deref(), header.alg)
                    .await
                    .ok_or_else(|| invalid("unknown signing key"))?;
                let mut validation = Validation::new(header.alg);
                validation.leeway = 30;
                match &self.audience {
                    Some(audience) => validation.set_audience(&[audience]),
                    None => validation.validate_aud = false,
                }
                if let Some(issuer) = &self.issuer {
                    validation.set_issuer(&[issuer]);
                }
                jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| invalid(&e.to_string()))?.claims
            }
            other => return Err(invalid(&format!("algorithm {other:?} is not accepted"))),
        };
        if claims.sub.is_empty() {
            return Err(invalid("no subject"));
        }
        if claims.sub.contains('\0') {
            return Err(invalid("the subject holds a NUL character"));
        }
        Ok((claims.sub, claims.exp))
    }

    /// The JWKS key with this id, refetching the set (at most once a minute) when it is unknown.
    async fn jwks_key(&self, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
        let jwks = self.jwks.as_ref()?;
        let find = |set: &JwkSet| {
            let jwk = match kid {
                Some(kid) => set.find(kid),
                None => set.keys.first(),
            }?;
            DecodingKey::from_jwk(jwk).ok()
        };
        {
            let keys = jwks.keys.read().await;
            if let Some(key) = find(&keys.0) {
                return Some(key);
            }
            if keys.1.elapsed().unwrap_or_default() < Duration::from_secs(60) {
                return None;
            }
        }
        let mut keys = jwks.keys.write().await;
        match fetch_jwks(&self.http, &jwks.url).await {
            Ok(fresh) => *keys = (fresh, SystemTime::now()),
            Err(error) => {
                tracing::warn!(?error, ?alg, "refreshing the JWKS failed");
                keys.1 = SystemTime::now();
            }
        }
        find(&keys.0)
    }

    /// Resolves the `Authorization` header into an identity. A header that is
    /// present but invalid, expired or names an unknown user is an error, never anonymous.
    pub(crate) async fn identify(
        &self,
        db: &DatabaseConnection,
        authorization: Option<&str>,
    ) -> Result<Identity, ApiError> {
        self.identify_until(db, authorization).await.map(|(identity, _)| identity)
    }

    /// The same, with when the token expires (`None` for anonymous callers).
    pub(crate) async fn identify_until(
        &self,
        db: &DatabaseConnection,
        authorization: Option<&str>,
    ) -> Result<(Identity, Option<SystemTime>), ApiError> {
        let Some(header) = authorization else {
            return Ok((Identity::Anonymous, None));
        };
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::Unauthenticated("the Authorization header must be `Bearer <token>`".into()))?;
        let (username, expires) = self.verify(token).await?;
        let expires = Some(UNIX_EPOCH + Duration::from_secs(expires));
        if let Some(viewer) = self.remembered(&username) {
            return Ok((Identity::User(viewer), expires));
        }
        let official = official::Entity::find()
            .filter(official::Column::Username.eq(&username))
            .filter(official::Column::Active.eq(true))
            .one(db)
            .await?
            .ok_or_else(|| ApiError::Unauthenticated("the token names an unknown or inactive user".into()))?;
        let viewer = Viewer { id: official.id, username: official.username, agency_id: official.agency_id };
        self.remember(&viewer);
        Ok((Identity::User(viewer), expires))
    }

    fn remembered(&self, username: &str) -> Option<Viewer> {
        let officials = self.officials.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        officials.get(username).filter(|(at, _)| at.elapsed() < OFFICIAL_FRESH_FOR).map(|(_, viewer)| viewer.clone())
    }

    /// Forgets the official read for `username`'s tokens: the next request
    /// reads it again (it was deactivated or changed).
    pub(crate) fn forget(&self, username: &str) {
        self.officials.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(username);
    }

    /// Forgets every official read for a token.
    pub(crate) fn forget_all(&self) {
        self.officials.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    fn remember(&self, viewer: &Viewer) {
        let mut officials = self.officials.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if officials.len() >= MAX_REMEMBERED {
            officials.clear();
        }
        officials.insert(viewer.username.clone(), (std::time::Instant::now(), viewer.clone()));
    }
}

async fn fetch_jwks(http: &reqwest::Client, url: &str) -> anyhow::Result<JwkSet> {
    let response = http.get(url).send().await.with_context(|| format!("fetching the JWKS at {url}"))?;
    response.error_for_status()?.json().await.context("reading the JWKS")
}

/// The HS256 secret in the data folder, created (readable by the owner only) on first start.
fn load_or_generate_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join(SECRET_FILE);
    let engine = base64::engine::general_purpose::STANDARD;
    if let Ok(text) = std::fs::read_to_string(&path) {
        return engine.decode(text.trim()).with_context(|| format!("reading the secret in {}", path.display()));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let mut secret = vec![0u8; 48];
    rand::rng().fill_bytes(&mut secret);
    write_private(&path, engine.encode(&secret).as_bytes())?;
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("creating {}", path.display()))
}
